import { UserFacingError } from '../errors.js';

/**
 * The period a backfill covers: `since` inclusive, `until` exclusive (a
 * half-open interval, so consecutive runs `--since A --until B` and
 * `--since B --until C` cover every file exactly once). Both are UTC instants.
 * It is matched against the delivery time CloudTrail puts in the key: the
 * `YYYY/MM/DD` folder and the `…_YYYYMMDDTHHMMZ_…` timestamp of the file name.
 */
export interface TimeRange {
  readonly since: Date;
  readonly until: Date;
}

const DAY_MS = 86_400_000;

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS[.fff]]`, optionally with `Z` or
 * a `±HH:MM` offset; without one the time is UTC. Impossible dates (2024-02-30)
 * are refused rather than rolled over.
 */
export function parseInstant(value: string, flag: string): Date {
  const m = INSTANT.exec(value.trim());
  if (!m) {
    throw new UserFacingError(`${flag} ${JSON.stringify(value)} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC unless it ends with an offset such as +02:00).`);
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  const ms = Math.floor(Number(`0.${frac}`) * 1000);
  const local = Date.UTC(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], ms);
  const back = new Date(local);
  if (
    back.getUTCFullYear() !== parts[0] || back.getUTCMonth() !== parts[1] || back.getUTCDate() !== parts[2] ||
    back.getUTCHours() !== parts[3] || back.getUTCMinutes() !== parts[4] || back.getUTCSeconds() !== parts[5]
  ) {
    throw new UserFacingError(`${flag} ${JSON.stringify(value)} is not a valid date or time.`);
  }
  let offsetMs = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    offsetMs = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  return new Date(local - offsetMs);
}

/** Midnight UTC of the day `date` falls in. */
export function startOfDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

/**
 * Every UTC day that overlaps the range, as the `YYYY/MM/DD` path segments
 * CloudTrail uses, oldest first.
 */
export function daysOf(range: TimeRange): string[] {
  const out: string[] = [];
  for (let t = startOfDay(range.since).getTime(); t < range.until.getTime(); t += DAY_MS) {
    const d = new Date(t);
    out.push(`${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`);
  }
  return out;
}

const FILE_TIME = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z(?:_|\.)/;

/** The delivery time in a CloudTrail file name (`…_20230710T1145Z_…`), if it has one. */
export function fileTimeOf(fileName: string): Date | undefined {
  const m = FILE_TIME.exec(fileName);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  return Number.isNaN(t) ? undefined : new Date(t);
}

/**
 * Whether a file delivered on `day` (`YYYY-MM-DD`) with this file name falls in
 * the range: by the file name's timestamp when it has one, else by its day.
 */
export function fileInRange(range: TimeRange, day: string, fileName: string): boolean {
  const t = fileTimeOf(fileName);
  if (t) return t >= range.since && t < range.until;
  const start = Date.parse(`${day}T00:00:00Z`);
  return start < range.until.getTime() && start + DAY_MS > range.since.getTime();
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * The period an index covers (TRAILSTREAM_INDEX_GRANULARITY) and how it is
 * spelled in index names. Every name is a pure function of a UTC day, so a
 * record always lands in the same index (idempotent ids stay idempotent), and
 * names of one granularity sort in time order:
 *
 * - day:   `2026.11.23`
 * - week:  `2026.w48` (ISO 8601 week, Monday to Sunday; the ISO week-year, so
 *          2027-01-01 may belong to `2026.w53`)
 * - month: `2026.11`
 *
 * Every form starts with the year's digits, which is what the lifecycle
 * policy's index patterns (`<prefix>-1*`, `<prefix>-2*`) rely on.
 */
export type IndexGranularity = 'day' | 'week' | 'month';

export const INDEX_GRANULARITIES: readonly IndexGranularity[] = ['day', 'week', 'month'];

/** The longest period of a granularity, in days (a month: 31). */
export const PERIOD_DAYS: Readonly<Record<IndexGranularity, number>> = { day: 1, week: 7, month: 31 };

const DAY_MS = 86_400_000;

/** `2026.11.23` (the form dayOf returns) → the period name of the granularity. */
export function periodOfDay(day: string, granularity: IndexGranularity): string {
  if (granularity === 'day') return day;
  if (granularity === 'month') return day.slice(0, 7);
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  const d = Number(day.slice(8, 10));
  const { year, week } = isoWeek(Date.UTC(y, m - 1, d));
  return `${year}.w${week < 10 ? `0${week}` : week}`;
}

/** The ISO 8601 week-year and week of a UTC day (ms at midnight). */
export function isoWeek(dayMs: number): { year: number; week: number } {
  const date = new Date(dayMs);
  const weekday = date.getUTCDay() || 7; // Monday 1 … Sunday 7
  // The Thursday of the same week decides the year.
  const thursday = dayMs + (4 - weekday) * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return { year, week };
}

/** The UTC time span [startMs, endMs) of a period name in any granularity, or undefined if it is not one. */
export function periodRange(period: string): { granularity: IndexGranularity; startMs: number; endMs: number } | undefined {
  let m = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(period);
  if (m) {
    const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    // Rejects 2026.02.31 and the like: the name must be the one periodOfDay would give.
    if (formatDay(start) !== period) return undefined;
    return { granularity: 'day', startMs: start, endMs: start + DAY_MS };
  }
  m = /^(\d{4})\.(\d{2})$/.exec(period);
  if (m) {
    const month = Number(m[2]);
    if (month < 1 || month > 12) return undefined;
    const year = Number(m[1]);
    return { granularity: 'month', startMs: Date.UTC(year, month - 1, 1), endMs: Date.UTC(year, month, 1) };
  }
  m = /^(\d{4})\.w(\d{2})$/.exec(period);
  if (m) {
    const year = Number(m[1]);
    const week = Number(m[2]);
    // Monday of ISO week 1 is the Monday of the week that holds January 4th.
    const jan4 = Date.UTC(year, 0, 4);
    const week1 = jan4 - ((new Date(jan4).getUTCDay() || 7) - 1) * DAY_MS;
    const start = week1 + (week - 1) * 7 * DAY_MS;
    if (week < 1 || isoWeek(start).year !== year) return undefined;
    return { granularity: 'week', startMs: start, endMs: start + 7 * DAY_MS };
  }
  return undefined;
}

function formatDay(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));
  return `${d.getUTCFullYear()}.${pad(d.getUTCMonth() + 1)}.${pad(d.getUTCDate())}`;
}

export interface DatedIndex {
  readonly family: 'events' | 'insights';
  readonly period: string;
  readonly granularity: IndexGranularity;
  /** The period's UTC span [startMs, endMs). */
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Reads an index name back: a dated event or Insights index of this prefix,
 * in any granularity, or undefined for anything else (`<prefix>-undated`, the
 * dead-letter index, another prefix such as `<prefix>-prod-2026.11.23`, or a
 * name no granularity would give).
 */
export function parseIndexName(prefix: string, name: string): DatedIndex | undefined {
  if (!name.startsWith(`${prefix}-`)) return undefined;
  let rest = name.slice(prefix.length + 1);
  let family: 'events' | 'insights' = 'events';
  if (rest.startsWith('insights-')) {
    family = 'insights';
    rest = rest.slice('insights-'.length);
  }
  const range = periodRange(rest);
  return range && { family, period: rest, ...range };
}

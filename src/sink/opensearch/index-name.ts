/**
 * Daily index names from a record's eventTime, in UTC: `cloudtrail-2026.11.23`.
 * The name must be a pure function of the record (plus the object key as a
 * fallback) so that redeliveries, replays and backfills always write the same
 * document to the same index and never duplicate it.
 */
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})T/;

export function dayOf(eventTime: unknown): string | undefined {
  if (typeof eventTime !== 'string') return undefined;
  // Fast path: CloudTrail writes `YYYY-MM-DDThh:mm:ssZ`, already UTC.
  const m = ISO_DAY.exec(eventTime);
  if (m && eventTime.endsWith('Z')) return `${m[1]}.${m[2]}.${m[3]}`;
  const ms = Date.parse(eventTime.includes('T') ? eventTime : `${eventTime.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) return undefined;
  const d = new Date(ms);
  if (d.getUTCFullYear() < 1970 || d.getUTCFullYear() > 9999) return undefined;
  return `${d.getUTCFullYear()}.${pad(d.getUTCMonth() + 1)}.${pad(d.getUTCDate())}`;
}

/** Normalises eventTime to an ISO-8601 UTC timestamp for `@timestamp`, or undefined. */
export function timestampOf(eventTime: unknown): string | undefined {
  if (typeof eventTime !== 'string') return undefined;
  if (ISO_DAY.test(eventTime) && eventTime.endsWith('Z')) return eventTime;
  const ms = Date.parse(eventTime.includes('T') ? eventTime : `${eventTime.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) return undefined;
  const d = new Date(ms);
  if (d.getUTCFullYear() < 1970 || d.getUTCFullYear() > 9999) return undefined;
  return d.toISOString();
}

/** `AWSLogs/…/CloudTrail/<region>/2026/11/23/…` → `2026.11.23`, for records with no usable eventTime. */
export function dayOfKey(key: string): string | undefined {
  const m = /\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(key);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
}

export function indexNameFor(prefix: string, family: 'events' | 'insights', day: string | undefined): string {
  const base = family === 'insights' ? `${prefix}-insights` : prefix;
  return `${base}-${day ?? 'undated'}`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

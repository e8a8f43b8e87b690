/**
 * CloudTrail's eventTime, read as UTC: the day it falls on and an ISO-8601
 * timestamp. Enrichment (`@timestamp`) and the document stage (index names)
 * both need them, so they live below both.
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

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

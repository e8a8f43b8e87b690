/**
 * Index names from a record's eventTime, in UTC, per TRAILSTREAM_INDEX_GRANULARITY:
 * `cloudtrail-2026.11.23` (day), `cloudtrail-2026.w48` (ISO week) or
 * `cloudtrail-2026.11` (month); Insight events under `<prefix>-insights-…`,
 * records with no usable date in `<prefix>-undated`. The name must be a pure
 * function of the record (plus the object key as a fallback) so that
 * redeliveries, replays and backfills always write the same document to the
 * same index and never duplicate it.
 */
/** `AWSLogs/…/CloudTrail/<region>/2026/11/23/…` → `2026.11.23`, for records with no usable eventTime. */
export function dayOfKey(key: string): string | undefined {
  const m = /\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(key);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
}

/** `period` is a name from periodOfDay (any granularity), or undefined for `undated`. */
export function indexNameFor(prefix: string, family: 'events' | 'insights', period: string | undefined): string {
  const base = family === 'insights' ? `${prefix}-insights` : prefix;
  return `${base}-${period ?? 'undated'}`;
}

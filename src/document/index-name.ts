import { periodRange, type IndexGranularity } from '../model/index-period.js';

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

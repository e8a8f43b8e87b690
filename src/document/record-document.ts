import { classifyKey } from '../model/object-key.js';
import type { Enrichment } from '../enrich/enrichment.js';
import type { CloudTrailRecord } from '../model/cloudtrail.js';
import type { DocumentOrigin } from '../sink/bulk-indexer.js';
import { documentId } from './document-id.js';
import { buildSource } from './document.js';
import { dayOf } from '../model/event-time.js';
import { periodOfDay, type IndexGranularity } from '../model/index-period.js';
import { dayOfKey, indexNameFor } from './index-name.js';

/**
 * How one record of one S3 object becomes a document: its index, its `_id`
 * and its source. The worker (processObject) and `replay-dlq --index` both go
 * through here, so a replayed record lands exactly where, and as, the worker
 * would have put it.
 */

/** What depends on the object only, computed once per object. */
export interface ObjectTarget {
  readonly family: 'events' | 'insights';
  /** The delivery day from the key, for records without a usable eventTime. */
  readonly fallbackDay: string | undefined;
  /** The period one index covers. */
  readonly granularity: IndexGranularity;
  /** The index of the last canonical eventTime day seen in this object (see indexOf). */
  readonly lastDay: { dayPrefix: string; index: string };
}

export function objectTarget(key: string, granularity: IndexGranularity = 'day'): ObjectTarget {
  return {
    family: classifyKey(key).kind === 'insight' ? 'insights' : 'events',
    fallbackDay: dayOfKey(key),
    granularity,
    lastDay: { dayPrefix: '', index: '' },
  };
}

/** The index of a record dated `day` (or of an undated one, from the key's day). */
function indexOfDay(day: string | undefined, target: ObjectTarget, indexPrefix: string): string {
  const d = day ?? target.fallbackDay;
  return indexNameFor(indexPrefix, target.family, d === undefined ? undefined : periodOfDay(d, target.granularity));
}

export type RecordDocument =
  | {
      readonly ok: true;
      readonly index: string;
      readonly id: string;
      readonly source: Buffer;
      readonly raw: () => string;
      /** The record's eventTime in ms since the epoch, when it has a valid one (for the ingestion-lag metric). */
      readonly eventTimeMs?: number;
    }
  /** Not valid JSON: where its dead letter goes and why. */
  | { readonly ok: false; readonly index: string; readonly id: string; readonly text: string; readonly reason: string };

export function recordDocument(
  bytes: Buffer,
  origin: DocumentOrigin,
  target: ObjectTarget,
  indexPrefix: string,
  enrich: (record: CloudTrailRecord) => Enrichment,
): RecordDocument {
  const { bucket, key, ordinal } = origin;
  let record: CloudTrailRecord;
  try {
    record = JSON.parse(bytes.toString('utf8')) as CloudTrailRecord;
  } catch (e) {
    return {
      ok: false,
      index: indexOfDay(undefined, target, indexPrefix),
      id: documentId(undefined, bucket, key, ordinal),
      text: bytes.toString('utf8'),
      reason: (e as Error).message,
    };
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    // The splitter only yields objects; a replayed raw string may be anything.
    return {
      ok: false,
      index: indexOfDay(undefined, target, indexPrefix),
      id: documentId(undefined, bucket, key, ordinal),
      text: bytes.toString('utf8'),
      reason: 'not a JSON object',
    };
  }
  const built = buildSource(bytes, record, enrich(record));
  const eventTimeMs = typeof record.eventTime === 'string' ? Date.parse(record.eventTime) : NaN;
  return {
    ok: true,
    index: indexOf(record.eventTime, target, indexPrefix),
    id: documentId(record.eventID, bucket, key, ordinal),
    source: built.source,
    raw: built.raw,
    eventTimeMs: Number.isNaN(eventTimeMs) ? undefined : eventTimeMs,
  };
}

/*
 * The records of one file nearly all fall on the same day: the last day's
 * index name is kept per object, so most records get theirs without a regular
 * expression and two new strings. Only canonical `YYYY-MM-DDThh:mm:ssZ` times
 * (CloudTrail's own form) take the shortcut; anything else goes through dayOf.
 */
function indexOf(eventTime: unknown, target: ObjectTarget, indexPrefix: string): string {
  const memo = target.lastDay;
  const canonical = typeof eventTime === 'string' && eventTime.length === 20 && eventTime.charCodeAt(10) === 0x54 && eventTime.charCodeAt(19) === 0x5a;
  if (canonical && memo.index !== '' && eventTime.startsWith(memo.dayPrefix)) return memo.index;
  const day = dayOf(eventTime);
  const index = indexOfDay(day, target, indexPrefix);
  if (canonical && day !== undefined) {
    memo.dayPrefix = eventTime.slice(0, 10);
    memo.index = index;
  }
  return index;
}

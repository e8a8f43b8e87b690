import { createHash } from 'node:crypto';

/**
 * The `_id` of a record: its eventID, so redeliveries, replays and backfills
 * overwrite instead of duplicating. Records without a usable eventID (some
 * service events, hand-made test data) get a stable hash of where they were
 * read from, which is just as idempotent for the same object.
 */
export function documentId(eventId: unknown, bucket: string, key: string, ordinal: number): string {
  // OpenSearch rejects ids over 512 bytes; anything that long is not a CloudTrail eventID.
  if (typeof eventId === 'string' && eventId.length > 0 && Buffer.byteLength(eventId) <= 512) return eventId;
  return `ts-${createHash('sha256').update(`${bucket}\0${key}\0${ordinal}`).digest('base64url').slice(0, 32)}`;
}

import { isAllowed, type AllowedLocation } from '../config/config.js';
import { decodeObjectBatches, type DecodeLimits } from '../decode/decode-object.js';
import { classifyKey } from '../model/object-key.js';
import { enrichRecord } from '../enrich/enrich-record.js';
import type { Enricher } from '../enrich/enricher.js';
import { NonRetryableError, RetryableError, SkipSignal, isClassified, type ClassifiedError } from '../errors.js';
import type { CloudTrailRecord } from '../model/cloudtrail.js';
import type { Logger } from '../observability/logger.js';
import type { ObjectGetter } from '../source/s3/object-source.js';
import type { ObjectRef } from '../source/sqs/object-ref.js';
import type { BulkDocument, BulkIndexer } from '../sink/bulk-indexer.js';
import { objectTarget, recordDocument } from '../document/record-document.js';
import { rejectedRecordDocument } from '../document/rejected-record.js';
import type { IndexGranularity } from '../model/index-period.js';
import { ObjectAck } from './object-ack.js';

export interface ObjectPipelineOptions {
  readonly allowList: readonly AllowedLocation[];
  readonly keyPattern: RegExp;
  readonly indexPrefix: string;
  /** The period each index covers (default day). */
  readonly indexGranularity?: IndexGranularity;
  readonly limits: DecodeLimits;
}

export interface ObjectPipelineDeps {
  readonly options: ObjectPipelineOptions;
  /** Built once per worker (it owns the geo-IP databases); without one, records get every field but geo/AS. */
  readonly enricher?: Enricher;
  readonly objects: ObjectGetter;
  readonly indexer: BulkIndexer;
  readonly logger: Logger;
}

export interface ObjectResult {
  readonly bucket: string;
  readonly key: string;
  readonly outcome: 'done' | 'skipped' | 'failed';
  readonly records: number;
  readonly indexed: number;
  readonly deadLettered: number;
  readonly compressedBytes: number;
  /** Bytes after decompression (equal to compressedBytes for plain JSON; 0 when the object was never read). */
  readonly decompressedBytes: number;
  /** Why the object was skipped or failed. */
  readonly error?: ClassifiedError;
}

/**
 * Reads one S3 object record by record and hands every record to the sink,
 * then waits until each one is durable (indexed or dead-lettered). The result
 * says whether the object is done, skipped, or failed and how; it never throws.
 *
 * Records before a corrupt point are kept: they are indexed, and the failure
 * names the byte offset so the object can be dead-lettered with it.
 */
export async function processObject(ref: ObjectRef, deps: ObjectPipelineDeps, signal?: AbortSignal): Promise<ObjectResult> {
  return (await readObject(ref, deps, signal)).durable;
}

/** An object whose records have all been handed to the sink. */
export interface ReadObject {
  /** Resolves with the object's result once every record is durable (never rejects). */
  readonly durable: Promise<ObjectResult>;
}

/**
 * The two phases of {@link processObject}, apart: resolves as soon as the
 * object is read to its end (every record handed to the sink), and `durable`
 * resolves once those records are indexed or dead-lettered. The worker limits
 * only the reading phase by TRAILSTREAM_OBJECT_CONCURRENCY: an object waiting
 * for its last bulk request holds no download or decoder, and keeping its slot
 * would leave the worker idle while its batch fills (the sink's buffer bounds
 * what waits).
 */
export async function readObject(ref: ObjectRef, deps: ObjectPipelineDeps, signal?: AbortSignal): Promise<ReadObject> {
  const { bucket, key } = ref;
  const { options } = deps;
  const base = { bucket, key, records: 0, indexed: 0, deadLettered: 0, compressedBytes: 0, decompressedBytes: 0 };

  const now = (result: ObjectResult): ReadObject => ({ durable: Promise.resolve(result) });
  if (!isAllowed(options.allowList, bucket, key)) {
    return now({
      ...base,
      outcome: 'failed',
      error: new NonRetryableError(
        'bucket-not-allowed',
        `s3://${bucket}/${key} is not on the allow-list (TRAILSTREAM_ALLOWED_BUCKETS); refusing to read it`,
        { bucket, key },
      ),
    });
  }
  const layout = classifyKey(key);
  if (layout.kind === 'digest') {
    return now({ ...base, outcome: 'skipped', error: new SkipSignal('digest-file', 'CloudTrail digest file', { bucket, key }) });
  }
  if (!options.keyPattern.test(key)) {
    return now({ ...base, outcome: 'skipped', error: new SkipSignal('key-filtered', `key does not match TRAILSTREAM_KEY_PATTERN ${options.keyPattern}`, { bucket, key }) });
  }

  const target = objectTarget(key, options.indexGranularity);
  const enrich = deps.enricher ? (r: CloudTrailRecord) => deps.enricher!.enrich(r) : enrichRecord;
  const ack = new ObjectAck();
  let records = 0;
  let compressedBytes = 0;
  let decompressedBytes = 0;
  let readError: ClassifiedError | undefined;

  const produced = deps.indexer.producing();
  try {
    const stream = await deps.objects.getObject(bucket, key, signal, ref.versionId);
    const decoded = decodeObjectBatches(stream.body, options.limits);
    try {
      for await (const batch of decoded) {
        // Once a document has failed for good but retryably (an outage outlasted
        // TRAILSTREAM_OUTAGE_MAX_SECONDS, retries ran out), the message goes back and the
        // whole object is read again later: reading on would only send the rest of it to a
        // cluster that is not taking writes. Checked once per decoded batch, not per record.
        const given = ack.retryableFailure;
        if (given !== undefined) throw given;
        for (const raw of batch) {
          if (signal?.aborted) {
            throw new RetryableError('abandoned', `processing of s3://${bucket}/${key} was abandoned (worker shutting down)`, { bucket, key });
          }
          const ordinal = raw.ordinal;
          records++;
          const origin = { bucket, key, ordinal };
          const rejected = raw.rejected;
          if (rejected !== undefined) {
            // Too large or not an object: this element alone is dead-lettered, the file goes on.
            const doc = rejectedRecordDocument(raw.bytes, rejected.tail, origin, target, options.indexPrefix);
            const text = raw.bytes.toString('utf8');
            ack.expect();
            deps.indexer.deadLetter(
              { index: doc.index, id: doc.id, source: raw.bytes, raw: () => text, origin, ack },
              rejected.message,
              rejected.code,
              {
                offset: raw.offset,
                record: doc.fields,
                ...(rejected.size > raw.bytes.length ? { rawBytes: rejected.size } : {}),
              },
            );
            continue;
          }
          const built = recordDocument(raw.bytes, origin, target, options.indexPrefix, enrich);
          if (!built.ok) {
            const text = built.text;
            ack.expect();
            deps.indexer.deadLetter(
              { index: built.index, id: built.id, source: raw.bytes, raw: () => text, origin, ack },
              `record ${ordinal} at byte ${raw.offset} is not valid JSON: ${built.reason}`,
              'invalid_json',
              { offset: raw.offset },
            );
            continue;
          }
          const doc: BulkDocument = {
            index: built.index,
            id: built.id,
            source: built.source,
            raw: built.raw,
            origin,
            ack,
            eventTimeMs: built.eventTimeMs,
          };
          ack.expect();
          if (!deps.indexer.tryAdd(doc)) await deps.indexer.add(doc);
        }
      }
    } finally {
      compressedBytes = stream.received();
      decompressedBytes = decoded.stats.decompressedBytes;
    }
  } catch (error) {
    readError = classify(error, bucket, key);
  } finally {
    produced();
  }

  ack.seal();
  return { durable: settled(ack, { ...base, records, compressedBytes, decompressedBytes }, readError) };
}

async function settled(ack: ObjectAck, read: Omit<ObjectResult, 'outcome' | 'indexed' | 'deadLettered'>, readError: ClassifiedError | undefined): Promise<ObjectResult> {
  const durable = await ack.done;
  const counts = { ...read, indexed: durable.indexed, deadLettered: durable.deadLettered };
  // A retryable sink failure wins: retrying re-indexes the good records (idempotent ids)
  // and then meets the same read error, which will dead-letter the object for good.
  if (durable.failure?.kind === 'retryable') return { ...counts, outcome: 'failed', error: durable.failure };
  if (readError) return { ...counts, outcome: 'failed', error: readError };
  if (durable.failure) return { ...counts, outcome: 'failed', error: durable.failure };
  return { ...counts, outcome: 'done' };
}

function classify(error: unknown, bucket: string, key: string): ClassifiedError {
  if (isClassified(error)) return error;
  // Unknown errors are retried: leaving the message is always safe, and the
  // queue's redrive policy catches a message that keeps failing.
  const e = error as Error;
  return new RetryableError('unexpected', `processing s3://${bucket}/${key} failed: ${e?.message ?? String(error)}`, { bucket, key }, { cause: error });
}

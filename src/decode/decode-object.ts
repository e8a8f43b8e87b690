import { decompress, newDecompressStats, type ByteSource, type DecompressLimits, type DecompressStats } from './decompress.js';
import { RecordSplitter, type RawRecord } from './record-splitter.js';

export type { RawRecord } from './record-splitter.js';
export type { ByteSource } from './decompress.js';

export interface DecodeLimits extends DecompressLimits {
  /** Maximum size of one record's JSON; a larger one comes out rejected (`record-too-large`), never held whole. */
  readonly maxRecordBytes: number;
}

/** Live counters of one decode; final once iteration has ended (normally or not). */
export interface DecodeStats extends DecompressStats {
  /** Records yielded so far. */
  records: number;
}

/** The records of one object, plus counters that can be read during and after iteration. */
export interface DecodedObject extends AsyncIterable<RawRecord> {
  readonly stats: Readonly<DecodeStats>;
}

/** Checks the limits, owns the live counters, and refuses a second iteration. */
function iterableOnce<T>(name: string, limits: DecodeLimits, start: (stats: DecodeStats) => AsyncIterator<T>): AsyncIterable<T> & { readonly stats: Readonly<DecodeStats> } {
  if (!(limits.maxRecordBytes > 0)) throw new RangeError('maxRecordBytes must be a positive number');
  const stats: DecodeStats = { ...newDecompressStats(), records: 0 };
  let iterated = false;
  return {
    stats,
    [Symbol.asyncIterator](): AsyncIterator<T> {
      if (iterated) throw new Error(`${name}: the records of an object can be iterated only once`);
      iterated = true;
      return start(stats);
    },
  };
}

/**
 * Streams the records of one CloudTrail object (gzip or plain JSON) in order,
 * the records of each decompressed chunk (often hundreds) as one array: one
 * promise per chunk instead of one per record.
 *
 * On a corrupt or over-limit object the iteration yields every record that lies
 * before the failure point and then throws a NonRetryableError whose `context`
 * names the offset (see ./errors.ts). An error thrown by `source` itself is
 * rethrown unchanged, possibly before all records preceding it came out (zlib
 * is stopped at once; the object is retried whole anyway). The source is read
 * only as fast as records are pulled, and is destroyed when the iteration ends
 * for any reason. The result can be iterated once.
 */
export function decodeObjectBatches(source: ByteSource, limits: DecodeLimits): AsyncIterable<readonly RawRecord[]> & { readonly stats: Readonly<DecodeStats> } {
  return iterableOnce('decodeObjectBatches', limits, (stats) => batches(source, limits, stats));
}

async function* batches(source: ByteSource, limits: DecodeLimits, stats: DecodeStats): AsyncGenerator<readonly RawRecord[], void, undefined> {
  const splitter = new RecordSplitter({ maxRecordBytes: limits.maxRecordBytes });
  for await (const chunk of decompress(source, limits, stats)) {
    // A new array per chunk: the consumer may still hold the previous one.
    const batch: RawRecord[] = [];
    let failed = false;
    let failure: unknown;
    try {
      splitter.push(chunk, batch);
    } catch (error) {
      failed = true;
      failure = error;
    }
    // Records completed before a corrupt point are good: hand them out first.
    stats.records += batch.length;
    if (batch.length > 0) yield batch;
    if (failed) throw failure;
  }
  splitter.end();
}

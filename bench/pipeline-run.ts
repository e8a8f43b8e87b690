/**
 * Runs trailstream's real per-object path — processObject: decode (gunzip,
 * split), JSON.parse, enrich, build the document, BulkIndexer batching into
 * `_bulk` bodies — over objects held in memory, with a BulkTransport chosen by
 * the caller instead of OpenSearch. Settings are the configuration defaults.
 */
import { bulkIndexerOptions, objectPipelineOptions } from '../src/cli/components.js';
import { loadConfig, type Config } from '../src/config/config.js';
import { createLogger } from '../src/observability/logger.js';
import { processObject, type ObjectPipelineDeps, type ObjectResult } from '../src/pipeline/process-object.js';
import { BulkIndexer, type BulkDocument, type BulkIndexerOptions } from '../src/sink/bulk-indexer.js';
import type { BulkItemResult, BulkResponse, BulkTransport } from '../src/sink/bulk-transport.js';
import type { ObjectGetter, S3ObjectStream } from '../src/source/s3/object-source.js';
import type { Enricher } from './enrichment.js';

export const BENCH_BUCKET = 'trailstream-bench';
/** Size of the chunks an object's bytes are handed over in, as an S3 response body would. */
export const SOURCE_CHUNK_BYTES = 64 * 1024;

export interface InMemoryObject {
  readonly key: string;
  readonly gz: Buffer;
}

export function benchConfig(indexPrefix = 'cloudtrail'): Config {
  // Only these two settings: everything else is the documented default, whatever the caller's environment says.
  return loadConfig({ TRAILSTREAM_BUCKET: BENCH_BUCKET, TRAILSTREAM_INDEX_PREFIX: indexPrefix });
}

const OK: BulkItemResult = Object.freeze({ status: 201 });

/** Accepts every document and drops the body: what is left is trailstream's own cost. */
export class DiscardingTransport implements BulkTransport {
  requests = 0;
  bytes = 0;
  docs = 0;

  bulk(body: Buffer, itemCount: number): Promise<BulkResponse> {
    this.requests++;
    this.bytes += body.length;
    this.docs += itemCount;
    return Promise.resolve({ ok: true, items: new Array<BulkItemResult>(itemCount).fill(OK) });
  }
}

/** Keeps every body, for sending the very same bodies to OpenSearch later. */
export class CollectingTransport extends DiscardingTransport {
  readonly bodies: { body: Buffer; docs: number }[] = [];

  override bulk(body: Buffer, itemCount: number): Promise<BulkResponse> {
    this.bodies.push({ body, docs: itemCount });
    return super.bulk(body, itemCount);
  }
}

/**
 * Flushes as soon as the last expected document is added. Without it the end
 * of a run would wait out the linger timer (200 ms by default) for the last
 * partial batch: an artifact of the run having an end, not a cost per record.
 */
class FlushAtEndIndexer extends BulkIndexer {
  private added = 0;

  constructor(
    transport: BulkTransport,
    options: BulkIndexerOptions,
    private readonly expected: number,
  ) {
    super(transport, options);
  }

  override async add(doc: BulkDocument): Promise<void> {
    await super.add(doc);
    this.counted();
  }

  override tryAdd(doc: BulkDocument): boolean {
    if (!super.tryAdd(doc)) return false;
    this.counted();
    return true;
  }

  private counted(): void {
    if (++this.added === this.expected) void this.flush();
  }
}

function inMemoryGetter(objects: readonly InMemoryObject[]): ObjectGetter {
  const byKey = new Map(objects.map((o) => [o.key, o.gz]));
  return {
    getObject(bucket: string, key: string): Promise<S3ObjectStream> {
      const gz = byKey.get(key);
      if (gz === undefined) throw new Error(`no object ${key}`);
      let received = 0;
      async function* body(): AsyncGenerator<Uint8Array> {
        for (let at = 0; at < gz!.length; at += SOURCE_CHUNK_BYTES) {
          const chunk = gz!.subarray(at, at + SOURCE_CHUNK_BYTES);
          received += chunk.length;
          yield chunk;
        }
      }
      return Promise.resolve({ body: body(), contentLength: gz.length, received: () => received });
    },
  };
}

export interface PipelineRun {
  readonly objects: number;
  readonly records: number;
  readonly indexed: number;
}

/**
 * Processes `objects` as the worker does (up to `objectConcurrency` at once,
 * one shared BulkIndexer) and resolves once every record is acknowledged.
 * `expectedRecords` lets the last partial batch go out without waiting for linger.
 */
export async function runPipeline(
  objects: readonly InMemoryObject[],
  transport: BulkTransport,
  expectedRecords: number,
  enricher: Enricher,
  config: Config = benchConfig(),
): Promise<PipelineRun> {
  const indexer = new FlushAtEndIndexer(transport, bulkIndexerOptions(config), expectedRecords);
  const deps: ObjectPipelineDeps = {
    options: objectPipelineOptions(config),
    enricher,
    objects: inMemoryGetter(objects),
    indexer,
    logger: createLogger({ level: 'silent' }),
  };
  const results: ObjectResult[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < objects.length) {
      const object = objects[next++]!;
      results.push(await processObject({ bucket: BENCH_BUCKET, key: object.key }, deps));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, config.objectConcurrency) }, lane));
  await indexer.close();
  const failed = results.find((r) => r.outcome !== 'done');
  if (failed) throw new Error(`bench: s3://${failed.bucket}/${failed.key} ${failed.outcome}: ${failed.error?.message ?? ''}`);
  return {
    objects: results.length,
    records: results.reduce((n, r) => n + r.records, 0),
    indexed: results.reduce((n, r) => n + r.indexed, 0),
  };
}

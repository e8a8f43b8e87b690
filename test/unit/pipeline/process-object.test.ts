import { gzipSync } from 'node:zlib';
import { createLogger } from '../../../src/observability/logger.js';
import { processObject, readObject, type ObjectPipelineDeps } from '../../../src/pipeline/process-object.js';
import { BulkIndexer } from '../../../src/sink/bulk-indexer.js';
import type { BulkResponse, BulkTransport } from '../../../src/sink/bulk-transport.js';
import type { ObjectGetter, S3ObjectStream } from '../../../src/source/s3/object-source.js';

const KEY = 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/23/111122223333_CloudTrail_us-east-1_20261123T0000Z_x.json.gz';

const accepting: BulkTransport = {
  async bulk(_body: Buffer, itemCount: number): Promise<BulkResponse> {
    return { ok: true, items: Array.from({ length: itemCount }, () => ({ status: 201 })) };
  },
};

function deps(objects: ObjectGetter, transport: BulkTransport = accepting): ObjectPipelineDeps {
  return {
    options: {
      allowList: [{ bucket: 'b', prefix: '' }],
      keyPattern: /.*/,
      indexPrefix: 'cloudtrail',
      limits: { maxDecompressedBytes: 1 << 30, maxCompressionRatio: 1000, maxRecordBytes: 1 << 20 },
    },
    objects,
    indexer: new BulkIndexer(transport, {
      maxBytes: 1 << 20,
      bytesLimit: 2 << 20,
      maxDocs: 1000,
      lingerMs: 60_000,
      concurrency: 2,
      maxBufferedBytes: 8 << 20,
      retry: { maxRetries: 1, baseMs: 1, capMs: 2 },
      deadLetterIndex: 'dead',
    }),
    logger: createLogger({ level: 'silent' }),
  };
}

const file = gzipSync(JSON.stringify({ Records: Array.from({ length: 20 }, (_, k) => ({ eventID: `e-${k}`, eventTime: '2026-11-23T10:00:00Z', eventName: 'GetRestApi' })) }));

describe('processObject', () => {
  it('passes the abandon signal to the download, so a stalled S3 read ends when the worker gives the object up', async () => {
    let seenSignal: AbortSignal | undefined;
    const stalled: ObjectGetter = {
      async getObject(_bucket, _key, signal): Promise<S3ObjectStream> {
        seenSignal = signal;
        async function* body(): AsyncGenerator<Uint8Array> {
          yield file.subarray(0, 10);
          // The network goes quiet: nothing more until the request is aborted.
          await new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted by signal'))));
        }
        return { body: body(), contentLength: file.length, received: () => 10 };
      },
    };
    const abandon = new AbortController();
    const running = processObject({ bucket: 'b', key: KEY }, deps(stalled), abandon.signal);
    await new Promise((r) => setTimeout(r, 20));
    expect(seenSignal).toBe(abandon.signal);
    abandon.abort();
    const result = await running;
    expect(result.outcome).toBe('failed');
    expect(result.error?.kind).toBe('retryable');
  });

  it('frees its reading phase before the records are durable: readObject resolves, durable follows once the bulk request answers', async () => {
    let answer!: () => void;
    const gate = new Promise<void>((r) => (answer = r));
    const slow: BulkTransport = {
      async bulk(body: Buffer, itemCount: number): Promise<BulkResponse> {
        await gate;
        return accepting.bulk(body, itemCount);
      },
    };
    const getter: ObjectGetter = {
      async getObject(): Promise<S3ObjectStream> {
        async function* body(): AsyncGenerator<Uint8Array> {
          yield file;
        }
        return { body: body(), contentLength: file.length, received: () => file.length };
      },
    };
    const read = await readObject({ bucket: 'b', key: KEY }, deps(getter, slow));
    let durable = false;
    void read.durable.then(() => (durable = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(durable).toBe(false); // read, sent (no producer left), not yet acknowledged
    answer();
    const result = await read.durable;
    expect(result).toMatchObject({ outcome: 'done', records: 20, indexed: 20 });
  });
});

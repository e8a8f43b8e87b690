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
  it('stops reading an object once one of its documents has failed retryably: the rest would only go to a cluster that is not writing', async () => {
    const total = 4000;
    const big = gzipSync(JSON.stringify({ Records: Array.from({ length: total }, (_, k) => ({ eventID: `r-${k}`, eventTime: '2026-11-23T10:00:00Z', eventName: 'GetRestApi' })) }));
    let calls = 0;
    const down: BulkTransport = {
      bulk(): Promise<BulkResponse> {
        calls++;
        return Promise.resolve({ ok: false, status: 502, message: 'Bad Gateway' });
      },
    };
    let read = 0;
    const getter: ObjectGetter = {
      async getObject(): Promise<S3ObjectStream> {
        async function* body(): AsyncGenerator<Uint8Array> {
          // A paced download (a millisecond per 64 bytes): the first batches are sent and fail
          // while the rest is still arriving.
          for (let at = 0; at < big.length; at += 64) {
            read += Math.min(64, big.length - at);
            yield big.subarray(at, at + 64);
            await new Promise((r) => setTimeout(r, 1));
          }
        }
        return { body: body(), contentLength: big.length, received: () => read };
      },
    };
    const d = deps(getter, down);
    const indexer = new BulkIndexer(down, {
      maxBytes: 1 << 20,
      bytesLimit: 2 << 20,
      maxDocs: 5,
      lingerMs: 60_000,
      concurrency: 1,
      maxBufferedBytes: 8 << 20,
      retry: { maxRetries: 1, baseMs: 1, capMs: 2 }, // no outage hold: a 502 spends the retries, then fails retryably
      deadLetterIndex: 'dead',
    });
    const result = await processObject({ bucket: 'b', key: KEY }, { ...d, indexer });
    expect(result.outcome).toBe('failed');
    expect(result.error?.kind).toBe('retryable');
    expect(result.error?.code).toBe('bulk-retries-exhausted');
    // Stopped early: without the check it reads and sends all 4,000 records.
    expect(result.records).toBeGreaterThan(0);
    expect(result.records).toBeLessThan(total);
    expect(read).toBeLessThan(big.length);
    expect(calls).toBeGreaterThanOrEqual(2);
  });
});

describe('processObject with elements that cannot be records', () => {
  /** Captures every document of every bulk request: [index, id, source]. */
  function capturing(): { transport: BulkTransport; docs: [string, string, Record<string, unknown>][] } {
    const docs: [string, string, Record<string, unknown>][] = [];
    return {
      docs,
      transport: {
        async bulk(body: Buffer, itemCount: number): Promise<BulkResponse> {
          const lines = body.toString('utf8').trim().split('\n');
          for (let i = 0; i < lines.length; i += 2) {
            const action = (JSON.parse(lines[i]!) as { index: { _index: string; _id: string } }).index;
            docs.push([action._index, action._id, JSON.parse(lines[i + 1]!) as Record<string, unknown>]);
          }
          return { ok: true, items: Array.from({ length: itemCount }, () => ({ status: 201 })) };
        },
      },
    };
  }
  const getter = (data: Buffer): ObjectGetter => ({
    async getObject(): Promise<S3ObjectStream> {
      return { body: (async function* () { yield data; })(), contentLength: data.length, received: () => data.length };
    },
  });

  it('dead-letters a huge record and a non-object element alone, with what identifies them, and indexes every other record', async () => {
    const huge = { eventVersion: '1.09', eventTime: '2026-11-20T08:00:00Z', eventName: 'GetBig', responseElements: { blob: 'x'.repeat(3 << 20) }, eventID: 'big-id' };
    const text = JSON.stringify({ Records: [{ eventID: 'a', eventTime: '2026-11-23T10:00:00Z' }, huge, 42, { eventID: 'b', eventTime: '2026-11-23T10:00:00Z' }] });
    const { transport, docs } = capturing();
    const d = deps(getter(gzipSync(text)), transport);
    const result = await processObject({ bucket: 'b', key: KEY }, d);
    expect(result).toMatchObject({ outcome: 'done', records: 4, indexed: 2, deadLettered: 2 });
    expect(docs.filter(([index]) => index !== 'dead').map(([index, id]) => [index, id])).toEqual([
      ['cloudtrail-2026.11.23', 'a'],
      ['cloudtrail-2026.11.23', 'b'],
    ]);
    const letters = docs.filter(([index]) => index === 'dead').map(([, id, source]) => ({ id, source }));
    expect(letters).toHaveLength(2);
    const big = letters.find((l) => (l.source.error as { type: string }).type === 'record-too-large')!;
    // Named where the record would have gone: eventTime's day and its eventID, read from the kept bytes.
    expect(big.id).toBe('cloudtrail-2026.11.20/big-id');
    expect(big.source).toMatchObject({
      origin: { bucket: 'b', key: KEY, ordinal: 1, offset: text.indexOf('{"eventVersion"') },
      record: { eventID: 'big-id', eventTime: '2026-11-20T08:00:00Z', eventName: 'GetBig' },
      rawTruncatedFromLength: Buffer.byteLength(JSON.stringify(huge)),
    });
    expect((big.source.raw as string).length).toBe(64 * 1024);
    expect(JSON.stringify(huge).startsWith(big.source.raw as string)).toBe(true);
    const notObject = letters.find((l) => (l.source.error as { type: string }).type === 'record-not-object')!;
    expect(notObject.source).toMatchObject({ raw: '42', origin: { ordinal: 2, offset: text.indexOf('42') } });
    expect(notObject.source.rawTruncatedFromLength).toBeUndefined();
    expect(notObject.id).toMatch(/^cloudtrail-2026\.11\.23\/ts-/);
  });

  it('names indices by the configured granularity', async () => {
    const text = JSON.stringify({ Records: [{ eventID: 'a', eventTime: '2026-11-23T10:00:00Z' }, { eventID: 'b', eventTime: '2027-01-01T00:00:00Z' }, { eventID: 'c' }] });
    for (const [granularity, names] of [
      ['day', ['cloudtrail-2026.11.23', 'cloudtrail-2027.01.01', 'cloudtrail-2026.11.23']],
      ['week', ['cloudtrail-2026.w48', 'cloudtrail-2026.w53', 'cloudtrail-2026.w48']],
      ['month', ['cloudtrail-2026.11', 'cloudtrail-2027.01', 'cloudtrail-2026.11']],
    ] as const) {
      const { transport, docs } = capturing();
      const d = deps(getter(Buffer.from(text)), transport);
      const result = await processObject({ bucket: 'b', key: KEY }, { ...d, options: { ...d.options, indexGranularity: granularity } });
      expect(result.indexed).toBe(3);
      expect(docs.map(([index]) => index)).toEqual(names);
    }
  });
});

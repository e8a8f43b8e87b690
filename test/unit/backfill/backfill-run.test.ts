import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { BACKFILL_RETRY_CAP_MS, BackfillRun, type BackfillItem } from '../../../src/backfill/backfill-run.js';
import { backoffDelayMs } from '../../../src/retry-policy.js';
import { Checkpoint } from '../../../src/backfill/checkpoint.js';
import { progressLine, snapshot, BackfillStats } from '../../../src/backfill/progress.js';
import { RetryableError } from '../../../src/errors.js';
import type { ObjectPipelineDeps } from '../../../src/pipeline/process-object.js';
import { BulkIndexer } from '../../../src/sink/bulk-indexer.js';
import type { BulkResponse, BulkTransport } from '../../../src/sink/bulk-transport.js';
import type { ObjectGetter, S3ObjectStream } from '../../../src/source/s3/object-source.js';

const logger = pino({ level: 'silent' });

function logFile(prefix: string, n: number): Buffer {
  const records = Array.from({ length: n }, (_, i) => ({ eventID: `${prefix}-${i}`, eventTime: '2024-05-01T10:00:00Z', eventName: 'X' }));
  return gzipSync(JSON.stringify({ Records: records }));
}

/** Objects in memory; some fail transiently a number of times, some trickle out slowly. */
class FakeObjects implements ObjectGetter {
  readonly gets: string[] = [];
  constructor(
    private readonly bodies: Map<string, Buffer>,
    private readonly flaky: Map<string, number> = new Map(),
    private readonly slowMs = 0,
  ) {}

  async getObject(bucket: string, key: string): Promise<S3ObjectStream> {
    this.gets.push(key);
    const left = this.flaky.get(key) ?? 0;
    if (left > 0) {
      this.flaky.set(key, left - 1);
      throw new RetryableError('s3-error', `flaky ${key}`, { bucket, key });
    }
    const body = this.bodies.get(key);
    if (!body) throw new RetryableError('s3-error', `no ${key}`, { bucket, key });
    const slow = this.slowMs;
    let received = 0;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < body!.length; i += 64) {
        if (slow) await new Promise((r) => setTimeout(r, slow));
        const c = body!.subarray(i, i + 64);
        received += c.length;
        yield c;
      }
    }
    return { body: chunks(), contentLength: body.length, received: () => received };
  }
}

function deps(objects: ObjectGetter): { deps: ObjectPipelineDeps; indexed: Set<string> } {
  const indexed = new Set<string>();
  const transport: BulkTransport = {
    async bulk(body: Buffer, itemCount: number): Promise<BulkResponse> {
      const lines = body.toString('utf8').trim().split('\n');
      for (let i = 0; i < lines.length; i += 2) indexed.add((JSON.parse(lines[i]!) as { index: { _id: string } }).index._id);
      return { ok: true, items: Array.from({ length: itemCount }, () => ({ status: 201 })) };
    },
  };
  const indexer = new BulkIndexer(transport, {
    maxBytes: 1 << 20, bytesLimit: 2 << 20, maxDocs: 50, lingerMs: 1, concurrency: 1, maxBufferedBytes: 4 << 20,
    retry: { maxRetries: 0, baseMs: 1, capMs: 1 }, deadLetterIndex: 'dl',
  });
  return {
    deps: { options: { allowList: [{ bucket: 'b', prefix: '' }], keyPattern: /\.json(\.gz)?$/, indexPrefix: 'ct', limits: { maxDecompressedBytes: 1 << 30, maxCompressionRatio: 1000, maxRecordBytes: 1 << 20 } }, objects, indexer, logger },
    indexed,
  };
}

async function* itemsOf(keys: string[], d: ObjectPipelineDeps): AsyncGenerator<BackfillItem> {
  for (const key of keys) yield { id: `s3://b/${key}`, ref: { bucket: 'b', key }, deps: d };
}

const OPTIONS = { concurrency: 2, attempts: 3, retryBaseMs: 1, graceSeconds: 0, checkpointSeconds: 60 };

describe('BackfillRun', () => {
  let dir: string;
  const identity = { sources: ['s3://b/'], since: null, until: null, accounts: [], regions: [] };
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'trailstream-run-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('checkpoints done and skipped objects only; retries transient failures; reports and continues past a corrupt object', async () => {
    const bodies = new Map([
      ['a.json.gz', logFile('a', 30)],
      ['b.json.gz', logFile('b', 5)],
      ['corrupt.json.gz', Buffer.from('\x1f\x8b\x08\x00garbage')],
      ['c.json.gz', logFile('c', 7)],
    ]);
    const objects = new FakeObjects(bodies, new Map([['b.json.gz', 2], ['c.json.gz', 5]]));
    const { deps: d, indexed } = deps(objects);
    const file = path.join(dir, 'cp.json');
    const checkpoint = await Checkpoint.load(file, identity);
    const keys = ['a.json.gz', 'b.json.gz', 'corrupt.json.gz', 'c.json.gz', 'notes.txt'];
    const { stats, interruptedBy } = await new BackfillRun(itemsOf(keys, d), checkpoint, logger, OPTIONS).run();

    expect(interruptedBy).toBeUndefined();
    // c fails 5 times, more than the 3 attempts: failed, not checkpointed.
    expect(stats).toMatchObject({ objectsListed: 5, objectsProcessed: 2, objectsSkipped: 1, objectsFailed: 2, objectRetries: 4, recordsIndexed: 35 });
    expect(objects.gets.filter((k) => k === 'b.json.gz')).toHaveLength(3);
    expect(objects.gets.filter((k) => k === 'c.json.gz')).toHaveLength(3);
    expect(indexed.size).toBe(35);
    const saved = await Checkpoint.load(file, identity);
    expect(['a.json.gz', 'b.json.gz', 'notes.txt'].every((k) => saved.has(`s3://b/${k}`))).toBe(true);
    expect(saved.has('s3://b/corrupt.json.gz') || saved.has('s3://b/c.json.gz')).toBe(false);

    // A rerun reads only what is not checkpointed.
    const again = new FakeObjects(bodies);
    const second = await new BackfillRun(itemsOf(keys, deps(again).deps), saved, logger, OPTIONS).run();
    expect(second.stats).toMatchObject({ objectsAlreadyDone: 3, objectsProcessed: 1, objectsFailed: 1 });
    expect(again.gets.sort()).toEqual(['c.json.gz', 'corrupt.json.gz']);
  });

  it('on stop starts nothing new, abandons what is in progress without checkpointing it, and saves the checkpoint', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `f${i}.json.gz`);
    const bodies = new Map(keys.map((k) => [k, logFile(k, 200)]));
    const objects = new FakeObjects(bodies, new Map(), 5);
    const { deps: d } = deps(objects);
    const file = path.join(dir, 'cp.json');
    const checkpoint = await Checkpoint.load(file, identity);
    const run = new BackfillRun(itemsOf(keys, d), checkpoint, logger, OPTIONS);
    const running = run.run();
    while (objects.gets.length < 3) await new Promise((r) => setTimeout(r, 5));
    run.stop('SIGINT');
    const { stats, interruptedBy } = await running;

    expect(interruptedBy).toBe('SIGINT');
    expect(stats.objectsAbandoned).toBeGreaterThan(0);
    expect(objects.gets.length).toBeLessThan(keys.length);
    const saved = await Checkpoint.load(file, identity);
    expect(saved.size).toBe(stats.objectsProcessed);
    expect(stats.objectsProcessed + stats.objectsAbandoned).toBe(objects.gets.length);
  });

  it('pauses between attempts by the shared backoff policy (jitter included), and a stop cuts the pause short', async () => {
    const key = 'AWSLogs/1/CloudTrail/us-east-1/2024/05/01/f.json.gz';
    const times: number[] = [];
    const objects = new FakeObjects(new Map([[key, logFile('r', 3)]]), new Map([[key, 2]]));
    const getObject = objects.getObject.bind(objects);
    objects.getObject = async (bucket: string, k: string) => {
      times.push(Date.now());
      return getObject(bucket, k);
    };
    const { deps: d, indexed } = deps(objects);
    // The top of the jitter range: pauses of backoffDelayMs(200, 0) = 199 and backoffDelayMs(200, 1) = 399 ms.
    const random = () => 0.9999;
    const expected = [0, 1].map((a) => backoffDelayMs({ baseMs: 200, capMs: BACKFILL_RETRY_CAP_MS }, a, random));
    expect(expected).toEqual([199, 399]);
    const { stats } = await new BackfillRun(itemsOf([key], d), undefined, logger, { ...OPTIONS, retryBaseMs: 200, random }).run();
    expect(stats.objectRetries).toBe(2);
    expect(indexed.size).toBe(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(expected[0]! - 20);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(expected[1]! - 20);

    // A long pause (a minute at most) ends as soon as the grace period is over.
    const stuck = new FakeObjects(new Map([[key, logFile('s', 1)]]), new Map([[key, 1]]));
    const run = new BackfillRun(itemsOf([key], deps(stuck).deps), undefined, logger, { ...OPTIONS, retryBaseMs: 60_000, random, graceSeconds: 0 });
    const running = run.run();
    while (stuck.gets.length < 1) await new Promise((r) => setTimeout(r, 5));
    const stopped = Date.now();
    run.stop('SIGTERM');
    const outcome = await running;
    expect(Date.now() - stopped).toBeLessThan(2_000);
    expect(outcome.stats.objectsAbandoned).toBe(1);
  });

  it('renders progress with a growing total while listing and an ETA once the total is known', () => {
    const stats = new BackfillStats();
    Object.assign(stats, { objectsListed: 100, objectsAlreadyDone: 20, objectsProcessed: 30, records: 12_345, compressedBytes: 3 * 1024 * 1024 });
    const listing = snapshot(stats, false, 0, 10_000);
    expect(progressLine(listing)).toBe('backfill 50/100+ objects · 12,345 records · 3.0 MiB · 3.0 obj/s 1,235 rec/s · ETA ?');
    const listed = snapshot(stats, true, 0, 10_000);
    expect(listed.etaSeconds).toBe(17);
    expect(progressLine(listed)).toMatch(/^backfill 50\/100 objects .* ETA 17s$/);
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { NonRetryableError, RetryableError } from '../../../src/errors.js';
import { createLogger } from '../../../src/observability/logger.js';
import { backoffDelayMs } from '../../../src/retry-policy.js';
import { messageRetrySeconds, RECEIVE_BACKOFF, Worker, type WorkerOptions } from '../../../src/pipeline/worker.js';
import { BulkIndexer } from '../../../src/sink/bulk-indexer.js';
import type { BulkTransport } from '../../../src/sink/bulk-transport.js';
import type { ObjectGetter, S3ObjectStream } from '../../../src/source/s3/object-source.js';
import { Heartbeat } from '../../../src/source/sqs/heartbeat.js';
import type { DeadLetterSender, Queue, QueueMessage } from '../../../src/source/sqs/queue.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/notifications');
const BUCKET = 'logs-bucket';
const keyOf = (id: string): string => `AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/23/123456789012_CloudTrail_us-east-1_20261123T0005Z_${id}.json.gz`;

function putNotification(key: string): string {
  const n = JSON.parse(readFileSync(path.join(FIXTURES, 's3-put.json'), 'utf8')) as { Records: { s3: { bucket: { name: string }; object: { key: string } } }[] };
  n.Records[0]!.s3.bucket.name = BUCKET;
  n.Records[0]!.s3.object.key = key;
  return JSON.stringify(n);
}

let ids = 0;
const message = (key: string, receiveCount = 1): QueueMessage => ({ messageId: `m-${++ids}`, receiptHandle: `r-${ids}`, body: putNotification(keyOf(key)), receiveCount, firstReceivedAt: undefined, sentAt: undefined });

type Call = { op: 'delete' | 'visibility' | 'dlq'; id: string; seconds?: number };

/** A queue that hands out scripted batches (or throws scripted errors), then nothing. */
class ScriptedQueue implements Queue {
  readonly calls: Call[] = [];
  readonly receives: number[] = [];
  constructor(private readonly script: (QueueMessage[] | Error | (() => Promise<QueueMessage[]>))[]) {}
  async receive(): Promise<QueueMessage[]> {
    this.receives.push(Date.now());
    const next = this.script.shift();
    if (next instanceof Error) throw next;
    if (typeof next === 'function') return next();
    if (next) return next;
    await new Promise((r) => setTimeout(r, 5));
    return [];
  }
  async delete(m: QueueMessage): Promise<void> {
    this.calls.push({ op: 'delete', id: m.messageId });
  }
  async changeVisibility(m: QueueMessage, seconds: number): Promise<void> {
    this.calls.push({ op: 'visibility', id: m.messageId, seconds });
  }
  async changeVisibilityBatch(): Promise<string[]> {
    return [];
  }
}

const good = gzipSync(JSON.stringify({ Records: [{ eventID: 'e-1', eventTime: '2026-11-23T00:00:00Z' }] }));

/** Objects by key: `flaky` fails transiently, `corrupt` for good, `stall` never finishes its download, anything else is a good file. */
const objects: ObjectGetter = {
  async getObject(_bucket, key, signal): Promise<S3ObjectStream> {
    if (key.includes('flaky')) throw new RetryableError('s3-stream-error', 'connection reset', { key });
    if (key.includes('corrupt')) throw new NonRetryableError('corrupt-gzip', 'bad gzip', { key });
    if (key.includes('stall')) {
      await new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(new RetryableError('abandoned', 'aborted', {})), { once: true }));
    }
    return { body: (async function* () { yield good; })(), contentLength: good.length, received: () => good.length };
  },
};

const accepting: BulkTransport = {
  async bulk(_body, count) {
    return { ok: true, items: Array.from({ length: count }, () => ({ status: 201 })) };
  },
};

const OPTIONS: WorkerOptions = { maxMessagesInFlight: 4, receiveBatchSize: 10, waitTimeSeconds: 1, visibilityTimeoutSeconds: 300, objectConcurrency: 2, retryBackoffSeconds: 10, shutdownGraceSeconds: 0.2 };

function worker(queue: ScriptedQueue, extra: { deadLetters?: DeadLetterSender; random?: () => number; options?: Partial<WorkerOptions> } = {}): Worker {
  const logger = createLogger({ level: 'silent' });
  return new Worker({
    queue,
    deadLetters: extra.deadLetters,
    heartbeat: new Heartbeat(queue, { intervalSeconds: 100, visibilitySeconds: 300, maxVisibilitySeconds: 3600 }, logger),
    indexer: new BulkIndexer(accepting, {
      maxBytes: 1 << 20, bytesLimit: 2 << 20, maxDocs: 100, lingerMs: 1, concurrency: 1, maxBufferedBytes: 4 << 20,
      retry: { maxRetries: 1, baseMs: 1, capMs: 2 }, deadLetterIndex: 'dl',
    }),
    objects: {
      options: { allowList: [{ bucket: BUCKET, prefix: '' }], keyPattern: /.*/, indexPrefix: 'ct', limits: { maxDecompressedBytes: 1 << 24, maxCompressionRatio: 1000, maxRecordBytes: 1 << 20 } },
      objects,
    },
    logger,
    options: { ...OPTIONS, ...extra.options },
    ...(extra.random ? { random: extra.random } : {}),
  });
}

describe('messageRetrySeconds (the backoff of a message left on the queue)', () => {
  it('follows the shared policy over the receive count, in whole seconds, from the configured base to 15 minutes', () => {
    for (const receiveCount of [1, 2, 3, 5, 8, 20]) {
      for (const r of [0, 0.3, 0.9999]) {
        const ms = backoffDelayMs({ baseMs: 10_000, capMs: 900_000 }, receiveCount - 1, () => r);
        expect(messageRetrySeconds(10, receiveCount, () => r)).toBe(Math.ceil(ms / 1000));
      }
    }
    expect(messageRetrySeconds(10, 1, () => 0.9999)).toBe(10);
    expect(messageRetrySeconds(10, 1, () => 0)).toBe(5);
    expect(messageRetrySeconds(10, 4, () => 0.9999)).toBe(80);
    expect(messageRetrySeconds(10, 30, () => 0.9999)).toBe(900);
    // Jitter: two workers retrying the same kind of failure do not pick the same second.
    const spread = new Set(Array.from({ length: 200 }, () => messageRetrySeconds(10, 6)));
    expect(spread.size).toBeGreaterThan(20);
  });
});

describe('Worker', () => {
  it('leaves a transiently failed message on the queue with the jittered backoff of its receive count, and dead-letters a permanent one', async () => {
    const queue = new ScriptedQueue([[message('flakyflakyflaky1', 3), message('corruptcorrupt01'), message('goodgoodgoodgood')]]);
    const dlq: Call[] = [];
    const deadLetters: DeadLetterSender = {
      async sendToDeadLetter(m) {
        dlq.push({ op: 'dlq', id: m.messageId });
      },
    };
    const w = worker(queue, { deadLetters, random: () => 0.5 });
    const stats = await w.run({ untilIdleSeconds: 0.2 });
    const [flaky, corrupt, ok] = [ids - 2, ids - 1, ids].map((n) => `m-${n}`);
    expect(queue.calls.filter((c) => c.id === flaky)).toEqual([{ op: 'visibility', id: flaky, seconds: messageRetrySeconds(10, 3, () => 0.5) }]);
    expect(messageRetrySeconds(10, 3, () => 0.5)).toBe(20);
    expect(dlq).toEqual([{ op: 'dlq', id: corrupt }]);
    expect(queue.calls.filter((c) => c.id === corrupt)).toEqual([{ op: 'delete', id: corrupt }]);
    expect(queue.calls.filter((c) => c.id === ok)).toEqual([{ op: 'delete', id: ok }]);
    expect([stats.messagesRetried, stats.messagesDeadLettered, stats.messagesDeleted]).toEqual([1, 1, 1]);
  });

  it('without a DLQ, leaves a message that can never succeed to the queue\'s redrive (15 minutes)', async () => {
    const queue = new ScriptedQueue([[message('corruptcorrupt02')]]);
    await worker(queue).run({ untilIdleSeconds: 0.2 });
    expect(queue.calls).toEqual([{ op: 'visibility', id: `m-${ids}`, seconds: 900 }]);
  });

  it('backs off between failed receives by the shared policy, and a stop ends the pause at once', async () => {
    const queue = new ScriptedQueue([new Error('AccessDenied'), new Error('AccessDenied'), new Error('AccessDenied')]);
    // The bottom of the jitter range: every pause is half the base.
    const w = worker(queue, { random: () => 0 });
    const running = w.run();
    while (queue.receives.length < 3) await new Promise((r) => setTimeout(r, 10));
    const gaps = [queue.receives[1]! - queue.receives[0]!, queue.receives[2]! - queue.receives[1]!];
    const floor = backoffDelayMs(RECEIVE_BACKOFF, 0, () => 0);
    expect(floor).toBe(500);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(floor - 20);
    // The third failure starts a pause; stop() must not wait for it to end.
    const stopped = Date.now();
    w.stop();
    await running;
    expect(Date.now() - stopped).toBeLessThan(400);
  });

  it('at stop, releases (visibility 0) the messages a receive returned after the stop request', async () => {
    let w!: Worker;
    const late = [message('goodgoodgood0001'), message('goodgoodgood0002')];
    const queue = new ScriptedQueue([
      async () => {
        // The stop arrives while this long poll is pending; its messages must not be processed.
        w.stop();
        return late;
      },
    ]);
    w = worker(queue);
    const stats = await w.run();
    expect(queue.calls).toEqual(late.map((m) => ({ op: 'visibility', id: m.messageId, seconds: 0 })));
    expect(stats.messagesReleased).toBe(2);
    expect(stats.messagesReceived).toBe(0);
  });

  it('after the shutdown grace period, releases the unfinished messages, abandons them and never settles them', async () => {
    const stalled = message('stallstallstall1');
    const finished = message('goodgoodgood0003');
    const queue = new ScriptedQueue([[stalled, finished]]);
    const w = worker(queue, { options: { shutdownGraceSeconds: 0.2 } });
    const running = w.run();
    while (!queue.calls.some((c) => c.op === 'delete')) await new Promise((r) => setTimeout(r, 10));
    expect(w.messagesInFlight).toBe(1);
    w.stop();
    const stats = await running;
    expect(queue.calls).toEqual([
      { op: 'delete', id: finished.messageId },
      { op: 'visibility', id: stalled.messageId, seconds: 0 },
    ]);
    expect(stats.messagesReleased).toBe(1);
    // The abandoned message is not acted on later either (its processing was aborted).
    await new Promise((r) => setImmediate(r));
    expect(queue.calls).toHaveLength(2);
    expect(w.messagesInFlight).toBe(0);
  });
});

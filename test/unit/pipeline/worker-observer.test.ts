import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { NonRetryableError, RetryableError } from '../../../src/errors.js';
import { createLogger } from '../../../src/observability/logger.js';
import { PrometheusMetrics } from '../../../src/observability/metrics.js';
import { combineObservers, type MessageOutcome, type PipelineObserver } from '../../../src/pipeline/pipeline-observer.js';
import type { ObjectResult } from '../../../src/pipeline/process-object.js';
import { Worker } from '../../../src/pipeline/worker.js';
import { BulkIndexer } from '../../../src/sink/bulk-indexer.js';
import type { BulkTransport } from '../../../src/sink/bulk-transport.js';
import type { ObjectGetter, S3ObjectStream } from '../../../src/source/s3/object-source.js';
import { Heartbeat } from '../../../src/source/sqs/heartbeat.js';
import type { ObjectRef } from '../../../src/source/sqs/object-ref.js';
import type { DeadLetterSender, Queue, QueueMessage } from '../../../src/source/sqs/queue.js';
import { sampleValue } from '../observability/exposition.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/notifications');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const BUCKET = 'logs-bucket';
const keyOf = (id: string): string => `AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/23/123456789012_CloudTrail_us-east-1_20261123T0005Z_${id}.json.gz`;

function putNotification(key: string): string {
  const n = JSON.parse(fixture('s3-put.json')) as { Records: { s3: { bucket: { name: string }; object: { key: string } } }[] };
  n.Records[0]!.s3.bucket.name = BUCKET;
  n.Records[0]!.s3.object.key = key;
  return JSON.stringify(n);
}

let ids = 0;
const message = (body: string): QueueMessage => ({ messageId: `m-${++ids}`, receiptHandle: `r-${ids}`, body, receiveCount: 1, firstReceivedAt: undefined, sentAt: undefined });

/** The worker's hooks on a scripted queue: what each message becomes is reported once, with its reason. */
describe('Worker → PipelineObserver', () => {
  const records = [1, 2, 3].map((i) => ({ eventVersion: '1.08', eventID: `e-${i}`, eventTime: '2026-11-23T00:00:00Z', eventName: 'GetObject', eventSource: 's3.amazonaws.com' }));
  const good = gzipSync(JSON.stringify({ Records: records }));

  it('reports receives, pauses, every object and every message fate, and feeds the metrics', async () => {
    const batches: QueueMessage[][] = [
      [message(putNotification(keyOf('goodgoodgoodgood'))), message(fixture('s3-test-event.json'))],
      [message(putNotification(keyOf('flakyflakyflaky1'))), message(putNotification(keyOf('gonegonegonegone')))],
      [message('this is not a notification')],
    ];
    let failNext = true;
    const settledCalls: { op: string; id: string; seconds?: number }[] = [];
    const queue: Queue = {
      async receive(max) {
        const next = batches.shift();
        if (!next && failNext) {
          // Once the script is over: a failed receive (the worker backs off, then goes idle).
          failNext = false;
          throw new Error('AccessDenied');
        }
        if (!next) {
          await new Promise((r) => setTimeout(r, 5));
          return [];
        }
        // Never more than the worker asked for (its free slots); the rest comes next time.
        const now = next.splice(0, max);
        if (next.length > 0) batches.unshift(next);
        return now;
      },
      async delete(m) {
        settledCalls.push({ op: 'delete', id: m.messageId });
      },
      async changeVisibility(m, seconds) {
        settledCalls.push({ op: 'visibility', id: m.messageId, seconds });
      },
      async changeVisibilityBatch() {
        return [];
      },
    };
    const deadLetters: DeadLetterSender = {
      async sendToDeadLetter(m) {
        settledCalls.push({ op: 'dlq', id: m.messageId });
      },
    };
    const objects: ObjectGetter = {
      async getObject(_bucket, key): Promise<S3ObjectStream> {
        if (key.includes('flaky')) throw new RetryableError('s3-stream-error', 'connection reset', { key });
        if (key.includes('gone')) throw new NonRetryableError('object-not-found', 'NoSuchKey', { key });
        // Slow enough that the worker fills its two slots and has to pause.
        await new Promise((r) => setTimeout(r, 50));
        return { body: (async function* () { yield good; })(), contentLength: good.length, received: () => good.length };
      },
    };
    const transport: BulkTransport = {
      async bulk(_body, count) {
        return { ok: true, items: Array.from({ length: count }, () => ({ status: 201 })) };
      },
    };
    const logger = createLogger({ level: 'silent' });
    const indexer = new BulkIndexer(transport, {
      maxBytes: 1 << 20, bytesLimit: 2 << 20, maxDocs: 100, lingerMs: 1, concurrency: 1, maxBufferedBytes: 4 << 20,
      retry: { maxRetries: 1, baseMs: 1, capMs: 2 }, deadLetterIndex: 'dl',
    }, new PrometheusMetrics({ defaultMetrics: false }).bulkIndexerEvents());

    const seen = { received: 0, failed: 0, paused: [] as boolean[], outcomes: [] as MessageOutcome[], objects: [] as [ObjectRef, ObjectResult][] };
    const recorder: PipelineObserver = {
      receiveSucceeded: (n) => (seen.received += n),
      receiveFailed: () => seen.failed++,
      receivePaused: (p) => seen.paused.push(p),
      messageSettled: (o) => seen.outcomes.push(o),
      objectCompleted: (ref, r) => seen.objects.push([ref, r]),
    };
    const metrics = new PrometheusMetrics({ defaultMetrics: false });
    const worker = new Worker({
      queue,
      deadLetters,
      heartbeat: new Heartbeat(queue, { intervalSeconds: 100, visibilitySeconds: 300, maxVisibilitySeconds: 3600 }, logger),
      indexer,
      objects: {
        options: { allowList: [{ bucket: BUCKET, prefix: '' }], keyPattern: /.*/, indexPrefix: 'ct', limits: { maxDecompressedBytes: 1 << 24, maxCompressionRatio: 1000, maxRecordBytes: 1 << 20 } },
        objects,
      },
      logger,
      observer: combineObservers(recorder, metrics),
      // The top of the jitter range: the first retry's backoff is then the configured second.
      random: () => 0.9999,
      options: { maxMessagesInFlight: 2, receiveBatchSize: 10, waitTimeSeconds: 1, visibilityTimeoutSeconds: 300, objectConcurrency: 2, retryBackoffSeconds: 1, shutdownGraceSeconds: 5 },
    });
    expect(worker.messagesInFlight).toBe(0);
    const stats = await worker.run({ untilIdleSeconds: 0.3 });

    expect(seen.failed).toBe(1);
    expect(seen.received).toBe(5);
    expect(seen.paused[0]).toBe(true);
    expect(seen.paused.filter((p) => p).length).toBe(seen.paused.filter((p) => !p).length);
    const sortKey = (o: MessageOutcome): string => JSON.stringify(o);
    expect(seen.outcomes.map(sortKey).sort()).toEqual(
      [
        { action: 'deleted', reason: 'processed' },
        { action: 'deleted', reason: 'test-event' },
        { action: 'retried', code: 's3-stream-error' },
        { action: 'dead-lettered', code: 'object-not-found' },
        { action: 'dead-lettered', code: 'bad-notification' },
      ].map((o) => sortKey(o as MessageOutcome)).sort(),
    );
    expect(seen.objects.map(([ref, r]) => [ref.key.slice(-24, -8), r.outcome, r.records, r.indexed, r.error?.code]).sort()).toEqual([
      ['flakyflakyflaky1', 'failed', 0, 0, 's3-stream-error'],
      ['gonegonegonegone', 'failed', 0, 0, 'object-not-found'],
      ['goodgoodgoodgood', 'done', 3, 3, undefined],
    ]);
    const done = seen.objects.find(([, r]) => r.outcome === 'done')![1];
    expect(done.compressedBytes).toBe(good.length);
    expect(done.decompressedBytes).toBe(JSON.stringify({ Records: records }).length);
    // The ref carries the notification's eventTime, for the object lag.
    expect(seen.objects.every(([ref]) => ref.eventTime === '2026-11-23T00:05:31.123Z')).toBe(true);

    // The retried message got its backoff; the summary and the metrics agree with the hooks.
    expect(settledCalls.filter((c) => c.op === 'visibility')).toEqual([{ op: 'visibility', id: expect.any(String), seconds: 1 }]);
    expect([stats.messagesDeleted, stats.messagesRetried, stats.messagesDeadLettered, stats.decompressedBytes]).toEqual([2, 1, 2, done.decompressedBytes]);
    const text = await metrics.metrics();
    expect(sampleValue(text, 'trailstream_messages_received_total')).toBe(5);
    expect(sampleValue(text, 'trailstream_sqs_receive_errors_total')).toBe(1);
    expect(sampleValue(text, 'trailstream_messages_dead_lettered_total', { code: 'bad-notification' })).toBe(1);
    expect(sampleValue(text, 'trailstream_objects_failed_total', { code: 'object-not-found', kind: 'non-retryable' })).toBe(1);
    expect(sampleValue(text, 'trailstream_records_processed_total')).toBe(3);
    expect(worker.messagesInFlight).toBe(0);
    expect(worker.objectsInFlight).toBe(0);
  }, 15_000);
});

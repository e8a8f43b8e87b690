import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { RetryableError } from '../../../src/errors.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Worker } from '../../../src/pipeline/worker.js';
import { BulkIndexer } from '../../../src/sink/bulk-indexer.js';
import type { BulkTransport } from '../../../src/sink/bulk-transport.js';
import type { ObjectGetter, S3ObjectStream } from '../../../src/source/s3/object-source.js';
import { Heartbeat } from '../../../src/source/sqs/heartbeat.js';
import type { Queue, QueueMessage } from '../../../src/source/sqs/queue.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/notifications');
const KEY = 'AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/23/123456789012_CloudTrail_us-east-1_20261123T0005Z_abcdabcdabcdabcd.json.gz';

function notification(): string {
  const n = JSON.parse(readFileSync(path.join(FIXTURES, 's3-put.json'), 'utf8')) as { Records: { s3: { bucket: { name: string }; object: { key: string } } }[] };
  n.Records[0]!.s3.bucket.name = 'logs-bucket';
  n.Records[0]!.s3.object.key = KEY;
  return JSON.stringify(n);
}

/**
 * `--until-idle` must not end the run while a message it left on the queue for
 * a retry is still invisible: that message is work of this run, and the next
 * receive after its backoff gets it.
 */
describe('Worker --until-idle with a message waiting for its retry', () => {
  it('waits for the retried message to become visible, receives it again and finishes it before exiting', async () => {
    // A queue with SQS's visibility rule for one message: invisible until the time the worker set.
    const msg: QueueMessage = { messageId: 'm-1', receiptHandle: 'r-1', body: notification(), receiveCount: 0, firstReceivedAt: undefined, sentAt: undefined };
    let visibleAt = 0;
    let deleted = false;
    const receives: number[] = [];
    const started = Date.now();
    const queue: Queue = {
      async receive(_max, waitSeconds, visibilitySeconds) {
        if (!deleted && Date.now() >= visibleAt) {
          visibleAt = Date.now() + visibilitySeconds * 1000;
          receives.push(Date.now() - started);
          return [{ ...msg, receiveCount: receives.length }];
        }
        await new Promise((r) => setTimeout(r, Math.min(waitSeconds * 1000, 50)));
        return [];
      },
      async delete() {
        deleted = true;
      },
      async changeVisibility(_m, seconds) {
        visibleAt = Date.now() + seconds * 1000;
      },
      async changeVisibilityBatch() {
        return [];
      },
    };
    const body = gzipSync(JSON.stringify({ Records: [{ eventVersion: '1.08', eventID: 'e-1', eventTime: '2026-11-23T00:00:00Z', eventName: 'GetObject', eventSource: 's3.amazonaws.com' }] }));
    let reads = 0;
    const objects: ObjectGetter = {
      async getObject(): Promise<S3ObjectStream> {
        if (++reads === 1) throw new RetryableError('s3-stream-error', 'connection reset', { key: KEY });
        return { body: (async function* () { yield body; })(), contentLength: body.length, received: () => body.length };
      },
    };
    const transport: BulkTransport = {
      async bulk(_b, count) {
        return { ok: true, items: Array.from({ length: count }, () => ({ status: 201 })) };
      },
    };
    const logger = createLogger({ level: 'silent' });
    const worker = new Worker({
      queue,
      deadLetters: undefined,
      heartbeat: new Heartbeat(queue, { intervalSeconds: 100, visibilitySeconds: 300, maxVisibilitySeconds: 3600 }, logger),
      indexer: new BulkIndexer(transport, { maxBytes: 1 << 20, bytesLimit: 2 << 20, maxDocs: 100, lingerMs: 1, concurrency: 1, maxBufferedBytes: 1 << 20, retry: { maxRetries: 1, baseMs: 1, capMs: 2 }, deadLetterIndex: 'dl' }),
      objects: {
        options: { allowList: [{ bucket: 'logs-bucket', prefix: '' }], keyPattern: /.*/, indexPrefix: 'ct', limits: { maxDecompressedBytes: 1 << 24, maxCompressionRatio: 1000, maxRecordBytes: 1 << 20 } },
        objects,
      },
      logger,
      options: { maxMessagesInFlight: 2, receiveBatchSize: 10, waitTimeSeconds: 1, visibilityTimeoutSeconds: 300, objectConcurrency: 1, retryBackoffSeconds: 1, shutdownGraceSeconds: 5 },
    });
    // Idle after 0.2 s, but the retry is due only after 1 s.
    const stats = await worker.run({ untilIdleSeconds: 0.2 });
    expect(receives.length).toBe(2);
    expect(receives[1]!).toBeGreaterThanOrEqual(1000);
    expect(deleted).toBe(true);
    expect([stats.messagesRetried, stats.messagesDeleted, stats.recordsIndexed]).toEqual([1, 1, 1]);
  });
});

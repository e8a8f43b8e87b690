import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { cloudTrailKey, deliveredFiles } from './support/corpus.js';
import {
  eventIndices,
  expectQueues,
  logLines,
  setup,
  spawnWorker,
  summaryOf,
  waitFor,
  type RunningWorker,
} from './support/expectations.js';
import { countDocs, createTestPipeline, putObject, queueDepth, runCli, type TestPipeline } from './support/local-stack.js';
import { parseExposition, sampleValue } from '../unit/observability/exposition.js';

/**
 * The worker's /metrics, /healthz and /readyz on the real stack: a spawned
 * worker indexes real delivered CloudTrail files, skips a digest file and
 * dead-letters a corrupt object; while it runs, health and readiness answer
 * 200, and once everything is settled every counter equals what happened.
 */
describe('metrics and health endpoints of a running worker', () => {
  const ACCOUNT = '218007301253';
  // The three smallest real files keep the run short; their records are counted exactly.
  const files = deliveredFiles()
    .sort((a, b) => a.gz.length - b.gz.length)
    .slice(0, 3);
  const records = files.reduce((n, f) => n + f.records.length, 0);
  const distinctIds = new Set(files.flatMap((f) => f.records.map((r) => r.eventID))).size;
  const gzBytes = files.reduce((n, f) => n + f.gz.length, 0);
  const jsonBytes = files.reduce((n, f) => n + gunzipSync(f.gz).length, 0);
  const digestKey = `AWSLogs/${ACCOUNT}/CloudTrail-Digest/us-east-1/2023/07/10/${ACCOUNT}_CloudTrail-Digest_us-east-1_management_us-east-1_20230710T120000Z.json.gz`;
  const corruptKey = `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2023/07/10/${ACCOUNT}_CloudTrail_us-east-1_20230710T1200Z_corruptgzip00001.json.gz`;
  const corrupt = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), randomBytes(2000)]);

  let p: TestPipeline;
  let port: number;
  let worker: RunningWorker | undefined;
  /** Messages on the queue before the worker starts: the objects' notifications plus moto's s3:TestEvent(s). */
  let messages: number;
  const statuses = { healthz: new Set<number>(), readyz: new Set<number>() };
  let text = '';

  beforeAll(async () => {
    p = await createTestPipeline('metrics');
    await setup(p.env);
    for (const f of files) await putObject(p.bucket, cloudTrailKey(f.name), f.gz);
    await putObject(p.bucket, digestKey, gzipSync(JSON.stringify({ awsAccountId: ACCOUNT, logFiles: [] })));
    await putObject(p.bucket, corruptKey, corrupt);
    await waitFor('the notifications to reach the queue', async () => (await queueDepth(p.queueUrl)) >= files.length + 2, 30_000, 200);
    messages = await queueDepth(p.queueUrl);

    port = await freePort();
    worker = spawnWorker({ ...p.env, TRAILSTREAM_METRICS_PORT: String(port), TRAILSTREAM_LOG_LEVEL: 'info' }, ['worker', '--until-idle', '15']);
    let exited = false;
    void worker.exited.then(() => (exited = true));

    // While it works: poll the health endpoints until everything is settled.
    await waitFor(
      'every message to be settled, as /metrics reports it',
      async () => {
        if (exited) throw new Error(`worker exited early: ${(await worker!.exited).stderr.slice(-3000)}`);
        const health = await get(port, '/healthz').catch(() => undefined);
        const ready = await get(port, '/readyz').catch(() => undefined);
        if (health) statuses.healthz.add(health.status);
        if (ready) statuses.readyz.add(ready.status);
        const scrape = await get(port, '/metrics').catch(() => undefined);
        if (!scrape) return false;
        const settled =
          sum(scrape.body, 'trailstream_messages_deleted_total') + sum(scrape.body, 'trailstream_messages_dead_lettered_total');
        return settled >= messages;
      },
      120_000,
      100,
    );
    await waitFor('the documents to be searchable', async () => (await countDocs(eventIndices(p))) === distinctIds, 30_000, 250);
    const health = await get(port, '/healthz');
    const ready = await get(port, '/readyz');
    statuses.healthz.add(health.status);
    statuses.readyz.add(ready.status);
    const scrape = await get(port, '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    text = scrape.body;
  });

  afterAll(async () => {
    if (worker) {
      worker.kill('SIGKILL');
      await worker.exited;
    }
  });

  it('answers /healthz and /readyz with 200 while it runs', () => {
    expect(statuses.healthz).toEqual(new Set([200]));
    // Ready once OpenSearch answered and a receive completed; 503 is allowed only in the first moments.
    expect(statuses.readyz.has(200)).toBe(true);
  });

  it('counts every message by its fate', () => {
    expect(sampleValue(text, 'trailstream_messages_received_total')).toBe(messages);
    // Three files and the digest are deleted as processed; the rest of the deletions are moto's s3:TestEvents.
    expect(sampleValue(text, 'trailstream_messages_deleted_total', { reason: 'processed' })).toBe(files.length + 1);
    expect(sampleValue(text, 'trailstream_messages_deleted_total', { reason: 'test-event' }) ?? 0).toBe(messages - files.length - 2);
    expect(sampleValue(text, 'trailstream_messages_dead_lettered_total', { code: 'corrupt-gzip' })).toBe(1);
    expect(sum(text, 'trailstream_messages_dead_lettered_total')).toBe(1);
    expect(sum(text, 'trailstream_messages_retried_total')).toBe(0);
    expect(sampleValue(text, 'trailstream_messages_released_total')).toBe(0);
    expect(sampleValue(text, 'trailstream_sqs_receive_errors_total')).toBe(0);
  });

  it('counts objects, records and bytes exactly', () => {
    expect(sampleValue(text, 'trailstream_objects_processed_total')).toBe(files.length);
    expect(sampleValue(text, 'trailstream_objects_skipped_total', { reason: 'digest-file' })).toBe(1);
    expect(sum(text, 'trailstream_objects_skipped_total')).toBe(1);
    expect(sampleValue(text, 'trailstream_objects_failed_total', { code: 'corrupt-gzip', kind: 'non-retryable' })).toBe(1);
    expect(sum(text, 'trailstream_objects_failed_total')).toBe(1);
    expect(sampleValue(text, 'trailstream_records_processed_total')).toBe(records);
    expect(sampleValue(text, 'trailstream_records_indexed_total')).toBe(records);
    expect(sampleValue(text, 'trailstream_records_dead_lettered_total')).toBe(0);
    expect(sampleValue(text, 'trailstream_records_failed_total')).toBe(0);
    // Every byte of the good files, plus at most the corrupt object's.
    const read = sampleValue(text, 'trailstream_object_bytes_read_total') ?? 0;
    expect(read).toBeGreaterThanOrEqual(gzBytes);
    expect(read).toBeLessThanOrEqual(gzBytes + corrupt.length);
    expect(sampleValue(text, 'trailstream_object_bytes_decompressed_total')).toBe(jsonBytes);
  });

  it('times the _bulk requests and counts their outcomes', () => {
    const ok = sampleValue(text, 'trailstream_bulk_requests_total', { outcome: 'success' }) ?? 0;
    expect(ok).toBeGreaterThan(0);
    expect(sum(text, 'trailstream_bulk_requests_total')).toBe(ok);
    expect(sampleValue(text, 'trailstream_bulk_request_duration_seconds_count', { outcome: 'success' })).toBe(ok);
    expect(sampleValue(text, 'trailstream_bulk_request_duration_seconds_sum', { outcome: 'success' })).toBeGreaterThan(0);
    expect(sampleValue(text, 'trailstream_bulk_request_bytes_total')).toBeGreaterThan(jsonBytes / 2);
    expect(sampleValue(text, 'trailstream_bulk_item_retries_total')).toBe(0);
  });

  it('measures ingestion lag: 2023 events are over 30 days old; the S3 events a few seconds', () => {
    expect(sampleValue(text, 'trailstream_ingestion_lag_seconds_count')).toBe(records);
    expect(sampleValue(text, 'trailstream_ingestion_lag_seconds_bucket', { le: '2592000' })).toBe(0);
    expect(sampleValue(text, 'trailstream_ingestion_lag_seconds_bucket', { le: '+Inf' })).toBe(records);
    // One observation per object done (the digest is skipped, the corrupt one failed), all within minutes.
    expect(sampleValue(text, 'trailstream_object_lag_seconds_count')).toBe(files.length);
    expect(sampleValue(text, 'trailstream_object_lag_seconds_bucket', { le: '600' })).toBe(files.length);
  });

  it('reports nothing in flight once settled, and the standard process metrics', () => {
    expect(sampleValue(text, 'trailstream_messages_in_flight')).toBe(0);
    expect(sampleValue(text, 'trailstream_objects_in_flight')).toBe(0);
    expect(sampleValue(text, 'trailstream_ready')).toBe(1);
    const { types } = parseExposition(text);
    expect(types.get('process_cpu_seconds_total')).toBe('counter');
    expect(types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
  });

  it('agrees with the summary the worker prints at exit, and closes the port when it exits', async () => {
    worker!.kill('SIGTERM');
    const run = await worker!.exited;
    worker = undefined;
    expect(run.code).toBe(0);
    const summary = summaryOf(run).worker;
    expect({
      recordsIndexed: summary.recordsIndexed,
      objectsProcessed: summary.objectsProcessed,
      objectsSkipped: summary.objectsSkipped,
      messagesDeadLettered: summary.messagesDeadLettered,
      messagesDeleted: summary.messagesDeleted,
    }).toEqual({
      recordsIndexed: sampleValue(text, 'trailstream_records_indexed_total'),
      objectsProcessed: sampleValue(text, 'trailstream_objects_processed_total'),
      objectsSkipped: 1,
      messagesDeadLettered: 1,
      messagesDeleted: sum(text, 'trailstream_messages_deleted_total'),
    });
    const listening = logLines(run.stderr).find((l) => l.msg === 'metrics server listening');
    expect(listening).toMatchObject({ host: '127.0.0.1', port });
    await expect(get(port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    await expectQueues(p, { queue: 0, dlq: 1 });
  });
});

describe('metrics port already in use', () => {
  it('stops the worker at startup with exit code 2 and a message naming TRAILSTREAM_METRICS_PORT', async () => {
    const p = await createTestPipeline('metrics-port');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const run = await runCli(['worker', '--until-idle', '1'], { ...p.env, TRAILSTREAM_METRICS_PORT: String(port) });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`trailstream: TRAILSTREAM_METRICS_PORT=${port}: port ${port} on 127.0.0.1 is already in use`);
      expect(run.stdout).toBe('');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});

/** Sum of every sample of a metric, whatever its labels. */
function sum(text: string, name: string): number {
  return parseExposition(text)
    .samples.filter((s) => s.name === name)
    .reduce((n, s) => n + s.value, 0);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function get(port: number, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteMessageCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { encodeLogFile, generateLogFiles, type GeneratedLogFile } from '../../src/demo/generator.js';
import { createTestPipeline, putObject, queueDepth, receiveAll, s3, sqs, type TestPipeline } from '../integration/support/local-stack.js';
import {
  deadLetterDocs,
  eventIndices,
  expectExactlyOnce,
  expectQueues,
  logLines,
  setup,
  spawnCli,
  spawnWorker,
  summaryOf,
  waitFor,
  type LogLine,
  type RunningWorker,
  type WorkerCounters,
} from '../integration/support/expectations.js';
import { ProgressMonitor, clusterStatus, dataNode, managerNode, report, startNode, stopNode, waitForGreen } from './support/cluster.js';

/**
 * Faults of a real 3-node OpenSearch cluster (npm run stack -- up --nodes 3)
 * while workers index with replicas 1. The workers get every node in
 * OPENSEARCH_URL. Each test asserts the exact outcome — every expected record
 * once under its eventID, nothing else, nothing dead-lettered, the queue and
 * the DLQ empty — and reports how long ingestion stalled.
 */

/** Short visibility, so a message whose visibility the heartbeat did not keep extending would come back during the fault. */
const BASE = {
  TRAILSTREAM_INDEX_REPLICAS: '1',
  TRAILSTREAM_INDEX_REFRESH_INTERVAL: '1s',
  TRAILSTREAM_VISIBILITY_TIMEOUT_SECONDS: '20',
  TRAILSTREAM_HEARTBEAT_INTERVAL_SECONDS: '5',
  TRAILSTREAM_RETRY_BACKOFF_SECONDS: '5',
  TRAILSTREAM_BULK_MAX_DOCS: '1000',
  TRAILSTREAM_LOG_LEVEL: 'info',
};

let seed = 1100;
function logFiles(files: number, records: number, day: number): GeneratedLogFile[] {
  return [...generateLogFiles({ seed: seed++, start: new Date(Date.UTC(2026, 7, day, 6, 0)), files, recordsPerFile: records })];
}

async function pipelineWith(name: string, files: readonly GeneratedLogFile[], env: Record<string, string> = {}): Promise<{ p: TestPipeline; env: Record<string, string>; ids: string[] }> {
  const p = await createTestPipeline(name);
  const full = { ...p.env, ...BASE, ...env };
  await setup(full);
  for (const f of files) await putObject(p.bucket, f.key, encodeLogFile(f.records));
  return { p, env: full, ids: files.flatMap((f) => f.records.map((r) => r.eventID!)) };
}

/** Runs workers until the queue is drained, then stops them (SIGTERM) and returns their summed counters and logs. */
async function untilDrained(p: TestPipeline, workers: readonly RunningWorker[]): Promise<{ counters: WorkerCounters; logs: LogLine[] }> {
  let exited = 0;
  for (const w of workers) void w.exited.then(() => exited++);
  try {
    await waitFor('the queue to be drained', async () => exited > 0 || (await queueDepth(p.queueUrl)) === 0, 900_000, 500);
  } finally {
    for (const w of workers) w.kill('SIGTERM');
  }
  const runs = await Promise.all(workers.map((w) => w.exited));
  for (const r of runs) if (r.code !== 0) throw new Error(`a worker exited ${r.code}\n${r.stderr.slice(-4000)}`);
  return { counters: sum(runs.map((r) => summaryOf(r).worker)), logs: runs.flatMap((r) => logLines(r.stderr)) };
}

function sum(all: readonly WorkerCounters[]): WorkerCounters {
  const out: Record<string, number> = {};
  for (const c of all) for (const [k, v] of Object.entries(c)) out[k] = (out[k] ?? 0) + v;
  return out as unknown as WorkerCounters;
}

/** The outages the workers held through (their "OpenSearch available again" lines), in seconds. */
function outages(logs: readonly LogLine[]): number[] {
  return logs.filter((l) => typeof l.outageMs === 'number').map((l) => Math.round((l.outageMs as number) / 100) / 10);
}

async function expectClean(p: TestPipeline, ids: readonly string[]): Promise<void> {
  await expectExactlyOnce(p, ids);
  expect(await deadLetterDocs(p)).toEqual([]);
  await expectQueues(p, { queue: 0, dlq: 0 });
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

describe('3-node cluster faults (replicas 1)', () => {
  beforeAll(async () => {
    await waitForGreen();
  });

  afterEach(async () => {
    // Every node back and every shard allocated before the next fault.
    const s = await clusterStatus();
    await Promise.all(s.opensearch.nodes.filter((n) => !n.up).map((n) => startNode(n.name)));
    await waitForGreen();
  });

  it('(a) SIGKILL of a data node mid-ingest, then its restart: every record once, no message read twice', async () => {
    const files = logFiles(12, 1500, 3);
    const { p, env, ids } = await pipelineWith('kill-data', files);
    const monitor = new ProgressMonitor(eventIndices(p), ids.length);
    const worker = spawnWorker(env);
    const drained = untilDrained(p, [worker]);

    await monitor.reached(ids.length * 0.2);
    const victim = await dataNode();
    const t0 = Date.now();
    await stopNode(victim, 'KILL');
    const countAtKill = monitor.count;
    await startNode(victim);
    const restartMs = Date.now() - t0;
    const { counters: w, logs } = await drained;
    await monitor.stop();

    expect(countAtKill).toBeLessThan(ids.length);
    expect(w.messagesRetried).toBe(0);
    expect(w.messagesDeadLettered).toBe(0);
    // The s3:TestEvent and one message per file, each received once: nothing was read again.
    expect(w.messagesReceived).toBe(files.length + 1);
    expect(w.recordsIndexed).toBe(ids.length);
    await expectClean(p, ids);
    report(`(a) SIGKILL ${victim} at ${countAtKill}/${ids.length} docs, back after ${seconds(restartMs)}: longest ingestion stall ${seconds(monitor.longestStallMs())}, ingest took ${seconds(monitor.durationMs())}, outages held: [${outages(logs).join(', ')}] s`);
  });

  it('(b) the elected cluster manager stopped mid-ingest: a new one is elected, every record once', async () => {
    const files = logFiles(12, 1500, 4);
    const { p, env, ids } = await pipelineWith('stop-manager', files);
    const monitor = new ProgressMonitor(eventIndices(p), ids.length);
    const worker = spawnWorker(env);
    const drained = untilDrained(p, [worker]);

    await monitor.reached(ids.length * 0.2);
    const manager = await managerNode();
    const t0 = Date.now();
    await stopNode(manager, 'TERM');
    const countAtStop = monitor.count;
    await waitFor('another cluster manager', async () => {
      const now = (await clusterStatus()).opensearch.clusterManager;
      return now !== null && now !== manager;
    }, 120_000, 500);
    const electedMs = Date.now() - t0;
    const newManager = await managerNode();
    await startNode(manager);
    const { counters: w, logs } = await drained;
    await monitor.stop();

    expect(countAtStop).toBeLessThan(ids.length);
    expect(newManager).not.toBe(manager);
    expect(w.messagesRetried).toBe(0);
    expect(w.messagesReceived).toBe(files.length + 1);
    expect(w.recordsIndexed).toBe(ids.length);
    await expectClean(p, ids);
    report(`(b) stopped cluster manager ${manager} at ${countAtStop}/${ids.length} docs; ${newManager} elected within ${seconds(electedMs)}: longest ingestion stall ${seconds(monitor.longestStallMs())}, ingest took ${seconds(monitor.durationMs())}, outages held: [${outages(logs).join(', ')}] s`);
  });

  it('(c) rolling restart of all three nodes during a backfill: the backfill finishes, every record once', async () => {
    const files = logFiles(20, 1500, 5);
    const p = await createTestPipeline('rolling');
    // A backfill reads the bucket itself: no notifications, and the queue is emptied of setup's test event.
    await s3().send(new PutBucketNotificationConfigurationCommand({ Bucket: p.bucket, NotificationConfiguration: {} }));
    const env = { ...p.env, ...BASE, TRAILSTREAM_BULK_CONCURRENCY: '1', TRAILSTREAM_OBJECT_CONCURRENCY: '1' };
    await setup(env);
    for (const f of files) await putObject(p.bucket, f.key, encodeLogFile(f.records));
    for (const m of await receiveAll(p.queueUrl)) await sqs().send(new DeleteMessageCommand({ QueueUrl: p.queueUrl, ReceiptHandle: m.ReceiptHandle }));
    const ids = files.flatMap((f) => f.records.map((r) => r.eventID!));

    const monitor = new ProgressMonitor(eventIndices(p), ids.length);
    const backfill = spawnCli(['backfill', `s3://${p.bucket}`, '--no-checkpoint'], env, mkdtempSync(path.join(tmpdir(), 'ts-rolling-')));
    let backfillDone = false;
    void backfill.exited.then(() => (backfillDone = true));
    await monitor.reached(ids.length * 0.1);

    // Cluster managers last, as a rolling upgrade does it; each node back and the cluster green before the next.
    const status = await clusterStatus();
    const order = [...status.opensearch.nodes].sort((a, b) => Number(a.clusterManager) - Number(b.clusterManager)).map((n) => n.name);
    const restarts: string[] = [];
    const t0 = Date.now();
    for (const node of order) {
      const during = !backfillDone;
      const r0 = Date.now();
      await stopNode(node, 'TERM');
      await startNode(node);
      await waitForGreen();
      restarts.push(`${node} ${seconds(Date.now() - r0)}${during ? '' : ' (after the backfill)'}`);
    }
    const rollingMs = Date.now() - t0;
    const run = await backfill.exited;
    await monitor.stop();

    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr.slice(-3000) }).toEqual({ code: 0, stderr: '' });
    // At least the first restart happened while the backfill was running.
    expect(restarts[0]).not.toContain('after the backfill');
    await expectClean(p, ids);
    report(`(c) rolling restart (${restarts.join(', ')}; ${seconds(rollingMs)} in all) during a backfill of ${ids.length} records: longest ingestion stall ${seconds(monitor.longestStallMs())}, backfill took ${seconds(monitor.durationMs())}, outages held: [${outages(logLines(run.stderr)).join(', ')}] s`);
  });

  it('(d) two nodes down for minutes: the worker waits and resumes without reading anything again; --until-idle does not exit meanwhile', async () => {
    const DOWN_MS = 150_000;
    // Holder: the default outage limit (600 s) covers the outage. Releaser: 30 s does not.
    const holder = await pipelineWith('hold', logFiles(3, 5000, 6));
    const releaser = await pipelineWith('release', logFiles(3, 5000, 7), { TRAILSTREAM_OUTAGE_MAX_SECONDS: '30', TRAILSTREAM_RETRY_BACKOFF_SECONDS: '10' });
    const mHold = new ProgressMonitor(eventIndices(holder.p), holder.ids.length);
    const mRelease = new ProgressMonitor(eventIndices(releaser.p), releaser.ids.length);
    const workerHold = spawnWorker(holder.env, ['worker', '--until-idle', '5']);
    const workerRelease = spawnWorker(releaser.env, ['worker', '--until-idle', '5']);

    await Promise.all([mHold.reached(holder.ids.length * 0.1), mRelease.reached(releaser.ids.length * 0.1)]);
    const manager = await managerNode();
    const other = await dataNode();
    const t0 = Date.now();
    await Promise.all([stopNode(other, 'KILL'), stopNode(manager, 'TERM')]);
    const atStop = { hold: mHold.count, release: mRelease.count };
    await new Promise((r) => setTimeout(r, DOWN_MS));
    // Through the whole outage the holder's messages stayed in progress (the heartbeat kept them invisible).
    const attrs = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl: holder.p.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
    const exitedDuringOutage = await Promise.race([workerRelease.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10))]);
    await Promise.all([startNode(other), startNode(manager)]);
    const downMs = Date.now() - t0;

    const [runHold, runRelease] = await Promise.all([workerHold.exited, workerRelease.exited]);
    await Promise.all([mHold.stop(), mRelease.stop()]);
    expect([runHold.code, runRelease.code]).toEqual([0, 0]);
    const hold = summaryOf(runHold).worker;
    const release = summaryOf(runRelease).worker;
    const holdLogs = logLines(runHold.stderr);
    const releaseLogs = logLines(runRelease.stderr);

    expect(atStop.hold).toBeLessThan(holder.ids.length);
    expect(atStop.release).toBeLessThan(releaser.ids.length);
    expect(Number(attrs.ApproximateNumberOfMessages)).toBe(0);
    expect(Number(attrs.ApproximateNumberOfMessagesNotVisible)).toBeGreaterThanOrEqual(1);
    // Ingestion really stopped for about as long as the nodes were down.
    expect(mHold.longestStallMs()).toBeGreaterThan(DOWN_MS - 30_000);
    // Holder: nothing given back, nothing received twice. (Without a cluster manager the surviving
    // node may keep a _bulk request waiting for minutes instead of refusing it: then the wait is in
    // that request rather than in the indexer's hold, and no outage is logged.)
    expect(hold.messagesRetried).toBe(0);
    expect(hold.messagesReceived).toBe(3 + 1);
    // Releaser: --until-idle did not end the run during the outage, whatever it gave back.
    expect(exitedDuringOutage).toBe(false);
    for (const x of [holder, releaser]) await expectClean(x.p, x.ids);
    report(
      `(d) ${manager} (TERM) and ${other} (KILL) down for ${seconds(downMs)} (no cluster manager): holder stalled ${seconds(mHold.longestStallMs())} and held [${outages(holdLogs).join(', ')}] s, 0 messages retried, ${hold.messagesReceived} received for 4 sent; releaser (30 s limit) stalled ${seconds(mRelease.longestStallMs())}, held [${outages(releaseLogs).join(', ')}] s, retried ${release.messagesRetried} message(s)${releaseLogs.some((l) => l.code === 'opensearch-unavailable') ? ' (opensearch-unavailable)' : ''}`,
    );
  });

  it('(e) three workers on one queue while a data node is SIGKILLed and restarted: every record once', async () => {
    const files = logFiles(12, 1500, 8);
    const { p, env, ids } = await pipelineWith('three-workers', files);
    const monitor = new ProgressMonitor(eventIndices(p), ids.length);
    const workers = [0, 1, 2].map(() => spawnWorker(env));
    const drained = untilDrained(p, workers);

    await monitor.reached(ids.length * 0.2);
    const victim = await dataNode();
    const t0 = Date.now();
    await stopNode(victim, 'KILL');
    const countAtKill = monitor.count;
    await startNode(victim);
    const restartMs = Date.now() - t0;
    const { counters: w, logs } = await drained;
    await monitor.stop();

    expect(countAtKill).toBeLessThan(ids.length);
    expect(w.messagesRetried).toBe(0);
    expect(w.messagesDeadLettered).toBe(0);
    expect(w.messagesReceived).toBe(files.length + 1);
    expect(w.messagesDeleted).toBe(files.length + 1);
    expect(w.recordsIndexed).toBe(ids.length);
    await expectClean(p, ids);
    report(`(e) 3 workers, SIGKILL ${victim} at ${countAtKill}/${ids.length} docs, back after ${seconds(restartMs)}: longest ingestion stall ${seconds(monitor.longestStallMs())}, ingest took ${seconds(monitor.durationMs())}, outages held: [${outages(logs).join(', ')}] s`);
  });
});

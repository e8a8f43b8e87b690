import { encodeLogFile, generateLogFiles } from '../../src/demo/generator.js';
import { countDocs, createTestPipeline, putObject, queueDepth } from './support/local-stack.js';
import { FaultProxy, bulkIds, type ProxyHandler } from './support/fault-proxy.js';
import {
  deadLetterDocs,
  eventIndices,
  expectExactlyOnce,
  expectQueues,
  realTargetUrl,
  targetUrlEnv,
  runWorkerUntilDrained,
  setup,
  spawnWorker,
  waitFor,
} from './support/expectations.js';

/**
 * Workers dying and workers sharing a queue. SQS visibility is the only
 * coordination between workers, so these check that it is kept: a message of a
 * killed worker comes back to another one, and a message in progress stays
 * invisible (heartbeat) however long its file takes.
 */
describe('workers', () => {
  // Short visibility, so a killed worker's message comes back quickly and long files need the heartbeat.
  const VISIBILITY = { TRAILSTREAM_VISIBILITY_TIMEOUT_SECONDS: '10', TRAILSTREAM_HEARTBEAT_INTERVAL_SECONDS: '3' };
  let proxy: FaultProxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  it('a worker killed with SIGKILL mid-file: its message comes back after the visibility timeout, a new worker indexes everything exactly once', async () => {
    const RECORDS = 25_000;
    const file = [...generateLogFiles({ seed: 71, start: new Date(Date.UTC(2026, 6, 7, 12, 0)), files: 1, recordsPerFile: RECORDS })][0]!;
    const p = await createTestPipeline('sigkill');
    const env = { ...p.env, ...VISIBILITY, TRAILSTREAM_INDEX_REFRESH_INTERVAL: '200ms', TRAILSTREAM_RETRY_BACKOFF_SECONDS: '1' };
    await setup(env);
    await putObject(p.bucket, file.key, encodeLogFile(file.records));

    const first = spawnWorker(env);
    await waitFor('the first documents', async () => (await countDocs(eventIndices(p))) > 0, 120_000);
    first.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.code).toBeNull(); // killed: no summary, no cleanup, no release
    expect(killed.stdout).toBe('');
    const before = await countDocs(eventIndices(p));
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(RECORDS);
    // The message is still in flight for the dead worker.
    expect(await queueDepth(p.queueUrl)).toBeGreaterThanOrEqual(1);

    const second = await runWorkerUntilDrained(p, env);
    const w = second.worker;
    expect(w.objectsProcessed).toBe(1);
    expect(w.recordsIndexed).toBe(RECORDS);
    expect(w.messagesDeadLettered).toBe(0);
    expect(w.messagesRetried).toBe(0);
    // It had to wait for the visibility timeout the dead worker had set (or last extended).
    expect(second.ms).toBeGreaterThan(2_000);

    await expectExactlyOnce(
      p,
      file.records.map((r) => r.eventID!),
    );
    expect(await deadLetterDocs(p)).toEqual([]);
    await expectQueues(p, { queue: 0, dlq: 0 });
  });

  it('two workers on one queue, files taking longer than the visibility timeout: each message handled by exactly one worker', async () => {
    const FILES = 4;
    const RECORDS = 3_000;
    const BULK_DOCS = 250;
    const BULK_DELAY_MS = 1_200; // 12 requests a file: ≥ 14 s per file, against a 10 s visibility timeout
    const files = [...generateLogFiles({ seed: 72, start: new Date(Date.UTC(2026, 6, 8, 12, 0)), files: FILES, recordsPerFile: RECORDS })];
    const p = await createTestPipeline('two-workers');
    await setup(p.env);
    for (const f of files) await putObject(p.bucket, f.key, encodeLogFile(f.records));

    // A slow OpenSearch: every _bulk answer is held back, and the ids in each request are recorded.
    const bulks: { at: number; ids: string[] }[] = [];
    const slow: ProxyHandler = async (ex) => {
      const reply = await ex.forward();
      if (!ex.url.startsWith('/_bulk')) return reply;
      bulks.push({ at: Date.now(), ids: bulkIds(ex.body) });
      return { ...reply, delayMs: BULK_DELAY_MS };
    };
    proxy = await FaultProxy.start(realTargetUrl(), slow);
    const env = {
      ...p.env,
      ...VISIBILITY,
      ...targetUrlEnv(proxy.url),
      // One message at a time per worker, so the two share the files.
      TRAILSTREAM_MAX_MESSAGES_IN_FLIGHT: '1',
      TRAILSTREAM_BULK_MAX_DOCS: String(BULK_DOCS),
      TRAILSTREAM_BULK_CONCURRENCY: '1',
      TRAILSTREAM_RETRY_BACKOFF_SECONDS: '1',
    };

    const [a, b] = await Promise.all([runWorkerUntilDrained(p, env), runWorkerUntilDrained(p, env)]);

    // Every file really took longer than the visibility timeout...
    const fileOf = new Map(files.flatMap((f, i) => f.records.map((r) => [r.eventID!, i] as const)));
    for (let i = 0; i < FILES; i++) {
      const times = bulks.filter((r) => r.ids.some((id) => fileOf.get(id) === i)).map((r) => r.at);
      expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(10_000);
    }
    // ...yet no message went to a second worker: one receive per message (4 files + the
    // s3:TestEvent), and every record sent to OpenSearch once.
    expect(a.worker.messagesReceived + b.worker.messagesReceived).toBe(FILES + 1);
    expect(a.worker.objectsProcessed + b.worker.objectsProcessed).toBe(FILES);
    expect(a.worker.objectsProcessed).toBeGreaterThanOrEqual(1);
    expect(b.worker.objectsProcessed).toBeGreaterThanOrEqual(1);
    expect(bulks.flatMap((r) => r.ids)).toHaveLength(FILES * RECORDS);
    for (const s of [a, b]) {
      expect(s.worker.messagesRetried).toBe(0);
      expect(s.worker.messagesReleased).toBe(0);
      expect(s.worker.messagesDeadLettered).toBe(0);
    }

    await expectExactlyOnce(
      p,
      files.flatMap((f) => f.records.map((r) => r.eventID!)),
    );
    expect(await deadLetterDocs(p)).toEqual([]);
    await expectQueues(p, { queue: 0, dlq: 0 });
  });
});


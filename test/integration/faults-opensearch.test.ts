import { createHash } from 'node:crypto';
import { encodeLogFile, generateLogFiles } from '../../src/demo/generator.js';
import {
  countDocs,
  createTestPipeline,
  putObject,
  type TestPipeline,
} from './support/local-stack.js';
import { FaultProxy, bulkIds, rejectBulkItems, type ProxyHandler } from './support/fault-proxy.js';
import { deadLetterDocs, dlqMessages, expectExactlyOnce, expectQueues, realTargetUrl, runWorkerUntilDrained, targetUrlEnv, setup } from './support/expectations.js';

/**
 * OpenSearch misbehaving while a file is being indexed. The worker talks to
 * real OpenSearch through a fault-injecting proxy started by the test; the
 * shared OpenSearch itself is never touched.
 */
describe('OpenSearch faults', () => {
  const RECORDS = 12_000;
  const file = [...generateLogFiles({ seed: 31, start: new Date(Date.UTC(2026, 2, 3, 8, 0)), files: 1, recordsPerFile: RECORDS })][0]!;
  const body = encodeLogFile(file.records);
  const ids = file.records.map((r) => r.eventID!);
  let proxy: FaultProxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  async function pipelineWithFile(name: string): Promise<TestPipeline> {
    const p = await createTestPipeline(name);
    await setup(p.env);
    await putObject(p.bucket, file.key, body);
    return p;
  }

  /** Takes OpenSearch away (refused connections, open ones cut) after a few bulk requests, for `outageMs`. */
  function outageAfterBulks(bulksBeforeOutage: number, outageMs: number) {
    const state = { bulks: 0, docsBeforeOutage: 0, wentDownAt: 0, cameBackAt: 0 };
    const handler: ProxyHandler = async (ex) => {
      const isBulk = ex.url.startsWith('/_bulk');
      const reply = await ex.forward();
      if (isBulk && state.wentDownAt === 0) state.docsBeforeOutage += bulkIds(ex.body).length;
      if (isBulk && ++state.bulks === bulksBeforeOutage) {
        setImmediate(() => {
          state.wentDownAt = Date.now();
          void proxy!.goDown().then(() =>
            setTimeout(() => {
              state.cameBackAt = Date.now();
              void proxy!.comeBack();
            }, outageMs),
          );
        });
      }
      return reply;
    };
    return { state, handler };
  }

  it('OpenSearch unreachable mid-ingest: the worker holds what it has and carries on when it is back, reading nothing again', async () => {
    const p = await pipelineWithFile('os-hold');
    const OUTAGE_MS = 8_000;
    const outage = outageAfterBulks(5, OUTAGE_MS);
    proxy = await FaultProxy.start(realTargetUrl(), outage.handler);

    const summary = await runWorkerUntilDrained(p, {
      ...p.env,
      ...targetUrlEnv(proxy.url),
      TRAILSTREAM_BULK_MAX_DOCS: '400',
      TRAILSTREAM_BULK_CONCURRENCY: '1',
      // Far fewer retries than the outage would take: holding must not spend them.
      TRAILSTREAM_BULK_MAX_RETRIES: '2',
      TRAILSTREAM_BULK_RETRY_BASE_MS: '200',
      // Visibility shorter than the outage: only the heartbeat keeps the message from coming back.
      TRAILSTREAM_VISIBILITY_TIMEOUT_SECONDS: '10',
      TRAILSTREAM_HEARTBEAT_INTERVAL_SECONDS: '2',
      TRAILSTREAM_LOG_LEVEL: 'warn',
    });

    const { state } = outage;
    expect(state.cameBackAt).toBeGreaterThan(state.wentDownAt);
    expect(state.docsBeforeOutage).toBeGreaterThan(0);
    expect(state.docsBeforeOutage).toBeLessThan(RECORDS);
    const w = summary.worker;
    expect(w.messagesRetried).toBe(0);
    // The s3:TestEvent and the file, each received once: the file was not read again.
    expect(w.messagesReceived).toBe(2);
    expect(w.recordsIndexed).toBe(RECORDS);
    const held = summary.logs.filter((l) => typeof l.outageMs === 'number').map((l) => l.outageMs as number);
    expect(held.length).toBe(1);
    // The worker's outage clock starts when its next request fails, which may be a few seconds
    // after the proxy went down on a busy machine (it decodes and fills the next batch first), and
    // ends at the first probe after the proxy is back (probes are at most 5 s apart).
    const down = state.cameBackAt - state.wentDownAt;
    expect(held[0]).toBeGreaterThanOrEqual(down - 3_000);
    expect(held[0]).toBeLessThanOrEqual(down + 5_500);
    await expectExactlyOnce(p, ids);
    expect(await countDocs(p.deadLetterIndex)).toBe(0);
    await expectQueues(p, { queue: 0, dlq: 0 });
  });

  it('OpenSearch unreachable for longer than TRAILSTREAM_OUTAGE_MAX_SECONDS: the message is left and backed off, then finished once it is back; nothing lost, nothing doubled', async () => {
    const p = await pipelineWithFile('os-down');
    const BULKS_BEFORE_OUTAGE = 5;
    const OUTAGE_MS = 6_000;
    let bulks = 0;
    let docsBeforeOutage = 0;
    let wentDownAt = 0;
    let cameBackAt = 0;
    const handler: ProxyHandler = async (ex) => {
      const isBulk = ex.url.startsWith('/_bulk');
      const reply = await ex.forward();
      if (isBulk && wentDownAt === 0) docsBeforeOutage += bulkIds(ex.body).length;
      if (isBulk && ++bulks === BULKS_BEFORE_OUTAGE) {
        // Connection refused from now on, and every open connection cut, for OUTAGE_MS.
        setImmediate(() => {
          wentDownAt = Date.now();
          void proxy!.goDown().then(() =>
            setTimeout(() => {
              cameBackAt = Date.now();
              void proxy!.comeBack();
            }, OUTAGE_MS),
          );
        });
      }
      return reply;
    };
    proxy = await FaultProxy.start(realTargetUrl(), handler);

    const summary = await runWorkerUntilDrained(
      p,
      {
        ...p.env,
        ...targetUrlEnv(proxy.url),
        TRAILSTREAM_BULK_MAX_DOCS: '400',
        TRAILSTREAM_BULK_CONCURRENCY: '1',
        // Give up on the outage inside the worker quickly, so the message-level retry is what carries it over.
        TRAILSTREAM_OUTAGE_MAX_SECONDS: '1',
        TRAILSTREAM_BULK_MAX_RETRIES: '2',
        TRAILSTREAM_BULK_RETRY_BASE_MS: '200',
        TRAILSTREAM_RETRY_BACKOFF_SECONDS: '1',
      },
    );

    expect(wentDownAt).toBeGreaterThan(0);
    expect(cameBackAt).toBeGreaterThan(wentDownAt);
    // Mid-ingest: some documents were in before the outage, not all.
    expect(docsBeforeOutage).toBeGreaterThan(0);
    expect(docsBeforeOutage).toBeLessThan(RECORDS);
    const w = summary.worker;
    expect(w.messagesRetried).toBeGreaterThanOrEqual(1);
    expect(w.objectsFailed).toBe(w.messagesRetried);
    expect(w.objectsProcessed).toBe(1);
    expect(w.messagesDeadLettered).toBe(0);
    expect(w.recordsDeadLettered).toBe(0);
    // The s3:TestEvent from the notification setup, the file's message (every receive of it).
    expect(w.messagesReceived).toBe(2 + w.messagesRetried);
    expect(w.messagesDeleted).toBe(2);

    await expectExactlyOnce(p, ids);
    expect(await countDocs(p.deadLetterIndex)).toBe(0);
    await expectQueues(p, { queue: 0, dlq: 0 });
  });

  it('a cluster that keeps _bulk requests waiting (no cluster manager): the held probe is cut at what is left of TRAILSTREAM_OUTAGE_MAX_SECONDS instead of waiting out the stall; the held documents are given up on, then every record indexed once', async () => {
    const p = await pipelineWithFile('os-stall');
    const BULKS_BEFORE_STALL = 3;
    const STALL_MS = 25_000;
    const OUTAGE_MAX_S = 2;
    let bulks = 0;
    let stallFrom = 0;
    const abandoned: number[] = []; // when a held request's client gave up on it
    const handler: ProxyHandler = async (ex) => {
      if (!ex.url.startsWith('/_bulk')) return ex.forward();
      bulks++;
      if (bulks <= BULKS_BEFORE_STALL) return ex.forward();
      if (stallFrom === 0) {
        // The first request of the stall is refused (the outage starts, the indexer holds) …
        stallFrom = Date.now();
        return { status: 503, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"error":{"type":"cluster_block_exception","reason":"no cluster-manager"},"status":503}') };
      }
      if (Date.now() - stallFrom < STALL_MS) {
        // … and the next ones are kept waiting far longer than the outage limit, as a node
        // without a cluster manager does, then refused (nothing is indexed during the stall).
        abandoned.push(Date.now());
        return { status: 503, delayMs: STALL_MS, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"error":{"type":"cluster_block_exception","reason":"no cluster-manager"},"status":503}') };
      }
      return ex.forward();
    };
    proxy = await FaultProxy.start(realTargetUrl(), handler);

    const summary = await runWorkerUntilDrained(p, {
      ...p.env,
      ...targetUrlEnv(proxy.url),
      TRAILSTREAM_BULK_MAX_DOCS: '400',
      TRAILSTREAM_BULK_CONCURRENCY: '1',
      TRAILSTREAM_OUTAGE_MAX_SECONDS: String(OUTAGE_MAX_S),
      TRAILSTREAM_RETRY_BACKOFF_SECONDS: '1',
      TRAILSTREAM_LOG_LEVEL: 'info',
    });

    expect(stallFrom).toBeGreaterThan(0);
    // The hold's probe was kept waiting, and cut at what was left of the 2 s limit: the next
    // request (one at a time: concurrency 1) followed within seconds. Without the timeout the
    // probe would have waited out the whole 25 s stall (in real life, the client's 120 s per node)
    // before anything else was sent.
    expect(abandoned.length).toBeGreaterThanOrEqual(2);
    expect(abandoned[1]! - abandoned[0]!).toBeLessThan(STALL_MS / 2);
    const w = summary.worker;
    // The held documents were given up on: the message went back and was read again.
    expect(w.messagesRetried).toBeGreaterThanOrEqual(1);
    expect(summary.logs.some((l) => l.msg.startsWith('transient failure') && l.code === 'opensearch-unavailable')).toBe(true);
    await expectExactlyOnce(p, ids);
    expect(await countDocs(p.deadLetterIndex)).toBe(0);
    await expectQueues(p, { queue: 0, dlq: 0 });
  });

  it('OpenSearch answering 429 es_rejected_execution_exception to part of the bulk items: every record indexed once, nothing dead-lettered', async () => {
    const p = await pipelineWithFile('os-429');
    // A third of the documents (by a hash of the id, so every request has some) are
    // refused twice before they are let through. Their first retry goes out as a
    // request of rejected items only, which is then refused whole.
    const unlucky = (id: string): boolean => createHash('sha1').update(id).digest()[0]! % 3 === 0;
    const rejections = rejectBulkItems((id, times) => times < 2 && unlucky(id));
    proxy = await FaultProxy.start(realTargetUrl(), rejections.handler);

    const summary = await runWorkerUntilDrained(p, {
      ...p.env,
      ...targetUrlEnv(proxy.url),
      TRAILSTREAM_BULK_MAX_DOCS: '500',
      TRAILSTREAM_BULK_RETRY_BASE_MS: '100',
    });

    const rejectedIds = new Set(ids.filter(unlucky));
    expect(rejectedIds.size).toBeGreaterThan(RECORDS / 4);
    expect(rejections.rejected()).toBe(2 * rejectedIds.size);
    // Retried items went out again on their own: never re-sent with the ones that had succeeded.
    const sent = rejections.requests.flatMap((r) => r.ids);
    expect(sent.length).toBe(RECORDS + 2 * rejectedIds.size);

    const w = summary.worker;
    expect(w.messagesDeadLettered).toBe(0);
    expect(w.messagesRetried).toBe(0);
    expect(w.objectsProcessed).toBe(1);
    expect(w.recordsIndexed).toBe(RECORDS);
    expect(w.recordsDeadLettered).toBe(0);

    await expectExactlyOnce(p, ids);
    expect(await deadLetterDocs(p)).toEqual([]);
    expect(await dlqMessages(p)).toEqual([]);
    await expectQueues(p, { queue: 0, dlq: 0 });
  });

  it('OpenSearch answering 429 and 503 to whole _bulk requests: the requests are retried, every record indexed once', async () => {
    const p = await pipelineWithFile('os-503');
    // Every other of the first 20 bulk requests is refused whole, alternately 429 and 503, as an
    // overloaded or recovering cluster does; nothing of a refused request reaches OpenSearch.
    let bulks = 0;
    let refused = 0;
    const handler: ProxyHandler = async (ex) => {
      if (!ex.url.startsWith('/_bulk')) return ex.forward();
      bulks++;
      if (bulks > 20 || bulks % 2 === 0) return ex.forward();
      refused++;
      const [status, type] = refused % 2 === 1 ? [429, 'es_rejected_execution_exception'] : [503, 'cluster_block_exception'];
      return {
        status,
        headers: { 'content-type': 'application/json; charset=UTF-8' },
        body: Buffer.from(JSON.stringify({ error: { root_cause: [{ type, reason: 'fault-proxy' }], type, reason: 'fault-proxy' }, status })),
      };
    };
    proxy = await FaultProxy.start(realTargetUrl(), handler);

    const summary = await runWorkerUntilDrained(p, {
      ...p.env,
      ...targetUrlEnv(proxy.url),
      TRAILSTREAM_BULK_MAX_DOCS: '500',
      TRAILSTREAM_BULK_RETRY_BASE_MS: '100',
    });

    expect(refused).toBe(10);
    const w = summary.worker;
    expect(w.messagesRetried).toBe(0);
    expect(w.messagesDeadLettered).toBe(0);
    expect(w.objectsProcessed).toBe(1);
    expect(w.recordsIndexed).toBe(RECORDS);
    await expectExactlyOnce(p, ids);
    expect(await deadLetterDocs(p)).toEqual([]);
    await expectQueues(p, { queue: 0, dlq: 0 });
  });
});

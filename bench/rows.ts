/**
 * The measurements behind each row of the table. Every function returns the
 * raw per-run figures; main.ts turns them into medians and ratios.
 */
import { readFileSync } from 'node:fs';
import { OpenSearchBulkTransport } from '../src/sink/opensearch/bulk-transport.js';
import { runTogether } from './children.js';
import { createBenchEnricher } from './enrichment.js';
import { largeObject, readObject, smallObjects, type Corpus } from './corpus.js';
import type { OneCoreMode, OneCoreResult } from './one-core.js';
import { benchConfig, CollectingTransport, runPipeline, type InMemoryObject } from './pipeline-run.js';
import type { BenchRun, BenchStack } from './stack.js';
import { startWorker } from './stack.js';

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task` over `items` with at most `concurrency` at once. */
async function forEachLimited<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

// ---------------------------------------------------------------- rows 1-3

export type OneCoreRound = Record<OneCoreMode, OneCoreResult>;

/**
 * Rows 1-3: floor, trailstream and naive, each in its own process pinned to
 * core 0, one after the other; the order rotates every round so that a change
 * in background load does not always hit the same path. The detection rule
 * matcher alone runs the same way, for its share of row 2's time.
 */
export async function oneCoreRounds(corpus: Corpus, rounds: number, execArgv: readonly string[]): Promise<OneCoreRound[]> {
  const modes: OneCoreMode[] = ['floor', 'pipeline', 'naive', 'rules'];
  const out: OneCoreRound[] = [];
  for (let r = 0; r < rounds; r++) {
    const round: Partial<OneCoreRound> = {};
    for (let k = 0; k < modes.length; k++) {
      const mode = modes[(k + r) % modes.length]!;
      const [result] = await runTogether([{ args: { mode, corpusDir: corpus.dir, part: 0, parts: 1 }, options: { core: 0, execArgv } }]);
      round[mode] = result!;
    }
    const done = round as OneCoreRound;
    log(
      `one core, round ${r + 1}/${rounds}: floor ${done.floor.ms.toFixed(0)} ms, trailstream ${done.pipeline.ms.toFixed(0)} ms, naive ${done.naive.ms.toFixed(0)} ms, rule matcher ${done.rules.ms.toFixed(0)} ms`,
    );
    out.push(done);
  }
  return out;
}

// ---------------------------------------------------------------- row 4

export interface ScalingRound {
  readonly oneMs: number;
  readonly twoMs: number;
}

/** Row 4: the whole corpus through trailstream's path in one process (core 0), then split over two (cores 0 and 1). */
export async function scalingRounds(corpus: Corpus, rounds: number): Promise<ScalingRound[]> {
  const out: ScalingRound[] = [];
  for (let r = 0; r < rounds; r++) {
    const [one] = await runTogether([{ args: { mode: 'pipeline', corpusDir: corpus.dir, part: 0, parts: 1 }, options: { core: 0 } }]);
    const two = await runTogether(
      [0, 1].map((part) => ({ args: { mode: 'pipeline' as const, corpusDir: corpus.dir, part, parts: 2 }, options: { core: part } })),
    );
    const twoMs = Math.max(...two.map((t) => t.endedAt)) - Math.min(...two.map((t) => t.startedAt));
    log(`scaling, round ${r + 1}/${rounds}: 1 process ${one!.ms.toFixed(0)} ms, 2 processes ${twoMs.toFixed(0)} ms`);
    out.push({ oneMs: one!.ms, twoMs });
  }
  return out;
}

// ---------------------------------------------------------------- row 5

export interface EndToEndRound {
  /** From "worker started" until the queue is empty (every record durable, every message deleted). */
  readonly endToEndMs: number;
  /** The same documents as pre-built bodies, straight to _bulk with the worker's body size and concurrency. */
  readonly rawBulkMs: number;
  readonly records: number;
  /** Worker start-up (spawn to "worker started"), not included in endToEndMs. */
  readonly startupMs: number;
  /** CPU the worker process used (all threads, start-up included), when it reported it. */
  readonly workerCpuSeconds?: number;
  /** CPU the OpenSearch process used from upload done to queue empty (/proc), when its pid is known. */
  readonly opensearchCpuSeconds?: number;
  /** Primary store after refresh and force merge to one segment, per document. */
  readonly storeBytesPerRecord: number;
  /** Size of the `_bulk` bodies the worker builds for the corpus, per record. */
  readonly bulkBytesPerRecord: number;
}

interface EndToEndRun {
  readonly ms: number;
  readonly startupMs: number;
  readonly cpuSeconds: number | undefined;
  readonly opensearchCpuSeconds: number | undefined;
  readonly storeBytesPerRecord: number;
}

const RAW_TAG = 'raw';

function loadObjects(corpus: Corpus): InMemoryObject[] {
  return corpus.objects.map((o) => ({ key: o.key, gz: readObject(corpus, o) }));
}

/** Rewrites every `"_index":"<from>-` of the bodies to `<to>` (same length), in place. */
function retarget(bodies: readonly { body: Buffer }[], from: string, to: string): void {
  if (from.length !== to.length) throw new Error(`index prefixes differ in length: ${from} / ${to}`);
  const needle = Buffer.from(`"_index":"${from}-`);
  const offset = '"_index":"'.length;
  for (const { body } of bodies) {
    for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + needle.length)) body.write(to, at + offset, 'latin1');
  }
}

async function rawBulkRun(stack: BenchStack, bodies: { body: Buffer; docs: number }[], builtFor: { prefix: string }, records: number): Promise<number> {
  const run = await stack.createRun(RAW_TAG, { queue: false });
  try {
    retarget(bodies, builtFor.prefix, run.indexPrefix);
    builtFor.prefix = run.indexPrefix;
    const transport = new OpenSearchBulkTransport(stack.opensearch);
    const config = benchConfig(run.indexPrefix);
    const started = performance.now();
    await forEachLimited(bodies, config.bulkConcurrency, async ({ body, docs }) => {
      const response = await transport.bulk(body, docs);
      if (!response.ok) throw new Error(`raw _bulk failed: ${response.status} ${response.message}`);
      const bad = response.items.find((i) => i.status < 200 || i.status >= 300);
      if (bad) throw new Error(`raw _bulk item failed: ${bad.status} ${bad.error?.type ?? ''} ${bad.error?.reason ?? ''}`);
    });
    const ms = performance.now() - started;
    const count = await stack.countDocs(run);
    if (count !== records) throw new Error(`raw _bulk: ${count} documents searchable, ${records} expected`);
    return ms;
  } finally {
    await stack.cleanup(run);
  }
}

async function uploadAll(stack: BenchStack, run: BenchRun, objects: readonly { key: string; body: () => Buffer }[]): Promise<void> {
  await forEachLimited(objects, 8, async (o) => stack.putObject(run.bucket!, o.key, o.body()));
  // S3 (moto) notifies the queue as objects are created; wait until every notification is there.
  for (let waited = 0; (await stack.queueDepth(run.queueUrl!)) < objects.length; waited += 100) {
    if (waited > 60_000) throw new Error('the S3 notifications did not all reach the queue within 60 s');
    await sleep(100);
  }
}

interface WorkerTiming {
  readonly ms: number;
  readonly startupMs: number;
  readonly summary: { worker: Record<string, number>; peakRssMb: number; cpuSeconds?: number };
}

/** Starts a worker on the run's queue and times it from "worker started" until the queue is empty. */
async function drainWithWorker(stack: BenchStack, run: BenchRun, timeoutMs: number): Promise<WorkerTiming> {
  const worker = startWorker(run, 1, timeoutMs);
  try {
    const startedAt = await Promise.race([worker.started, worker.done.then((w) => w.startedAt)]);
    let emptyAt = 0;
    const exited = worker.done.then(() => {
      if (emptyAt === 0) emptyAt = Date.now();
    });
    while (emptyAt === 0) {
      const depth = await stack.queueDepth(run.queueUrl!);
      if (depth === 0 && emptyAt === 0) emptyAt = Date.now();
      else await Promise.race([sleep(100), exited]);
    }
    const done = await worker.done;
    return { ms: emptyAt - startedAt, startupMs: startedAt - done.spawnedAt, summary: done.summary };
  } finally {
    worker.kill();
  }
}

function checkWorker(summary: WorkerTiming['summary'], objects: number, records: number): void {
  const w = summary.worker;
  if (w.objectsProcessed !== objects || w.recordsIndexed !== records || (w.messagesDeadLettered ?? 0) > 0 || (w.recordsDeadLettered ?? 0) > 0) {
    throw new Error(`worker did not index everything: ${JSON.stringify(w)} (expected ${objects} objects, ${records} records)`);
  }
}

async function endToEndRun(stack: BenchStack, corpus: Corpus): Promise<EndToEndRun> {
  const run = await stack.createRun('e2e', { queue: true });
  try {
    await uploadAll(stack, run, corpus.objects.map((o) => ({ key: o.key, body: () => readObject(corpus, o) })));
    const osBefore = await stack.opensearchCpuSeconds();
    const timing = await drainWithWorker(stack, run, 30 * 60_000);
    const osAfter = await stack.opensearchCpuSeconds();
    checkWorker(timing.summary, corpus.objects.length, corpus.records);
    const count = await stack.countDocs(run);
    if (count !== corpus.records) throw new Error(`end to end: ${count} documents searchable, ${corpus.records} expected`);
    const store = await stack.storeBytesPerDoc(run);
    if (store.docs !== corpus.records) throw new Error(`end to end: ${store.docs} documents in the primary store, ${corpus.records} expected`);
    return {
      ms: timing.ms,
      startupMs: timing.startupMs,
      cpuSeconds: timing.summary.cpuSeconds,
      opensearchCpuSeconds: osBefore !== undefined && osAfter !== undefined ? osAfter - osBefore : undefined,
      storeBytesPerRecord: store.bytes / store.docs,
    };
  } finally {
    await stack.cleanup(run);
  }
}

/** Row 5: trailstream from S3 via SQS into OpenSearch vs. the same bodies sent straight to _bulk; alternating order. */
export async function endToEndRounds(stack: BenchStack, corpus: Corpus, rounds: number): Promise<EndToEndRound[]> {
  // The bodies trailstream would send, built once for a placeholder prefix and retargeted per run.
  const placeholder = { prefix: `tsbench-${RAW_TAG}-00000000` };
  const collecting = new CollectingTransport();
  const config = benchConfig(placeholder.prefix);
  await runPipeline(loadObjects(corpus), collecting, corpus.records, await createBenchEnricher(config), config);
  const bodies = collecting.bodies;
  log(`row 5: ${bodies.length} bulk bodies of ${(collecting.bytes / bodies.length / 1048576).toFixed(1)} MiB on average`);

  const out: EndToEndRound[] = [];
  for (let r = 0; r < rounds; r++) {
    let rawBulkMs = 0;
    let e2e: EndToEndRun = { ms: 0, startupMs: 0, cpuSeconds: undefined, opensearchCpuSeconds: undefined, storeBytesPerRecord: 0 };
    for (const which of r % 2 === 0 ? ['raw', 'e2e'] : ['e2e', 'raw']) {
      if (which === 'raw') rawBulkMs = await rawBulkRun(stack, bodies, placeholder, corpus.records);
      else e2e = await endToEndRun(stack, corpus);
    }
    const cpu = e2e.cpuSeconds === undefined ? '' : `, worker CPU ${e2e.cpuSeconds.toFixed(1)} s (${((e2e.cpuSeconds * 1000 * 100) / (e2e.ms + e2e.startupMs)).toFixed(0)}% of one core)`;
    const osCpu = e2e.opensearchCpuSeconds === undefined ? '' : `, OpenSearch CPU ${e2e.opensearchCpuSeconds.toFixed(1)} s`;
    log(
      `end to end, round ${r + 1}/${rounds}: worker ${e2e.ms.toFixed(0)} ms (+${e2e.startupMs} ms start-up)${cpu}${osCpu}, store ${e2e.storeBytesPerRecord.toFixed(0)} B/record, raw _bulk ${rawBulkMs.toFixed(0)} ms`,
    );
    out.push({
      endToEndMs: e2e.ms,
      rawBulkMs,
      records: corpus.records,
      startupMs: e2e.startupMs,
      storeBytesPerRecord: e2e.storeBytesPerRecord,
      bulkBytesPerRecord: collecting.bytes / corpus.records,
      ...(e2e.cpuSeconds === undefined ? {} : { workerCpuSeconds: e2e.cpuSeconds }),
      ...(e2e.opensearchCpuSeconds === undefined ? {} : { opensearchCpuSeconds: e2e.opensearchCpuSeconds }),
    });
  }
  return out;
}

// ---------------------------------------------------------------- row 6

export interface RssRun {
  readonly megabytes: number;
  readonly peakRssMb: number;
  readonly records: number;
  readonly ms: number;
}

/** Row 6: the worker CLI indexing one large object into OpenSearch; its own peak RSS (getrusage maxRSS). */
export async function rssRuns(stack: BenchStack, corpus: Corpus, megabytes: number, runs: number, extraEnv: Record<string, string> = {}): Promise<RssRun[]> {
  const object = await largeObject(corpus, megabytes);
  const out: RssRun[] = [];
  const what = Object.keys(extraEnv).length > 0 ? ` (${Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`).join(' ')})` : '';
  for (let r = 0; r < runs; r++) {
    const created = await stack.createRun('rss', { queue: true });
    const run = { ...created, env: { ...created.env, ...extraEnv } };
    try {
      await uploadAll(stack, run, [{ key: object.key, body: () => readFileSync(object.path) }]);
      const timing = await drainWithWorker(stack, run, 60 * 60_000);
      checkWorker(timing.summary, 1, object.records);
      log(`peak RSS, ${megabytes} MiB object${what}, run ${r + 1}/${runs}: ${timing.summary.peakRssMb} MB (${object.records} records in ${(timing.ms / 1000).toFixed(1)} s)`);
      out.push({ megabytes, peakRssMb: timing.summary.peakRssMb, records: object.records, ms: timing.ms });
    } finally {
      await stack.cleanup(run);
    }
  }
  return out;
}

// ---------------------------------------------------------------- row 7

export interface SmallObjectsRun {
  readonly objects: number;
  readonly records: number;
  /** First upload started → last object searchable. */
  readonly ms: number;
  /** First upload started → last upload done (how fast S3 could be fed). */
  readonly uploadMs: number;
  /** Per object: upload done → all its records found by a search. */
  readonly latenciesMs: readonly number[];
}

const POLL_MS = 200;
/** OpenSearch's default index.max_result_window. */
const MAX_IDS_PER_SEARCH = 10_000;

/**
 * Row 7: a running worker; the small objects uploaded 8 at a time; a search by
 * _id (= eventID) every 200 ms finds when each object's records are all searchable.
 */
export async function smallObjectsRuns(stack: BenchStack, corpus: Corpus, count: number, perObject: number, runs: number): Promise<SmallObjectsRun[]> {
  const small = smallObjects(corpus, count, perObject);
  const owner = new Map<string, number>();
  small.objects.forEach((o, i) => o.eventIds.forEach((id) => owner.set(id, i)));
  const out: SmallObjectsRun[] = [];
  for (let r = 0; r < runs; r++) {
    const run = await stack.createRun('small', { queue: true });
    const worker = startWorker(run, 3, 30 * 60_000);
    try {
      await Promise.race([worker.started, worker.done]);
      const n = small.objects.length;
      const uploadedAt = new Array<number>(n).fill(0);
      const searchableAt = new Array<number>(n).fill(0);
      const remaining = small.objects.map((o) => new Set(o.eventIds));
      let found = 0;
      const t0 = Date.now();
      let uploadsDone = 0;
      const uploads = forEachLimited(small.objects, 8, async (o, i) => {
        await stack.putObject(run.bucket!, o.key, readFileSync(`${small.dir}/${o.file}`));
        uploadedAt[i] = Date.now();
      }).then(() => {
        uploadsDone = Date.now();
      });
      let uploadFailure: unknown;
      uploads.catch((error: unknown) => {
        uploadFailure = error ?? new Error('upload failed');
      });
      const deadline = Date.now() + 20 * 60_000;
      while (found < n) {
        if (uploadFailure !== undefined) throw uploadFailure;
        if (Date.now() > deadline) throw new Error(`small objects: only ${found} of ${n} searchable after 20 min`);
        const pollStarted = Date.now();
        const pending: number[] = [];
        for (let i = 0; i < n; i++) if (uploadedAt[i] !== 0 && searchableAt[i] === 0) pending.push(i);
        const ids = pending.flatMap((i) => [...remaining[i]!]);
        for (let at = 0; at < ids.length; at += MAX_IDS_PER_SEARCH) {
          const values = ids.slice(at, at + MAX_IDS_PER_SEARCH);
          let hits: { _id: string }[];
          try {
            const res = await stack.opensearch.search({
              index: `${run.indexPrefix}-*`,
              ignore_unavailable: true,
              allow_no_indices: true,
              body: { query: { ids: { values } }, size: values.length, _source: false, track_total_hits: false },
            } as never);
            hits = (res.body as { hits: { hits: { _id: string }[] } }).hits.hits;
          } catch {
            // An index that is being created has no started shard yet: look again at the next poll.
            hits = [];
          }
          for (const hit of hits) {
            const i = owner.get(hit._id);
            if (i !== undefined) remaining[i]!.delete(hit._id);
          }
        }
        const now = Date.now();
        for (const i of pending) {
          if (remaining[i]!.size === 0) {
            searchableAt[i] = now;
            found++;
          }
        }
        await sleep(Math.max(0, POLL_MS - (now - pollStarted)));
      }
      await uploads;
      const done = await worker.done;
      checkWorker({ worker: done.summary.worker, peakRssMb: done.summary.peakRssMb }, n, small.records);
      const lastSearchable = Math.max(...searchableAt);
      const latenciesMs = searchableAt.map((s, i) => s - uploadedAt[i]!);
      log(`small objects, run ${r + 1}/${runs}: ${n} objects in ${((lastSearchable - t0) / 1000).toFixed(1)} s (uploads took ${((uploadsDone - t0) / 1000).toFixed(1)} s)`);
      out.push({ objects: n, records: small.records, ms: lastSearchable - t0, uploadMs: uploadsDone - t0, latenciesMs });
    } finally {
      worker.kill();
      await stack.cleanup(run);
    }
  }
  return out;
}

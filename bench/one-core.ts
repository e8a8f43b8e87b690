/**
 * Child process of the benchmark: measures one pass of one path (floor,
 * trailstream pipeline, naive) over a part of the corpus, held in memory.
 * The parent pins it to a core with taskset.
 *
 *   node one-core.js '{"mode":"pipeline","corpusDir":"…","part":0,"parts":1}'
 *
 * Protocol (one JSON line each on stdout): after loading and a warm-up pass it
 * prints {"ready":true} and waits for a line on stdin, so that several children
 * can start together; then it prints {"result":{…}} and exits.
 */
import { once } from 'node:events';
import { keepAlive, runFloor, runNaive, type FloorParts } from './baselines.js';
import { openCorpus, readObject, share } from './corpus.js';
import { gunzipSync } from 'node:zlib';
import type { CloudTrailRecord } from '../src/model/cloudtrail.js';
import type { RuleMatcher } from '../src/rules/matcher.js';
import { createBenchEnricher, createBenchMatcher, type Enricher } from './enrichment.js';
import { linkMappings } from './paths.js';
import { benchConfig, DiscardingTransport, runPipeline, type InMemoryObject } from './pipeline-run.js';

/** `rules`: the detection rule matcher alone, over records parsed before the clock starts. */
export type OneCoreMode = 'floor' | 'pipeline' | 'naive' | 'rules';

export interface OneCoreArgs {
  readonly mode: OneCoreMode;
  readonly corpusDir: string;
  /** Which share of the corpus this process handles (objects split evenly by size). */
  readonly part: number;
  readonly parts: number;
}

export interface OneCoreResult {
  readonly mode: OneCoreMode;
  readonly objects: number;
  readonly records: number;
  /** Uncompressed bytes. */
  readonly bytes: number;
  readonly gzBytes: number;
  readonly ms: number;
  /** Wall-clock start and end of the timed pass (ms since the epoch), to combine parallel children. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** CPU time of the pass (user + system, all threads). */
  readonly cpuMs: number;
  readonly floor?: FloorParts;
}

const WARMUP_BYTES = 8 * 1024 * 1024;

/** Written by the rules pass so its work cannot be optimised away. */
export let lastTagged = 0;

/** One pass over `objects`; returns the records it saw (checked against the manifest) and the floor's breakdown. */
async function pass(
  mode: OneCoreMode,
  objects: readonly InMemoryObject[],
  records: number,
  enricher: Enricher | undefined,
  rules?: { readonly matcher: RuleMatcher; readonly parsed: readonly CloudTrailRecord[] },
): Promise<{ records: number; floor?: FloorParts }> {
  switch (mode) {
    case 'rules': {
      let tagged = 0;
      for (const record of rules!.parsed) if (rules!.matcher.match(record) !== undefined) tagged++;
      lastTagged = tagged;
      return { records: rules!.parsed.length };
    }
    case 'floor': {
      const floor = runFloor(objects);
      return { records: floor.records, floor };
    }
    case 'pipeline':
      return { records: (await runPipeline(objects, new DiscardingTransport(), records, enricher!)).indexed };
    case 'naive':
      return { records: runNaive(objects, enricher!, 'cloudtrail').records };
  }
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as OneCoreArgs;
  linkMappings();
  const corpus = openCorpus(args.corpusDir);
  const mine = share(corpus.objects, args.part, args.parts);
  const objects: InMemoryObject[] = mine.map((o) => ({ key: o.key, gz: readObject(corpus, o) }));
  const records = mine.reduce((n, o) => n + o.records, 0);
  // Built as the worker builds it, before the clock starts (the worker opens its databases at startup).
  const enricher = args.mode === 'floor' || args.mode === 'rules' ? undefined : await createBenchEnricher(benchConfig());
  const rules = args.mode === 'rules' ? { matcher: createBenchMatcher(), parsed: parseAll(objects) } : undefined;

  // Warm-up: lets V8 optimise the hot functions before the clock starts.
  const warm: InMemoryObject[] = [];
  let warmRecords = 0;
  for (let k = 0, bytes = 0; k < mine.length && bytes < WARMUP_BYTES; k++) {
    warm.push(objects[k]!);
    warmRecords += mine[k]!.records;
    bytes += mine[k]!.bytes;
  }
  await pass(args.mode, warm, warmRecords, enricher, rules && { matcher: rules.matcher, parsed: rules.parsed.slice(0, warmRecords) });
  (globalThis as { gc?: () => void }).gc?.();

  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  process.stdin.setEncoding('utf8');
  await once(process.stdin, 'data');
  process.stdin.pause();

  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const done = await pass(args.mode, objects, records, enricher, rules);
  const t1 = performance.now();
  const used = process.cpuUsage(cpu);
  keepAlive();
  if (done.records !== records) throw new Error(`${args.mode}: ${done.records} records processed, ${records} expected`);
  const result: OneCoreResult = {
    mode: args.mode,
    objects: objects.length,
    records,
    bytes: mine.reduce((n, o) => n + o.bytes, 0),
    gzBytes: mine.reduce((n, o) => n + o.gzBytes, 0),
    ms: t1 - t0,
    startedAt: performance.timeOrigin + t0,
    endedAt: performance.timeOrigin + t1,
    cpuMs: (used.user + used.system) / 1000,
    ...(done.floor ? { floor: done.floor } : {}),
  };
  process.stdout.write(`${JSON.stringify({ result })}\n`);
}

/** Every record of the objects, parsed: the rules row times the matcher alone. */
function parseAll(objects: readonly InMemoryObject[]): CloudTrailRecord[] {
  return objects.flatMap((o) => (JSON.parse(gunzipSync(o.gz).toString('utf8')) as { Records: CloudTrailRecord[] }).Records);
}

main().catch((error: unknown) => {
  process.stderr.write(`one-core: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exitCode = 1;
});

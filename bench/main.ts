/**
 * trailstream's benchmark (issue 7): `npm run bench [-- --quick|--smoke] [--json]`.
 * See BENCHMARKS.md for the latest full results and what each row measures.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { canPin } from './children.js';
import { loadCorpus, type Corpus } from './corpus.js';
import { BENCH_DIR, linkMappings, ROOT } from './paths.js';
import { PROFILES, type Profile, type ProfileName } from './profile.js';
import { renderMarkdown, renderTable } from './report.js';
import {
  endToEndRounds,
  oneCoreRounds,
  rssRuns,
  scalingRounds,
  smallObjectsRuns,
  type EndToEndRound,
  type OneCoreRound,
  type RssRun,
  type ScalingRound,
  type SmallObjectsRun,
} from './rows.js';
import { percentile, summarize, type Summary } from './stats.js';
import { BenchStack, REFRESH_INTERVAL, stackEnv, stackVersions } from './stack.js';

const USAGE = `Usage: npm run bench -- [--quick | --smoke] [--json] [--rows 1,2,5] [--cpu-prof]

  (no flag)   full run (≥ 200 MB corpus, 1 GiB object; about half an hour); writes BENCHMARKS.md
  --quick     reduced sizes and runs (under 3 minutes); writes .bench/BENCHMARKS.quick.md
  --smoke     tiny sizes, one run each (for the test suite; figures are meaningless)
  --json      print one JSON object on stdout instead of the table (use npm run -s to drop npm's banner)
  --rows      run only these rows (1-3 are measured together); partial results go to .bench/
  --cpu-prof  write V8 CPU profiles of the one-core children to .bench/profiles/`;

const MiB = 1024 * 1024;

export interface MachineInfo {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly v8: string;
  readonly zlib: string;
  readonly opensearch?: string;
  readonly opensearchHeap?: string;
  readonly moto?: string;
  readonly trailstream: string;
  readonly commit: string;
  readonly pinnedToCore: boolean;
  readonly loadAverageAtStart: readonly number[];
  loadAverageAtEnd?: readonly number[];
}

export interface Results {
  readonly profile: ProfileName;
  readonly quick: boolean;
  readonly rows: readonly number[];
  readonly machine: MachineInfo;
  readonly corpus: { readonly id: string; readonly objects: number; readonly records: number; readonly megabytes: number; readonly gzipMegabytes: number; readonly bytesPerRecord: number };
  floorRecordsPerSec?: number;
  floorMiBPerSec?: number;
  floorParts?: { gunzipMs: number; splitMs: number; parseMs: number };
  pipelineRecordsPerSec?: number;
  pipelineMiBPerSec?: number;
  pipelineToFloorTimeRatio?: number;
  naiveRecordsPerSec?: number;
  naiveToPipelineTimeRatio?: number;
  /** Time of the detection rule matcher alone over the corpus / time of the one-core pipeline (which includes it). */
  rulesToPipelineTimeRatio?: number;
  scaling2Workers?: number;
  endToEndDocsPerSec?: number;
  rawBulkDocsPerSec?: number;
  endToEndToRawBulkRatio?: number;
  /** Worker CPU seconds per second of the end-to-end run (cores busy on the worker). */
  endToEndWorkerCores?: number;
  /** Worker CPU (user + system, start-up included) per record in the end-to-end row, in µs. */
  workerCpuUsPerRecord?: number;
  /** OpenSearch process CPU (/proc) while the worker drained the queue in the end-to-end row, per 100,000 records. */
  opensearchCpuSecondsPer100k?: number;
  /** The end-to-end row's primary store after refresh and force merge to one segment, per record. */
  storeBytesPerRecord?: number;
  /** The `_bulk` bodies (action lines and documents) the worker builds, per record. */
  bulkBytesPerRecord?: number;
  /** The Node.js version that ran the benchmark and its children (process.version). */
  readonly nodeVersion: string;
  peakRssMb100MB?: number;
  peakRssMb1GB?: number;
  /** The same objects with TRAILSTREAM_GEOIP_DISABLED=true (one run each). */
  peakRssMb100MBNoGeoIp?: number;
  peakRssMb1GBNoGeoIp?: number;
  /** The sizes actually used for peakRssMb100MB / peakRssMb1GB (smaller in --quick). */
  rssObjectMiB?: { readonly small: number; readonly large: number };
  smallObjectsPerSec?: number;
  smallObjectsUploadPerSec?: number;
  uploadToSearchableP50Ms?: number;
  uploadToSearchableP99Ms?: number;
  readonly settings: { readonly refreshInterval: string; readonly replicas: number };
  /** Every run behind the medians. */
  readonly details: {
    oneCore?: { floor: Summary; pipeline: Summary; naive: Summary; pipelineToFloor: Summary; naiveToPipeline: Summary; rulesToPipeline: Summary };
    scaling?: Summary;
    endToEnd?: {
      endToEnd: Summary;
      rawBulk: Summary;
      ratio: Summary;
      startupMs: Summary;
      workerCpuUsPerRecord?: Summary;
      opensearchCpuSecondsPer100k?: Summary;
      storeBytesPerRecord: Summary;
    };
    rss?: { small: Summary; large: Summary };
    smallObjects?: { objectsPerSec: Summary; p50: Summary; p99: Summary };
  };
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const commit = git(['rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    zlib: process.versions.zlib ?? 'unknown',
    trailstream: pkg.version,
    commit: dirty ? `${commit} (with uncommitted changes)` : commit,
    pinnedToCore: canPin(),
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function parseRows(spec: string | undefined): number[] {
  if (spec === undefined) return [1, 2, 3, 4, 5, 6, 7];
  const rows = spec.split(',').map((s) => Number(s.trim()));
  if (rows.some((r) => !Number.isInteger(r) || r < 1 || r > 7)) throw new Error(`--rows takes numbers 1-7, got "${spec}"`);
  return [...new Set(rows)].sort();
}

const rate = (count: number, ms: number): number => (count / ms) * 1000;

function oneCoreResults(results: Results, rounds: OneCoreRound[]): void {
  const floor = summarize(rounds.map((r) => rate(r.floor.records, r.floor.ms)));
  const pipeline = summarize(rounds.map((r) => rate(r.pipeline.records, r.pipeline.ms)));
  const naive = summarize(rounds.map((r) => rate(r.naive.records, r.naive.ms)));
  const pipelineToFloor = summarize(rounds.map((r) => r.pipeline.ms / r.floor.ms));
  const naiveToPipeline = summarize(rounds.map((r) => r.naive.ms / r.pipeline.ms));
  const rulesToPipeline = summarize(rounds.map((r) => r.rules.ms / r.pipeline.ms));
  const bytesPerRecord = rounds[0]!.floor.bytes / rounds[0]!.floor.records;
  results.floorRecordsPerSec = floor.median;
  results.floorMiBPerSec = (floor.median * bytesPerRecord) / MiB;
  const mid = [...rounds].sort((a, b) => a.floor.ms - b.floor.ms)[rounds.length >> 1]!.floor.floor!;
  results.floorParts = { gunzipMs: mid.gunzipMs, splitMs: mid.splitMs, parseMs: mid.parseMs };
  results.pipelineRecordsPerSec = pipeline.median;
  results.pipelineMiBPerSec = (pipeline.median * bytesPerRecord) / MiB;
  results.pipelineToFloorTimeRatio = pipelineToFloor.median;
  results.naiveRecordsPerSec = naive.median;
  results.naiveToPipelineTimeRatio = naiveToPipeline.median;
  results.rulesToPipelineTimeRatio = rulesToPipeline.median;
  results.details.oneCore = { floor, pipeline, naive, pipelineToFloor, naiveToPipeline, rulesToPipeline };
}

function scalingResults(results: Results, rounds: ScalingRound[]): void {
  const scaling = summarize(rounds.map((r) => r.oneMs / r.twoMs));
  results.scaling2Workers = scaling.median;
  results.details.scaling = scaling;
}

function endToEndResults(results: Results, rounds: EndToEndRound[]): void {
  const endToEnd = summarize(rounds.map((r) => rate(r.records, r.endToEndMs)));
  const rawBulk = summarize(rounds.map((r) => rate(r.records, r.rawBulkMs)));
  const ratio = summarize(rounds.map((r) => r.rawBulkMs / r.endToEndMs));
  results.endToEndDocsPerSec = endToEnd.median;
  results.rawBulkDocsPerSec = rawBulk.median;
  results.endToEndToRawBulkRatio = ratio.median;
  const store = summarize(rounds.map((r) => r.storeBytesPerRecord));
  const details: NonNullable<Results['details']['endToEnd']> = { endToEnd, rawBulk, ratio, startupMs: summarize(rounds.map((r) => r.startupMs)), storeBytesPerRecord: store };
  results.details.endToEnd = details;
  results.storeBytesPerRecord = store.median;
  results.bulkBytesPerRecord = rounds[0]!.bulkBytesPerRecord;
  const cpu = rounds.filter((r) => r.workerCpuSeconds !== undefined);
  // CPU the worker spent per second of its run, in cores: on a machine it shares with
  // OpenSearch (and moto), this is what it takes away from indexing.
  if (cpu.length > 0) {
    results.endToEndWorkerCores = summarize(cpu.map((r) => (r.workerCpuSeconds! * 1000) / (r.endToEndMs + r.startupMs))).median;
    details.workerCpuUsPerRecord = summarize(cpu.map((r) => (r.workerCpuSeconds! * 1e6) / r.records));
    results.workerCpuUsPerRecord = details.workerCpuUsPerRecord.median;
  }
  const withOpenSearchCpu = rounds.filter((r) => r.opensearchCpuSeconds !== undefined);
  if (withOpenSearchCpu.length > 0) {
    details.opensearchCpuSecondsPer100k = summarize(withOpenSearchCpu.map((r) => (r.opensearchCpuSeconds! * 100_000) / r.records));
    results.opensearchCpuSecondsPer100k = details.opensearchCpuSecondsPer100k.median;
  }
}

function rssResults(results: Results, profile: Profile, small: RssRun[], large: RssRun[]): void {
  const s = summarize(small.map((r) => r.peakRssMb));
  const l = summarize(large.map((r) => r.peakRssMb));
  results.peakRssMb100MB = s.median;
  results.peakRssMb1GB = l.median;
  results.rssObjectMiB = { small: profile.rssMegabytes[0], large: profile.rssMegabytes[1] };
  results.details.rss = { small: s, large: l };
}

function smallObjectResults(results: Results, runs: SmallObjectsRun[]): void {
  const objectsPerSec = summarize(runs.map((r) => rate(r.objects, r.ms)));
  const p50 = summarize(runs.map((r) => percentile(r.latenciesMs, 50)));
  const p99 = summarize(runs.map((r) => percentile(r.latenciesMs, 99)));
  results.smallObjectsPerSec = objectsPerSec.median;
  results.smallObjectsUploadPerSec = summarize(runs.map((r) => rate(r.objects, r.uploadMs))).median;
  results.uploadToSearchableP50Ms = p50.median;
  results.uploadToSearchableP99Ms = p99.median;
  results.details.smallObjects = { objectsPerSec, p50, p99 };
}

function corpusInfo(corpus: Corpus): Results['corpus'] {
  return {
    id: corpus.id,
    objects: corpus.objects.length,
    records: corpus.records,
    megabytes: Math.round((corpus.bytes / 1e6) * 10) / 10,
    gzipMegabytes: Math.round((corpus.gzBytes / 1e6) * 10) / 10,
    bytesPerRecord: Math.round(corpus.bytes / corpus.records),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      rows: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.quick && values.smoke) throw new Error('--quick and --smoke exclude each other');
  const profile = PROFILES[values.smoke ? 'smoke' : values.quick ? 'quick' : 'full'];
  const rows = parseRows(values.rows);
  linkMappings();
  mkdirSync(BENCH_DIR, { recursive: true });
  const execArgv: string[] = [];
  if (values['cpu-prof']) execArgv.push('--cpu-prof', '--cpu-prof-dir', path.join(BENCH_DIR, 'profiles'));

  const machine = machineInfo();
  if (machine.loadAverageAtStart[0]! > 0.5) {
    log(`load average is ${machine.loadAverageAtStart.join(' ')}: other work is running, expect noisy figures (ratios from the same round hold up best)`);
  }
  if (!machine.pinnedToCore) log('taskset is not available: one-core measurements are not pinned to a core');
  const started = performance.now();
  const corpus = loadCorpus(profile.corpus);
  log(`profile ${profile.name}: corpus ${corpus.id}, ${corpus.objects.length} objects, ${corpus.records} records, ${(corpus.bytes / 1e6).toFixed(0)} MB (${(corpus.gzBytes / 1e6).toFixed(0)} MB gzip)`);

  const results: Results = {
    profile: profile.name,
    quick: profile.name !== 'full',
    rows,
    machine,
    corpus: corpusInfo(corpus),
    nodeVersion: process.version,
    settings: { refreshInterval: REFRESH_INTERVAL, replicas: 0 },
    details: {},
  };

  const needsStack = rows.some((r) => r >= 5);
  const stack = needsStack ? new BenchStack(stackEnv()) : undefined;
  const interrupted = (): void => {
    log('interrupted: removing the resources this run created');
    void (stack?.cleanupAll() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    if (stack) {
      Object.assign(machine, { opensearch: await stack.opensearchVersion(), ...stackVersions() });
    }
    if (rows.some((r) => r <= 3)) oneCoreResults(results, await oneCoreRounds(corpus, profile.oneCoreRounds, execArgv));
    if (rows.includes(4)) scalingResults(results, await scalingRounds(corpus, profile.scalingRounds));
    if (stack && rows.includes(5)) endToEndResults(results, await endToEndRounds(stack, corpus, profile.endToEndRounds));
    if (stack && rows.includes(6)) {
      const small = await rssRuns(stack, corpus, profile.rssMegabytes[0], profile.rssRuns[0]);
      const large = await rssRuns(stack, corpus, profile.rssMegabytes[1], profile.rssRuns[1]);
      rssResults(results, profile, small, large);
      // The same objects without the geo-IP databases (~130 MB held in memory by
      // the maxmind reader): what the streaming pipeline itself costs.
      const noGeo = { TRAILSTREAM_GEOIP_DISABLED: 'true' };
      const smallNoGeo = await rssRuns(stack, corpus, profile.rssMegabytes[0], 1, noGeo);
      const largeNoGeo = await rssRuns(stack, corpus, profile.rssMegabytes[1], 1, noGeo);
      results.peakRssMb100MBNoGeoIp = smallNoGeo[0]!.peakRssMb;
      results.peakRssMb1GBNoGeoIp = largeNoGeo[0]!.peakRssMb;
    }
    if (stack && rows.includes(7)) {
      smallObjectResults(results, await smallObjectsRuns(stack, corpus, profile.smallObjects, profile.smallObjectRecords, profile.smallObjectRuns));
    }
  } finally {
    await stack?.cleanupAll();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
  machine.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);

  const complete = rows.length === 7;
  writeFileSync(path.join(BENCH_DIR, `results.${profile.name}${complete ? '' : '.partial'}.json`), `${JSON.stringify(results, null, 2)}\n`);
  if (profile.name !== 'smoke') {
    const target = profile.name === 'full' && complete ? path.join(ROOT, 'BENCHMARKS.md') : path.join(BENCH_DIR, `BENCHMARKS.${profile.name}${complete ? '' : '.partial'}.md`);
    writeFileSync(target, renderMarkdown(results));
    log(`results written to ${path.relative(ROOT, target)}`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else process.stdout.write(`${renderTable(results)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);

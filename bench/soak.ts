/**
 * Soak: two workers against the local stack for N minutes, with a steady
 * stream of uploads and periodic faults — OpenSearch node restarts (TERM and
 * KILL, through `stack.sh node`), S3 503s and truncated S3 reads (through the
 * fault proxy the integration tests use). At the end it waits for the queue to
 * drain and prints lost and duplicated records, RSS over time, event-loop
 * delay p99 and open handles of each worker.
 *
 *   npm run soak -- --minutes 30 [--nodes 3] [--interval-ms 4000] [--fault-every-minutes 4]
 *
 * The stack is brought up (idempotently) with the given number of nodes; the
 * stack's environment variables (TRAILSTREAM_OPENSEARCH_PORT, ...) apply.
 * Exit code 0 only when nothing was lost or duplicated and both queues are empty.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { encodeLogFile, generateLogFiles, type GeneratedLogFile } from '../src/demo/generator.js';
import { FaultProxy, type ProxyHandler } from '../test/integration/support/fault-proxy.js';
import { BENCH_DIR, CLI, ROOT, linkMappings } from './paths.js';
import { BenchStack } from './stack.js';

const run = promisify(execFile);
const STACK = path.join(ROOT, 'stack/stack.sh');

interface Options {
  readonly minutes: number;
  readonly nodes: number;
  readonly intervalMs: number;
  readonly faultEveryMinutes: number;
  readonly drainMinutes: number;
}

function parseArgs(argv: readonly string[]): Options {
  const o = { minutes: 30, nodes: 1, intervalMs: 4000, faultEveryMinutes: 4, drainMinutes: 15 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    const n = Number(value);
    const key = { '--minutes': 'minutes', '--nodes': 'nodes', '--interval-ms': 'intervalMs', '--fault-every-minutes': 'faultEveryMinutes', '--drain-minutes': 'drainMinutes' }[flag] as keyof typeof o | undefined;
    if (!key || !Number.isFinite(n) || n <= 0) {
      process.stderr.write(`soak: unknown option or bad value: ${flag} ${value ?? ''}\nusage: npm run soak -- --minutes N [--nodes 1|3] [--interval-ms MS] [--fault-every-minutes M] [--drain-minutes M]\n`);
      process.exit(2);
    }
    o[key] = n;
    i++;
  }
  return o;
}

const log = (message: string): void => void process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function stackEnv(nodes: number): Record<string, string> {
  execFileSync('bash', [STACK, 'up', '--nodes', String(nodes)], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
  const env: Record<string, string> = {};
  for (const line of execFileSync('bash', [STACK, 'env'], { cwd: ROOT, encoding: 'utf8' }).split('\n')) {
    const m = /^export ([A-Z0-9_]+)='([^']*)'$/.exec(line.trim());
    if (m?.[1]) env[m[1]] = m[2] ?? '';
  }
  return env;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface Sample {
  readonly minute: number;
  readonly rssMb: number;
  readonly lagP99Ms: number | undefined;
  readonly handles: number | undefined;
}

class SoakWorker {
  readonly samples: Sample[] = [];
  private child: ChildProcess;
  private exitCode: Promise<number | null>;
  stdout = '';

  constructor(
    readonly name: string,
    readonly metricsPort: number,
    env: Record<string, string>,
    logFile: string,
  ) {
    this.child = spawn(process.execPath, [CLI, 'worker'], {
      env: { PATH: process.env.PATH ?? '', ...env, TRAILSTREAM_METRICS_PORT: String(metricsPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logStream = createWriteStream(logFile);
    this.child.stderr!.pipe(logStream);
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.exitCode = new Promise((resolve) => this.child.on('close', resolve));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  rssMb(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  }

  async sample(minute: number): Promise<void> {
    let lag: number | undefined;
    let handles: number | undefined;
    try {
      const text = await (await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
      const value = (name: string): number | undefined => {
        const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
        return m ? Number(m[1]) : undefined;
      };
      const p99 = value('nodejs_eventloop_lag_p99_seconds');
      lag = p99 === undefined ? undefined : p99 * 1000;
      handles = value('nodejs_active_handles_total');
    } catch {
      // metrics unavailable for a moment: RSS is still sampled
    }
    this.samples.push({ minute, rssMb: this.rssMb(), lagP99Ms: lag, handles });
  }

  async stop(): Promise<{ code: number | null; summary: Record<string, unknown> | undefined }> {
    this.child.kill('SIGTERM');
    const code = await this.exitCode;
    const last = this.stdout.trim().split('\n').pop() ?? '';
    let summary: Record<string, unknown> | undefined;
    try {
      summary = JSON.parse(last) as Record<string, unknown>;
    } catch {
      summary = undefined;
    }
    return { code, summary };
  }
}

/** Every `_id` in the run's event indices, with how many documents carry it. */
async function indexedIds(stack: BenchStack, pattern: string): Promise<Map<string, number>> {
  const client = stack.opensearch;
  await client.indices.refresh({ index: pattern, allow_no_indices: true, ignore_unavailable: true } as never);
  const seen = new Map<string, number>();
  type Page = { _scroll_id?: string; hits: { hits: { _id: string }[] } };
  let page = (
    await client.transport.request({
      method: 'POST',
      path: `/${pattern}/_search`,
      querystring: { scroll: '2m', allow_no_indices: 'true', ignore_unavailable: 'true' },
      body: { size: 10_000, _source: false, sort: ['_doc'], query: { match_all: {} } },
    })
  ).body as Page;
  while (page.hits.hits.length > 0) {
    for (const h of page.hits.hits) seen.set(h._id, (seen.get(h._id) ?? 0) + 1);
    if (!page._scroll_id) break;
    page = (await client.transport.request({ method: 'POST', path: '/_search/scroll', body: { scroll: '2m', scroll_id: page._scroll_id } })).body as Page;
  }
  return seen;
}

const peak = (xs: readonly number[]): number => (xs.length === 0 ? 0 : Math.max(...xs));
const round = (x: number | undefined, digits = 1): number | undefined => (x === undefined ? undefined : Math.round(x * 10 ** digits) / 10 ** digits);

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  log(`starting: ${o.minutes} min, ${o.nodes} node(s), one upload every ${o.intervalMs} ms, a node restart every ${o.faultEveryMinutes} min`);
  linkMappings();
  const env = stackEnv(o.nodes);
  const stack = new BenchStack(env);
  const soakRun = await stack.createRun('soak', { queue: true });
  const bucket = soakRun.bucket!;
  const queueUrl = soakRun.queueUrl!;
  const dlqUrl = `${queueUrl}-dlq`;
  const outDir = path.join(BENCH_DIR, `soak-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(outDir, { recursive: true });

  // S3 faults: 3% of GetObject answered 503 SlowDown (the SDK retries those),
  // 3% cut off after half the body (the object fails, its message is retried).
  const faults = { s3Status503: 0, s3Truncated: 0 };
  const s3Faults: ProxyHandler = async (ex) => {
    const isGet = ex.method === 'GET' && ex.url.startsWith(`/${bucket}/`) && ex.url.length > bucket.length + 2;
    if (!isGet) return ex.forward();
    const roll = Math.random();
    if (roll < 0.03) {
      faults.s3Status503++;
      return { status: 503, headers: { 'content-type': 'application/xml' }, body: Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>') };
    }
    const reply = await ex.forward();
    if (roll < 0.06 && reply.status === 200 && reply.body.length > 64) {
      faults.s3Truncated++;
      return { ...reply, truncateAt: Math.floor(reply.body.length / 2) };
    }
    return reply;
  };
  const proxy = await FaultProxy.start(env.AWS_ENDPOINT_URL!, s3Faults);

  const replicas = o.nodes > 1 ? '1' : '0';
  const workerEnv: Record<string, string> = {
    ...soakRun.env,
    AWS_ENDPOINT_URL: proxy.url,
    TRAILSTREAM_INDEX_REPLICAS: replicas,
    TRAILSTREAM_INDEX_REFRESH_INTERVAL: '5s',
    TRAILSTREAM_LOG_LEVEL: 'warn',
    TRAILSTREAM_WAIT_TIME_SECONDS: '5',
    TRAILSTREAM_RETRY_BACKOFF_SECONDS: '5',
  };
  // The index templates with this run's replicas, installed as a user would.
  await run(process.execPath, [CLI, 'setup'], { env: { PATH: process.env.PATH ?? '', ...soakRun.env, TRAILSTREAM_INDEX_REPLICAS: replicas } });

  const running: SoakWorker[] = [];
  for (const i of [0, 1]) running.push(new SoakWorker(`worker-${i}`, await freePort(), workerEnv, path.join(outDir, `worker-${i}.log`)));

  const expected = new Set<string>();
  let uploads = 0;
  const files = generateLogFiles({ seed: 4242, start: new Date(Date.UTC(2026, 5, 1)), files: 1_000_000, recordsPerFile: { min: 20, max: 1000 } });
  const startedAt = Date.now();
  const endAt = startedAt + o.minutes * 60_000;
  const minute = (): number => (Date.now() - startedAt) / 60_000;

  const nodeNames = Array.from({ length: o.nodes }, (_, i) => `trailstream-dev-${i}`);
  const restarts: { node: string; signal: string; atMinute: number; downSeconds: number }[] = [];
  let faultRunning: Promise<void> = Promise.resolve();
  let faultCount = 0;
  let nextFault = startedAt + o.faultEveryMinutes * 60_000;
  let nextSample = startedAt;

  while (Date.now() < endAt) {
    const file = files.next().value as GeneratedLogFile;
    try {
      await stack.putObject(bucket, file.key, encodeLogFile(file.records));
      for (const r of file.records) expected.add(r.eventID!);
      uploads++;
    } catch (error) {
      log(`upload failed (not counted): ${(error as Error).message}`);
    }
    if (Date.now() >= nextSample) {
      nextSample += 30_000;
      await Promise.all(running.map((w) => w.sample(round(minute(), 2)!)));
      const s = running.map((w) => w.samples.at(-1)!);
      log(`minute ${minute().toFixed(1)}: ${uploads} uploads, ${expected.size} records; RSS ${s.map((x) => x.rssMb.toFixed(0)).join('/')} MB; loop p99 ${s.map((x) => x.lagP99Ms?.toFixed(0) ?? '?').join('/')} ms; handles ${s.map((x) => x.handles ?? '?').join('/')}`);
    }
    if (Date.now() >= nextFault) {
      nextFault += o.faultEveryMinutes * 60_000;
      const node = nodeNames[faultCount % nodeNames.length]!;
      const signal = faultCount % 2 === 0 ? 'KILL' : 'TERM';
      faultCount++;
      const at = minute();
      faultRunning = faultRunning.then(async () => {
        const t0 = Date.now();
        log(`fault: ${signal} ${node}`);
        await run('bash', [STACK, 'node', 'stop', node, ...(signal === 'KILL' ? ['--kill'] : [])], { cwd: ROOT });
        await new Promise((r) => setTimeout(r, 10_000));
        await run('bash', [STACK, 'node', 'start', node], { cwd: ROOT });
        const downSeconds = Math.round((Date.now() - t0) / 1000);
        restarts.push({ node, signal, atMinute: round(at, 1)!, downSeconds });
        log(`fault: ${node} back after ${downSeconds} s`);
      });
    }
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
  log(`uploads stopped: ${uploads} files, ${expected.size} records; waiting for the last node restart and for the queue to drain`);
  await faultRunning;

  const drainDeadline = Date.now() + o.drainMinutes * 60_000;
  let depth = await stack.queueDepth(queueUrl);
  while (depth > 0 && Date.now() < drainDeadline) {
    await new Promise((r) => setTimeout(r, 5000));
    depth = await stack.queueDepth(queueUrl);
  }
  await Promise.all(running.map((w) => w.sample(round(minute(), 2)!)));
  const stopped = await Promise.all(running.map((w) => w.stop()));
  await proxy.stop();

  const seen = await indexedIds(stack, `${soakRun.indexPrefix}-*,-${soakRun.deadLetterIndex}`);
  const lost = [...expected].filter((id) => !seen.has(id));
  const duplicated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  const unexpected = [...seen.keys()].filter((id) => !expected.has(id));
  const dlqDepth = await stack.queueDepth(dlqUrl);
  let deadLettered = 0;
  try {
    const c = await stack.opensearch.count({ index: soakRun.deadLetterIndex, ignore_unavailable: true } as never);
    deadLettered = (c.body as { count: number }).count;
  } catch {
    deadLettered = 0;
  }

  // How long each worker held its documents through each OpenSearch outage (its "available again" log lines).
  const stalls = running.map((w) => {
    const ms: number[] = [];
    for (const line of readFileSync(path.join(outDir, `${w.name}.log`), 'utf8').split('\n')) {
      const m = /"outageMs":(\d+)/.exec(line);
      if (m) ms.push(Number(m[1]));
    }
    return { worker: w.name, outagesSeconds: ms.map((x) => round(x / 1000)) };
  });
  const retried = stopped.reduce((n, s) => n + Number((s.summary?.worker as Record<string, number> | undefined)?.messagesRetried ?? 0), 0);

  // RSS flat: the peak of the last 10 minutes against the first 10 after a 2-minute warm-up.
  const rss = running.map((w) => {
    const total = w.samples.at(-1)?.minute ?? 0;
    const first = w.samples.filter((s) => s.minute >= 2 && s.minute < 12).map((s) => s.rssMb);
    const last = w.samples.filter((s) => s.minute >= total - 10).map((s) => s.rssMb);
    const firstPeak = peak(first);
    const lastPeak = peak(last);
    return { worker: w.name, firstPeakMb: round(firstPeak), lastPeakMb: round(lastPeak), changePercent: round(((lastPeak - firstPeak) / firstPeak) * 100) };
  });
  const report = {
    minutes: o.minutes,
    nodes: o.nodes,
    uploads,
    records: expected.size,
    indexed: seen.size,
    lost: lost.length,
    duplicated: duplicated.length,
    unexpected: unexpected.length,
    queueDepth: depth,
    dlqDepth,
    deadLetteredRecords: deadLettered,
    faults: { ...faults, nodeRestarts: restarts },
    stalls,
    messagesRetried: retried,
    rss,
    eventLoopP99Ms: running.map((w) => ({ worker: w.name, max: round(peak(w.samples.map((s) => s.lagP99Ms ?? 0))), median: round(median(w.samples.map((s) => s.lagP99Ms ?? 0))) })),
    openHandles: running.map((w) => ({ worker: w.name, first: w.samples[0]?.handles, max: peak(w.samples.map((s) => s.handles ?? 0)), last: w.samples.at(-1)?.handles })),
    workers: stopped.map((s, i) => ({ worker: running[i]!.name, exitCode: s.code, summary: s.summary })),
    samples: Object.fromEntries(running.map((w) => [w.name, w.samples])),
    examples: { lost: lost.slice(0, 5), duplicated: duplicated.slice(0, 5) },
    logs: outDir,
  };
  writeFileSync(path.join(outDir, 'report.json'), JSON.stringify(report, null, 2));
  const { samples: _samples, ...brief } = report;
  process.stdout.write(`${JSON.stringify(brief, null, 2)}\n`);
  process.stdout.write('\nRSS (MB) over time, per worker:\n');
  for (const w of running) process.stdout.write(`  ${w.name}: ${w.samples.filter((_, i) => i % 4 === 0).map((s) => `${s.minute.toFixed(0)}m ${s.rssMb.toFixed(0)}`).join(', ')}\n`);
  await stack.cleanup(soakRun).catch(() => {});
  const ok = lost.length === 0 && duplicated.length === 0 && unexpected.length === 0 && depth === 0 && dlqDepth === 0;
  log(ok ? 'PASS: nothing lost, nothing duplicated, queues empty' : 'FAIL: see the report above');
  process.exit(ok ? 0 : 1);
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

main().catch((error: unknown) => {
  process.stderr.write(`soak: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

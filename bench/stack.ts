/**
 * The local stack as the end-to-end rows use it: per-run bucket, queue, DLQ and
 * index templates (fresh indices with 0 replicas), the worker CLI run as a user
 * runs it, and cleanup of everything a run created. The stack itself is only
 * started when it is not running, and never stopped.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Client } from '@opensearch-project/opensearch';
import { createOpenSearchClient } from '../src/sink/opensearch/client.js';
import { renderTemplate, templateSpecs } from '../src/sink/opensearch/templates.js';
import { CLI, ROOT } from './paths.js';

const STACK_VARS = ['OPENSEARCH_URL', 'AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
/** Refresh interval of the bench's indices: what "searchable" waits for in row 7. */
export const REFRESH_INTERVAL = '1s';

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Endpoints of the running local stack; starts it first (idempotent `up`) if it is not healthy. */
export function stackEnv(): Record<string, string> {
  const script = path.join(ROOT, 'stack/stack.sh');
  try {
    execFileSync('bash', [script, 'status'], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    log('the local stack is not running: starting it (npm run stack -- up)');
    execFileSync('bash', [script, 'up'], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
  }
  const text = execFileSync('bash', [script, 'env'], { cwd: ROOT, encoding: 'utf8' });
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(?:'([^']*)'|"([^"]*)"|(\S*))$/.exec(line.trim());
    if (m?.[1]) env[m[1]] = m[2] ?? m[3] ?? m[4] ?? '';
  }
  const out: Record<string, string> = {};
  for (const name of STACK_VARS) {
    const value = env[name];
    if (!value) throw new Error(`bench: "stack.sh env" did not print ${name}`);
    out[name] = value;
  }
  return out;
}

/**
 * The stack's state folder, as stack/stack.sh resolves it: TRAILSTREAM_STACK_DIR
 * (absolute or relative to the checkout) or `<checkout>/.stack`. The ports come
 * from TRAILSTREAM_OPENSEARCH_PORT / TRAILSTREAM_MOTO_PORT, which stack.sh reads
 * from the environment the benchmark passes on unchanged.
 */
export function stackDir(): string {
  const dir = process.env.TRAILSTREAM_STACK_DIR;
  if (!dir) return path.join(ROOT, '.stack');
  return path.isAbsolute(dir) ? dir : path.join(ROOT, dir);
}

/**
 * CPU seconds (user + system, all threads) the OpenSearch process has used so
 * far, from /proc/<pid>/stat; undefined when its pid is unknown (a shared stack)
 * or /proc is not there.
 */
export function opensearchCpuSeconds(): number | undefined {
  try {
    const pid = readFileSync(path.join(stackDir(), 'run', 'opensearch.pid'), 'utf8').replace(/\D/g, '');
    if (!pid) return undefined;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return Number.isFinite(ticks) ? ticks / hz : undefined;
  } catch {
    return undefined;
  }
}

/** Versions of the stack's components, best effort (for the report). */
export function stackVersions(): { opensearchHeap?: string; moto?: string } {
  const meta = (name: string, key: string): string | undefined => {
    const file = path.join(stackDir(), 'run', `${name}.meta`);
    if (!existsSync(file)) return undefined;
    return new RegExp(`^${key}=(.*)$`, 'm').exec(readFileSync(file, 'utf8'))?.[1];
  };
  const heap = meta('opensearch', 'heap');
  const moto = meta('moto', 'version');
  return { ...(heap ? { opensearchHeap: heap } : {}), ...(moto ? { moto } : {}) };
}

export interface BenchRun {
  readonly name: string;
  readonly indexPrefix: string;
  readonly deadLetterIndex: string;
  readonly bucket?: string;
  readonly queueUrl?: string;
  /** Environment for the worker CLI (with PATH added at spawn). */
  readonly env: Record<string, string>;
}

export class BenchStack {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly opensearch: Client;
  private readonly live = new Set<BenchRun>();

  constructor(readonly env: Record<string, string>) {
    const aws = {
      region: env.AWS_REGION!,
      endpoint: env.AWS_ENDPOINT_URL!,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    };
    this.s3 = new S3Client({ ...aws, forcePathStyle: true });
    this.sqs = new SQSClient(aws);
    this.opensearch = createOpenSearchClient({
      opensearchUrls: env.OPENSEARCH_URL!.split(","),
      opensearchSniff: false,
      opensearchUsername: undefined,
      opensearchPassword: undefined,
      opensearchAuth: 'none',
      opensearchAwsService: 'es',
      opensearchAwsRegion: env.AWS_REGION!,
      opensearchCaFile: undefined,
      opensearchTlsVerify: true,
    });
  }

  /**
   * CPU seconds the OpenSearch process has used: from /proc when the stack's
   * pid file names it (see opensearchCpuSeconds), else from the node's own
   * process stats (a shared or remote stack), which count the same thing.
   */
  async opensearchCpuSeconds(): Promise<number | undefined> {
    const local = opensearchCpuSeconds();
    if (local !== undefined) return local;
    try {
      const r = await this.opensearch.nodes.stats({ metric: 'process' } as never);
      const nodes = Object.values((r.body as { nodes: Record<string, { process?: { cpu?: { total_in_millis?: number } } }> }).nodes);
      const total = nodes.reduce((sum, n) => sum + (n.process?.cpu?.total_in_millis ?? NaN), 0);
      return Number.isFinite(total) ? total / 1000 : undefined;
    } catch {
      return undefined;
    }
  }

  async opensearchVersion(): Promise<string> {
    const info = await this.opensearch.info();
    return (info.body as { version?: { number?: string } }).version?.number ?? 'unknown';
  }

  /**
   * The index templates `trailstream setup` installs for this run's prefix
   * (named after it, so no one else's are touched), and, when asked,
   * a bucket that notifies a new queue (with its DLQ) on ObjectCreated.
   */
  async createRun(tag: string, options: { queue: boolean }): Promise<BenchRun> {
    // Same length every time: row 5 patches one run's prefix into bodies built for another.
    const name = `tsbench-${tag}-${randomBytes(4).toString('hex')}`;
    const indexPrefix = name;
    const deadLetterIndex = `${name}-dead-letter`;
    let run: BenchRun = {
      name,
      indexPrefix,
      deadLetterIndex,
      env: {
        ...this.env,
        TRAILSTREAM_INDEX_PREFIX: indexPrefix,
        TRAILSTREAM_DEAD_LETTER_INDEX: deadLetterIndex,
        TRAILSTREAM_LOG_LEVEL: 'info',
        // Several workers run at once (scaling runs): no fixed metrics port to fight over.
        TRAILSTREAM_METRICS_PORT: '0',
      },
    };
    this.live.add(run);
    const settings = { indexPrefix, deadLetterIndex, numberOfShards: 1, numberOfReplicas: 0, refreshInterval: REFRESH_INTERVAL };
    for (const t of templateSpecs(run)) {
      await this.opensearch.indices.putIndexTemplate({ name: t.name, body: renderTemplate(t.file, settings) as never });
    }
    if (!options.queue) return run;

    const dlq = await this.sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const dlqArn = await this.queueArn(dlq.QueueUrl!);
    const queue = await this.sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '5' }) },
      }),
    );
    const queueArn = await this.queueArn(queue.QueueUrl!);
    await this.s3.send(new CreateBucketCommand({ Bucket: name }));
    await this.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: name,
        NotificationConfiguration: { QueueConfigurations: [{ QueueArn: queueArn, Events: ['s3:ObjectCreated:*'] }] },
      }),
    );
    this.live.delete(run);
    run = {
      ...run,
      bucket: name,
      queueUrl: queue.QueueUrl!,
      env: { ...run.env, TRAILSTREAM_QUEUE_URL: queue.QueueUrl!, TRAILSTREAM_DLQ_URL: dlq.QueueUrl!, TRAILSTREAM_BUCKET: name },
    };
    this.live.add(run);
    return run;
  }

  private async queueArn(url: string): Promise<string> {
    const out = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    return out.Attributes!.QueueArn!;
  }

  async putObject(bucket: string, key: string, body: Buffer): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  /** Visible + in flight + delayed messages. */
  async queueDepth(queueUrl: string): Promise<number> {
    const out = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    const a = out.Attributes ?? {};
    return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
  }

  async countDocs(run: BenchRun): Promise<number> {
    const index = `${run.indexPrefix}-*`;
    await this.opensearch.indices.refresh({ index, allow_no_indices: true, ignore_unavailable: true } as never);
    const r = await this.opensearch.count({ index, allow_no_indices: true, ignore_unavailable: true } as never);
    return (r.body as { count: number }).count;
  }

  /**
   * Bytes of the run's primary store per document after a refresh and a force
   * merge to one segment: what the documents cost on disk once settled, without
   * the noise of how many segments happened to be open when measured.
   */
  async storeBytesPerDoc(run: BenchRun): Promise<{ bytes: number; docs: number }> {
    const index = `${run.indexPrefix}-*`;
    await this.opensearch.indices.refresh({ index } as never);
    // A force merge of a few hundred MB takes minutes on a busy two-core machine.
    await this.opensearch.indices.forcemerge({ index, max_num_segments: 1 } as never, { requestTimeout: 30 * 60_000 } as never);
    await this.opensearch.indices.refresh({ index } as never);
    const r = await this.opensearch.indices.stats({ index, metric: ['store', 'docs'] } as never);
    const primaries = (r.body as { _all: { primaries: { store: { size_in_bytes: number }; docs: { count: number } } } })._all.primaries;
    return { bytes: primaries.store.size_in_bytes, docs: primaries.docs.count };
  }

  /** Deletes the run's indices, templates, bucket (with its objects) and queues. */
  async cleanup(run: BenchRun): Promise<void> {
    this.live.delete(run);
    const quietly = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (error) {
        log(`cleanup of ${what} failed: ${(error as Error).message}`);
      }
    };
    await quietly(`indices ${run.name}-*`, () =>
      this.opensearch.indices.delete({ index: `${run.indexPrefix}-*`, allow_no_indices: true, ignore_unavailable: true, expand_wildcards: 'all' } as never),
    );
    for (const t of templateSpecs(run)) {
      await quietly(`template ${t.name}`, () => this.opensearch.indices.deleteIndexTemplate({ name: t.name }));
    }
    if (run.bucket) {
      const bucket = run.bucket;
      await quietly(`bucket ${bucket}`, async () => {
        for (;;) {
          const listed = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
          const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
          if (keys.length === 0) break;
          await this.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
        }
        await this.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      });
    }
    if (run.queueUrl) {
      const url = run.queueUrl;
      await quietly(`queue ${url}`, () => this.sqs.send(new DeleteQueueCommand({ QueueUrl: url })));
      await quietly(`queue ${url}-dlq`, () => this.sqs.send(new DeleteQueueCommand({ QueueUrl: `${url}-dlq` })));
    }
  }

  /** Cleans up whatever runs are still live (after an error or an interrupt). */
  async cleanupAll(): Promise<void> {
    for (const run of [...this.live]) await this.cleanup(run);
  }
}

export interface WorkerRun {
  /** The CLI's summary line. */
  readonly summary: { worker: Record<string, number>; peakRssMb: number; cpuSeconds?: number };
  /** When the worker logged "worker started" (ms since the epoch): configuration read, clients built. */
  readonly startedAt: number;
  readonly spawnedAt: number;
  readonly exitedAt: number;
}

export interface WorkerHandle {
  /** Resolves when the worker has logged that it started. */
  readonly started: Promise<number>;
  readonly done: Promise<WorkerRun>;
  /** Ends the worker if it is still running (after a failed measurement). */
  kill(): void;
}

/** Runs `trailstream worker --until-idle <idleSeconds>` with exactly the run's environment (plus PATH). */
export function startWorker(run: BenchRun, idleSeconds: number, timeoutMs: number): WorkerHandle {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [CLI, 'worker', '--until-idle', String(idleSeconds)], {
    env: { PATH: process.env.PATH ?? '', ...run.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let startedAt = 0;
  let onStarted: (at: number) => void = () => {};
  const started = new Promise<number>((resolve) => {
    onStarted = resolve;
  });
  let partial = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    const text = partial + d.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (startedAt === 0 && line.includes('"worker started"')) {
        startedAt = Date.now();
        onStarted(startedAt);
      } else if (/"level":"(warn|error|fatal)"/.test(line)) {
        stderr += `${line}\n`;
      }
    }
  });
  const done = new Promise<WorkerRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker timed out after ${timeoutMs} ms\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const exitedAt = Date.now();
      if (code !== 0) {
        reject(new Error(`worker exited with ${code}\n${stderr.slice(-2000)}${partial}`));
        return;
      }
      const last = stdout.trim().split('\n').pop() ?? '';
      const summary = JSON.parse(last) as WorkerRun['summary'];
      if (startedAt === 0) startedAt = spawnedAt;
      resolve({ summary, startedAt, spawnedAt, exitedAt });
    });
  });
  done.catch(() => {});
  return {
    started,
    done,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

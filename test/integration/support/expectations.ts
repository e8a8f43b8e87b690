import { spawn } from 'node:child_process';
import { ChangeMessageVisibilityBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { CLI, engine, search, queueDepth, receiveAll, refresh, runCli, sqs, stackEnv, type CliResult, type TestPipeline } from './local-stack.js';

/**
 * Assertions shared by the fault tests: what is in OpenSearch, in the dead
 * letter, and on the queues once a worker is done.
 */

export interface WorkerCounters {
  readonly messagesReceived: number;
  readonly messagesDeleted: number;
  readonly messagesRetried: number;
  readonly messagesDeadLettered: number;
  readonly messagesReleased: number;
  readonly objectsProcessed: number;
  readonly objectsSkipped: number;
  readonly objectsFailed: number;
  readonly records: number;
  readonly recordsIndexed: number;
  readonly recordsDeadLettered: number;
  readonly compressedBytes: number;
}

export interface WorkerSummary {
  readonly worker: WorkerCounters;
  readonly peakRssMb: number;
}

/** The JSON line the worker prints on stdout when it exits. */
export function summaryOf(run: CliResult): WorkerSummary {
  const line = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as WorkerSummary;
  } catch {
    throw new Error(`worker printed no summary (exit ${run.code}).\nstdout: ${run.stdout.slice(-2000)}\nstderr: ${run.stderr.slice(-4000)}`);
  }
}

export async function setup(env: Record<string, string>): Promise<void> {
  const run = await runCli(['setup'], env);
  if (run.code !== 0) throw new Error(`setup exited ${run.code}: ${run.stderr}`);
}

export interface RunningWorker {
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<CliResult>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts the CLI in the background with exactly `env` (plus PATH), in `cwd` if given. */
export function spawnCli(args: string[], env: Record<string, string>, cwd?: string): RunningWorker {
  const child = spawn(process.execPath, [CLI, ...args], { ...(cwd ? { cwd } : {}), env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { pid: child.pid ?? -1, exited, kill: (signal) => child.kill(signal) };
}

/** Starts a worker in the background (for tests that kill it, or run several at once). */
export function spawnWorker(env: Record<string, string>, args: string[] = ['worker']): RunningWorker {
  return spawnCli(args, env);
}

/** The event indices of a pipeline, without its dead-letter index (which shares the prefix). */
export function eventIndices(p: TestPipeline): string {
  return `${p.indexPrefix}-*,-${p.deadLetterIndex}`;
}

export interface IndexedDoc {
  readonly index: string;
  readonly id: string;
}

/** Every document in the indices, read with a scroll (ids only). */
export async function allDocs(indexPattern: string): Promise<IndexedDoc[]> {
  await refresh(indexPattern);
  const client = search();
  const out: IndexedDoc[] = [];
  type Page = { _scroll_id?: string; hits: { hits: { _index: string; _id: string }[] } };
  let page = (
    await client.request({
      method: 'POST',
      path: `/${indexPattern}/_search`,
      querystring: { scroll: '1m', allow_no_indices: 'true', ignore_unavailable: 'true' },
      body: { size: 10_000, _source: false, sort: ['_doc'], query: { match_all: {} } },
    })
  ).body as Page;
  while (page.hits.hits.length > 0) {
    for (const h of page.hits.hits) out.push({ index: h._index, id: h._id });
    if (!page._scroll_id) break;
    page = (await client.request({ method: 'POST', path: '/_search/scroll', body: { scroll: '1m', scroll_id: page._scroll_id } })).body as Page;
  }
  if (page._scroll_id) await client.request({ method: 'DELETE', path: '/_search/scroll', body: { scroll_id: [page._scroll_id] } });
  return out;
}

/**
 * Every expected record is in the event indices exactly once, under its
 * eventID, and nothing else is there: the document count equals the number of
 * distinct eventIDs and the set of `_id`s is exactly that set.
 */
export async function expectExactlyOnce(p: TestPipeline, expectedIds: Iterable<string>): Promise<void> {
  const expected = new Set(expectedIds);
  const docs = await allDocs(eventIndices(p));
  const seen = new Map<string, number>();
  for (const d of docs) seen.set(d.id, (seen.get(d.id) ?? 0) + 1);
  const missing = [...expected].filter((id) => !seen.has(id));
  const duplicated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  const unexpected = [...seen.keys()].filter((id) => !expected.has(id));
  const report = (ids: string[]) => ({ count: ids.length, examples: ids.slice(0, 5) });
  expect({ missing: report(missing), duplicated: report(duplicated), unexpected: report(unexpected) }).toEqual({
    missing: report([]),
    duplicated: report([]),
    unexpected: report([]),
  });
  expect(docs.length).toBe(expected.size);
}

export interface DeadLetterDoc {
  readonly '@timestamp': string;
  readonly error: { readonly type: string; readonly reason: string };
  readonly target: { readonly index: string; readonly id: string };
  readonly origin: { readonly bucket: string; readonly key: string; readonly ordinal: number; readonly offset?: number };
  readonly raw: string;
  readonly rawTruncatedFromLength?: number;
  readonly record?: { readonly eventID?: string; readonly eventTime?: string; readonly eventName?: string };
}

export async function deadLetterDocs(p: TestPipeline): Promise<{ id: string; source: DeadLetterDoc }[]> {
  await refresh(p.deadLetterIndex);
  const r = await search().request({
    method: 'POST',
    path: `/${p.deadLetterIndex}/_search`,
    querystring: { ignore_unavailable: 'true', allow_no_indices: 'true' },
    body: { size: 1000, query: { match_all: {} } },
  });
  const hits = (r.body as { hits: { hits: { _id: string; _source: DeadLetterDoc }[] } }).hits.hits;
  return hits.map((h) => ({ id: h._id, source: h._source }));
}

export interface DeadLetteredMessage {
  readonly body: string;
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly object: string | undefined;
  readonly offset: number | undefined;
}

/** Drains the DLQ (the messages stay there, invisible for a while) and returns each with its reason. */
export async function dlqMessages(p: TestPipeline): Promise<DeadLetteredMessage[]> {
  const messages: Message[] = await receiveAll(p.dlqUrl);
  return messages.map((m) => {
    const a = m.MessageAttributes ?? {};
    const offset = a['trailstream-offset']?.StringValue;
    return {
      body: m.Body ?? '',
      code: a['trailstream-error-code']?.StringValue,
      message: a['trailstream-error-message']?.StringValue,
      object: a['trailstream-object']?.StringValue,
      offset: offset === undefined ? undefined : Number(offset),
    };
  });
}

/** The source queue holds nothing (visible, in flight or delayed) and the DLQ holds exactly `dlq` messages. */
export async function expectQueues(p: TestPipeline, expected: { queue: number; dlq: number }): Promise<void> {
  expect({ queue: await queueDepth(p.queueUrl), dlq: await queueDepth(p.dlqUrl) }).toEqual(expected);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns true or the time is up. A probe that throws
 * counts as "not yet" (a search racing the creation of the index it reads, for
 * one); the last such error is reported if the time runs out.
 */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(everyMs);
  }
  const cause = lastError === undefined ? '' : ` (last probe error: ${(lastError as Error).message ?? String(lastError)})`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
}

/**
 * Runs a worker until the queue is drained (nothing visible, in flight or
 * delayed — so every message was deleted or dead-lettered), then stops it with
 * SIGTERM and returns its summary. Unlike `--until-idle`, this does not depend
 * on guessing how long a backed-off message stays invisible.
 */
export async function runWorkerUntilDrained(
  p: TestPipeline,
  env: Record<string, string>,
  timeoutMs = 200_000,
): Promise<WorkerSummary & { ms: number; logs: LogLine[] }> {
  const started = Date.now();
  const worker = spawnWorker(env);
  let exited = false;
  void worker.exited.then(() => (exited = true));
  try {
    await waitFor('the queue to be drained', async () => exited || (await queueDepth(p.queueUrl)) === 0, timeoutMs, 250);
  } finally {
    worker.kill('SIGTERM');
  }
  const run = await worker.exited;
  if (run.code !== 0) throw new Error(`worker exited ${run.code}\nstderr: ${run.stderr.slice(-4000)}`);
  return { ...summaryOf(run), ms: Date.now() - started, logs: logLines(run.stderr) };
}

/** One JSON log line of the worker (pino). */
export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly code?: string;
  readonly [field: string]: unknown;
}

export function logLines(stderr: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // not a log line
    }
  }
  return out;
}

/** The error codes of the worker's "transient failure; message left on the queue" warnings, in order. */
export function retryCodes(logs: readonly LogLine[]): string[] {
  return logs.filter((l) => l.msg.startsWith('transient failure')).map((l) => String(l.code));
}

/** The real services' endpoints, for proxies to forward to. */
/** The URL of the stack's engine (OpenSearch or Elasticsearch), e.g. for a fault proxy in front of it. */
export function realTargetUrl(): string {
  const env = stackEnv();
  return (env.ELASTICSEARCH_URL ?? env.OPENSEARCH_URL)!;
}

/** The CLI setting that points it at `url` on the stack's engine. */
export function targetUrlEnv(url: string): Record<string, string> {
  return engine() === 'elasticsearch' ? { ELASTICSEARCH_URL: url } : { OPENSEARCH_URL: url };
}
export function realAwsEndpointUrl(): string {
  return stackEnv().AWS_ENDPOINT_URL!;
}

export async function queueArn(queueUrl: string): Promise<string> {
  const out = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`no QueueArn for ${queueUrl}`);
  return arn;
}

/**
 * The bodies of every message on the queue, which are then made visible again
 * at once (their receive count goes up by one).
 */
/** Every message on a queue, with its attributes; they are made visible again afterwards. */
export async function peekMessages(queueUrl: string): Promise<Message[]> {
  const seen: Message[] = [];
  for (;;) {
    const r = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60, MessageAttributeNames: ['All'] }));
    if (!r.Messages?.length) break;
    seen.push(...r.Messages);
  }
  for (let i = 0; i < seen.length; i += 10) {
    await sqs().send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: seen.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
      }),
    );
  }
  return seen;
}

export async function peekBodies(queueUrl: string): Promise<string[]> {
  return (await peekMessages(queueUrl)).map((m) => m.Body ?? '');
}

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { Client } from '@opensearch-project/opensearch';
import { elasticsearchRequests } from '../../../src/sink/elasticsearch/client.js';
import { openSearchRequests } from '../../../src/sink/opensearch/search-client.js';
import type { Engine, SearchClient, SearchRequest } from '../../../src/sink/search-client.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = path.join(ROOT, 'dist/cli/main.js');

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: integration tests need the local stack (global setup loads "npm run stack -- env")`);
  return v;
}

/** The engine the stack runs (`stack env` sets TRAILSTREAM_TARGET; `npm run test:elasticsearch` brings up Elasticsearch). */
export function engine(): Engine {
  return process.env.TRAILSTREAM_TARGET === 'elasticsearch' ? 'elasticsearch' : 'opensearch';
}

/** The error type of a document its mapping cannot take: Elasticsearch 8.8+ renamed OpenSearch's (and its own old) mapper_parsing_exception. */
export const MAPPING_ERROR = process.env.TRAILSTREAM_TARGET === 'elasticsearch' ? 'document_parsing_exception' : 'mapper_parsing_exception';

/** The URL setting of the stack's engine, for the CLI's environment. */
export function targetEnv(): Record<string, string> {
  return engine() === 'elasticsearch'
    ? { TRAILSTREAM_TARGET: 'elasticsearch', ELASTICSEARCH_URL: required('ELASTICSEARCH_URL') }
    : { TRAILSTREAM_TARGET: 'opensearch', OPENSEARCH_URL: required('OPENSEARCH_URL') };
}

export function stackEnv(): Record<string, string> {
  return {
    ...targetEnv(),
    AWS_ENDPOINT_URL: required('AWS_ENDPOINT_URL'),
    AWS_REGION: required('AWS_REGION'),
    AWS_ACCESS_KEY_ID: required('AWS_ACCESS_KEY_ID'),
    AWS_SECRET_ACCESS_KEY: required('AWS_SECRET_ACCESS_KEY'),
  };
}

export const s3 = (): S3Client =>
  new S3Client({ region: required('AWS_REGION'), endpoint: required('AWS_ENDPOINT_URL'), forcePathStyle: true });
export const sqs = (): SQSClient => new SQSClient({ region: required('AWS_REGION'), endpoint: required('AWS_ENDPOINT_URL') });
/** A client of the stack's OpenSearch: every node of a cluster (OPENSEARCH_URL lists them), with a try on each. */
export const opensearch = (): Client => {
  const nodes = required('OPENSEARCH_URL').split(',');
  return new Client({ nodes, maxRetries: nodes.length - 1 });
};

let searchClient: SearchClient | undefined;
/**
 * Requests to the stack's engine through its official client (OpenSearch or
 * Elasticsearch), for tests that look at what was indexed on either.
 */
export function search(): SearchClient {
  searchClient ??=
    engine() === 'elasticsearch' ? elasticsearchRequests(new ElasticsearchClient({ node: required('ELASTICSEARCH_URL') })) : openSearchRequests(opensearch());
  return searchClient;
}

/** The body of one request to the stack's engine. */
export async function searchBody<T = unknown>(req: SearchRequest): Promise<T> {
  return (await search().request(req)).body as T;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface TestPipeline {
  readonly name: string;
  readonly bucket: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly indexPrefix: string;
  readonly deadLetterIndex: string;
  /** Environment for the trailstream CLI pointed at these resources. */
  readonly env: Record<string, string>;
}

/**
 * Each test file gets its own bucket, queue, DLQ and index names on the shared
 * local stack, wired like production: the bucket notifies the queue on
 * ObjectCreated, the queue redrives to the DLQ after 5 receives.
 */
export async function createTestPipeline(prefix: string): Promise<TestPipeline> {
  const name = uniqueName(prefix);
  const dlq = await sqs().send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqArn = (
    await sqs().send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const queue = await sqs().send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '5' }), VisibilityTimeout: '60' },
    }),
  );
  const queueArn = (
    await sqs().send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  await s3().send(new CreateBucketCommand({ Bucket: name }));
  await s3().send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: name,
      NotificationConfiguration: { QueueConfigurations: [{ QueueArn: queueArn, Events: ['s3:ObjectCreated:*'] }] },
    }),
  );
  const indexPrefix = name;
  const deadLetterIndex = `${name}-dead-letter`;
  return {
    name,
    bucket: name,
    queueUrl: queue.QueueUrl!,
    dlqUrl: dlq.QueueUrl!,
    indexPrefix,
    deadLetterIndex,
    env: {
      ...stackEnv(),
      TRAILSTREAM_QUEUE_URL: queue.QueueUrl!,
      TRAILSTREAM_DLQ_URL: dlq.QueueUrl!,
      TRAILSTREAM_BUCKET: name,
      TRAILSTREAM_INDEX_PREFIX: indexPrefix,
      TRAILSTREAM_DEAD_LETTER_INDEX: deadLetterIndex,
      TRAILSTREAM_INDEX_REPLICAS: '0',
      TRAILSTREAM_INDEX_REFRESH_INTERVAL: '1s',
      TRAILSTREAM_WAIT_TIME_SECONDS: '1',
      TRAILSTREAM_LOG_LEVEL: 'warn',
      // Tests run several workers at once, and other test files run beside them:
      // no fixed metrics port (metrics.test.ts picks a free one).
      TRAILSTREAM_METRICS_PORT: '0',
    },
  };
}

export async function putObject(bucket: string, key: string, body: Buffer): Promise<void> {
  await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI as a user would, with exactly the given environment (plus PATH). */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliResult> {
  return runScript(CLI, args, { PATH: process.env.PATH ?? '', ...env }, timeoutMs);
}

/** Runs a Node script of the project (the CLI, the benchmark, a check) from the repository root and collects its output. */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} ${args.join(' ')} timed out after ${timeoutMs} ms\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Visible + in-flight + delayed messages, as SQS reports them. */
export async function queueDepth(queueUrl: string): Promise<number> {
  const out = await sqs().send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  const a = out.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

export async function receiveAll(queueUrl: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const r = await sqs().send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
    );
    if (!r.Messages?.length) return out;
    out.push(...r.Messages);
  }
}

export async function refresh(indexPattern: string): Promise<void> {
  await search().request({ method: 'POST', path: `/${indexPattern}/_refresh`, querystring: { allow_no_indices: true, ignore_unavailable: true } });
}

export async function countDocs(indexPattern: string): Promise<number> {
  await refresh(indexPattern);
  const r = await searchBody<{ count: number }>({ method: 'GET', path: `/${indexPattern}/_count`, querystring: { allow_no_indices: true, ignore_unavailable: true } });
  return r.count;
}

/**
 * Deletes the indices a pattern matches. By name: Elasticsearch 8+ refuses
 * wildcard deletes (action.destructive_requires_name).
 */
export async function deleteIndices(pattern: string): Promise<void> {
  const rows = await searchBody<{ index: string }[]>({ method: 'GET', path: `/_cat/indices/${pattern}`, querystring: { format: 'json', h: 'index', expand_wildcards: 'all' } }).catch(
    () => [] as { index: string }[],
  );
  for (let i = 0; i < rows.length; i += 50) {
    await search().request({ method: 'DELETE', path: `/${rows.slice(i, i + 50).map((r) => r.index).join(',')}`, querystring: { ignore_unavailable: true } });
  }
}

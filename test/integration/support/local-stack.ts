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
import { Client } from '@opensearch-project/opensearch';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = path.join(ROOT, 'dist/cli/main.js');

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: integration tests need the local stack (global setup loads "npm run stack -- env")`);
  return v;
}

export function stackEnv(): Record<string, string> {
  return {
    OPENSEARCH_URL: required('OPENSEARCH_URL'),
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
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`trailstream ${args.join(' ')} timed out after ${timeoutMs} ms\n${stderr.slice(-2000)}`));
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
  await opensearch().indices.refresh({ index: indexPattern, allow_no_indices: true, ignore_unavailable: true } as never);
}

export async function countDocs(indexPattern: string): Promise<number> {
  await refresh(indexPattern);
  const r = await opensearch().count({ index: indexPattern, allow_no_indices: true, ignore_unavailable: true } as never);
  return (r.body as { count: number }).count;
}

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { Client } from '@opensearch-project/opensearch';

/**
 * The local stack as `npm run stack -- up` leaves it (global setup brings it up
 * and loads `stack env`): OpenSearch of the configured version, the CloudTrail
 * bucket, the queue with its dead-letter queue, and the bucket notification
 * that puts an S3 ObjectCreated event on the queue.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run via jest's integration project (global setup loads "stack env")`);
  return v;
}

/** TRAILSTREAM_OPENSEARCH_VERSION if set, else the default written in stack/stack.sh. */
function configuredOpenSearchVersion(): string {
  const fromEnv = process.env.TRAILSTREAM_OPENSEARCH_VERSION;
  if (fromEnv) return fromEnv;
  const script = readFileSync(path.join(root, 'stack/stack.sh'), 'utf8');
  const m = /TRAILSTREAM_OPENSEARCH_VERSION:-([0-9][0-9A-Za-z.-]*)\}/.exec(script);
  if (!m?.[1]) throw new Error('no default TRAILSTREAM_OPENSEARCH_VERSION found in stack/stack.sh');
  return m[1];
}

const region = () => env('AWS_REGION');
const endpoint = () => env('AWS_ENDPOINT_URL');

describe('local stack', () => {
  let s3: S3Client;
  let sqs: SQSClient;
  let os: Client;

  beforeAll(() => {
    s3 = new S3Client({ region: region(), endpoint: endpoint(), forcePathStyle: true });
    sqs = new SQSClient({ region: region(), endpoint: endpoint() });
    os = new Client({ node: env('OPENSEARCH_URL') });
  });

  afterAll(async () => {
    s3.destroy();
    sqs.destroy();
    await os.close();
  });

  test('OpenSearch answers with the configured version and a usable cluster', async () => {
    const info = await os.info();
    expect(info.body.version.number).toBe(configuredOpenSearchVersion());
    const health = await os.cluster.health();
    expect(['green', 'yellow']).toContain(health.body.status);
  });

  test('the CloudTrail bucket exists', async () => {
    await expect(s3.send(new HeadBucketCommand({ Bucket: env('TRAILSTREAM_BUCKET') }))).resolves.toBeDefined();
  });

  test('the queue redrives to the dead-letter queue after 5 receives', async () => {
    const dlq = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: env('TRAILSTREAM_DLQ_URL'), AttributeNames: ['QueueArn'] }),
    );
    const dlqArn = dlq.Attributes?.QueueArn;
    expect(dlqArn).toMatch(/^arn:aws:sqs:/);

    const q = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: env('TRAILSTREAM_QUEUE_URL'), AttributeNames: ['RedrivePolicy'] }),
    );
    const redrive = JSON.parse(q.Attributes?.RedrivePolicy ?? '{}') as {
      deadLetterTargetArn?: string;
      maxReceiveCount?: number | string;
    };
    expect(redrive.deadLetterTargetArn).toBe(dlqArn);
    expect(Number(redrive.maxReceiveCount)).toBe(5);
  });

  test('putting an object in the bucket puts an ObjectCreated notification naming its key on the queue', async () => {
    const bucket = env('TRAILSTREAM_BUCKET');
    const queueUrl = env('TRAILSTREAM_QUEUE_URL');
    const key = `AWSLogs/123456789012/CloudTrail/us-east-1/2024/01/02/123456789012_CloudTrail_us-east-1_20240102T0000Z_stack-test-${randomBytes(6).toString('hex')}.json.gz`;

    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from('{"Records":[]}') }));
    try {
      // S3 event keys are URL-encoded ('+' for a space); moto also encodes '/'.
      const decodeKey = (k: string) => decodeURIComponent(k.replace(/\+/g, ' '));
      const isOurs = (m: Message): boolean => {
        try {
          const body = JSON.parse(m.Body ?? '') as {
            Records?: { eventSource?: string; eventName?: string; s3?: { bucket?: { name?: string }; object?: { key?: string } } }[];
          };
          return (body.Records ?? []).some(
            (r) =>
              r.eventSource === 'aws:s3' &&
              (r.eventName ?? '').startsWith('ObjectCreated:') &&
              r.s3?.bucket?.name === bucket &&
              decodeKey(r.s3?.object?.key ?? '') === key,
          );
        } catch {
          return false;
        }
      };

      let found: Message | undefined;
      const deadline = Date.now() + 30_000;
      while (!found && Date.now() < deadline) {
        const r = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, VisibilityTimeout: 30 }),
        );
        for (const m of r.Messages ?? []) {
          if (!found && isOurs(m)) {
            found = m;
          } else {
            // Not ours (an s3:TestEvent, another test's object): hand it back at once.
            await sqs.send(
              new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }),
            );
          }
        }
      }
      expect(found).toBeDefined();
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: found!.ReceiptHandle }));
    } finally {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    }
  }, 60_000);
});

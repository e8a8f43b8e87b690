import { gzipSync } from 'node:zlib';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { encodeLogFile, generateLogFiles } from '../../src/demo/generator.js';
import type { CloudTrailRecord } from '../../src/model/cloudtrail.js';
import { documentId } from '../../src/sink/opensearch/document-id.js';
import { countDocs, createTestPipeline, opensearch, putObject, queueDepth, runCli, s3, sqs, uniqueName, type TestPipeline } from './support/local-stack.js';
import {
  allDocs,
  deadLetterDocs,
  dlqMessages,
  eventIndices,
  expectExactlyOnce,
  runWorkerUntilDrained,
  setup,
} from './support/expectations.js';

/** The JSON summary replay-dlq prints last. */
interface Summary {
  queue?: { moved: number; wouldMove: number; movedNotDeleted: number; sendFailed: number; interrupted: boolean };
  index?: { examined: number; replayed: number; wouldReplay: number; failedAgain: number; invalidJson: number; truncated: number; unusable: number; notDurable: number; notDeleted: number };
}

async function replay(args: string[], env: Record<string, string>): Promise<{ summary: Summary; stdout: string }> {
  const run = await runCli(['replay-dlq', ...args], env);
  if (run.code !== 0) throw new Error(`replay-dlq ${args.join(' ')} exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  const last = run.stdout.trim().split('\n').pop() ?? '';
  return { summary: JSON.parse(last) as Summary, stdout: run.stdout };
}

function s3Notification(bucket: string, key: string): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2026-06-01T10:05:31.123Z',
        eventName: 'ObjectCreated:Put',
        s3: { s3SchemaVersion: '1.0', bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: 1000 } },
      },
    ],
  });
}

/** Every message on a queue with its attributes; they are made visible again afterwards. */
async function peekMessages(queueUrl: string): Promise<Message[]> {
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

describe('replay-dlq --queue', () => {
  let p: TestPipeline;
  let quiet: string; // a bucket without notifications, so uploads reach the queue only through the replay
  let env: Record<string, string>;
  const files = [...generateLogFiles({ seed: 61, start: new Date(Date.UTC(2026, 5, 1, 10, 0)), files: 3, recordsPerFile: 40 })];
  const GARBAGE = 'not a notification at all';

  beforeAll(async () => {
    p = await createTestPipeline('replayq');
    await setup(p.env);
    quiet = uniqueName('replayq-quiet');
    await s3().send(new CreateBucketCommand({ Bucket: quiet }));
    env = { ...p.env, TRAILSTREAM_ALLOWED_BUCKETS: quiet, TRAILSTREAM_RETRY_BACKOFF_SECONDS: '1' };
    // The objects do not exist yet: the worker dead-letters each notification (missing object).
    for (const f of files) await sqs().send(new SendMessageCommand({ QueueUrl: p.queueUrl, MessageBody: s3Notification(quiet, f.key) }));
    await runWorkerUntilDrained(p, env);
    // A message someone else put there, with an attribute of its own that must survive.
    await sqs().send(
      new SendMessageCommand({ QueueUrl: p.dlqUrl, MessageBody: GARBAGE, MessageAttributes: { team: { DataType: 'String', StringValue: 'platform' } } }),
    );
    expect(await queueDepth(p.dlqUrl)).toBe(4);
    // The operator fixes the cause: the objects are now there.
    for (const f of files) await putObject(quiet, f.key, encodeLogFile(f.records));
  });

  const esc = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it('--dry-run lists each message with its object and failure reason, and moves nothing', async () => {
    const { summary, stdout } = await replay(['--dry-run'], env);
    expect(summary.queue).toMatchObject({ wouldMove: 4, moved: 0 });
    for (const f of files) expect(stdout).toMatch(new RegExp(`would move  \\S+  s3://${esc(quiet)}/${esc(f.key)}  reason: object-not-found: `));
    expect(stdout).toMatch(/would move {2}\S+ {2}\(.*\) {2}reason: \(no trailstream reason/);
    expect(await queueDepth(p.dlqUrl)).toBe(4);
    expect(await queueDepth(p.queueUrl)).toBe(0);
    // A second dry run sees them all again: the first one released what it listed.
    expect((await replay(['--dry-run'], env)).summary.queue?.wouldMove).toBe(4);
  });

  it('--max 1 moves one message, a second run the rest: bodies unchanged, failure attributes dropped, others kept', async () => {
    const before = await peekMessages(p.dlqUrl);
    expect(before.filter((m) => m.MessageAttributes?.['trailstream-error-code']?.StringValue === 'object-not-found')).toHaveLength(3);

    expect((await replay(['--max', '1'], env)).summary.queue).toMatchObject({ moved: 1, sendFailed: 0 });
    expect({ queue: await queueDepth(p.queueUrl), dlq: await queueDepth(p.dlqUrl) }).toEqual({ queue: 1, dlq: 3 });
    expect((await replay(['--queue'], env)).summary.queue).toMatchObject({ moved: 3, sendFailed: 0, movedNotDeleted: 0 });
    expect({ queue: await queueDepth(p.queueUrl), dlq: await queueDepth(p.dlqUrl) }).toEqual({ queue: 4, dlq: 0 });

    const moved = await peekMessages(p.queueUrl);
    expect(moved.map((m) => m.Body).sort()).toEqual(before.map((m) => m.Body).sort());
    for (const m of moved) {
      expect(Object.keys(m.MessageAttributes ?? {}).filter((k) => k.startsWith('trailstream-'))).toEqual([]);
    }
    expect(moved.find((m) => m.Body === GARBAGE)?.MessageAttributes?.team?.StringValue).toBe('platform');
    // Nothing left: a further run moves nothing.
    expect((await replay([], env)).summary.queue).toMatchObject({ moved: 0, wouldMove: 0 });
  });

  it('the worker then indexes every record exactly once; only the message that can never work is back on the DLQ', async () => {
    await runWorkerUntilDrained(p, env);
    await expectExactlyOnce(p, files.flatMap((f) => f.records.map((r) => r.eventID!)));
    expect(await countDocs(p.deadLetterIndex)).toBe(0);
    const left = await peekMessages(p.dlqUrl);
    expect(left.map((m) => [m.Body, m.MessageAttributes?.['trailstream-error-code']?.StringValue])).toEqual([[GARBAGE, 'bad-notification']]);
  });

  it('a main queue that does not exist: the send fails, the message stays on the DLQ, exit 1', async () => {
    const run = await runCli(['replay-dlq', '--queue'], { ...env, TRAILSTREAM_QUEUE_URL: `${p.queueUrl}-missing` });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('SEND FAILED');
    expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toMatchObject({ queue: { moved: 0, sendFailed: 1 } });
    expect(await queueDepth(p.dlqUrl)).toBe(1);
  });
});

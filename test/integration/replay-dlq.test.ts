import { gzipSync } from 'node:zlib';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { encodeLogFile, generateLogFiles } from '../../src/demo/generator.js';
import type { CloudTrailRecord } from '../../src/model/cloudtrail.js';
import { documentId } from '../../src/document/document-id.js';
import { loadRules } from '../../src/rules/load-rules.js';
import { countDocs, createTestPipeline, opensearch, putObject, queueDepth, runCli, s3, sqs, uniqueName, type TestPipeline } from './support/local-stack.js';
import {
  allDocs,
  deadLetterDocs,
  eventIndices,
  expectExactlyOnce,
  peekMessages,
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

describe('replay-dlq --index', () => {
  let p: TestPipeline;
  let control: TestPipeline;
  const [file] = [...generateLogFiles({ seed: 62, start: new Date(Date.UTC(2026, 5, 2, 10, 0)), files: 1, recordsPerFile: 30 })];
  const records = file!.records;
  const DUPLICATE_FIELD = 5; // refused by OpenSearch whatever the mapping: must stay
  const NO_EVENT_ID = 9; // gets the hash id of bucket/key/ordinal
  const INVALID_JSON = 12; // not valid JSON: stays
  let texts: string[];
  const brokenTemplate = (prefix: string): string => `${prefix}-broken`;

  beforeAll(async () => {
    p = await createTestPipeline('replayi');
    control = await createTestPipeline('replayc');
    await setup(p.env);
    await setup(control.env);
    // A deliberately wrong template that wins over trailstream's for the event indices:
    // eventName as a number, so OpenSearch refuses every record with a mapping error.
    await opensearch().indices.putIndexTemplate({
      name: brokenTemplate(p.indexPrefix),
      body: { index_patterns: [`${p.indexPrefix}-2*`], priority: 150, template: { mappings: { properties: { eventName: { type: 'long' } } } } } as never,
    });
    texts = records.map((r) => JSON.stringify(r));
    texts[DUPLICATE_FIELD] = texts[DUPLICATE_FIELD]!.replace('"eventName":', '"eventName":"Shadowed","eventName":');
    const { eventID: _dropped, ...noId } = records[NO_EVENT_ID]! as CloudTrailRecord & { eventID?: string };
    texts[NO_EVENT_ID] = JSON.stringify(noId);
    texts[INVALID_JSON] = '{"managementEvent":tru,' + texts[INVALID_JSON]!.slice(1);
    const body = gzipSync('{"Records":[' + texts.join(',') + ']}\n');
    await putObject(p.bucket, file!.key, body);
    await putObject(control.bucket, file!.key, body);
    await runWorkerUntilDrained(p, p.env);
    await runWorkerUntilDrained(control, control.env);
  });

  afterAll(async () => {
    await opensearch().indices.deleteIndexTemplate({ name: brokenTemplate(p.indexPrefix) }).catch(() => undefined);
  });

  const expectedId = (i: number): string => (i === NO_EVENT_ID ? documentId(undefined, p.bucket, file!.key, i) : records[i]!.eventID!);
  // A record of the file that a detection rule matches (a bucket policy change, with this seed).
  const { matcher } = loadRules();
  const FINDING = records.findIndex((r, i) => ![DUPLICATE_FIELD, NO_EVENT_ID, INVALID_JSON].includes(i) && matcher.match(r) !== undefined);
  const findingRule = (): string => matcher.matches(records[FINDING]!)[0]!.id;

  it('the broken mapping sent every record to the dead-letter index', async () => {
    expect(await countDocs(eventIndices(p))).toBe(0);
    const letters = await deadLetterDocs(p);
    expect(letters).toHaveLength(30);
    expect(letters.filter((d) => d.source.error.type === 'mapper_parsing_exception')).toHaveLength(29);
    // A refused finding stays a finding in the dead-letter index.
    const finding = letters.find((d) => d.source.origin.ordinal === FINDING)!.source as unknown as { rule?: { id: string }; event?: { severity?: number } };
    expect(FINDING).toBeGreaterThanOrEqual(0);
    expect(finding.rule?.id).toBe(findingRule());
    expect(finding.event?.severity).toEqual(expect.any(Number));
  });

  it('--dry-run says where each record would go and changes nothing', async () => {
    const { summary, stdout } = await replay(['--index', '--dry-run'], p.env);
    expect(summary.index).toMatchObject({ examined: 30, wouldReplay: 29, invalidJson: 1, replayed: 0 });
    expect(stdout).toContain(`would-replay  ${p.indexPrefix}-2026.06.02/${expectedId(NO_EVENT_ID)}  s3://${p.bucket}/${file!.key} #${NO_EVENT_ID}\n`);
    expect(await countDocs(p.deadLetterIndex)).toBe(30);
    expect(await countDocs(eventIndices(p))).toBe(0);
  });

  it('replayed before the fix: refused again, each dead letter updated in place, never a second one', async () => {
    const before = (await deadLetterDocs(p)).map((d) => d.id).sort();
    const { summary } = await replay(['--index', '--max', '5'], p.env);
    expect(summary.index).toMatchObject({ examined: 5, replayed: 0, notDurable: 0 });
    expect(summary.index!.failedAgain + summary.index!.invalidJson).toBe(5);
    expect(summary.index!.failedAgain).toBeGreaterThanOrEqual(4);
    expect((await deadLetterDocs(p)).map((d) => d.id).sort()).toEqual(before);
  });

  it('after the fix: every record indexed with the worker\'s id and document; only what cannot work stays', async () => {
    // The fix: drop the wrong template and the (empty) indices it shaped, reinstall ours.
    await opensearch().indices.deleteIndexTemplate({ name: brokenTemplate(p.indexPrefix) });
    await opensearch().indices.delete({ index: `${p.indexPrefix}-2*` });
    await setup(p.env);

    const { summary } = await replay(['--index', '--page-size', '7'], p.env);
    expect(summary.index).toMatchObject({ examined: 30, replayed: 28, failedAgain: 1, invalidJson: 1, notDurable: 0, notDeleted: 0, truncated: 0, unusable: 0 });

    const ids = records.map((_, i) => i).filter((i) => i !== DUPLICATE_FIELD && i !== INVALID_JSON).map(expectedId);
    await expectExactlyOnce(p, ids);
    const left = await deadLetterDocs(p);
    expect(left.map((d) => d.source.origin.ordinal).sort((a, b) => a - b)).toEqual([DUPLICATE_FIELD, INVALID_JSON]);
    expect(left.find((d) => d.source.origin.ordinal === DUPLICATE_FIELD)!.source.error.reason).toContain('Duplicate field');
    expect(left.find((d) => d.source.origin.ordinal === INVALID_JSON)!.source.raw).toBe(texts[INVALID_JSON]);

    // The same documents, in the same daily index, as the worker wrote with the right mapping.
    const sources = async (t: TestPipeline): Promise<Map<string, unknown>> => {
      const docs = await allDocs(eventIndices(t));
      const r = await opensearch().mget({ body: { docs: docs.map((d) => ({ _index: d.index, _id: d.id })) } });
      const out = new Map<string, unknown>();
      for (const d of (r.body as { docs: { _index: string; _id: string; _source: unknown }[] }).docs) {
        // The record without an eventID has an id derived from its bucket, which differs between the two pipelines.
        const id = d._id === documentId(undefined, t.bucket, file!.key, NO_EVENT_ID) ? 'no-event-id' : d._id;
        out.set(`${d._index.slice(t.indexPrefix.length)}/${id}`, d._source);
      }
      return out;
    };
    const replayed = await sources(p);
    const fromWorker = await sources(control);
    expect(replayed.size).toBe(28);
    expect([...replayed.keys()].sort()).toEqual([...fromWorker.keys()].sort());
    for (const [k, v] of replayed) expect(v).toEqual(fromWorker.get(k));
    // ...detection tags included: replay tags exactly as the worker does.
    const tagged = [...replayed.values()].filter((v) => (v as { rule?: unknown }).rule !== undefined);
    expect(tagged.map((v) => (v as { rule: { id: string } }).rule.id)).toEqual([findingRule()]);
  });

  it('a second replay changes nothing and still counts what stays', async () => {
    const { summary } = await replay(['--index'], p.env);
    expect(summary.index).toMatchObject({ examined: 2, replayed: 0, failedAgain: 1, invalidJson: 1 });
    expect(await countDocs(p.deadLetterIndex)).toBe(2);
  });

  it('hostile dead letters (no origin, truncated raw, raw that is a JSON array) are left alone and counted', async () => {
    const other = `${p.deadLetterIndex}`;
    const put = (id: string, body: Record<string, unknown>) => opensearch().index({ index: other, id, body, refresh: true } as never);
    await put('no-origin', { raw: '{"eventID":"x"}' });
    await put('truncated', { raw: '{"eventID":"y"', rawTruncatedFromLength: 9_000_000, origin: { bucket: p.bucket, key: file!.key, ordinal: 1 } });
    await put('array', { raw: '[1,2,3]', origin: { bucket: p.bucket, key: file!.key, ordinal: 2 } });
    const { summary } = await replay(['--index'], p.env);
    expect(summary.index).toMatchObject({ examined: 5, replayed: 0, unusable: 1, truncated: 1, invalidJson: 2, failedAgain: 1 });
    expect(await countDocs(p.deadLetterIndex)).toBe(5);
    expect(await countDocs(eventIndices(p))).toBe(28);
  });
});

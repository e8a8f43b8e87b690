import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, DeleteObjectCommand, PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { encodeLogFile, generateLogFiles, type GeneratedLogFile } from '../../src/demo/generator.js';
import type { CloudTrailRecord } from '../../src/model/cloudtrail.js';
import { createTestPipeline, MAPPING_ERROR, search, putObject, runCli, s3, sqs, uniqueName, type CliResult, type TestPipeline } from './support/local-stack.js';
import { FaultProxy } from './support/fault-proxy.js';
import {
  allDocs,
  deadLetterDocs,
  dlqMessages,
  eventIndices,
  expectExactlyOnce,
  expectQueues,
  realAwsEndpointUrl,
  runWorkerUntilDrained,
  setup,
  type DeadLetterDoc,
  type DeadLetteredMessage,
  type WorkerSummary,
} from './support/expectations.js';

/**
 * Input that is bad in every way the issue names, all on one queue and read by
 * one worker run (so a poison message is also shown not to block the others).
 * Each `it` then checks one object's fate: what is indexed, what sits in the
 * dead-letter index or queue with which reason, and what was skipped.
 */
describe('bad and unusual input', () => {
  const files = [...generateLogFiles({ seed: 51, start: new Date(Date.UTC(2026, 4, 5, 10, 0)), files: 8, recordsPerFile: 400 })];
  const [truncatedGz, corruptJson, badRecord, mappingReject, pretty, foreignFile, tooLarge] = files.slice(1) as [
    GeneratedLogFile,
    GeneratedLogFile,
    GeneratedLogFile,
    GeneratedLogFile,
    GeneratedLogFile,
    GeneratedLogFile,
    GeneratedLogFile,
  ];
  const ACCOUNT = '123456789012';
  const keys = {
    malformedGz: `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/05/05/${ACCOUNT}_CloudTrail_us-east-1_20260505T1000Z_malformedgz00001.json.gz`,
    gone: `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/05/05/${ACCOUNT}_CloudTrail_us-east-1_20260505T1000Z_deletedobject001.json.gz`,
    bomb: `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/05/05/${ACCOUNT}_CloudTrail_us-east-1_20260505T1000Z_gzipbomb00000001.json.gz`,
    digest: `AWSLogs/${ACCOUNT}/CloudTrail-Digest/us-east-1/2026/05/05/${ACCOUNT}_CloudTrail-Digest_us-east-1_management_us-east-1_20260505T100000Z.json.gz`,
  };

  // A record whose bytes are balanced JSON but not valid JSON (a bad literal): the
  // splitter cannot see it, JSON.parse of that one record can.
  const BAD_RECORD_ORDINAL = 100;
  // The record OpenSearch refuses when parsing it: valid JSON for JSON.parse (the
  // last of two equal keys wins) but not for OpenSearch, which rejects duplicate
  // fields. A string userIdentity, where the template maps an object, used to be
  // the example; the sink now moves such values to trailstream.unindexed, so that
  // record is expected to be indexed.
  const MAPPING_ORDINAL = 200;
  const STRING_IDENTITY_ORDINAL = 250;
  // Where the JSON of corruptJson breaks: after this many good records.
  const CORRUPT_AFTER = 150;
  // The record of tooLarge that exceeds TRAILSTREAM_MAX_RECORD_BYTES (default 2 MiB): ~12 MB in responseElements.
  const TOO_LARGE_ORDINAL = 50;
  const TOO_LARGE_BYTES = 12 * 1000 * 1000;
  const NOT_A_NOTIFICATION = 'this is not a notification';

  let p: TestPipeline;
  let proxy: FaultProxy;
  let summary: WorkerSummary;
  let foreignBucket: string;
  let corruptOffset: number;
  let badRecordText: string;
  let mappingText: string;
  let stringIdentity: CloudTrailRecord;
  let dlq: DeadLetteredMessage[];
  let deadLetters: DeadLetterDoc[];
  let indexed: Set<string>;
  let hugeRecordBytes: number;
  let tooLargeText: string;
  let hugeRecordOffset: number;

  const dlqFor = (bucket: string, key: string): DeadLetteredMessage | undefined => dlq.find((m) => m.object === `s3://${bucket}/${key}`);

  beforeAll(async () => {
    p = await createTestPipeline('input');
    await setup(p.env);

    // 1. Not gzip at all after the magic bytes.
    await putObject(p.bucket, keys.malformedGz, Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), randomBytes(4000)]));

    // 2. A gzip object cut in half (as stored: an interrupted copy).
    const whole = encodeLogFile(truncatedGz.records);
    await putObject(p.bucket, truncatedGz.key, whole.subarray(0, Math.floor(whole.length / 2)));

    // 3. Malformed JSON in the middle of the file: a record whose value is missing.
    const head = '{"Records":[' + corruptJson.records.slice(0, CORRUPT_AFTER).map((r) => JSON.stringify(r)).join(',') + ',';
    const broken = '{"eventVersion":"1.08","eventTime":}';
    corruptOffset = Buffer.byteLength(head) + broken.indexOf('}');
    const tail = ',' + corruptJson.records.slice(CORRUPT_AFTER).map((r) => JSON.stringify(r)).join(',') + ']}\n';
    await putObject(p.bucket, corruptJson.key, gzipSync(head + broken + tail));

    // 4. One record that is not valid JSON in an otherwise good file.
    const texts = badRecord.records.map((r) => JSON.stringify(r));
    badRecordText = '{"managementEvent":tru,' + texts[BAD_RECORD_ORDINAL]!.slice(1);
    texts[BAD_RECORD_ORDINAL] = badRecordText;
    await putObject(p.bucket, badRecord.key, gzipSync('{"Records":[' + texts.join(',') + ']}\n'));

    // 5. One record OpenSearch refuses, one whose userIdentity is a string.
    const mappingTexts = mappingReject.records.map((r) => JSON.stringify(r));
    mappingText = mappingTexts[MAPPING_ORDINAL]!.replace('"eventName":', '"eventName":"Shadowed","eventName":');
    mappingTexts[MAPPING_ORDINAL] = mappingText;
    stringIdentity = { ...mappingReject.records[STRING_IDENTITY_ORDINAL]!, userIdentity: 'arn:aws:iam::123456789012:user/alice' as unknown as CloudTrailRecord['userIdentity'] };
    mappingTexts[STRING_IDENTITY_ORDINAL] = JSON.stringify(stringIdentity);
    await putObject(p.bucket, mappingReject.key, gzipSync('{"Records":[' + mappingTexts.join(',') + ']}\n'));

    // 6. Plain JSON, pretty-printed (e.g. a file re-uploaded after `jq .`).
    await putObject(p.bucket, pretty.key.replace(/\.gz$/, ''), Buffer.from(JSON.stringify({ Records: pretty.records }, null, 2)));

    // 7. A digest file: no records, never read.
    await putObject(
      p.bucket,
      keys.digest,
      gzipSync(JSON.stringify({ awsAccountId: ACCOUNT, digestStartTime: '2026-05-05T09:00:00Z', digestEndTime: '2026-05-05T10:00:00Z', logFiles: [] })),
    );

    // 8. An s3:TestEvent as S3 sends it (besides the one moto sent when the notification was configured).
    await sqs().send(
      new SendMessageCommand({
        QueueUrl: p.queueUrl,
        MessageBody: JSON.stringify({
          Service: 'Amazon S3',
          Event: 's3:TestEvent',
          Time: '2026-05-05T10:00:00.000Z',
          Bucket: p.bucket,
          RequestId: 'C3D13FE58DE4C810',
          HostId: 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
        }),
      }),
    );

    // 9. A bucket that is not on the allow-list, wired to our queue as S3 would be.
    foreignBucket = uniqueName('foreign');
    await s3().send(new CreateBucketCommand({ Bucket: foreignBucket }));
    const queueArn = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl: p.queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    await s3().send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: foreignBucket,
        NotificationConfiguration: { QueueConfigurations: [{ QueueArn: queueArn, Events: ['s3:ObjectCreated:*'] }] },
      }),
    );
    await putObject(foreignBucket, foreignFile.key, encodeLogFile(foreignFile.records));

    // 10. An object deleted between its notification and its reading.
    await putObject(p.bucket, keys.gone, encodeLogFile(files[0]!.records.slice(0, 1)));
    await s3().send(new DeleteObjectCommand({ Bucket: p.bucket, Key: keys.gone }));

    // 11. A decompression bomb: 128 MB of spaces inside a valid beginning, ~1000x compressed.
    await putObject(p.bucket, keys.bomb, gzipSync(Buffer.concat([Buffer.from('{"Records":['), Buffer.alloc(128 << 20, 0x20)]), { level: 9 }));

    // 12. A record over the size limit in the middle of a file: ~12 MB in responseElements,
    //     whose strings hold braces, brackets and escaped quotes; valid records on both sides.
    const sized = tooLarge.records.map((r) => JSON.stringify(r));
    const hugeRecord = tooLarge.records[TOO_LARGE_ORDINAL]!;
    // Random text (a repeated one would trip the decompression-bomb ratio check first).
    const items = Array.from({ length: Math.ceil(TOO_LARGE_BYTES / 3800) }, () => `${randomBytes(2900).toString('base64')}}{"][\\`);
    sized[TOO_LARGE_ORDINAL] = JSON.stringify({ ...hugeRecord, responseElements: { items } });
    hugeRecordBytes = Buffer.byteLength(sized[TOO_LARGE_ORDINAL]!);
    tooLargeText = '{"Records":[' + sized.join(',') + ']}\n';
    hugeRecordOffset = Buffer.byteLength('{"Records":[' + sized.slice(0, TOO_LARGE_ORDINAL).join(',') + ',');
    await putObject(p.bucket, tooLarge.key, gzipSync(tooLargeText));

    // 13. A message that is no notification at all.
    await sqs().send(new SendMessageCommand({ QueueUrl: p.queueUrl, MessageBody: NOT_A_NOTIFICATION }));

    // Every S3 request goes through a logging proxy, to see what the worker reads.
    proxy = await FaultProxy.start(realAwsEndpointUrl());
    summary = await runWorkerUntilDrained(p, {
      ...p.env,
      AWS_ENDPOINT_URL: proxy.url,
      TRAILSTREAM_ALLOWED_BUCKETS: p.bucket,
      TRAILSTREAM_RETRY_BACKOFF_SECONDS: '1',
    });
    dlq = await dlqMessages(p);
    deadLetters = (await deadLetterDocs(p)).map((d) => d.source);
    indexed = new Set((await allDocs(eventIndices(p))).map((d) => d.id));
  });

  afterAll(async () => {
    await proxy?.stop();
  });

  it('handles every message once: no retries, seven dead-lettered with a reason, the rest deleted', async () => {
    const w = summary.worker;
    // Two test events (moto's and ours), 6 data files, a digest, the foreign bucket's test event and
    // object, the deleted object, the bomb, the file with a huge record, the non-notification.
    expect(w.messagesReceived).toBe(15);
    expect(w.messagesRetried).toBe(0);
    expect(w.messagesDeadLettered).toBe(7);
    expect(w.messagesDeleted).toBe(8);
    expect(w.objectsSkipped).toBe(1);
    expect(w.objectsFailed).toBe(6);
    expect(w.objectsProcessed).toBe(4);
    expect(w.recordsDeadLettered).toBe(3);
    expect(dlq.map((m) => m.code).sort()).toEqual(
      [
        'bad-notification',
        'bucket-not-allowed',
        'compression-ratio-exceeded',
        'corrupt-gzip',
        'corrupt-gzip',
        'corrupt-json',
        'object-not-found',
      ].sort(),
    );
    for (const m of dlq) expect(m.message).toEqual(expect.any(String));
    // The DLQ holds the 7 (made invisible by our read), the queue nothing.
    await expectQueues(p, { queue: 0, dlq: 7 });
  });

  it('every valid record is indexed exactly once, under its eventID', async () => {
    const truncatedPrefix = truncatedGz.records.map((r) => r.eventID!).filter((id) => indexed.has(id));
    const expected = [
      ...truncatedPrefix,
      ...corruptJson.records.slice(0, CORRUPT_AFTER).map((r) => r.eventID!),
      ...badRecord.records.filter((_, i) => i !== BAD_RECORD_ORDINAL).map((r) => r.eventID!),
      ...mappingReject.records.filter((_, i) => i !== MAPPING_ORDINAL).map((r) => r.eventID!),
      ...pretty.records.map((r) => r.eventID!),
      ...tooLarge.records.filter((_, i) => i !== TOO_LARGE_ORDINAL).map((r) => r.eventID!),
    ];
    await expectExactlyOnce(p, expected);
  });

  it('malformed gzip: dead-lettered with corrupt-gzip, nothing indexed', () => {
    const m = dlqFor(p.bucket, keys.malformedGz);
    expect(m?.code).toBe('corrupt-gzip');
    expect(m?.message).toMatch(/gzip/i);
    expect(m?.body).toContain(p.bucket);
  });

  it('a gzip object cut in half: the records before the cut are indexed, the object dead-lettered with its offset', () => {
    const m = dlqFor(p.bucket, truncatedGz.key);
    expect(m?.code).toBe('corrupt-gzip');
    expect(m?.offset).toBeGreaterThan(0);
    const ids = truncatedGz.records.map((r) => r.eventID!);
    const n = ids.filter((id) => indexed.has(id)).length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(ids.length);
    // Exactly a prefix of the file: the first n records, none after.
    expect(ids.slice(0, n).every((id) => indexed.has(id))).toBe(true);
  });

  it('malformed JSON in the middle of a file: the records before it are indexed, the message is in the DLQ with the byte offset', () => {
    const m = dlqFor(p.bucket, corruptJson.key);
    expect(m?.code).toBe('corrupt-json');
    expect(m?.offset).toBe(corruptOffset);
    expect(m?.message).toContain(String(corruptOffset));
    const ids = corruptJson.records.map((r) => r.eventID!);
    expect(ids.slice(0, CORRUPT_AFTER).every((id) => indexed.has(id))).toBe(true);
    expect(ids.slice(CORRUPT_AFTER).some((id) => indexed.has(id))).toBe(false);
  });

  it('a record that is not valid JSON goes to the dead-letter index with its raw text and origin; the rest of its file is indexed', () => {
    const d = deadLetters.find((x) => x.origin.key === badRecord.key);
    expect(d).toBeDefined();
    expect(d!.error.type).toBe('invalid_json');
    expect(d!.error.reason).toMatch(/not valid JSON/);
    expect(d!.origin).toEqual({ bucket: p.bucket, key: badRecord.key, ordinal: BAD_RECORD_ORDINAL, offset: expect.any(Number) });
    expect(d!.raw).toBe(badRecordText);
    expect(dlqFor(p.bucket, badRecord.key)).toBeUndefined();
  });

  it('a record OpenSearch refuses goes to the dead-letter index with the raw record and the reason; the rest of its file is indexed', () => {
    const d = deadLetters.find((x) => x.origin.key === mappingReject.key);
    expect(d).toBeDefined();
    expect(d!.error.type).toBe(MAPPING_ERROR);
    expect(d!.error.reason).toContain('Duplicate field');
    expect(d!.origin).toEqual({ bucket: p.bucket, key: mappingReject.key, ordinal: MAPPING_ORDINAL });
    const eventId = mappingReject.records[MAPPING_ORDINAL]!.eventID!;
    expect(d!.target.id).toBe(eventId);
    expect(d!.raw).toBe(mappingText);
    expect(indexed.has(eventId)).toBe(false);
    expect(dlqFor(p.bucket, mappingReject.key)).toBeUndefined();
  });

  it('a string where the mapping has an object (userIdentity) is indexed, the value kept under trailstream.unindexed', async () => {
    const found = await search().request({
      method: 'POST',
      path: `/${eventIndices(p)}/_search`,
      body: { query: { ids: { values: [stringIdentity.eventID!] } } },
    });
    const hits = (found.body as { hits: { hits: { _source: { trailstream?: { unindexed?: Record<string, unknown> } } }[] } }).hits.hits;
    expect(hits).toHaveLength(1);
    expect(hits[0]!._source.trailstream?.unindexed?.userIdentity).toBe(stringIdentity.userIdentity);
  });

  it('a plain, pretty-printed JSON file is indexed like a gzipped compact one', () => {
    expect(pretty.records.every((r) => indexed.has(r.eventID!))).toBe(true);
    expect(dlqFor(p.bucket, pretty.key.replace(/\.gz$/, ''))).toBeUndefined();
  });

  it('a CloudTrail digest file is skipped without being read, and its message deleted', () => {
    expect(proxy.log.some((l) => l.method === 'GET' && l.url.includes('CloudTrail-Digest'))).toBe(false);
    expect(dlq.some((m) => m.body.includes('CloudTrail-Digest'))).toBe(false);
  });

  it('a bucket not on the allow-list is refused without being read: DLQ with bucket-not-allowed', () => {
    const m = dlqFor(foreignBucket, foreignFile.key);
    expect(m?.code).toBe('bucket-not-allowed');
    expect(m?.message).toContain(foreignBucket);
    expect(proxy.log.some((l) => l.url.startsWith(`/${foreignBucket}`))).toBe(false);
    expect(foreignFile.records.some((r) => indexed.has(r.eventID!))).toBe(false);
  });

  it('an object deleted before it is read: DLQ with object-not-found', () => {
    const m = dlqFor(p.bucket, keys.gone);
    expect(m?.code).toBe('object-not-found');
  });

  it('a decompression bomb is stopped early: DLQ with compression-ratio-exceeded', () => {
    const m = dlqFor(p.bucket, keys.bomb);
    expect(m?.code).toBe('compression-ratio-exceeded');
    // Stopped long before the end: the ratio is checked against the compressed bytes read so
    // far, which run ahead of the output by the input buffers (64 KiB x ratio 200 = ~13 MB).
    expect(m?.offset).toBeLessThan(32 << 20);
  });

  it('a ~12 MB record over TRAILSTREAM_MAX_RECORD_BYTES costs only itself: one dead letter, every other record indexed, the message deleted', () => {
    expect(hugeRecordBytes).toBeGreaterThan(TOO_LARGE_BYTES);
    expect(dlqFor(p.bucket, tooLarge.key)).toBeUndefined();
    const ids = tooLarge.records.map((r) => r.eventID!);
    expect(ids.filter((id, i) => i !== TOO_LARGE_ORDINAL && !indexed.has(id))).toEqual([]);
    const hugeId = ids[TOO_LARGE_ORDINAL]!;
    expect(indexed.has(hugeId)).toBe(false);
    const letters = deadLetters.filter((x) => x.origin.key === tooLarge.key);
    expect(letters).toHaveLength(1);
    const d = letters[0]!;
    const huge = tooLarge.records[TOO_LARGE_ORDINAL]!;
    expect(d.error.type).toBe('record-too-large');
    expect(d.error.reason).toContain(`is ${hugeRecordBytes} bytes, larger than the limit of ${2 * 1024 * 1024}`);
    expect(d.origin).toEqual({ bucket: p.bucket, key: tooLarge.key, ordinal: TOO_LARGE_ORDINAL, offset: hugeRecordOffset });
    expect(d.rawTruncatedFromLength).toBe(hugeRecordBytes);
    // A bounded prefix of the record's own bytes, and its identity read from what was kept.
    expect(d.raw.length).toBe(64 * 1024);
    expect(Buffer.from(tooLargeText).subarray(hugeRecordOffset, hugeRecordOffset + d.raw.length).toString()).toBe(d.raw);
    expect(d.record).toEqual({ eventID: huge.eventID, eventTime: huge.eventTime, eventName: huge.eventName });
    expect(d.target.id).toBe(hugeId);
  });

  it('replay-dlq --index of the huge record fails cleanly again with the same reason, and keeps its dead letter', async () => {
    const replay: CliResult = await runCli(['replay-dlq', '--index'], { ...p.env });
    expect(replay.stderr).not.toMatch(/unexpected error/);
    const line = replay.stdout.split('\n').find((l) => l.includes(tooLarge.records[TOO_LARGE_ORDINAL]!.eventID!) || l.includes('record-too-large'));
    expect(line).toMatch(/truncated/);
    expect(line).toContain('record-too-large');
    const after = (await deadLetterDocs(p)).map((x) => x.source).filter((x) => x.origin.key === tooLarge.key);
    expect(after.map((x) => [x.error.type, x.rawTruncatedFromLength])).toEqual([['record-too-large', hugeRecordBytes]]);
  });

  it('a message that is no notification: DLQ with bad-notification and the body kept', () => {
    const m = dlq.find((x) => x.body === NOT_A_NOTIFICATION);
    expect(m?.code).toBe('bad-notification');
    expect(m?.object).toBeUndefined();
  });

  it('s3:TestEvents are acknowledged, never dead-lettered', () => {
    expect(dlq.some((m) => m.body.includes('s3:TestEvent'))).toBe(false);
  });
});

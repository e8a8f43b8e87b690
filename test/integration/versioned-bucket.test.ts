import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { encodeLogFile, generateLogFiles, type GeneratedLogFile } from '../../src/demo/generator.js';
import { countDocs, createTestPipeline, s3, uniqueName } from './support/local-stack.js';
import { routeObjectCreatedToQueue } from './support/aws-api.js';
import { dlqMessages, expectExactlyOnce, expectQueues, peekBodies, queueArn, runWorkerUntilDrained, setup } from './support/expectations.js';

/**
 * A versioned bucket whose key is overwritten before the worker reads it: each
 * notification names its version (moto's S3 → EventBridge → SQS delivers
 * `version-id`, as S3 does), and the worker must read that version, not the
 * key's current content. Reading the current one would index the second file
 * twice and lose the first.
 */
describe('versioned bucket', () => {
  const [first, second] = [...generateLogFiles({ seed: 71, start: new Date(Date.UTC(2026, 6, 1, 9, 0)), files: 2, recordsPerFile: 200 })] as [
    GeneratedLogFile,
    GeneratedLogFile,
  ];

  it('reads the version each notification names, so an overwritten object is indexed as it was announced', async () => {
    const p = await createTestPipeline('versioned');
    await setup(p.env);
    const bucket = `${p.name}-v`;
    await s3().send(new CreateBucketCommand({ Bucket: bucket }));
    await s3().send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3().send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    await routeObjectCreatedToQueue(uniqueName('versioned-rule'), bucket, await queueArn(p.queueUrl));

    // One key, two versions: the second file overwrites the first before any worker runs.
    const key = first.key;
    const v1 = await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: encodeLogFile(first.records) }));
    const v2 = await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: encodeLogFile(second.records) }));
    expect(v1.VersionId).toBeDefined();
    expect(v2.VersionId).toBeDefined();
    expect(v1.VersionId).not.toBe(v2.VersionId);

    // What the queue holds: the pipeline bucket's s3:TestEvent, and one Object Created event per version.
    const announced = (await peekBodies(p.queueUrl))
      .map((b) => JSON.parse(b) as { detail?: { object?: { 'version-id'?: string } } })
      .map((m) => m.detail?.object?.['version-id'])
      .filter((v) => v !== undefined)
      .sort();
    expect(announced).toEqual([v1.VersionId, v2.VersionId].sort());

    const summary = await runWorkerUntilDrained(p, { ...p.env, TRAILSTREAM_ALLOWED_BUCKETS: bucket });

    const w = summary.worker;
    expect(w.objectsProcessed).toBe(2);
    expect(w.objectsFailed).toBe(0);
    expect(w.messagesRetried).toBe(0);
    expect(w.recordsIndexed).toBe(first.records.length + second.records.length);
    // Both versions' records, each once: the first file is not lost to the overwrite.
    await expectExactlyOnce(p, [...first.records, ...second.records].map((r) => r.eventID!));
    expect(await countDocs(p.deadLetterIndex)).toBe(0);
    expect(await dlqMessages(p)).toEqual([]);
    await expectQueues(p, { queue: 0, dlq: 0 });
  });
});

import { CreateBucketCommand, PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { encodeLogFile, generateLogFiles, type GeneratedLogFile } from '../../src/demo/generator.js';
import { createTestPipeline, putObject, s3, uniqueName, type TestPipeline } from './support/local-stack.js';
import { createTopic, publish, routeObjectCreatedToQueue, subscribeQueue } from './support/aws-api.js';
import {
  dlqMessages,
  expectExactlyOnce,
  expectQueues,
  peekBodies,
  queueArn,
  runWorkerUntilDrained,
  setup,
  type WorkerSummary,
} from './support/expectations.js';

/**
 * Every way the queue can be fed, delivered by moto itself (not hand-made
 * bodies): S3 → SQS; S3 → SNS → SQS with raw message delivery on and off;
 * S3 → EventBridge → rule → SQS; and CloudTrail's own "log file delivered"
 * message through SNS (published by the test, as CloudTrail would: moto's
 * CloudTrail does not deliver files). Keys carry a space and a '+', which S3
 * notifications URL-encode and EventBridge does not.
 */
describe('notification shapes', () => {
  // 'cloud trail+logs/AWSLogs/…': the trail's key prefix, with characters S3 encodes.
  const files = [
    ...generateLogFiles({ seed: 61, start: new Date(Date.UTC(2026, 5, 6, 11, 0)), files: 5, recordsPerFile: 300, keyPrefix: 'cloud trail+logs' }),
  ];
  const [direct, viaSnsRaw, viaSnsEnvelope, viaEventBridge, viaCloudTrailSns] = files as [
    GeneratedLogFile,
    GeneratedLogFile,
    GeneratedLogFile,
    GeneratedLogFile,
    GeneratedLogFile,
  ];

  let p: TestPipeline;
  let shapes: string[];
  let summary: WorkerSummary;

  function shapeOf(body: string): string {
    const outer = JSON.parse(body) as Record<string, unknown>;
    const sns = outer.Type === 'Notification';
    const inner = sns ? (JSON.parse(String(outer.Message)) as Record<string, unknown>) : outer;
    const prefix = sns ? 'sns/' : '';
    if (inner.Event === 's3:TestEvent') return `${prefix}s3:TestEvent`;
    if (Array.isArray(inner.Records)) return `${prefix}s3`;
    if (inner['detail-type'] === 'Object Created') return `${prefix}eventbridge`;
    if (Array.isArray(inner.s3ObjectKey)) return `${prefix}cloudtrail-sns`;
    return `unknown: ${body.slice(0, 200)}`;
  }

  beforeAll(async () => {
    p = await createTestPipeline('notify');
    await setup(p.env);
    const arn = await queueArn(p.queueUrl);
    const bucket = async (suffix: string): Promise<string> => {
      const name = `${p.name}-${suffix}`;
      await s3().send(new CreateBucketCommand({ Bucket: name }));
      return name;
    };

    // S3 → SQS: the pipeline's own bucket is wired so.
    await putObject(p.bucket, direct.key, encodeLogFile(direct.records));

    // S3 → SNS → SQS, raw message delivery on, and off (the SNS envelope).
    const rawTopic = await createTopic(uniqueName('notify-raw'));
    const envelopeTopic = await createTopic(uniqueName('notify-envelope'));
    await subscribeQueue(rawTopic, arn, true);
    await subscribeQueue(envelopeTopic, arn, false);
    const rawBucket = await bucket('sns-raw');
    const envelopeBucket = await bucket('sns-env');
    for (const [b, topic] of [
      [rawBucket, rawTopic],
      [envelopeBucket, envelopeTopic],
    ] as const) {
      await s3().send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: b,
          NotificationConfiguration: { TopicConfigurations: [{ TopicArn: topic, Events: ['s3:ObjectCreated:*'] }] },
        }),
      );
    }
    await putObject(rawBucket, viaSnsRaw.key, encodeLogFile(viaSnsRaw.records));
    await putObject(envelopeBucket, viaSnsEnvelope.key, encodeLogFile(viaSnsEnvelope.records));

    // S3 → EventBridge → rule → SQS.
    const ebBucket = await bucket('eb');
    await s3().send(new PutBucketNotificationConfigurationCommand({ Bucket: ebBucket, NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    await routeObjectCreatedToQueue(uniqueName('notify-rule'), ebBucket, arn);
    await putObject(ebBucket, viaEventBridge.key, encodeLogFile(viaEventBridge.records));

    // CloudTrail's SNS message for a file in a bucket without S3 notifications, through both topics.
    const ctBucket = await bucket('ct');
    await putObject(ctBucket, viaCloudTrailSns.key, encodeLogFile(viaCloudTrailSns.records));
    const delivered = JSON.stringify({ s3Bucket: ctBucket, s3ObjectKey: [viaCloudTrailSns.key] });
    await publish(rawTopic, delivered);
    await publish(envelopeTopic, delivered);

    shapes = (await peekBodies(p.queueUrl)).map(shapeOf).sort();
    summary = await runWorkerUntilDrained(p, {
      ...p.env,
      TRAILSTREAM_ALLOWED_BUCKETS: [p.bucket, rawBucket, envelopeBucket, ebBucket, ctBucket].join(','),
      TRAILSTREAM_RETRY_BACKOFF_SECONDS: '1',
    });
  });

  it('moto delivered every shape to the queue', () => {
    expect(shapes).toEqual(
      [
        's3:TestEvent', // the pipeline bucket's notification was configured
        's3:TestEvent', // ... the raw-delivery topic's bucket
        'sns/s3:TestEvent', // ... the envelope topic's bucket
        's3', // S3 → SQS
        's3', // S3 → SNS (raw) → SQS
        'sns/s3', // S3 → SNS → SQS
        'eventbridge',
        'cloudtrail-sns', // raw delivery
        'sns/cloudtrail-sns',
      ].sort(),
    );
  });

  it('every message is understood: test events acknowledged, every object read, nothing dead-lettered or retried', async () => {
    const w = summary.worker;
    expect(w.messagesReceived).toBe(shapes.length);
    expect(w.messagesDeleted).toBe(shapes.length);
    expect(w.messagesDeadLettered).toBe(0);
    expect(w.messagesRetried).toBe(0);
    // The CloudTrail-delivered file is announced twice (two topics) and read twice.
    expect(w.objectsProcessed).toBe(6);
    expect(w.objectsFailed).toBe(0);
    expect(await dlqMessages(p)).toEqual([]);
    await expectQueues(p, { queue: 0, dlq: 0 });
  });

  it('every record of every file is indexed exactly once, even the file announced twice', async () => {
    await expectExactlyOnce(
      p,
      files.flatMap((f) => f.records.map((r) => r.eventID!)),
    );
  });
});

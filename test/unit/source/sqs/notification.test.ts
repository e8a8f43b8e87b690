import { readFileSync } from 'node:fs';

import { NonRetryableError } from '../../../../src/errors.js';
import {
  BAD_NOTIFICATION,
  MAX_NOTIFICATION_CHARS,
  type Notification,
  parseNotification,
} from '../../../../src/source/sqs/notification.js';
import { decodeFormUrlEncodedKey, KeyDecodeError } from '../../../../src/source/sqs/object-ref.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../fixtures/notifications/${name}`, import.meta.url), 'utf8');

const CT_KEY =
  'AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/23/123456789012_CloudTrail_us-east-1_20261123T0005Z_abcdEFGH12345678.json.gz';
const CT_KEY_2 =
  'AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/23/123456789012_CloudTrail_us-east-1_20261123T0010Z_ijklMNOP90123456.json.gz';
const ORG_KEY =
  'AWSLogs/o-aa111bb222/111122223333/CloudTrail/eu-west-1/2026/11/23/111122223333_CloudTrail_eu-west-1_20261123T0005Z_qrstUVWX78901234.json.gz';
const BUCKET = 'example-cloudtrail-logs';

function objects(notification: Notification) {
  if (notification.kind !== 'objects') throw new Error(`expected objects, got ${notification.kind}`);
  return notification;
}

/** Runs the parser expecting rejection and returns the error for inspection. */
function rejectionOf(body: string): NonRetryableError {
  try {
    parseNotification(body);
  } catch (error) {
    expect(error).toBeInstanceOf(NonRetryableError);
    return error as NonRetryableError;
  }
  throw new Error(`expected ${JSON.stringify(body.slice(0, 80))} to be rejected`);
}

function s3Body(records: unknown[]): string {
  return JSON.stringify({ Records: records });
}

function s3Record(key: unknown, overrides: Record<string, unknown> = {}, object: Record<string, unknown> = {}) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    eventTime: '2026-11-23T00:05:31.123Z',
    eventName: 'ObjectCreated:Put',
    s3: { s3SchemaVersion: '1.0', bucket: { name: BUCKET }, object: { key, size: 1, ...object } },
    ...overrides,
  };
}

function snsEnvelope(message: unknown, type = 'Notification'): string {
  return JSON.stringify({
    Type: type,
    MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:trailstream-topic',
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: '2026-11-23T00:05:33.456Z',
  });
}

describe('parseNotification: S3 event notifications', () => {
  it('reads a single ObjectCreated:Put record with all its metadata', () => {
    expect(parseNotification(fixture('s3-put.json'))).toEqual({
      kind: 'objects',
      shape: 's3',
      ignored: 0,
      objects: [
        {
          bucket: BUCKET,
          key: CT_KEY,
          eventTime: '2026-11-23T00:05:31.123Z',
        },
      ],
    });
  });

  it('keeps versionId on versioned buckets and omits it when S3 sends null', () => {
    expect(objects(parseNotification(fixture('s3-put-versioned.json'))).objects[0]?.versionId).toBe(
      '096fKKXTRTtl3on89fVO.nfljtsv6qko',
    );
    const [ref] = objects(parseNotification(fixture('s3-put-unversioned-null.json'))).objects;
    expect(ref).toBeDefined();
    expect(ref).not.toHaveProperty('versionId');
  });

  it('does not refuse a notification over fields it does not read (size, sequencer, eTag)', () => {
    const body = s3Body([s3Record('k.json.gz', {}, { size: '1024', sequencer: 7, eTag: 5 })]);
    expect(objects(parseNotification(body)).objects).toEqual([{ bucket: BUCKET, key: 'k.json.gz', eventTime: expect.any(String) }]);
  });

  it('reads every record of a multi-record message and decodes each key', () => {
    const result = objects(parseNotification(fixture('s3-multi-records.json')));
    expect(result.shape).toBe('s3');
    expect(result.ignored).toBe(0);
    expect(result.objects.map((o) => o.key)).toEqual([
      CT_KEY,
      'my trail logs/AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/23/file.json.gz',
      'c++/résumé 2026.json.gz',
      'prefix/AWSLogs/123456789012/a=b.json.gz',
    ]);
  });

  it('counts ObjectRemoved and other non-create records as ignored', () => {
    const result = objects(parseNotification(fixture('s3-mixed-created-removed.json')));
    expect(result.ignored).toBe(3);
    expect(result.objects).toHaveLength(1);
    expect(result.objects[0]?.key).toBe(CT_KEY);
  });

  it('returns an empty object list for a message of only ignored records', () => {
    expect(parseNotification(fixture('s3-only-removed.json'))).toEqual({
      kind: 'objects',
      shape: 's3',
      objects: [],
      ignored: 1,
    });
  });

  it('accepts every ObjectCreated:* event name, with or without the "s3:" prefix', () => {
    const names = [
      'ObjectCreated:Put',
      'ObjectCreated:Post',
      'ObjectCreated:Copy',
      'ObjectCreated:CompleteMultipartUpload',
      's3:ObjectCreated:Put',
    ];
    const result = objects(parseNotification(s3Body(names.map((eventName) => s3Record('k', { eventName })))));
    expect(result.objects).toHaveLength(names.length);
  });

  it('omits metadata the record does not carry', () => {
    const record = s3Record('k');
    delete (record as { eventTime?: string }).eventTime;
    const body = s3Body([{ ...record, s3: { bucket: { name: BUCKET }, object: { key: 'k' } } }]);
    expect(objects(parseNotification(body)).objects).toEqual([{ bucket: BUCKET, key: 'k' }]);
  });

  it('accepts later 2.x event versions (extra fields are ignored)', () => {
    const body = s3Body([s3Record('k', { eventVersion: '2.3', glacierEventData: { x: 1 }, futureField: [1, 2] })]);
    expect(objects(parseNotification(body)).objects).toHaveLength(1);
  });
});

describe('S3 key decoding', () => {
  it.each([
    ['red+flower.jpg', 'red flower.jpg'],
    ['c%2B%2B.json.gz', 'c++.json.gz'],
    ['a+%2B+b', 'a + b'],
    ['caf%C3%A9', 'café'],
    ['%E6%97%A5%E6%9C%AC', '日本'],
    ['a%2Fb/c', 'a/b/c'],
    ['100%25', '100%'],
    ['date%3D2026-11-23/hour%3D00', 'date=2026-11-23/hour=00'],
    [CT_KEY, CT_KEY],
  ])('decodes %j to %j', (encoded, decoded) => {
    expect(decodeFormUrlEncodedKey(encoded)).toBe(decoded);
    expect(objects(parseNotification(s3Body([s3Record(encoded)]))).objects[0]?.key).toBe(decoded);
  });

  it.each([['100%'], ['%zz'], ['%2'], ['a%E9b'], ['%C3%28'], ['%ED%A0%80']])('rejects malformed escape %j', (encoded) => {
    expect(() => decodeFormUrlEncodedKey(encoded)).toThrow(KeyDecodeError);
    const error = rejectionOf(s3Body([s3Record(encoded)]));
    expect(error.code).toBe(BAD_NOTIFICATION);
    expect(error.message).toContain('Records[0].s3.object.key');
    expect(error.message).toContain('not valid URL encoding');
  });

  it('names the offset of a stray "%"', () => {
    expect(() => decodeFormUrlEncodedKey('abc%zz')).toThrow(/offset 3/);
  });
});

describe('parseNotification: S3 -> SNS -> SQS', () => {
  it('unwraps the SNS envelope when raw delivery is off', () => {
    const result = objects(parseNotification(fixture('sns-s3-put.json')));
    expect(result.shape).toBe('sns/s3');
    expect(result.objects).toEqual(objects(parseNotification(fixture('s3-put.json'))).objects);
  });

  it('reads the S3 event itself when raw delivery is on (same body as direct)', () => {
    expect(objects(parseNotification(fixture('s3-put.json'))).shape).toBe('s3');
  });

  it('decodes keys inside an SNS-wrapped S3 event', () => {
    const result = objects(parseNotification(snsEnvelope({ Records: [s3Record('my+logs/c%2B%2B/caf%C3%A9')] })));
    expect(result.objects[0]?.key).toBe('my logs/c++/café');
  });

  it('reports an s3:TestEvent relayed by SNS as a test', () => {
    const result = parseNotification(fixture('sns-s3-test-event.json'));
    expect(result).toMatchObject({ kind: 'test', shape: 'sns/s3:TestEvent' });
  });

  it('treats SubscriptionConfirmation as a test and never repeats the SubscribeURL or token', () => {
    const body = fixture('sns-subscription-confirmation.json');
    const result = parseNotification(body);
    expect(result).toMatchObject({ kind: 'test', shape: 'sns:SubscriptionConfirmation' });
    if (result.kind !== 'test') throw new Error('unreachable');
    expect(result.description).toContain('arn:aws:sns:us-east-1:123456789012:trailstream-topic');
    expect(result.description).not.toContain('Token=');
    expect(result.description).not.toContain('2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3');
  });

  it('treats UnsubscribeConfirmation as a test', () => {
    expect(parseNotification(fixture('sns-unsubscribe-confirmation.json'))).toMatchObject({
      kind: 'test',
      shape: 'sns:UnsubscribeConfirmation',
    });
  });
});

describe('parseNotification: CloudTrail SNS notifications', () => {
  it('reads the raw-delivered CloudTrail notification', () => {
    expect(parseNotification(fixture('cloudtrail-sns-raw.json'))).toEqual({
      kind: 'objects',
      shape: 'cloudtrail-sns',
      ignored: 0,
      objects: [{ bucket: BUCKET, key: CT_KEY }],
    });
  });

  it('reads every key of an SNS-wrapped notification and takes the SNS Timestamp as event time', () => {
    const result = objects(parseNotification(fixture('sns-cloudtrail-sns.json')));
    expect(result.shape).toBe('sns/cloudtrail-sns');
    expect(result.objects).toEqual(
      [CT_KEY, CT_KEY_2, ORG_KEY].map((key) => ({ bucket: BUCKET, key, eventTime: '2026-11-23T00:05:33.456Z' })),
    );
  });

  it('rejects an SNS Timestamp that is not a time', () => {
    const body = JSON.stringify({ ...(JSON.parse(fixture('sns-cloudtrail-sns.json')) as object), Timestamp: 1_700_000_000 });
    expect(rejectionOf(body).message).toContain('SNS Timestamp is 1700000000, expected an ISO-8601 time');
  });

  it('uses CloudTrail keys as they are (no URL decoding)', () => {
    const key = 'my+prefix/100%/AWSLogs/123456789012/CloudTrail/x.json.gz';
    const result = objects(parseNotification(JSON.stringify({ s3Bucket: BUCKET, s3ObjectKey: [key] })));
    expect(result.objects[0]?.key).toBe(key);
  });
});

describe('parseNotification: EventBridge', () => {
  it('reads an Object Created event', () => {
    expect(parseNotification(fixture('eventbridge-object-created.json'))).toEqual({
      kind: 'objects',
      shape: 'eventbridge',
      ignored: 0,
      objects: [
        {
          bucket: BUCKET,
          key: CT_KEY,
          eventTime: '2026-11-23T00:05:31Z',
          versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
        },
      ],
    });
  });

  it('keeps EventBridge keys as delivered by default', () => {
    const result = objects(parseNotification(fixture('eventbridge-object-created-special-key.json')));
    expect(result.objects[0]?.key).toBe('my trail logs/c++/résumé 100%.json.gz');
  });

  it('can decode EventBridge keys as form-urlencoded when configured to', () => {
    const body = fixture('eventbridge-object-created.json').replace(CT_KEY, 'my+logs/c%2B%2B.json.gz');
    const result = objects(parseNotification(body, { eventBridgeKeys: 'form-urlencoded' }));
    expect(result.objects[0]?.key).toBe('my logs/c++.json.gz');
  });

  it('ignores other detail types', () => {
    expect(parseNotification(fixture('eventbridge-object-deleted.json'))).toEqual({
      kind: 'objects',
      shape: 'eventbridge',
      objects: [],
      ignored: 1,
    });
  });

  it('unwraps an EventBridge event delivered through SNS', () => {
    const result = objects(parseNotification(fixture('sns-eventbridge-object-created.json')));
    expect(result.shape).toBe('sns/eventbridge');
    expect(result.objects[0]?.key).toBe(CT_KEY);
  });

  it('rejects events from other sources', () => {
    const body = fixture('eventbridge-object-created.json').replace('"source": "aws.s3"', '"source": "aws.ec2"');
    const error = rejectionOf(body);
    expect(error.message).toContain('eventbridge');
    expect(error.message).toContain('"aws.ec2"');
  });
});

describe('parseNotification: s3:TestEvent', () => {
  it('reports the test event with its bucket and time', () => {
    const result = parseNotification(fixture('s3-test-event.json'));
    expect(result).toMatchObject({ kind: 'test', shape: 's3:TestEvent' });
    if (result.kind !== 'test') throw new Error('unreachable');
    expect(result.description).toContain(BUCKET);
    expect(result.description).toContain('2026-11-23T00:00:02.089Z');
  });
});

describe('parseNotification: strict types', () => {
  const base = JSON.parse(fixture('eventbridge-object-created.json')) as {
    detail: { bucket: { name: unknown }; object: Record<string, unknown> };
  };

  it.each<[string, string, string]>([
    ['a numeric key', s3Body([s3Record(42)]), 'Records[0].s3.object.key is 42'],
    ['an empty key', s3Body([s3Record('')]), 'key is empty'],
    ['a missing key', s3Body([{ ...s3Record('k'), s3: { bucket: { name: BUCKET }, object: {} } }]), 'object.key is missing'],
    ['an empty bucket', s3Body([{ ...s3Record('k'), s3: { bucket: { name: '' }, object: { key: 'k' } } }]), 'bucket name is empty'],
    ['a bucket that is a path', s3Body([{ ...s3Record('k'), s3: { bucket: { name: 'a/b' }, object: { key: 'k' } } }]), 'not a valid S3 bucket name'],
    ['a missing bucket', s3Body([{ ...s3Record('k'), s3: { object: { key: 'k' } } }]), 's3.bucket is missing'],
    ['a numeric versionId', s3Body([s3Record('k', {}, { versionId: 5 })]), 'versionId is 5, expected a string'],
    ['a non-ISO eventTime', s3Body([s3Record('k', { eventTime: 'yesterday' })]), 'eventTime is "yesterday"'],
    ['a missing eventName', s3Body([s3Record('k', { eventName: undefined })]), 'eventName is missing'],
    ['a foreign eventSource', s3Body([s3Record('k', { eventSource: 's3.amazonaws.com' })]), 'eventSource is "s3.amazonaws.com"'],
    ['eventVersion 3', s3Body([s3Record('k', { eventVersion: '3.0' })]), 'only major version 2'],
    ['an empty Records array', s3Body([]), 'Records is empty'],
    ['Records that is an object', JSON.stringify({ Records: { a: 1 } }), 'Records is an object, expected an array'],
    ['a key longer than S3 allows', s3Body([s3Record('k'.repeat(1025))]), 'key is 1025 bytes long'],
    ['a CloudTrail key list that is a string', JSON.stringify({ s3Bucket: BUCKET, s3ObjectKey: CT_KEY }), 's3ObjectKey is "AWSLogs'],
    ['a CloudTrail key that is a number', JSON.stringify({ s3Bucket: BUCKET, s3ObjectKey: [CT_KEY, 7] }), 's3ObjectKey[1] is 7'],
    ['an empty CloudTrail key list', JSON.stringify({ s3Bucket: BUCKET, s3ObjectKey: [] }), 's3ObjectKey is empty'],
    ['a CloudTrail notification without bucket', JSON.stringify({ s3ObjectKey: [CT_KEY] }), 's3Bucket is missing'],
    [
      'an EventBridge numeric bucket',
      JSON.stringify({ ...base, detail: { ...base.detail, bucket: { name: 12 } } }),
      'detail.bucket.name is 12',
    ],
    [
      'an EventBridge event without object',
      JSON.stringify({ ...base, detail: { ...base.detail, object: undefined } }),
      'detail.object is missing',
    ],
  ])('rejects %s', (_name, body, fragment) => {
    const error = rejectionOf(body);
    expect(error.code).toBe(BAD_NOTIFICATION);
    expect(error.kind).toBe('non-retryable');
    expect(error.message).toContain(fragment);
  });

  it('rejects the whole message when one record of several is bad', () => {
    expect(() => parseNotification(s3Body([s3Record('good'), s3Record(null)]))).toThrow(/Records\[1\]\.s3\.object\.key is null/);
  });
});

describe('parseNotification: hostile bodies', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it.each<[string, string, RegExp]>([
    ['an empty body', '', /body is empty/],
    ['whitespace only', ' \n\t ', /body is empty/],
    ['truncated JSON', fixture('s3-put.json').slice(0, 200), /body is not JSON/],
    ['null', 'null', /top-level JSON value is null, not an object.*Received a JSON null/],
    ['an array', '[]', /top-level JSON value is an array of 0, not an object/],
    ['a JSON string', '"Records"', /top-level JSON value is "Records", not an object.*Received a JSON string/],
    ['a number', '42', /top-level JSON value is 42, not an object/],
    ['a boolean', 'true', /top-level JSON value is true/],
    ['an empty object', '{}', /not a known notification shape.*a JSON object with keys \[\]/],
    ['Records of non-objects', '{"Records":[1,"a",null]}', /Records\[0\] is 1, expected an object/],
    ['Records of nulls', '{"Records":[null]}', /Records\[0\] is null/],
    ['deeply nested arrays', nested(200_000), /top-level JSON value is an array of 1, not an object/],
    ['deeply nested objects', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), /keys \["a"\]/],
    ['a deeply nested Records', `{"Records":${nested(50_000)}}`, /Records\[0\] is an array of 1/],
    ['XML', '<Notification><Records/></Notification>', /body is not JSON/],
    ['a CloudTrail log file', '{"Records":[{"eventVersion":"1.08","eventSource":"s3.amazonaws.com"}]}', /eventSource is "s3.amazonaws.com"/],
  ])('rejects %s', (_name, body, pattern) => {
    const error = rejectionOf(body);
    expect(error.code).toBe(BAD_NOTIFICATION);
    expect(error.message).toMatch(pattern);
    expect(error.message.length).toBeLessThan(1200);
  });

  it('rejects an SNS envelope whose Message is not JSON', () => {
    const error = rejectionOf(snsEnvelope('Hello from SNS'));
    expect(error.message).toContain('SNS Message is not JSON');
    expect(error.message).toContain('sns notification');
    expect(error.message).toContain('"TopicArn"');
    expect(error.context.shape).toBe('sns');
  });

  it('rejects an SNS envelope whose Message is JSON of an unknown shape, naming the inner keys', () => {
    const error = rejectionOf(snsEnvelope({ hello: 'world', foo: 1 }));
    expect(error.message).toContain('SNS Message is not a known notification shape');
    expect(error.message).toContain('["hello", "foo"]');
  });

  it('rejects an SNS envelope inside an SNS envelope', () => {
    expect(rejectionOf(snsEnvelope(JSON.parse(fixture('sns-s3-put.json')) as unknown)).message).toContain('itself an SNS envelope');
  });

  it('rejects an unknown SNS Type', () => {
    expect(rejectionOf(snsEnvelope({}, 'Mystery')).message).toContain('SNS Type is "Mystery"');
  });

  it('rejects an SNS Notification without Message', () => {
    const body = JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', MessageId: 'm' });
    expect(rejectionOf(body).message).toContain('Message is missing');
  });

  it('rejects a 1 MB body of junk with a short message', () => {
    const body = 'x'.repeat(1_000_000);
    const error = rejectionOf(body);
    expect(error.message).toContain('not JSON');
    expect(error.message.length).toBeLessThan(1000);
    expect(error.message).not.toContain('x'.repeat(300));
  });

  it('rejects a body above the size limit without parsing it, even if it is valid JSON', () => {
    const body = s3Body([s3Record('k'.repeat(MAX_NOTIFICATION_CHARS))]);
    const error = rejectionOf(body);
    expect(error.message).toContain('larger than any notification');
    expect(error.message.length).toBeLessThan(1000);
    expect(error.context.bodyChars).toBe(body.length);
  });

  it('keeps the message short for a large JSON body of an unknown shape with many keys', () => {
    const big = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`key${i}-${'y'.repeat(20)}`, i]));
    const error = rejectionOf(JSON.stringify(big));
    expect(error.message.length).toBeLessThan(1200);
    expect(error.message).toContain('19992 more');
  });

  it('escapes control characters and newlines in the excerpt', () => {
    const error = rejectionOf('\u0000\u001b[31mred\nline two');
    expect(error.message).not.toMatch(/[\u0000-\u001f]/);
    expect(error.message).toContain('\\u001b[31mred\\nline two');
  });

  it('tolerates a UTF-8 byte order mark', () => {
    expect(objects(parseNotification(`\ufeff${fixture('s3-put.json')}`)).objects).toHaveLength(1);
  });
});

describe('bad-notification error message', () => {
  it('names the top-level keys of an unknown shape, an excerpt and what is accepted', () => {
    const body = '{"Message":"hi","Bucket":"b","Event":"s3:SomethingElse"}';
    const error = rejectionOf(body);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error.code).toBe('bad-notification');
    expect(error.message).toContain('not a known notification shape');
    expect(error.message).toContain('a JSON object with keys ["Message", "Bucket", "Event"]');
    expect(error.message).toContain('{\\"Message\\":\\"hi\\"');
    expect(error.message).toContain('Accepted: an S3 event notification');
    expect(error.context).toMatchObject({ shape: 'unknown', bodyChars: body.length });
  });

  it('names the detected shape when a known shape is invalid', () => {
    const error = rejectionOf(snsEnvelope({ Records: [s3Record(42)] }));
    expect(error.message).toContain('Received sns/s3 notification with keys ["Records"]');
    expect(error.context.shape).toBe('sns/s3');
    expect(error.context.reason).toContain('Records[0].s3.object.key is 42');
  });

  it('truncates the excerpt and never includes the whole body', () => {
    const body = JSON.stringify({ unknown: 'z'.repeat(5000) });
    const error = rejectionOf(body);
    expect(error.message).toContain('...');
    expect(error.message).not.toContain('z'.repeat(200));
    expect(error.message.length).toBeLessThan(1000);
  });

  it('keeps the JSON parser error as the cause', () => {
    const error = rejectionOf('{"Records": [');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });
});

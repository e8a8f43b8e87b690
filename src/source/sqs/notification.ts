/**
 * Turns the body of an SQS message into the S3 objects it announces.
 *
 * The queue can be fed in several ways and the body differs for each; all are
 * accepted so operators can wire the queue however their account already is.
 *
 * | shape                | sent by                                                      | key in the body      |
 * |----------------------|--------------------------------------------------------------|----------------------|
 * | `s3`                 | S3 event notification to SQS (or via SNS, raw delivery on)   | form-urlencoded      |
 * | `sns/s3`             | the same through SNS, raw delivery off                       | form-urlencoded      |
 * | `cloudtrail-sns`     | CloudTrail's own "log file delivered" message, raw delivery  | as stored            |
 * | `sns/cloudtrail-sns` | the same in the SNS envelope                                 | as stored            |
 * | `eventbridge`        | EventBridge rule on S3 "Object Created" with an SQS target   | as stored (option)   |
 * | `sns/eventbridge`    | the same through an SNS topic                                | as `eventbridge`     |
 *
 * Sources (each parser below says what it took from them):
 * - S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 * - SNS: https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html and
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html
 *   (raw delivery strips the envelope and sends the published message as is)
 * - CloudTrail:
 *   https://docs.aws.amazon.com/awscloudtrail/latest/userguide/configure-cloudtrail-to-send-notifications.html
 * - EventBridge: https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 *
 * Whatever cannot be read is a {@link NonRetryableError} with code
 * `bad-notification`: the body will not improve by retrying, and
 * dead-lettering keeps it for a human without blocking the queue.
 */
import { NonRetryableError } from '../../errors.js';
import { type ObjectRef, KeyDecodeError, bucketProblem, decodeFormUrlEncodedKey, keyProblem } from './object-ref.js';

export type { ObjectRef } from './object-ref.js';

export type NotificationShape =
  | 's3'
  | 'sns/s3'
  | 'cloudtrail-sns'
  | 'sns/cloudtrail-sns'
  | 'eventbridge'
  | 'sns/eventbridge';

/** Messages that name no object but prove the wiring works; acknowledge and log them. */
export type TestNotificationShape =
  | 's3:TestEvent'
  | 'sns/s3:TestEvent'
  | 'sns:SubscriptionConfirmation'
  | 'sns:UnsubscribeConfirmation';

export type Notification =
  | {
      kind: 'objects';
      shape: NotificationShape;
      objects: ObjectRef[];
      /** Records of other event types (ObjectRemoved, Object Deleted, ...): counted, not errors. */
      ignored: number;
    }
  | { kind: 'test'; shape: TestNotificationShape; description: string };

export interface ParseNotificationOptions {
  /**
   * How keys in EventBridge events are encoded. Default `'raw'`.
   *
   * Unlike the S3 notification page, the EventBridge message-structure page
   * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html) says
   * nothing about encoding, and its example key has no special characters.
   * The field evidence found says the key arrives as stored: AWS's
   * aws-solutions-library-samples/guidance-for-medialake-on-aws (pull request
   * #21) stopped decoding EventBridge keys after testing real events for files
   * named "test+b.png", "ARTISTS K to O.png" and "%2B%20%%%.png" (a key with a
   * bare "%" could not even be decoded). Other code disagrees: Powertools for
   * Python applies unquote_plus to it and LocalStack percent-encodes it, both
   * apparently reusing their S3-notification handling. Hence a switch rather
   * than a constant, so a bucket that proves otherwise is one option away.
   */
  eventBridgeKeys?: 'raw' | 'form-urlencoded';
}

export const BAD_NOTIFICATION = 'bad-notification';

/**
 * Far above any real notification (the S3 guide caps an event message at
 * 64 KB; a CloudTrail notification lists a handful of keys). Larger bodies are
 * refused before parsing so a hostile one costs nothing.
 */
export const MAX_NOTIFICATION_CHARS = 1024 * 1024;

const EXCERPT_CHARS = 150;

const ACCEPTED =
  'an S3 event notification {"Records":[...]}, a CloudTrail SNS notification {"s3Bucket","s3ObjectKey":[...]}, ' +
  'an EventBridge aws.s3 event {"detail-type","detail":{"bucket","object"}} or an s3:TestEvent, ' +
  'each raw or as the Message of an SNS envelope {"Type":"Notification","Message":"<JSON>"}, ' +
  'or an SNS (Un)SubscriptionConfirmation';

/**
 * Parses one SQS message body. Pure and synchronous.
 *
 * @throws NonRetryableError with code `bad-notification` naming what was received
 */
export function parseNotification(body: string, options: ParseNotificationOptions = {}): Notification {
  try {
    return parseBody(body, options);
  } catch (error) {
    if (error instanceof Rejection) throw badNotification(body, error);
    throw error;
  }
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Array.isArray alone would type the elements as any.
function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

function has(object: JsonObject, key: string): boolean {
  return Object.hasOwn(object, key);
}

/** What was recognised of a body before it proved unusable, for the error message. */
interface Received {
  /** The detected shape, once the body was recognised as one. */
  shape?: string;
  /** Top-level keys of the object being read (the payload, for SNS-wrapped bodies). */
  keys?: readonly string[];
  /** What the body is, when it is not even a JSON object. */
  what?: string;
}

class Rejection extends Error {
  constructor(
    readonly reason: string,
    readonly received: Received,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

function parseBody(body: unknown, options: ParseNotificationOptions): Notification {
  if (typeof body !== 'string') throw new Rejection(`body is ${describe(body)}, not a string`, { what: 'no text' });
  // A BOM is invisible in consoles and makes JSON.parse fail; it carries no meaning here.
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  if (text.trim().length === 0) throw new Rejection('body is empty', { what: 'an empty body' });
  if (text.length > MAX_NOTIFICATION_CHARS) {
    const reason = `body is ${text.length} characters, larger than any notification (limit ${MAX_NOTIFICATION_CHARS})`;
    throw new Rejection(reason, { what: 'an oversized body' });
  }
  const value = parseJson(text, 'body is not JSON', { what: 'non-JSON text' });
  if (!isObject(value)) {
    const reason = `top-level JSON value is ${describe(value)}, not an object`;
    throw new Rejection(reason, { what: `a JSON ${jsonType(value)}` });
  }
  if (isSnsEnvelope(value)) return fromSnsEnvelope(value, options);
  return fromPayload(value, undefined, options);
}

function parseJson(text: string, reason: string, received: Received): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? `: ${clip(error.message, 100)}` : '';
    throw new Rejection(reason + detail, received, { cause: error });
  }
}

// SNS always sets both Type and TopicArn; no other accepted shape has either.
function isSnsEnvelope(value: JsonObject): boolean {
  return has(value, 'Type') && has(value, 'TopicArn');
}

function fromSnsEnvelope(envelope: JsonObject, options: ParseNotificationOptions): Notification {
  const reader = new Reader('sns', envelope);
  const type = envelope.Type;
  switch (type) {
    case 'Notification': {
      const message = reader.string(envelope.Message, 'Message');
      const inner = parseJson(message, 'SNS Message is not JSON', { shape: 'sns', keys: Object.keys(envelope) });
      if (!isObject(inner)) return reader.fail(`SNS Message is JSON ${describe(inner)}, not an object`);
      // S3, CloudTrail and EventBridge publish their payload once; an envelope in an envelope means a misrouted topic.
      if (isSnsEnvelope(inner)) return reader.fail('SNS Message is itself an SNS envelope');
      return fromPayload(inner, envelope, options);
    }
    case 'SubscriptionConfirmation':
    case 'UnsubscribeConfirmation': {
      // Confirming would mean fetching SubscribeURL, i.e. letting queue content make us call a URL.
      // Subscriptions made from the queue's own account need no confirmation, so this is typically a
      // cross-account topic that a human must vet. The token stays out of the description (and so of logs).
      const topic = describe(envelope.TopicArn);
      if (type === 'SubscriptionConfirmation') {
        return {
          kind: 'test',
          shape: 'sns:SubscriptionConfirmation',
          description:
            `SNS SubscriptionConfirmation for topic ${topic}, not confirmed (trailstream never visits SubscribeURL); ` +
            'if the topic should feed this queue, request a new confirmation in SNS and confirm it, ' +
            'or subscribe the queue from its own account',
        };
      }
      return {
        kind: 'test',
        shape: 'sns:UnsubscribeConfirmation',
        description: `SNS UnsubscribeConfirmation for topic ${topic}: the queue no longer receives from it`,
      };
    }
    default:
      return reader.fail(
        `SNS Type is ${describe(type)}, ` +
          'expected "Notification", "SubscriptionConfirmation" or "UnsubscribeConfirmation"',
      );
  }
}

/** Recognises the payload proper, `sns` being the envelope it came in when not delivered raw. */
function fromPayload(
  payload: JsonObject,
  sns: JsonObject | undefined,
  options: ParseNotificationOptions,
): Notification {
  if (has(payload, 'Records')) return fromS3Event(payload, sns ? 'sns/s3' : 's3');
  if (payload.Event === 's3:TestEvent') return fromS3TestEvent(payload, sns ? 'sns/s3:TestEvent' : 's3:TestEvent');
  if (has(payload, 's3ObjectKey') || has(payload, 's3Bucket')) {
    return fromCloudTrail(payload, sns ? 'sns/cloudtrail-sns' : 'cloudtrail-sns', sns);
  }
  if (has(payload, 'detail-type')) return fromEventBridge(payload, sns ? 'sns/eventbridge' : 'eventbridge', options);
  const keys = Object.keys(payload);
  if (sns) throw new Rejection('SNS Message is not a known notification shape', { shape: 'sns', keys });
  throw new Rejection('not a known notification shape', { keys });
}

/**
 * S3 event notification: one message may carry several records, and a bucket
 * configured for more than ObjectCreated also sends removals, restores, ...
 * which name nothing to ingest.
 */
function fromS3Event(payload: JsonObject, shape: 's3' | 'sns/s3'): Notification {
  const reader = new Reader(shape, payload);
  const records = payload.Records;
  if (!isArray(records)) return reader.fail(`Records is ${describe(records)}, expected an array`);
  if (records.length === 0) return reader.fail('Records is empty');
  const objects: ObjectRef[] = [];
  let ignored = 0;
  records.forEach((record, index) => {
    const at = `Records[${index}]`;
    const rec = reader.object(record, at);
    // Also what tells a CloudTrail *log file* ({"Records":[...]} too) apart from a notification.
    if (rec.eventSource !== 'aws:s3') {
      reader.fail(`${at}.eventSource is ${describe(rec.eventSource)}, expected "aws:s3"`);
    }
    // The S3 guide asks consumers to compare the major version for equality: a new major changes meanings.
    const version = reader.string(rec.eventVersion, `${at}.eventVersion`);
    if (!/^2\.\d+$/.test(version)) {
      reader.fail(`${at}.eventVersion is ${describe(version)}, only major version 2 is understood`);
    }
    // eventName has no "s3:" prefix per the guide; tolerate one anyway, since it costs nothing.
    const eventName = reader.string(rec.eventName, `${at}.eventName`);
    if (!/^(?:s3:)?ObjectCreated:/.test(eventName)) {
      ignored++;
      return;
    }
    const s3 = reader.object(rec.s3, `${at}.s3`);
    const bucket = reader.object(s3.bucket, `${at}.s3.bucket`);
    const object = reader.object(s3.object, `${at}.s3.object`);
    objects.push(
      objectRef({
        bucket: reader.bucket(bucket.name, `${at}.s3.bucket.name`),
        key: reader.key(object.key, `${at}.s3.object.key`, 'form-urlencoded'),
        eventTime: reader.optionalTime(rec.eventTime, `${at}.eventTime`),
        // The guide documents versionId as null on unversioned buckets; optionalString maps null to absent.
        versionId: reader.optionalString(object.versionId, `${at}.s3.object.versionId`),
      }),
    );
  });
  return { kind: 'objects', shape, objects, ignored };
}

/** S3 sends this when a notification configuration is saved, to each destination, directly or via SNS. */
function fromS3TestEvent(payload: JsonObject, shape: 's3:TestEvent' | 'sns/s3:TestEvent'): Notification {
  return {
    kind: 'test',
    shape,
    description:
      `s3:TestEvent from ${describe(payload.Service)} ` +
      `for bucket ${describe(payload.Bucket)} at ${describe(payload.Time)}`,
  };
}

/**
 * CloudTrail's own notification, `{"s3Bucket": "...", "s3ObjectKey": ["AWSLogs/..."]}`.
 *
 * Keys are used as they are: the CloudTrail guide says the Message "lists the
 * full path to the log file" and shows plain keys, and says nothing of an
 * encoding. The part CloudTrail generates (AWSLogs/<account>/CloudTrail/
 * <region>/<yyyy>/<mm>/<dd>/<account>_CloudTrail_<region>_<time>_<random>.json.gz)
 * contains only letters, digits and "/_-." so it reads the same encoded or not;
 * only an exotic user-chosen S3 key prefix could tell the difference.
 *
 * The notification carries no event time; when it came through SNS, the SNS
 * publish Timestamp is the moment CloudTrail announced the delivery, which is
 * what ingestion lag is measured from.
 */
function fromCloudTrail(
  payload: JsonObject,
  shape: 'cloudtrail-sns' | 'sns/cloudtrail-sns',
  sns: JsonObject | undefined,
): Notification {
  const reader = new Reader(shape, payload);
  const bucket = reader.bucket(payload.s3Bucket, 's3Bucket');
  const keys = payload.s3ObjectKey;
  if (!isArray(keys)) return reader.fail(`s3ObjectKey is ${describe(keys)}, expected an array of keys`);
  if (keys.length === 0) return reader.fail('s3ObjectKey is empty');
  const eventTime = sns ? reader.optionalTime(sns.Timestamp, 'SNS Timestamp') : undefined;
  const objects = keys.map((key, index) =>
    objectRef({ bucket, key: reader.key(key, `s3ObjectKey[${index}]`, 'raw'), eventTime }),
  );
  return { kind: 'objects', shape, objects, ignored: 0 };
}

/**
 * EventBridge "Object Created" event from S3. A rule may also route Object
 * Deleted, Object Restore Completed, ... to the queue; those are ignored, not
 * errors. Field names differ from S3 notifications: `version-id`.
 */
function fromEventBridge(
  payload: JsonObject,
  shape: 'eventbridge' | 'sns/eventbridge',
  options: ParseNotificationOptions,
): Notification {
  const reader = new Reader(shape, payload);
  if (payload.source !== 'aws.s3') {
    reader.fail(`source is ${describe(payload.source)}, only "aws.s3" events name S3 objects`);
  }
  const detailType = reader.string(payload['detail-type'], 'detail-type');
  if (detailType !== 'Object Created') return { kind: 'objects', shape, objects: [], ignored: 1 };
  const detail = reader.object(payload.detail, 'detail');
  const bucket = reader.object(detail.bucket, 'detail.bucket');
  const object = reader.object(detail.object, 'detail.object');
  const ref = objectRef({
    bucket: reader.bucket(bucket.name, 'detail.bucket.name'),
    key: reader.key(object.key, 'detail.object.key', options.eventBridgeKeys ?? 'raw'),
    eventTime: reader.optionalTime(payload.time, 'time'),
    versionId: reader.optionalString(object['version-id'], 'detail.object.version-id'),
  });
  return { kind: 'objects', shape, objects: [ref], ignored: 0 };
}

type Optional = Exclude<keyof ObjectRef, 'bucket' | 'key'>;
type ObjectRefFields = Pick<ObjectRef, 'bucket' | 'key'> & { [K in Optional]?: ObjectRef[K] | undefined };

/** Drops absent fields so callers and logs never see `"versionId": undefined`. */
function objectRef(fields: ObjectRefFields): ObjectRef {
  const ref: ObjectRef = { bucket: fields.bucket, key: fields.key };
  if (fields.eventTime !== undefined) ref.eventTime = fields.eventTime;
  if (fields.versionId !== undefined) ref.versionId = fields.versionId;
  return ref;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * Typed access to one recognised payload. Types are checked strictly: a wrong
 * type means we misunderstand the message, and guessing would ingest (or skip)
 * the wrong object. Unknown extra fields are never looked at.
 */
class Reader {
  constructor(
    private readonly shape: string,
    private readonly payload: JsonObject,
  ) {}

  fail(reason: string, cause?: unknown): never {
    const received = { shape: this.shape, keys: Object.keys(this.payload) };
    throw new Rejection(reason, received, cause === undefined ? undefined : { cause });
  }

  object(value: unknown, path: string): JsonObject {
    if (!isObject(value)) this.fail(`${path} is ${describe(value)}, expected an object`);
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value.length === 0) {
      this.fail(`${path} is ${describe(value)}, expected a non-empty string`);
    }
    return value;
  }

  /** Absent and null both mean "not given" (S3 documents versionId as null when unversioned). */
  optionalString(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') this.fail(`${path} is ${describe(value)}, expected a string`);
    return value;
  }

  optionalTime(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || !ISO_8601.test(value) || Number.isNaN(Date.parse(value))) {
      this.fail(`${path} is ${describe(value)}, expected an ISO-8601 time`);
    }
    return value;
  }

  bucket(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(`${path} is ${describe(value)}, expected a bucket name`);
    const problem = bucketProblem(value);
    if (problem) this.fail(`${path} is ${describe(value)}: ${problem}`);
    return value;
  }

  key(value: unknown, path: string, encoding: 'raw' | 'form-urlencoded'): string {
    if (typeof value !== 'string') this.fail(`${path} is ${describe(value)}, expected a key`);
    let key = value;
    if (encoding === 'form-urlencoded') {
      try {
        key = decodeFormUrlEncodedKey(value);
      } catch (error) {
        if (error instanceof KeyDecodeError) this.fail(`${path} ${describe(value)}: ${error.message}`, error);
        throw error;
      }
    }
    const problem = keyProblem(key);
    if (problem) this.fail(`${path}: ${problem}`);
    return key;
  }
}

function badNotification(body: unknown, rejection: Rejection): NonRetryableError {
  const text = typeof body === 'string' ? body : '';
  const { shape, keys, what } = rejection.received;
  const withKeys = keys ? ` with keys ${listKeys(keys)}` : '';
  const received = shape ? `${shape} notification${withKeys}` : keys ? `a JSON object${withKeys}` : (what ?? 'a body');
  // The reason can quote the body (V8's JSON.parse messages do), so escape it like the excerpt.
  const reason = escapeControl(rejection.reason);
  const message =
    `Unusable SQS notification: ${reason}. ` +
    `Received ${received}, ${text.length} chars: ${excerpt(text)}. ` +
    `Accepted: ${ACCEPTED}.`;
  return new NonRetryableError(
    BAD_NOTIFICATION,
    message,
    { shape: shape ?? 'unknown', reason: clip(reason, 200), bodyChars: text.length },
    rejection.cause === undefined ? undefined : { cause: rejection.cause },
  );
}

/** The body's start, escaped so control characters and newlines cannot break a log line. */
function excerpt(text: string): string {
  const head = JSON.stringify(text.slice(0, EXCERPT_CHARS));
  return text.length > EXCERPT_CHARS ? `${clip(head, 200)}...` : clip(head, 200);
}

function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

function listKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 8).map((key) => JSON.stringify(clip(key, 32)));
  const more = keys.length > shown.length ? `, ... ${keys.length - shown.length} more` : '';
  return `[${shown.join(', ')}${more}]`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A short, safe rendering of a value taken from the body, for messages. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : JSON.stringify(clip(value, 60));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `an ${typeof value}`;
}

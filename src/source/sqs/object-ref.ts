/**
 * An S3 object named by a queue notification, normalised across every
 * notification shape so the fetch stage never has to know where it came from.
 */
export interface ObjectRef {
  /** Bucket name as S3 names it (never encoded in any notification shape). */
  bucket: string;
  /** The decoded key, exactly as S3 stores it: pass it to GetObject unchanged. */
  key: string;
  /** ISO-8601 time of the event that produced the object, for ingestion-lag metrics. */
  eventTime?: string;
  /**
   * The version the notification names, on a versioned bucket: GetObject reads
   * exactly this version, so an object overwritten before the worker got to it
   * is read as it was when the notification was sent (the overwrite has its
   * own notification). The notifications' size, sequencer and eTag are not
   * read: nothing here needs them (the decoder limits what it decompresses,
   * and the version pins the content more exactly than an eTag could).
   */
  versionId?: string;
}

/** S3's documented maximum key length, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

export class KeyDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyDecodeError';
  }
}

/**
 * Decodes a key the way S3 encodes it in event notifications.
 *
 * S3 "URL encodes" keys in event notifications the way HTML forms do
 * (application/x-www-form-urlencoded): "red flower.jpg" arrives as
 * "red+flower.jpg", so a literal "+" must arrive as "%2B"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html,
 * "The object key name value is URL encoded"); observed in the wild as
 * "this im + age blah.txt" -> "this+im+%2B+age+blah.txt" (aws/aws-sdk-net#640).
 * Order matters: "+" becomes a space before percent-decoding, otherwise "%2B"
 * would turn into a space too.
 *
 * Throws {@link KeyDecodeError} on a malformed escape ("%", "%zz", "%E9" that
 * is not valid UTF-8): guessing would fetch (or miss) the wrong object.
 */
export function decodeFormUrlEncodedKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch (error) {
    const bad = /%(?![0-9A-Fa-f]{2})/.exec(encoded);
    const where = bad
      ? `a "%" not followed by two hex digits at offset ${bad.index}`
      : 'a %-escape that is not valid UTF-8';
    throw new KeyDecodeError(`key is not valid URL encoding: ${where}`, { cause: error });
  }
}

/** Why `key` cannot be an S3 key, or undefined when it can. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'key is empty';
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) return `key is ${bytes} bytes long; S3 keys are at most ${MAX_KEY_BYTES}`;
  return undefined;
}

/**
 * Why `name` cannot be a bucket name, or undefined when it can.
 *
 * Deliberately looser than today's naming rules (3-63 lowercase characters):
 * legacy us-east-1 buckets may hold upper case and underscores and be up to 255
 * characters long, and the EventBridge documentation's own examples use
 * "DOC-EXAMPLE-BUCKET1". What it must catch is a value that is clearly not a
 * bucket: empty, a path, an ARN, whitespace or control characters.
 */
export function bucketProblem(name: string): string | undefined {
  if (name.length === 0) return 'bucket name is empty';
  if (!/^[A-Za-z0-9._-]{3,255}$/.test(name)) return 'bucket name is not a valid S3 bucket name';
  return undefined;
}

import { NonRetryableError, type ErrorContext } from '../errors.js';

/**
 * Why an object's bytes cannot be read as a CloudTrail log file. All of these are
 * properties of the stored object, so retrying cannot help: the file is
 * dead-lettered, and the records decoded before the failure point are kept.
 *
 * - `corrupt-gzip`: bad gzip header, CRC or length check, or the gzip stream ends early.
 * - `corrupt-json`: the bytes are not well-formed JSON (stray or unbalanced
 *   characters, trailing garbage).
 * - `truncated`: the stream ended before the top-level object was closed (or was empty).
 * - `not-cloudtrail`: well-formed so far, but not `{"Records":[{...},...]}`.
 */
export type CorruptObjectCode = 'corrupt-gzip' | 'corrupt-json' | 'truncated' | 'not-cloudtrail';

/** A configured limit was hit; the object is too big or looks like a decompression bomb. */
export type DecodeLimitCode = 'record-too-large' | 'decompressed-too-large' | 'compression-ratio-exceeded';

export class CorruptObjectError extends NonRetryableError {
  declare readonly code: CorruptObjectCode;

  constructor(code: CorruptObjectCode, message: string, context: ErrorContext, options?: { cause?: unknown }) {
    super(code, message, context, options);
  }
}

export class DecodeLimitError extends NonRetryableError {
  declare readonly code: DecodeLimitCode;

  constructor(code: DecodeLimitCode, message: string, context: ErrorContext) {
    super(code, message, context);
  }
}

/**
 * Every failure in the pipeline carries a classification that decides the fate
 * of the SQS message it came from (see docs/architecture.md):
 *
 * - {@link RetryableError}: transient (throttling, 5xx, network, OpenSearch down).
 *   The message is left on the queue and becomes visible again after backoff.
 * - {@link NonRetryableError}: the input itself is bad (unparseable notification,
 *   missing object, bucket not allowed, corrupt file, limit exceeded). The message
 *   is dead-lettered with the reason and deleted, so it never blocks the others.
 * - {@link SkipSignal}: nothing to do (s3:TestEvent, digest file, key outside the
 *   filter). Acknowledged and counted, never an error.
 */
export type ErrorContext = Readonly<Record<string, string | number | boolean | undefined>>;

abstract class TrailstreamError extends Error {
  abstract readonly kind: 'retryable' | 'non-retryable' | 'skip';
  /** A short, stable, machine-readable reason (used in metrics and DLQ attributes). */
  readonly code: string;
  readonly context: ErrorContext;

  constructor(code: string, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}

export class RetryableError extends TrailstreamError {
  readonly kind = 'retryable' as const;
}

export class NonRetryableError extends TrailstreamError {
  readonly kind = 'non-retryable' as const;
}

export class SkipSignal extends TrailstreamError {
  readonly kind = 'skip' as const;
}

/** Bad configuration: names the variable and says how to fix it. Fatal at startup. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type ClassifiedError = RetryableError | NonRetryableError | SkipSignal;

export function isClassified(error: unknown): error is ClassifiedError {
  return error instanceof RetryableError || error instanceof NonRetryableError || error instanceof SkipSignal;
}

/** A failure a user can fix, printed as one clear message without a stack trace. */
export class UserFacingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserFacingError';
  }
}

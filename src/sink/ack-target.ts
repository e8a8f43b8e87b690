import type { RetryableError, NonRetryableError } from '../errors.js';

export type DocumentOutcome = 'indexed' | 'dead-lettered';

/** What the sink reports for each document it was given. */
export interface AckTarget {
  settle(outcome: DocumentOutcome): void;
  /** The document could not be made durable (retries exhausted, or its dead letter was refused). */
  fail(error: RetryableError | NonRetryableError): void;
}

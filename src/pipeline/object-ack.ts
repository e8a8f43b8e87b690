import type { RetryableError, NonRetryableError } from '../errors.js';
import type { AckTarget, DocumentOutcome } from '../sink/ack-target.js';

export interface ObjectAckResult {
  readonly indexed: number;
  readonly deadLettered: number;
  /** Why some document could not be made durable: the first retryable failure, else the first one. */
  readonly failure: RetryableError | NonRetryableError | undefined;
}

/**
 * Counts the documents of one S3 object that are still on their way to
 * OpenSearch (Vector's BatchNotifier idea). The pipeline `expect`s one per
 * record it hands to the sink, `seal`s once the object is fully read, and awaits
 * `done`: it resolves only when every record is indexed, dead-lettered or failed,
 * which is what decides whether the SQS message may be deleted.
 */
export class ObjectAck implements AckTarget {
  private pending = 0;
  private sealed = false;
  private indexed = 0;
  private deadLettered = 0;
  private failure: RetryableError | NonRetryableError | undefined;
  private resolveDone!: (result: ObjectAckResult) => void;
  readonly done: Promise<ObjectAckResult>;

  constructor() {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  expect(): void {
    if (this.sealed) throw new Error('ObjectAck.expect() after seal()');
    this.pending++;
  }

  settle(outcome: DocumentOutcome): void {
    if (outcome === 'indexed') this.indexed++;
    else this.deadLettered++;
    this.release();
  }

  /**
   * Records a document that could not be made durable. The same rule as
   * processMessage's: a retryable failure outranks a non-retryable one, so an
   * object with both is retried (its good records are re-indexed under the
   * same ids, and the permanent failure is met again and dead-lettered then);
   * among failures of one kind the first is kept.
   */
  fail(error: RetryableError | NonRetryableError): void {
    if (!this.failure || (this.failure.kind === 'non-retryable' && error.kind === 'retryable')) this.failure = error;
    this.release();
  }

  seal(): void {
    this.sealed = true;
    this.check();
  }

  get outstanding(): number {
    return this.pending;
  }

  /** A retryable failure of some document, once there is one: the object will be read again whatever the rest does. */
  get retryableFailure(): RetryableError | undefined {
    return this.failure?.kind === 'retryable' ? this.failure : undefined;
  }

  private release(): void {
    this.pending--;
    this.check();
  }

  private check(): void {
    if (this.sealed && this.pending === 0) {
      this.resolveDone({ indexed: this.indexed, deadLettered: this.deadLettered, failure: this.failure });
    }
  }
}

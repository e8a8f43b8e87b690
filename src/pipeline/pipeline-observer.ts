import type { ObjectRef } from '../source/sqs/object-ref.js';
import type { ObjectResult } from './process-object.js';

/** What finally happened to one received SQS message. */
export type MessageOutcome =
  | { readonly action: 'deleted'; readonly reason: 'processed' | 'test-event' | 'nothing-to-do' }
  /** Left on the queue (visibility set to a backoff) because of a transient failure, or because no DLQ is configured. */
  | { readonly action: 'retried'; readonly code: string }
  /** Sent to the dead-letter queue with its reason, then deleted. */
  | { readonly action: 'dead-lettered'; readonly code: string };

/**
 * Hooks the worker calls as work moves through it, for metrics and health.
 * Every method is optional and must be cheap and must not throw; the pipeline
 * never depends on them (a worker without an observer behaves the same).
 * Implementations live outside the pipeline (src/observability/), so the domain
 * modules know nothing of Prometheus.
 */
export interface PipelineObserver {
  /** A ReceiveMessage call returned, with this many messages (0 for an empty long poll). */
  receiveSucceeded?(messages: number): void;
  /** A ReceiveMessage call failed; the worker backs off and tries again. */
  receiveFailed?(error: unknown): void;
  /** The worker has no room for more messages and stops receiving until one finishes (true), or resumes (false). */
  receivePaused?(paused: boolean): void;
  /** A received message's fate was carried out. */
  messageSettled?(outcome: MessageOutcome): void;
  /** Unfinished messages were handed back to the queue (shutdown). */
  messagesReleased?(count: number): void;
  /** One S3 object is finished (done, skipped or failed), with the reference its notification gave. */
  objectCompleted?(ref: ObjectRef, result: ObjectResult): void;
}

/** One observer that forwards every call to each of `observers` in order. */
export function combineObservers(...observers: readonly PipelineObserver[]): PipelineObserver {
  return {
    receiveSucceeded: (n) => observers.forEach((o) => o.receiveSucceeded?.(n)),
    receiveFailed: (e) => observers.forEach((o) => o.receiveFailed?.(e)),
    receivePaused: (p) => observers.forEach((o) => o.receivePaused?.(p)),
    messageSettled: (m) => observers.forEach((o) => o.messageSettled?.(m)),
    messagesReleased: (n) => observers.forEach((o) => o.messagesReleased?.(n)),
    objectCompleted: (ref, r) => observers.forEach((o) => o.objectCompleted?.(ref, r)),
  };
}

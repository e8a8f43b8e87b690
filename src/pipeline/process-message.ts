import type PQueue from 'p-queue';
import { NonRetryableError, RetryableError, isClassified, type ClassifiedError } from '../errors.js';
import { parseNotification } from '../source/sqs/notification.js';
import type { QueueMessage } from '../source/sqs/queue.js';
import type { PipelineObserver } from './pipeline-observer.js';
import { readObject, type ObjectPipelineDeps, type ObjectResult, type ReadObject } from './process-object.js';

/** What must happen to an SQS message once its work is over. */
export type MessageDecision =
  | { readonly action: 'delete'; readonly reason: 'processed' | 'test-event' | 'nothing-to-do' }
  | { readonly action: 'dead-letter'; readonly error: NonRetryableError; readonly object?: string }
  | { readonly action: 'retry'; readonly error: RetryableError; readonly object?: string };

export interface MessageResult {
  readonly decision: MessageDecision;
  readonly objects: readonly ObjectResult[];
  readonly shape?: string;
}

/**
 * Decodes a message and processes every object it names, then decides its
 * fate by the acknowledgement rule: delete only when every record of every
 * object is indexed or dead-lettered (or the object is a deliberate skip);
 * leave it for a later retry on a transient failure; dead-letter it when it
 * can never succeed. A retryable failure wins over a non-retryable one, so a
 * transient outage never sends good data to the dead-letter queue.
 */
export async function processMessage(
  message: QueueMessage,
  deps: ObjectPipelineDeps & { readonly observer?: PipelineObserver },
  objectQueue: PQueue,
  /** Aborted when the worker gives the message up (released at shutdown): stop reading, decide nothing. */
  signal?: AbortSignal,
): Promise<MessageResult> {
  let notification;
  try {
    notification = parseNotification(message.body);
  } catch (error) {
    const e = isClassified(error) && error.kind === 'non-retryable'
      ? error
      : new NonRetryableError('bad-notification', (error as Error).message ?? String(error), { messageId: message.messageId });
    return { decision: { action: 'dead-letter', error: e as NonRetryableError }, objects: [] };
  }
  if (notification.kind === 'test') {
    deps.logger.info({ messageId: message.messageId, shape: notification.shape }, `acknowledging ${notification.description}`);
    return { decision: { action: 'delete', reason: 'test-event' }, objects: [], shape: notification.shape };
  }
  if (notification.objects.length === 0) {
    return { decision: { action: 'delete', reason: 'nothing-to-do' }, objects: [], shape: notification.shape };
  }

  // The queue bounds reading only; waiting for durability happens outside it (see readObject).
  const results = await Promise.all(
    notification.objects.map(async (ref) => {
      const read = (await objectQueue.add(() => readObject(ref, deps, signal))) as ReadObject;
      const result = await read.durable;
      deps.observer?.objectCompleted?.(ref, result);
      return result;
    }),
  );
  return { decision: decideMessage(results), objects: results, shape: notification.shape };
}

/** The acknowledgement rule over the results of a message's objects: any retryable failure → retry; else any non-retryable one → dead-letter (the first); else delete. */
export function decideMessage(results: readonly ObjectResult[]): MessageDecision {
  let nonRetryable: { error: NonRetryableError; object: string } | undefined;
  for (const r of results) {
    if (r.outcome !== 'failed' || !r.error) continue;
    const object = `s3://${r.bucket}/${r.key}`;
    const error: ClassifiedError = r.error;
    if (error.kind === 'retryable') return { action: 'retry', error, object };
    if (error.kind === 'non-retryable' && !nonRetryable) nonRetryable = { error, object };
  }
  if (nonRetryable) return { action: 'dead-letter', ...nonRetryable };
  return { action: 'delete', reason: 'processed' };
}

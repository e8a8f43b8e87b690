import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseNotification } from '../source/sqs/notification.js';
import { ERROR_CODE_ATTRIBUTE, ERROR_MESSAGE_ATTRIBUTE, FAILURE_ATTRIBUTE_PREFIX } from '../source/sqs/queue.js';

/**
 * Moves messages from the dead-letter queue back to the main queue: each one
 * is sent first and deleted from the DLQ only once the send succeeded, so an
 * interruption at any point loses nothing. The worst case is a message that
 * was sent but not yet deleted; it is sent again by the next run, and its
 * records land on the same document ids, so the duplicate is harmless.
 */

export interface DlqMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
}

/** The SQS calls a replay needs, as a port so the logic can be tested with fakes. */
export interface QueueReplayPort {
  /** Receives up to `max` (≤ 10) messages from the DLQ, hidden for `visibilitySeconds`. */
  receive(max: number, visibilitySeconds: number): Promise<DlqMessage[]>;
  /** Sends a body with attributes to the main queue. */
  send(body: string, attributes: Readonly<Record<string, MessageAttributeValue>>): Promise<void>;
  /** Deletes a received message from the DLQ. */
  delete(message: DlqMessage): Promise<void>;
  /** Makes a received message visible on the DLQ again at once. */
  release(message: DlqMessage): Promise<void>;
}

export interface QueueReplayOptions {
  /** At most this many messages are moved (or listed with dryRun). */
  readonly max?: number;
  readonly dryRun: boolean;
  /** Stops between messages when aborted (SIGINT); what was moved stays moved. */
  readonly signal?: AbortSignal;
  /** Called for each message handled (moved, or listed in a dry run). */
  readonly onMessage?: (item: QueueReplayItem) => void;
}

export interface QueueReplayItem {
  readonly messageId: string;
  /** `s3://bucket/key` of each object the body names, when it is a notification trailstream understands. */
  readonly objects: readonly string[];
  /** Why the body is not understood as a notification, when it is not. */
  readonly unparseable?: string;
  /** The failure reason the worker attached (`code: message`), if any. */
  readonly reason: string | undefined;
  readonly outcome: 'moved' | 'would-move' | 'send-failed' | 'moved-not-deleted';
  readonly error?: string;
}

export interface QueueReplayReport {
  /** Messages sent to the main queue and deleted from the DLQ. */
  moved: number;
  /** Dry run: messages that would be moved. */
  wouldMove: number;
  /** Sent to the main queue but the DLQ delete failed: they will be sent again by the next run (harmless). */
  movedNotDeleted: number;
  /** The send failed; the message stays on the DLQ. The run stops at the first one. */
  sendFailed: number;
  /** True when the run stopped early (a failed send or a signal) rather than because the DLQ was empty or --max was reached. */
  interrupted: boolean;
}

const MOVE_VISIBILITY_SECONDS = 60;
/** A dry run keeps what it listed hidden until it is done (then releases it), so nothing is listed twice. */
const LIST_VISIBILITY_SECONDS = 300;

export async function replayQueue(port: QueueReplayPort, options: QueueReplayOptions): Promise<QueueReplayReport> {
  const report: QueueReplayReport = { moved: 0, wouldMove: 0, movedNotDeleted: 0, sendFailed: 0, interrupted: false };
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const listed: DlqMessage[] = [];
  const seen = new Set<string>();
  let handled = 0;
  try {
    for (;;) {
      if (options.signal?.aborted) {
        report.interrupted = true;
        break;
      }
      const want = Math.min(10, max - handled);
      if (want <= 0) break;
      const batch = await port.receive(want, options.dryRun ? LIST_VISIBILITY_SECONDS : MOVE_VISIBILITY_SECONDS);
      if (batch.length === 0) break;
      const fresh = batch.filter((m) => !seen.has(m.messageId));
      for (const m of batch) seen.add(m.messageId);
      if (fresh.length === 0) break; // everything came round again: the whole DLQ has been seen
      for (let i = 0; i < fresh.length; i++) {
        const m = fresh[i]!;
        if (options.dryRun) {
          listed.push(m);
          handled++;
          report.wouldMove++;
          options.onMessage?.(describe(m, 'would-move'));
          continue;
        }
        if (options.signal?.aborted || handled >= max) {
          await releaseQuietly(port, fresh.slice(i));
          report.interrupted = options.signal?.aborted ?? false;
          return report;
        }
        try {
          await port.send(m.body, keptAttributes(m.attributes));
        } catch (error) {
          report.sendFailed++;
          report.interrupted = true;
          options.onMessage?.(describe(m, 'send-failed', error));
          await releaseQuietly(port, fresh.slice(i));
          return report;
        }
        handled++;
        try {
          await port.delete(m);
          report.moved++;
          options.onMessage?.(describe(m, 'moved'));
        } catch (error) {
          report.movedNotDeleted++;
          options.onMessage?.(describe(m, 'moved-not-deleted', error));
        }
      }
    }
  } finally {
    if (listed.length > 0) await releaseQuietly(port, listed);
  }
  return report;
}

/** The original message attributes, without the failure attributes trailstream added. */
export function keptAttributes(attributes: Readonly<Record<string, MessageAttributeValue>>): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith(FAILURE_ATTRIBUTE_PREFIX)) continue;
    // Received values carry empty list fields SendMessage refuses; keep the scalar ones.
    out[name] = {
      DataType: value.DataType,
      ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}),
    };
  }
  return out;
}

function describe(m: DlqMessage, outcome: QueueReplayItem['outcome'], error?: unknown): QueueReplayItem {
  const code = m.attributes[ERROR_CODE_ATTRIBUTE]?.StringValue;
  const message = m.attributes[ERROR_MESSAGE_ATTRIBUTE]?.StringValue;
  const reason = code === undefined ? undefined : message ? `${code}: ${message}` : code;
  let objects: string[] = [];
  let unparseable: string | undefined;
  try {
    const n = parseNotification(m.body);
    objects = n.kind === 'objects' ? n.objects.map((o) => `s3://${o.bucket}/${o.key}`) : [];
    if (n.kind === 'test') unparseable = `a test notification (${n.shape})`;
  } catch (e) {
    unparseable = (e as Error).message.slice(0, 200);
  }
  return {
    messageId: m.messageId,
    objects,
    ...(unparseable !== undefined ? { unparseable } : {}),
    reason,
    outcome,
    ...(error !== undefined ? { error: (error as Error)?.message ?? String(error) } : {}),
  };
}

async function releaseQuietly(port: QueueReplayPort, messages: readonly DlqMessage[]): Promise<void> {
  // Best effort: a message not released becomes visible again when its timeout ends.
  await Promise.allSettled(messages.map((m) => port.release(m)));
}

/** The port over the AWS SDK. */
export function sqsReplayPort(sqs: SQSClient, dlqUrl: string, queueUrl: string): QueueReplayPort {
  return {
    async receive(max, visibilitySeconds) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: max,
          // A short long-poll: it asks every SQS server, so an empty answer means an empty queue.
          WaitTimeSeconds: 1,
          VisibilityTimeout: visibilitySeconds,
          MessageAttributeNames: ['All'],
        }),
      );
      return (out.Messages ?? []).map((m) => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: m.MessageAttributes ?? {},
      }));
    },
    async send(body, attributes) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          ...(Object.keys(attributes).length > 0 ? { MessageAttributes: { ...attributes } } : {}),
        }),
      );
    },
    async delete(message) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.receiptHandle }));
    },
    async release(message) {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.receiptHandle, VisibilityTimeout: 0 }));
    },
  };
}

import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** A received SQS message, reduced to what the worker needs. */
export interface QueueMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** ApproximateReceiveCount: how many times SQS has handed this message out. */
  readonly receiveCount: number;
  /** When SQS first handed it out (ms since epoch), from ApproximateFirstReceiveTimestamp. */
  readonly firstReceivedAt: number | undefined;
  readonly sentAt: number | undefined;
}

/**
 * One small interface per SQS capability (Filebeat's awss3 input does the
 * same), so tests can fake exactly what they need.
 */
export interface MessageReceiver {
  receive(max: number, waitSeconds: number, visibilitySeconds: number, signal?: AbortSignal): Promise<QueueMessage[]>;
}
export interface MessageDeleter {
  delete(message: QueueMessage): Promise<void>;
}
export interface VisibilityChanger {
  changeVisibility(message: QueueMessage, seconds: number): Promise<void>;
  /** Returns the ids whose change failed (e.g. the receipt handle expired). */
  changeVisibilityBatch(entries: readonly { message: QueueMessage; seconds: number }[]): Promise<string[]>;
}
export interface DeadLetterSender {
  /** Sends the original body to the dead-letter queue with the reason as message attributes. */
  sendToDeadLetter(message: QueueMessage, reason: DeadLetterReason): Promise<void>;
}

export interface DeadLetterReason {
  readonly code: string;
  readonly message: string;
  readonly object?: string;
  readonly offset?: number;
}

export type Queue = MessageReceiver & MessageDeleter & VisibilityChanger;

export class SqsQueue implements Queue {
  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
  ) {}

  async receive(max: number, waitSeconds: number, visibilitySeconds: number, signal?: AbortSignal): Promise<QueueMessage[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        VisibilityTimeout: visibilitySeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp', 'SentTimestamp'],
      }),
      signal ? { abortSignal: signal } : {},
    );
    return (out.Messages ?? []).map((m) => ({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? '1'),
      firstReceivedAt: numberOrUndefined(m.Attributes?.ApproximateFirstReceiveTimestamp),
      sentAt: numberOrUndefined(m.Attributes?.SentTimestamp),
    }));
  }

  async delete(message: QueueMessage): Promise<void> {
    await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.receiptHandle }));
  }

  async changeVisibility(message: QueueMessage, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.receiptHandle, VisibilityTimeout: seconds }),
    );
  }

  async changeVisibilityBatch(entries: readonly { message: QueueMessage; seconds: number }[]): Promise<string[]> {
    const failed: string[] = [];
    // SQS takes at most 10 entries per batch call.
    for (let i = 0; i < entries.length; i += 10) {
      const chunk = entries.slice(i, i + 10);
      const out = await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((e, j) => ({ Id: String(j), ReceiptHandle: e.message.receiptHandle, VisibilityTimeout: e.seconds })),
        }),
      );
      for (const f of out.Failed ?? []) {
        const entry = chunk[Number(f.Id)];
        if (entry) failed.push(entry.message.messageId);
      }
    }
    return failed;
  }
}

/** Every attribute the dead-letter sender adds starts with this (replay-dlq drops them). */
export const FAILURE_ATTRIBUTE_PREFIX = 'trailstream-';
export const ERROR_CODE_ATTRIBUTE = `${FAILURE_ATTRIBUTE_PREFIX}error-code`;
export const ERROR_MESSAGE_ATTRIBUTE = `${FAILURE_ATTRIBUTE_PREFIX}error-message`;

export class SqsDeadLetterSender implements DeadLetterSender {
  constructor(
    private readonly sqs: SQSClient,
    readonly dlqUrl: string,
    private readonly sourceQueueUrl: string,
  ) {}

  async sendToDeadLetter(message: QueueMessage, reason: DeadLetterReason): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {
      [ERROR_CODE_ATTRIBUTE]: { DataType: 'String', StringValue: reason.code },
      // SQS attribute values are limited in size along with the body; keep the reason short.
      [ERROR_MESSAGE_ATTRIBUTE]: { DataType: 'String', StringValue: reason.message.slice(0, 1024) || '(none)' },
      'trailstream-source-queue': { DataType: 'String', StringValue: this.sourceQueueUrl },
      'trailstream-source-message-id': { DataType: 'String', StringValue: message.messageId || '(none)' },
      'trailstream-receive-count': { DataType: 'Number', StringValue: String(message.receiveCount) },
      'trailstream-failed-at': { DataType: 'String', StringValue: new Date().toISOString() },
    };
    if (reason.object) attributes['trailstream-object'] = { DataType: 'String', StringValue: reason.object.slice(0, 1100) };
    if (reason.offset !== undefined) attributes['trailstream-offset'] = { DataType: 'Number', StringValue: String(reason.offset) };
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.dlqUrl, MessageBody: message.body || '(empty body)', MessageAttributes: attributes }),
    );
  }
}

function numberOrUndefined(v: string | undefined): number | undefined {
  const n = Number(v);
  return v !== undefined && Number.isFinite(n) ? n : undefined;
}

import type { Logger } from '../../observability/logger.js';
import type { QueueMessage, VisibilityChanger } from './queue.js';

export interface HeartbeatOptions {
  readonly intervalSeconds: number;
  readonly visibilitySeconds: number;
  readonly maxVisibilitySeconds: number;
}

/**
 * Keeps the messages a worker is still processing invisible to other workers
 * by extending their visibility timeout every interval — without it, a large
 * file that takes longer than the timeout is handed to a second worker and
 * indexed twice in parallel. One timer serves all messages and uses the batch
 * call. Extension stops after `maxVisibilitySeconds` so a stuck message is
 * eventually retried elsewhere.
 */
export class Heartbeat {
  private readonly tracked = new Map<string, { message: QueueMessage; since: number }>();
  private timer: NodeJS.Timeout | undefined;
  private extensions = 0;

  constructor(
    private readonly queue: VisibilityChanger,
    private readonly options: HeartbeatOptions,
    private readonly logger: Logger,
    private readonly onExtended: (count: number) => void = () => {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.beat(), this.options.intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  track(message: QueueMessage): void {
    this.tracked.set(message.receiptHandle, { message, since: Date.now() });
  }

  untrack(message: QueueMessage): void {
    this.tracked.delete(message.receiptHandle);
  }

  get extended(): number {
    return this.extensions;
  }

  /** Exposed for tests; normally driven by the timer. */
  async beat(): Promise<void> {
    const now = Date.now();
    const due: { message: QueueMessage; seconds: number }[] = [];
    for (const [handle, t] of this.tracked) {
      const elapsed = (now - t.since) / 1000;
      const remaining = this.options.maxVisibilitySeconds - elapsed;
      if (remaining <= 0) {
        this.logger.warn(
          { messageId: t.message.messageId, elapsedSeconds: Math.round(elapsed) },
          'message still in progress after TRAILSTREAM_MAX_VISIBILITY_SECONDS; no longer extending its visibility',
        );
        this.tracked.delete(handle);
        continue;
      }
      due.push({ message: t.message, seconds: Math.ceil(Math.min(this.options.visibilitySeconds, remaining)) });
    }
    if (due.length === 0) return;
    try {
      const failed = await this.queue.changeVisibilityBatch(due);
      this.extensions += due.length - failed.length;
      this.onExtended(due.length - failed.length);
      if (failed.length > 0) this.logger.warn({ messageIds: failed }, 'could not extend the visibility of some messages');
    } catch (error) {
      this.logger.warn({ err: error }, 'visibility heartbeat failed; will retry at the next interval');
    }
  }
}

import PQueue from 'p-queue';
import type { Logger } from '../observability/logger.js';
import { backoffDelayMs, pause, type Backoff } from '../retry-policy.js';
import type { BulkIndexer } from '../sink/bulk-indexer.js';
import type { Heartbeat } from '../source/sqs/heartbeat.js';
import type { DeadLetterSender, Queue, QueueMessage } from '../source/sqs/queue.js';
import type { MessageOutcome, PipelineObserver } from './pipeline-observer.js';
import { processMessage, type MessageResult } from './process-message.js';
import type { ObjectPipelineDeps } from './process-object.js';
import { WorkerStats } from './worker-stats.js';

export interface WorkerOptions {
  readonly maxMessagesInFlight: number;
  readonly receiveBatchSize: number;
  readonly waitTimeSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly objectConcurrency: number;
  readonly retryBackoffSeconds: number;
  readonly shutdownGraceSeconds: number;
}

export interface WorkerDeps {
  readonly queue: Queue;
  readonly deadLetters: DeadLetterSender | undefined;
  readonly heartbeat: Heartbeat;
  readonly indexer: BulkIndexer;
  readonly objects: Omit<ObjectPipelineDeps, 'indexer' | 'logger'>;
  readonly logger: Logger;
  readonly options: WorkerOptions;
  readonly stats?: WorkerStats;
  /** Metrics and health hooks (src/observability/); optional. */
  readonly observer?: PipelineObserver;
  /** The jitter's source of randomness (tests pin it). */
  readonly random?: () => number;
}

export interface RunOptions {
  /** Exit once no message has arrived and nothing was in progress for this many seconds. */
  readonly untilIdleSeconds?: number;
}

/** SQS caps a message's visibility timeout change at 12 hours; we stop at 15 minutes. */
const MAX_RETRY_BACKOFF_SECONDS = 900;

/** Pauses after failed receives: 1 s at first, doubling to 30 s at most (with jitter). */
export const RECEIVE_BACKOFF: Backoff = { baseMs: 1000, capMs: 30_000 };

/**
 * How long a message left on the queue after a transient failure stays
 * invisible: the shared backoff over its receive count, from
 * TRAILSTREAM_RETRY_BACKOFF_SECONDS up to 15 minutes, in whole seconds.
 */
export function messageRetrySeconds(retryBackoffSeconds: number, receiveCount: number, random: () => number = Math.random): number {
  const backoff: Backoff = { baseMs: retryBackoffSeconds * 1000, capMs: MAX_RETRY_BACKOFF_SECONDS * 1000 };
  return Math.max(1, Math.min(MAX_RETRY_BACKOFF_SECONDS, Math.ceil(backoffDelayMs(backoff, Math.max(0, receiveCount - 1), random) / 1000)));
}

/**
 * The long-running consumer. It receives only when it has room for more
 * messages (so backpressure from OpenSearch reaches SQS instead of piling up in
 * memory), processes each message concurrently, keeps in-progress messages
 * invisible with the heartbeat, and carries out each message's decision.
 * Any number of workers can share one queue: SQS visibility is the only
 * coordination they need.
 *
 * Ownership: once received, a message belongs to this worker until it is
 * deleted, dead-lettered (sent to the DLQ, then deleted), or released
 * (visibility changed so it reappears for any worker).
 */
export class Worker {
  readonly stats: WorkerStats;
  private readonly inFlight = new Map<string, { message: QueueMessage; done: Promise<void>; abandon: AbortController }>();
  private readonly objectQueue: PQueue;
  /** Ends pauses early on stop. Deliberately NOT passed to ReceiveMessage: see stop(). */
  private readonly stopSignal = new AbortController();
  private stopping = false;
  private stopRequestedAt: number | undefined;
  private lastActivity = Date.now();
  /** When the last message this worker left on the queue for a retry becomes visible again (ms since the epoch). */
  private retriesVisibleAt = 0;
  private slotWaiters: (() => void)[] = [];

  private readonly observer: PipelineObserver;
  private readonly random: () => number;

  constructor(private readonly deps: WorkerDeps) {
    this.stats = deps.stats ?? new WorkerStats();
    this.random = deps.random ?? Math.random;
    this.observer = deps.observer ?? {};
    this.objectQueue = new PQueue({ concurrency: deps.options.objectConcurrency });
  }

  /** Messages received and not yet deleted, dead-lettered or released. */
  get messagesInFlight(): number {
    return this.inFlight.size;
  }

  /** S3 objects being downloaded and decoded right now. */
  get objectsInFlight(): number {
    return this.objectQueue.pending;
  }

  /** S3 objects of received messages waiting for a free download slot. */
  get objectsWaiting(): number {
    return this.objectQueue.size;
  }

  /** Asks the worker to stop: no more receives; `run` then drains and returns. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stopRequestedAt = Date.now();
    // An in-flight long poll is left to complete rather than aborted: SQS (and
    // moto) may hand messages to a receive whose connection was dropped, which
    // then stay invisible for a whole visibility timeout. Whatever it returns
    // after the stop is released at once instead.
    this.stopSignal.abort();
    this.wakeSlotWaiters();
  }

  async run(runOptions: RunOptions = {}): Promise<WorkerStats> {
    const { options, logger } = this.deps;
    this.deps.heartbeat.start();
    this.lastActivity = Date.now();
    let receiveFailures = 0;

    while (!this.stopping) {
      const room = options.maxMessagesInFlight - this.inFlight.size;
      if (room <= 0) {
        this.observer.receivePaused?.(true);
        await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
        this.observer.receivePaused?.(false);
        continue;
      }
      let wait = options.waitTimeSeconds;
      if (runOptions.untilIdleSeconds !== undefined) {
        // A message left on the queue for a retry is still this run's work:
        // the idle period starts again when it becomes visible, so it is received first.
        const idleFor = (Date.now() - Math.max(this.lastActivity, this.retriesVisibleAt)) / 1000;
        const retriesPending = this.retriesVisibleAt > Date.now();
        if (this.inFlight.size === 0 && idleFor >= runOptions.untilIdleSeconds) {
          logger.info({ idleSeconds: runOptions.untilIdleSeconds }, 'queue idle; stopping');
          break;
        }
        // Never long-poll past the moment the idle period could end.
        const left = this.inFlight.size === 0 && !retriesPending ? runOptions.untilIdleSeconds - idleFor : runOptions.untilIdleSeconds;
        if (retriesPending && this.inFlight.size === 0) logger.debug({ visibleInMs: this.retriesVisibleAt - Date.now() }, 'idle, but a retried message is not visible yet; waiting for it');
        wait = Math.max(0, Math.min(wait, Math.ceil(left)));
      }
      let messages: QueueMessage[];
      try {
        messages = await this.deps.queue.receive(
          Math.min(options.receiveBatchSize, room),
          wait,
          options.visibilityTimeoutSeconds,
        );
        receiveFailures = 0;
        this.observer.receiveSucceeded?.(messages.length);
      } catch (error) {
        if (this.stopping) break;
        receiveFailures++;
        this.observer.receiveFailed?.(error);
        const delayMs = backoffDelayMs(RECEIVE_BACKOFF, receiveFailures - 1, this.random);
        logger.error({ err: error, retryInSeconds: delayMs / 1000 }, 'receiving from SQS failed; check TRAILSTREAM_QUEUE_URL, credentials and network');
        // Ends early when the worker is stopped.
        await pause(delayMs, this.stopSignal.signal);
        continue;
      }
      if (this.stopping) {
        await this.release(messages);
        break;
      }
      if (messages.length > 0) this.lastActivity = Date.now();
      for (const message of messages) this.start(message);
    }

    await this.drain();
    this.deps.heartbeat.stop();
    return this.stats;
  }

  private start(message: QueueMessage): void {
    this.stats.messagesReceived++;
    this.deps.heartbeat.track(message);
    const log = this.deps.logger.child({ messageId: message.messageId, receiveCount: message.receiveCount });
    const abandon = new AbortController();
    const done = processMessage(
      message,
      { ...this.deps.objects, indexer: this.deps.indexer, logger: log, observer: this.observer },
      this.objectQueue,
      abandon.signal,
    )
      .then((result) => {
        // A released message belongs to whichever worker receives it next: touch it no more.
        if (abandon.signal.aborted) return;
        return this.settle(message, result, log);
      })
      .catch((error: unknown) => {
        // Only an SQS call failing lands here; the message simply reappears later.
        log.error({ err: error }, 'could not settle message; it will be redelivered');
      })
      .finally(() => {
        this.deps.heartbeat.untrack(message);
        this.inFlight.delete(message.messageId);
        this.lastActivity = Date.now();
        this.wakeSlotWaiters();
      });
    this.inFlight.set(message.messageId, { message, done, abandon });
  }

  private async settle(message: QueueMessage, result: MessageResult, log: Logger): Promise<void> {
    const { decision } = result;
    this.stats.recordObjects(result.objects);
    for (const o of result.objects) {
      const fields = { bucket: o.bucket, key: o.key, records: o.records, indexed: o.indexed, deadLettered: o.deadLettered };
      if (o.outcome === 'skipped') log.info({ ...fields, reason: o.error?.code }, 'object skipped');
      else if (o.outcome === 'failed') log.warn({ ...fields, code: o.error?.code, err: o.error }, 'object failed');
      else log.info(fields, 'object indexed');
    }
    // Stop extending before acting, so a beat cannot race a deleted receipt handle.
    this.deps.heartbeat.untrack(message);
    switch (decision.action) {
      case 'delete':
        await this.deps.queue.delete(message);
        this.stats.messagesDeleted++;
        this.settled({ action: 'deleted', reason: decision.reason });
        return;
      case 'retry': {
        const seconds = messageRetrySeconds(this.deps.options.retryBackoffSeconds, message.receiveCount, this.random);
        log.warn({ code: decision.error.code, object: decision.object, err: decision.error, retryInSeconds: seconds }, 'transient failure; message left on the queue');
        this.stats.messagesRetried++;
        await this.deps.queue.changeVisibility(message, seconds);
        this.retriesVisibleAt = Math.max(this.retriesVisibleAt, Date.now() + seconds * 1000);
        this.settled({ action: 'retried', code: decision.error.code });
        return;
      }
      case 'dead-letter': {
        const offset = decision.error.context.offset;
        const reason = {
          code: decision.error.code,
          message: decision.error.message,
          ...(decision.object ? { object: decision.object } : {}),
          ...(typeof offset === 'number' ? { offset } : {}),
        };
        if (!this.deps.deadLetters) {
          log.error({ ...reason }, 'message can never succeed; no TRAILSTREAM_DLQ_URL set, leaving it to the queue redrive policy');
          this.stats.messagesRetried++;
          await this.deps.queue.changeVisibility(message, MAX_RETRY_BACKOFF_SECONDS);
          this.settled({ action: 'retried', code: decision.error.code });
          return;
        }
        log.error({ ...reason }, 'message can never succeed; sent to the dead-letter queue');
        await this.deps.deadLetters.sendToDeadLetter(message, reason);
        await this.deps.queue.delete(message);
        this.stats.messagesDeadLettered++;
        this.settled({ action: 'dead-lettered', code: decision.error.code });
        return;
      }
    }
  }

  private settled(outcome: MessageOutcome): void {
    this.observer.messageSettled?.(outcome);
  }

  /**
   * Lets in-flight messages finish within the grace period, then releases the
   * rest (visibility 0) so another worker picks them up at once. Records of a
   * released message that were already indexed are simply overwritten later.
   */
  private async drain(): Promise<void> {
    if (this.inFlight.size === 0) {
      await this.deps.indexer.flush();
      return;
    }
    // The grace period counts from the stop request, not from the end of the last receive.
    const graceMs = Math.max(0, this.deps.options.shutdownGraceSeconds * 1000 - (Date.now() - (this.stopRequestedAt ?? Date.now())));
    const all = Promise.all([...this.inFlight.values()].map((f) => f.done));
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<boolean>((resolve) => {
      graceTimer = setTimeout(() => resolve(false), graceMs);
    });
    // The timer must not outlive the drain, or it would hold the process open.
    const finished = await Promise.race([all.then(() => true), graceOver]).finally(() => clearTimeout(graceTimer));
    if (!finished) {
      const unfinished = [...this.inFlight.values()];
      this.deps.logger.warn({ count: unfinished.length }, 'shutdown grace period over; releasing unfinished messages to other workers');
      for (const f of unfinished) f.abandon.abort();
      await this.release(unfinished.map((f) => f.message));
      return;
    }
    await this.deps.indexer.flush();
  }

  /** Makes messages visible again at once so any worker can take them over. */
  private async release(messages: readonly QueueMessage[]): Promise<void> {
    await Promise.all(
      messages.map(async (m) => {
        this.deps.heartbeat.untrack(m);
        try {
          await this.deps.queue.changeVisibility(m, 0);
          this.stats.messagesReleased++;
          this.observer.messagesReleased?.(1);
        } catch (error) {
          this.deps.logger.warn({ err: error, messageId: m.messageId }, 'could not release message; it reappears when its visibility expires');
        }
      }),
    );
  }

  private wakeSlotWaiters(): void {
    const waiters = this.slotWaiters;
    this.slotWaiters = [];
    for (const w of waiters) w();
  }
}

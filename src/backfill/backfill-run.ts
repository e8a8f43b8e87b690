import PQueue from 'p-queue';
import type { Logger } from '../observability/logger.js';
import { processObject, type ObjectPipelineDeps, type ObjectResult } from '../pipeline/process-object.js';
import { backoffDelayMs, pause } from '../retry-policy.js';
import type { ObjectRef } from '../source/sqs/object-ref.js';
import type { Checkpoint } from './checkpoint.js';
import { BackfillStats } from './progress.js';

/** One object to backfill: its checkpoint id, where it is, and how to read it. */
export interface BackfillItem {
  /** Stable across runs: `s3://bucket/key`, or the absolute path of a local file. */
  readonly id: string;
  readonly ref: ObjectRef;
  readonly deps: ObjectPipelineDeps;
}

export interface BackfillRunOptions {
  readonly concurrency: number;
  /** Attempts per object on retryable failures. */
  readonly attempts: number;
  /** Ceiling of the first pause between attempts; it doubles each time (shared backoff with jitter, capped at {@link BACKFILL_RETRY_CAP_MS}). */
  readonly retryBaseMs: number;
  /** The jitter's source of randomness (tests pin it). */
  readonly random?: () => number;
  /** After a stop: how long in-flight objects may take to finish before they are abandoned. */
  readonly graceSeconds: number;
  readonly checkpointSeconds: number;
}

export interface BackfillOutcome {
  readonly stats: BackfillStats;
  /** The signal that stopped the run, if one did. */
  readonly interruptedBy: NodeJS.Signals | undefined;
}

/** No pause between two attempts at an object is longer than this. */
export const BACKFILL_RETRY_CAP_MS = 60_000;

/** After abandoning in-flight objects, how long to wait for them to notice before giving up on them. */
const ABANDON_WAIT_MS = 10_000;

/**
 * Feeds listed objects through processObject with bounded concurrency, and
 * checkpoints each one only once processObject says its records are durable
 * (or that it is a deliberate skip). Objects in the checkpoint are counted and
 * not read again. A stop (signal) starts no new object, lets in-flight ones
 * finish within the grace period, abandons the rest (never checkpointed), and
 * saves the checkpoint.
 */
export class BackfillRun {
  readonly stats = new BackfillStats();
  listingDone = false;
  private readonly queue: PQueue;
  private readonly abort = new AbortController();
  private stopSignal: NodeJS.Signals | undefined;
  private stopped: Promise<void>;
  private resolveStopped!: () => void;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly items: AsyncIterable<BackfillItem>,
    private readonly checkpoint: Checkpoint | undefined,
    private readonly logger: Logger,
    private readonly options: BackfillRunOptions,
  ) {
    this.queue = new PQueue({ concurrency: options.concurrency });
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
  }

  get stopping(): boolean {
    return this.stopSignal !== undefined;
  }

  /** Stops starting objects; in-flight ones get `graceSeconds`, then are abandoned. */
  stop(signal: NodeJS.Signals): void {
    if (this.stopSignal) return;
    this.stopSignal = signal;
    this.queue.clear();
    this.resolveStopped();
    this.graceTimer = setTimeout(() => this.abort.abort(), this.options.graceSeconds * 1000);
    this.graceTimer.unref();
  }

  async run(): Promise<BackfillOutcome> {
    const saver = this.checkpoint ? setInterval(() => void this.saveCheckpoint(), this.options.checkpointSeconds * 1000) : undefined;
    saver?.unref();
    let listingError: unknown;
    try {
      try {
        await this.feed();
      } catch (error) {
        listingError = error;
        this.stop('SIGTERM');
      }
      this.listingDone = true;
      if (!this.stopping) {
        await this.queue.onIdle();
      } else {
        await this.drainAfterStop();
      }
    } finally {
      if (saver) clearInterval(saver);
      if (this.graceTimer) clearTimeout(this.graceTimer);
      await this.saveCheckpoint();
    }
    if (listingError !== undefined) throw listingError;
    return { stats: this.stats, interruptedBy: this.stopSignal };
  }

  private async feed(): Promise<void> {
    // Enough objects queued to keep every slot busy, without listing far ahead.
    const ahead = this.options.concurrency * 4;
    for await (const item of this.items) {
      if (this.stopping) return;
      this.stats.objectsListed++;
      if (this.checkpoint?.has(item.id)) {
        this.stats.objectsAlreadyDone++;
        continue;
      }
      void this.queue.add(() => this.runOne(item));
      if (this.queue.size >= ahead) await Promise.race([this.queue.onSizeLessThan(ahead), this.stopped]);
      if (this.stopping) return;
    }
  }

  private async drainAfterStop(): Promise<void> {
    const inFlight = this.queue.onPendingZero();
    const graceOver = new Promise<void>((resolve) => this.abort.signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([inFlight, graceOver]);
    if (this.queue.pending === 0) return;
    this.logger.warn({ inFlight: this.queue.pending }, 'grace period over: abandoning the objects in progress (they are not checkpointed and are read again on resume)');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([inFlight, new Promise<void>((resolve) => (timer = setTimeout(resolve, ABANDON_WAIT_MS)))]);
    clearTimeout(timer);
    this.stats.objectsAbandoned += this.queue.pending;
  }

  private async runOne(item: BackfillItem): Promise<void> {
    const { bucket, key } = item.ref;
    for (let attempt = 1; ; attempt++) {
      const result: ObjectResult = await processObject(item.ref, item.deps, this.abort.signal);
      if (result.outcome !== 'failed') {
        this.stats.record(result);
        // processObject returned: every record is indexed or dead-lettered.
        this.checkpoint?.markDone(item.id);
        if (result.outcome === 'skipped') this.logger.debug({ bucket, key, reason: result.error?.code }, 'object skipped');
        return;
      }
      const error = result.error!;
      if (this.abort.signal.aborted || (this.stopping && error.kind === 'retryable')) {
        this.stats.add(result);
        this.stats.objectsAbandoned++;
        return;
      }
      if (error.kind === 'retryable' && attempt < this.options.attempts) {
        this.stats.add(result);
        this.stats.objectRetries++;
        const delayMs = backoffDelayMs({ baseMs: this.options.retryBaseMs, capMs: BACKFILL_RETRY_CAP_MS }, attempt - 1, this.options.random);
        this.logger.warn({ bucket, key, code: error.code, error: error.message, attempt, delayMs }, 'transient failure; retrying the object');
        if (!(await pause(delayMs, this.abort.signal))) {
          this.stats.objectsAbandoned++;
          return;
        }
        continue;
      }
      this.stats.record(result);
      this.logger.error({ bucket, key, code: error.code, error: error.message, kind: error.kind, attempts: attempt }, 'object failed; continuing with the others');
      return;
    }
  }

  private async saveCheckpoint(): Promise<void> {
    if (!this.checkpoint) return;
    try {
      await this.checkpoint.save();
    } catch (error) {
      this.logger.error({ checkpoint: this.checkpoint.file, error: (error as Error).message }, 'could not write the checkpoint');
    }
  }
}

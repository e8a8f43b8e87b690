import type { Logger } from '../observability/logger.js';
import type { ObjectResult } from '../pipeline/process-object.js';

/** Counters of one backfill run; printed in the final summary and the progress. */
export class BackfillStats {
  /** Objects found in the range (including those already done). */
  objectsListed = 0;
  /** Found in the checkpoint: completed by an earlier run, not read again. */
  objectsAlreadyDone = 0;
  objectsProcessed = 0;
  /** Digest files, keys outside TRAILSTREAM_KEY_PATTERN. */
  objectsSkipped = 0;
  objectsFailed = 0;
  /** Started but not finished when the run was interrupted; not checkpointed. */
  objectsAbandoned = 0;
  objectRetries = 0;
  records = 0;
  recordsIndexed = 0;
  recordsDeadLettered = 0;
  compressedBytes = 0;

  record(result: ObjectResult): void {
    if (result.outcome === 'done') this.objectsProcessed++;
    else if (result.outcome === 'skipped') this.objectsSkipped++;
    else this.objectsFailed++;
    this.add(result);
  }

  /** Counts the records of an attempt that did not finish (they may have been indexed). */
  add(result: ObjectResult): void {
    this.records += result.records;
    this.recordsIndexed += result.indexed;
    this.recordsDeadLettered += result.deadLettered;
    this.compressedBytes += result.compressedBytes;
  }

  /** Objects with a final outcome in this run, or from the checkpoint. */
  get objectsFinished(): number {
    return this.objectsAlreadyDone + this.objectsProcessed + this.objectsSkipped + this.objectsFailed;
  }

  toJSON(): Record<string, number> {
    return { ...this } as unknown as Record<string, number>;
  }
}

export interface ProgressSnapshot {
  readonly objectsDone: number;
  readonly objectsTotal: number;
  /** False while objects are still being listed: the total can still grow. */
  readonly totalKnown: boolean;
  readonly objectsFailed: number;
  readonly records: number;
  readonly compressedBytes: number;
  readonly elapsedSeconds: number;
  readonly objectsPerSecond: number;
  readonly recordsPerSecond: number;
  readonly bytesPerSecond: number;
  /** Seconds left at the current rate; undefined until there is a rate (or while listing). */
  readonly etaSeconds: number | undefined;
}

/** Rates count only this run's work, so a resumed run does not report the checkpoint's objects as speed. */
export function snapshot(stats: BackfillStats, listingDone: boolean, startedAt: number, now: number): ProgressSnapshot {
  const elapsed = Math.max((now - startedAt) / 1000, 0.001);
  const worked = stats.objectsProcessed + stats.objectsSkipped + stats.objectsFailed;
  const objectsPerSecond = worked / elapsed;
  const left = stats.objectsListed - stats.objectsFinished;
  return {
    objectsDone: stats.objectsFinished,
    objectsTotal: stats.objectsListed,
    totalKnown: listingDone,
    objectsFailed: stats.objectsFailed,
    records: stats.records,
    compressedBytes: stats.compressedBytes,
    elapsedSeconds: Math.round(elapsed),
    objectsPerSecond: round(objectsPerSecond),
    recordsPerSecond: round(stats.records / elapsed),
    bytesPerSecond: Math.round(stats.compressedBytes / elapsed),
    etaSeconds: listingDone && objectsPerSecond > 0 ? Math.ceil(left / objectsPerSecond) : undefined,
  };
}

/** `1,234/5,678+ objects · 90,123 records · 12.3 MiB · 40.1 obj/s 2,000 rec/s · ETA 2m05s` */
export function progressLine(p: ProgressSnapshot): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const parts = [
    `${n(p.objectsDone)}/${n(p.objectsTotal)}${p.totalKnown ? '' : '+'} objects`,
    `${n(p.records)} records`,
    formatBytes(p.compressedBytes),
    `${p.objectsPerSecond.toFixed(1)} obj/s ${n(Math.round(p.recordsPerSecond))} rec/s`,
    `ETA ${p.etaSeconds === undefined ? '?' : formatDuration(p.etaSeconds)}`,
  ];
  if (p.objectsFailed > 0) parts.push(`${n(p.objectsFailed)} failed`);
  return `backfill ${parts.join(' · ')}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (x: number) => String(x).padStart(2, '0');
  return h > 0 ? `${h}h${two(m)}m` : m > 0 ? `${m}m${two(s)}s` : `${s}s`;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

export interface ProgressOutput {
  readonly isTTY: boolean;
  write(text: string): void;
}

/**
 * On a terminal, one progress line redrawn in place a few times a second;
 * otherwise a JSON log line with the same numbers every `intervalSeconds`.
 */
export class ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(
    private readonly read: () => ProgressSnapshot,
    private readonly out: ProgressOutput,
    private readonly logger: Logger,
    private readonly intervalSeconds: number,
  ) {}

  start(): void {
    const every = this.out.isTTY ? 250 : this.intervalSeconds * 1000;
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
  }

  tick(): void {
    const p = this.read();
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${progressLine(p)}`);
      this.drawn = true;
    } else {
      this.logger.info({ progress: p }, 'backfill progress');
    }
  }

  /** Draws the last state and ends the line, so what follows starts on a fresh one. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.out.isTTY) {
      this.tick();
      if (this.drawn) this.out.write('\n');
    }
  }
}

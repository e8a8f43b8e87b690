import type { ObjectResult } from './process-object.js';

/** Counters of one worker run; the CLI prints them and metrics read them. */
export class WorkerStats {
  messagesReceived = 0;
  messagesDeleted = 0;
  messagesRetried = 0;
  messagesDeadLettered = 0;
  messagesReleased = 0;
  objectsProcessed = 0;
  objectsSkipped = 0;
  objectsFailed = 0;
  records = 0;
  recordsIndexed = 0;
  recordsDeadLettered = 0;
  compressedBytes = 0;
  decompressedBytes = 0;

  recordObjects(results: readonly ObjectResult[]): void {
    for (const r of results) {
      if (r.outcome === 'done') this.objectsProcessed++;
      else if (r.outcome === 'skipped') this.objectsSkipped++;
      else this.objectsFailed++;
      this.records += r.records;
      this.recordsIndexed += r.indexed;
      this.recordsDeadLettered += r.deadLettered;
      this.compressedBytes += r.compressedBytes;
      this.decompressedBytes += r.decompressedBytes;
    }
  }

  toJSON(): Record<string, number> {
    return { ...this } as unknown as Record<string, number>;
  }
}

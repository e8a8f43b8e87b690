import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UserFacingError } from '../errors.js';

/** What a backfill was asked to do; a checkpoint belongs to exactly one. */
export interface CheckpointIdentity {
  readonly sources: readonly string[];
  readonly since: string | null;
  readonly until: string | null;
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
}

const FILE_SCHEMA = z.object({
  version: z.literal(1),
  identity: z.object({
    sources: z.array(z.string()),
    since: z.string().nullable(),
    until: z.string().nullable(),
    accounts: z.array(z.string()),
    regions: z.array(z.string()),
  }),
  updatedAt: z.string(),
  completed: z.array(z.string()),
});

export const CHECKPOINT_DIR = '.trailstream-backfill';

/** A short stable hash of the identity: the same arguments give the same default checkpoint file. */
export function identityHash(identity: CheckpointIdentity): string {
  return createHash('sha256').update(JSON.stringify(canonical(identity))).digest('hex').slice(0, 16);
}

export function defaultCheckpointPath(cwd: string, identity: CheckpointIdentity): string {
  return path.join(cwd, CHECKPOINT_DIR, `${identityHash(identity)}.json`);
}

/**
 * The objects a backfill has finished (every record durable, or deliberately
 * skipped), kept in a JSON file that is replaced atomically (written to a
 * temporary file, then renamed), so a crash leaves either the old or the new
 * version, never half of one.
 */
export class Checkpoint {
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly identity: CheckpointIdentity,
    private readonly completed: Set<string>,
  ) {}

  /** Starts empty: nothing is read (for --restart); an existing file is overwritten on the first save. */
  static fresh(file: string, identity: CheckpointIdentity): Checkpoint {
    const cp = new Checkpoint(file, canonical(identity), new Set());
    cp.dirty = true;
    return cp;
  }

  /**
   * Reads the file if it exists. A file that cannot be parsed, or that belongs
   * to other arguments, is a user error: nothing is overwritten silently.
   */
  static async load(file: string, identity: CheckpointIdentity): Promise<Checkpoint> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      // No file yet: nothing is written until an object completes.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Checkpoint(file, canonical(identity), new Set());
      throw new UserFacingError(`cannot read the checkpoint ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); fix its permissions, or run with --restart to start over.`);
    }
    let parsed: z.infer<typeof FILE_SCHEMA>;
    try {
      parsed = FILE_SCHEMA.parse(JSON.parse(text));
    } catch (error) {
      const why = error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') : (error as Error).message;
      throw new UserFacingError(`the checkpoint ${file} is corrupt (${why}): run with --restart to start over (already indexed records are overwritten, not duplicated), or delete the file.`);
    }
    const want = canonical(identity);
    if (JSON.stringify(canonical(parsed.identity)) !== JSON.stringify(want)) {
      throw new UserFacingError(
        `the checkpoint ${file} belongs to another backfill (${JSON.stringify(parsed.identity)}): use the same sources and filters, another --checkpoint file, or --restart to overwrite it.`,
      );
    }
    return new Checkpoint(file, want, new Set(parsed.completed));
  }

  has(id: string): boolean {
    return this.completed.has(id);
  }

  /** Call only once the object's records are durable. */
  markDone(id: string): void {
    this.completed.add(id);
    this.dirty = true;
  }

  get size(): number {
    return this.completed.size;
  }

  /** Writes the file if anything changed since the last save; saves never overlap. */
  save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      const text = this.serialize();
      const tmp = `${this.file}.${process.pid}.tmp`;
      await mkdir(path.dirname(this.file), { recursive: true });
      await writeFile(tmp, text);
      await rename(tmp, this.file);
    });
    return this.saving;
  }

  /** For a second signal: the process exits right after, so no await. */
  saveSync(): void {
    const tmp = `${this.file}.${process.pid}.sync.tmp`;
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileSync(tmp, this.serialize());
    renameSync(tmp, this.file);
  }

  private serialize(): string {
    return `${JSON.stringify({ version: 1, identity: this.identity, updatedAt: new Date().toISOString(), completed: [...this.completed] })}\n`;
  }
}

function canonical(identity: CheckpointIdentity): CheckpointIdentity {
  return {
    sources: [...identity.sources],
    since: identity.since,
    until: identity.until,
    accounts: [...identity.accounts].sort(),
    regions: [...identity.regions].sort(),
  };
}

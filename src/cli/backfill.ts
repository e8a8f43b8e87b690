import path from 'node:path';
import { BackfillRun, type BackfillItem } from '../backfill/backfill-run.js';
import { Checkpoint, defaultCheckpointPath, type CheckpointIdentity } from '../backfill/checkpoint.js';
import { LOCAL_BUCKET, LocalFileSource, statSource, walkLocal } from '../backfill/local-source.js';
import { ProgressReporter, snapshot } from '../backfill/progress.js';
import { S3ClientLister, walkS3 } from '../backfill/s3-walk.js';
import { assertAllowed, describeSource, parseAccounts, parseRegions, parseSource, type BackfillSource, type LayoutFilters } from '../backfill/source.js';
import { parseInstant, startOfDay } from '../backfill/time-range.js';
import type { ObjectPipelineDeps } from '../pipeline/process-object.js';
import type { BulkIndexer } from '../sink/bulk-indexer.js';
import { S3ObjectSource } from '../source/s3/object-source.js';
import { createConfiguredEnricher, createConfiguredIndexer, objectPipelineOptions } from './components.js';
import type { Context } from './context.js';
import { UserFacingError } from '../errors.js';

export interface BackfillCommandOptions {
  readonly sources: readonly string[];
  readonly since?: string;
  readonly until?: string;
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  /** A path, false for --no-checkpoint, undefined for the default file. */
  readonly checkpoint?: string | false;
  readonly restart: boolean;
  readonly cwd: string;
  /** Where the progress line goes; its isTTY decides between the line and log lines. */
  readonly progressOut: { readonly isTTY: boolean; write(text: string): void };
}

const DAY_MS = 86_400_000;
const EXIT_FOR: Readonly<Partial<Record<NodeJS.Signals, number>>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Validates the arguments, plans the listing, runs the backfill and prints the
 * summary; returns the exit code: 0, 1 if any object failed, 130/143 when
 * stopped by SIGINT/SIGTERM.
 */
export async function runBackfill(ctx: Context, options: BackfillCommandOptions): Promise<number> {
  const { config, logger } = ctx;
  if (options.sources.length === 0) throw new UserFacingError('backfill needs at least one source: s3://bucket[/prefix], a directory or files.');
  const sources = options.sources.map((s) => parseSource(s, options.cwd));
  for (const s of sources) {
    assertAllowed(s, config.allowList);
    if (s.kind === 'local') await statSource(s.path);
  }
  const since = options.since === undefined ? undefined : parseInstant(options.since, '--since');
  const untilArg = options.until === undefined ? undefined : parseInstant(options.until, '--until');
  if (since && untilArg && since >= untilArg) {
    throw new UserFacingError(`--since (${since.toISOString()}) must be before --until (${untilArg.toISOString()}); --until is exclusive.`);
  }
  const filters: LayoutFilters = { accounts: parseAccounts(options.accounts), regions: parseRegions(options.regions) };
  // Without --until: everything delivered up to now (today's folder included).
  const until = untilArg ?? new Date(startOfDay(new Date()).getTime() + DAY_MS);

  const identity: CheckpointIdentity = {
    sources: sources.map(describeSource),
    since: since?.toISOString() ?? null,
    until: untilArg?.toISOString() ?? null,
    accounts: filters.accounts,
    regions: filters.regions,
  };
  let checkpoint: Checkpoint | undefined;
  if (options.checkpoint !== false) {
    const file = options.checkpoint ? path.resolve(options.cwd, options.checkpoint) : defaultCheckpointPath(options.cwd, identity);
    checkpoint = options.restart ? Checkpoint.fresh(file, identity) : await Checkpoint.load(file, identity);
    logger.info({ checkpoint: file, completed: checkpoint.size, restart: options.restart }, 'backfill checkpoint');
  }

  const enricher = await createConfiguredEnricher(ctx);
  const indexer = createConfiguredIndexer(ctx);
  const s3Options = objectPipelineOptions(ctx.config);
  const s3Deps: ObjectPipelineDeps = { options: s3Options, objects: new S3ObjectSource(ctx.s3()), enricher, indexer, logger };
  const lister = new S3ClientLister(ctx.s3());
  const localDeps = new Map<string, ObjectPipelineDeps>();
  const depsForRoot = (root: string): ObjectPipelineDeps => {
    let d = localDeps.get(root);
    if (!d) {
      // Local files are not S3 objects: the allow-list does not apply to them.
      d = { options: { ...s3Options, allowList: [{ bucket: LOCAL_BUCKET, prefix: '' }] }, objects: new LocalFileSource(root), enricher, indexer, logger };
      localDeps.set(root, d);
    }
    return d;
  };

  async function* items(): AsyncGenerator<BackfillItem> {
    for (const source of sources) yield* itemsOf(source);
  }
  async function* itemsOf(source: BackfillSource): AsyncGenerator<BackfillItem> {
    if (source.kind === 's3') {
      const walk = walkS3(lister, { bucket: source.bucket, prefix: source.prefix, range: { since, until }, filters, allowList: config.allowList });
      for await (const o of walk) {
        yield { id: `s3://${source.bucket}/${o.key}`, ref: { bucket: source.bucket, key: o.key }, deps: s3Deps };
      }
    } else {
      for await (const f of walkLocal(source.path, { since, until: untilArg }, filters)) {
        yield { id: f.path, ref: { bucket: LOCAL_BUCKET, key: f.key }, deps: depsForRoot(f.root) };
      }
    }
  }

  const run = new BackfillRun(items(), checkpoint, logger, {
    concurrency: config.objectConcurrency,
    attempts: config.backfillObjectAttempts,
    retryBaseMs: 1000,
    graceSeconds: config.shutdownGraceSeconds,
    checkpointSeconds: config.backfillCheckpointSeconds,
  });
  const startedAt = Date.now();
  const progress = new ProgressReporter(
    () => snapshot(run.stats, run.listingDone, startedAt, Date.now()),
    options.progressOut,
    logger,
    config.backfillProgressSeconds,
  );

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: saving the checkpoint and exiting now');
      try {
        checkpoint?.saveSync();
      } finally {
        process.exit(EXIT_FOR[signal] ?? 130);
      }
    }
    logger.info({ signal, graceSeconds: config.shutdownGraceSeconds }, 'stopping: no new objects; finishing those in progress, then saving the checkpoint');
    run.stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  logger.info({ sources: identity.sources, since: since?.toISOString(), until: until.toISOString(), ...filters, concurrency: config.objectConcurrency }, 'backfill started');
  progress.start();
  let outcome;
  try {
    outcome = await run.run();
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  await finishIndexer(indexer, outcome.interruptedBy !== undefined);

  const stats = outcome.stats.toJSON();
  logger.info({ ...stats, interruptedBy: outcome.interruptedBy, checkpoint: checkpoint?.file }, 'backfill finished');
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({ backfill: stats, ...(outcome.interruptedBy ? { interrupted: outcome.interruptedBy } : {}), peakRssMb })}\n`);
  if (outcome.interruptedBy) return EXIT_FOR[outcome.interruptedBy] ?? 130;
  return outcome.stats.objectsFailed > 0 ? 1 : 0;
}

/** Completed objects waited for their records already; after an interruption the rest is dropped (it is redone on resume). */
async function finishIndexer(indexer: BulkIndexer, interrupted: boolean): Promise<void> {
  if (interrupted) indexer.abandon();
  else await indexer.close();
}

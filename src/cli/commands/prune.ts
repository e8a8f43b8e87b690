import { InvalidArgumentError } from 'commander';
import { createContext } from '../context.js';
import { runPrune } from '../prune.js';
import type { RegisterCommand } from './types.js';

function days(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > 36500) throw new InvalidArgumentError('must be a whole number of days from 1 to 36500');
  return n;
}

export const registerPrune: RegisterCommand = (program, exit) => {
  program
    .command('prune')
    .description(
      'Delete whole event and Insights indices whose period (day, week or month, from the date in the name) ended at least --older-than days ago: retention where the cluster has no Index State Management.',
    )
    .requiredOption('--older-than <days>', 'keep every index whose period ended less than this many days ago', days)
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .addHelpText(
      'after',
      `
Only indices named <prefix>-<period> and <prefix>-insights-<period> of TRAILSTREAM_INDEX_PREFIX are
considered, in any granularity; the index of the current period, <prefix>-undated, the dead-letter
index and other prefixes are never deleted. The rule is the lifecycle policy's (every record is kept
at least --older-than days), read from the name instead of the index's age.

Examples:
  trailstream prune --older-than 90 --dry-run
  trailstream prune --older-than "$TRAILSTREAM_RETENTION_DAYS"     e.g. daily from cron

Exit 1 if an index could not be deleted; see docs/operations.md ("Retention").`,
    )
    .action(async (opts: { olderThan: number; dryRun?: boolean }) => {
      exit(await runPrune(createContext(), { olderThanDays: opts.olderThan, dryRun: opts.dryRun ?? false }));
    });
};

import { InvalidArgumentError } from 'commander';
import { createContext } from '../context.js';
import { runReplayDlq } from '../replay-dlq.js';
import type { RegisterCommand } from './types.js';

const DEFAULT_PAGE_SIZE = 500;

function positiveInt(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    return n;
  };
}

export const registerReplayDlq: RegisterCommand = (program, exit) => {
  program
    .command('replay-dlq')
    .description(
      'Move messages from the dead-letter queue back to the main queue (--queue, the default when TRAILSTREAM_DLQ_URL is set) and/or re-index the records of the dead-letter index after a mapping fix (--index).',
    )
    .option('--queue', 'move TRAILSTREAM_DLQ_URL messages back to TRAILSTREAM_QUEUE_URL (send, then delete)')
    .option('--index', 'rebuild and re-index the records of TRAILSTREAM_DEAD_LETTER_INDEX; delete each dead letter once indexed')
    .option('--max <n>', 'handle at most n messages and n dead-letter records', positiveInt(Number.MAX_SAFE_INTEGER))
    .option('--dry-run', 'list what would be moved or re-indexed, change nothing')
    .option('--page-size <n>', `dead letters read per page with --index (default ${DEFAULT_PAGE_SIZE})`, positiveInt(10_000))
    .addHelpText(
      'after',
      `
Examples:
  trailstream replay-dlq --dry-run            list the DLQ messages: id, object, failure reason
  trailstream replay-dlq                      move every DLQ message back, then run the worker
  trailstream replay-dlq --queue --max 100    move at most 100 messages
  trailstream replay-dlq --index --dry-run    which dead-lettered records would be re-indexed, and where
  trailstream replay-dlq --index              after fixing a mapping (and running setup): re-index them
  trailstream replay-dlq --queue --index      both

A record refused again stays in the dead-letter index with the new reason. Exit 1 if a send to
the main queue failed or OpenSearch did not accept records after retries; see docs/operations-commands.md.`,
    )
    .action(async (opts: { queue?: boolean; index?: boolean; max?: number; dryRun?: boolean; pageSize?: number }) => {
      exit(
        await runReplayDlq(createContext(), {
          queue: opts.queue ?? false,
          index: opts.index ?? false,
          dryRun: opts.dryRun ?? false,
          pageSize: opts.pageSize ?? DEFAULT_PAGE_SIZE,
          ...(opts.max !== undefined ? { max: opts.max } : {}),
        }),
      );
    });
};

import { runBackfill } from '../backfill.js';
import { createContext } from '../context.js';
import type { RegisterCommand } from './types.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

interface BackfillFlags {
  since?: string;
  until?: string;
  account?: string[];
  region?: string[];
  checkpoint?: string | boolean;
  restart?: boolean;
}

export const registerBackfill: RegisterCommand = (program, exit) => {
  program
    .command('backfill')
    .description('Index CloudTrail files already in S3 (or on disk) by walking their key layout, without the queue. Resumable and idempotent.')
    .argument('<source...>', 's3://bucket[/prefix] (the trail\'s prefix before AWSLogs/, or down to AWSLogs/[o-orgid/][account/]), a directory, or files')
    .option('--since <date>', 'first delivery time to include, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC unless an offset is given); default: the first year found')
    .option('--until <date>', 'delivery time to stop at, EXCLUSIVE (--until 2024-02-01 ends with January 31st); default: now')
    .option('--account <ids>', 'only these 12-digit accounts (repeatable or comma-separated)', collect)
    .option('--region <names>', 'only these regions (repeatable or comma-separated)', collect)
    .option('--checkpoint <file>', 'checkpoint file (default: .trailstream-backfill/<hash of sources and filters>.json in the current directory)')
    .option('--no-checkpoint', 'neither read nor write a checkpoint')
    .option('--restart', 'ignore (and overwrite) an existing checkpoint: start over', false)
    .addHelpText('after', `
Walks [prefix/]AWSLogs/[o-orgid/]<account>/CloudTrail[-Insight]/<region>/YYYY/MM/DD/ and lists
only the day folders of the range; digest files are skipped. Records get the same document ids
as the worker gives them, so backfilling what the worker already indexed (or twice) duplicates
nothing. Completed objects go into the checkpoint; run the same command again to resume.
Exit codes: 0 done, 1 some objects failed (listed in the log), 2 bad arguments or configuration,
130/143 stopped by SIGINT/SIGTERM (checkpoint saved).

Examples:
  trailstream backfill s3://my-trail-bucket --since 2024-01-01 --until 2024-02-01
      January 2024, every account and region of the bucket
  trailstream backfill s3://my-trail-bucket/trail-prefix --since 2024-03-10T06:00 \\
      --account 123456789012,210987654321 --region us-east-1 --region eu-west-1
  trailstream backfill s3://my-org-trail/AWSLogs/o-abcd123456/ --since 2024-05-01
      an organization trail, from May 1st until now
  trailstream backfill ./cloudtrail-copy --account 123456789012
      a local copy of the bucket (aws s3 sync), one account
  trailstream backfill ~/Downloads/*.json.gz
      local files
  trailstream backfill s3://my-trail-bucket --since 2024-01-01 --restart
      start over, ignoring the checkpoint of an earlier run

The bucket must be on TRAILSTREAM_ALLOWED_BUCKETS. Concurrency: TRAILSTREAM_OBJECT_CONCURRENCY.`)
    .action(async (sources: string[], flags: BackfillFlags) => {
      const checkpointFlag = flags.checkpoint === false ? false : typeof flags.checkpoint === 'string' ? flags.checkpoint : undefined;
      const code = await runBackfill(createContext(), {
        sources,
        ...(flags.since !== undefined ? { since: flags.since } : {}),
        ...(flags.until !== undefined ? { until: flags.until } : {}),
        accounts: flags.account ?? [],
        regions: flags.region ?? [],
        ...(checkpointFlag !== undefined ? { checkpoint: checkpointFlag } : {}),
        restart: flags.restart ?? false,
        cwd: process.cwd(),
        progressOut: { isTTY: Boolean(process.stderr.isTTY), write: (t) => process.stderr.write(t) },
      });
      exit(code);
      // After an interruption an abandoned download may still hold a socket open;
      // the checkpoint and summary are written, so do not wait for it.
      if (code === 130 || code === 143) setTimeout(() => process.exit(code), 3000).unref();
    });
};

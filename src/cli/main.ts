#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../errors.js';
import { createContext } from './context.js';
import { UserFacingError } from './errors.js';
import { runSetup } from './setup.js';
import { runWorker } from './worker.js';

const DEFAULT_IDLE_SECONDS = 30;

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number of seconds ≥ 0');
  return n;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('trailstream')
    .description('Stream AWS CloudTrail logs from S3 (notified through SQS) into OpenSearch.')
    .showHelpAfterError()
    .addHelpText('after', '\nConfiguration comes from environment variables: see docs/configuration.md.');

  let exitCode = 0;
  program
    .command('worker')
    .description('Long-poll the SQS queue and index every CloudTrail file it announces.')
    .option('--until-idle [seconds]', `exit 0 once the queue has stayed empty this long (default ${DEFAULT_IDLE_SECONDS} s)`, seconds)
    .addHelpText('after', `
Examples:
  trailstream worker                    run until SIGTERM/SIGINT
  trailstream worker --until-idle       drain the queue, exit after ${DEFAULT_IDLE_SECONDS} s without messages
  trailstream worker --until-idle 5     same, after 5 s`)
    .action(async (opts: { untilIdle?: number | true }) => {
      const untilIdleSeconds = opts.untilIdle === true ? DEFAULT_IDLE_SECONDS : opts.untilIdle;
      exitCode = await runWorker(createContext(), untilIdleSeconds === undefined ? {} : { untilIdleSeconds });
    });
  program
    .command('setup')
    .description('Install or update the index templates and the lifecycle policy in OpenSearch and, with OPENSEARCH_DASHBOARDS_URL, import the dashboards (idempotent).')
    .addHelpText('after', '\nExample:\n  OPENSEARCH_URL=https://search.example.com trailstream setup')
    .action(async () => {
      exitCode = await runSetup(createContext());
    });

  await program.parseAsync(argv);
  return exitCode;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UserFacingError) {
      process.stderr.write(`trailstream: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`trailstream: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);

#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { processSecrets } from '../observability/secrets.js';
import { registerBackfill } from './commands/backfill.js';
import { registerDoctor } from './commands/doctor.js';
import { registerPrune } from './commands/prune.js';
import { registerReplayDlq } from './commands/replay-dlq.js';
import { registerSetup } from './commands/setup.js';
import type { RegisterCommand } from './commands/types.js';
import { registerWorker } from './commands/worker.js';
import { UserFacingError } from '../errors.js';

/** Every subcommand, in the order `--help` lists them. One module each: src/cli/commands/. */
const COMMANDS: readonly RegisterCommand[] = [
  registerWorker,
  registerSetup,
  registerBackfill,
  registerReplayDlq,
  registerPrune,
  registerDoctor,
];

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('trailstream')
    .description('Stream AWS CloudTrail logs from S3 (notified through SQS) into OpenSearch.')
    .showHelpAfterError()
    .addHelpText('after', '\nConfiguration comes from environment variables: see docs/configuration.md.');

  let exitCode = 0;
  for (const register of COMMANDS) register(program, (code) => (exitCode = code));
  await program.parseAsync(argv);
  return exitCode;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UserFacingError) {
      process.stderr.write(`trailstream: ${processSecrets.scrub(error.message)}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`trailstream: unexpected error: ${processSecrets.scrub((error as Error)?.stack ?? String(error))}\n`);
    process.exitCode = 1;
  },
);

import { InvalidArgumentError } from 'commander';
import { tryCreateContext } from '../context.js';
import { runDoctor } from '../doctor.js';
import type { RegisterCommand } from './types.js';

const DEFAULT_TIMEOUT_SECONDS = 10;

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 600) throw new InvalidArgumentError('must be a number of seconds, more than 0 and at most 600');
  return n;
}

export const registerDoctor: RegisterCommand = (program, exit) => {
  program
    .command('doctor')
    .description(
      'Check the configuration, AWS credentials, queue and DLQ, bucket access, OpenSearch (reachability, version, health, plugins, templates), Dashboards and the geo-IP databases; print what to fix.',
    )
    .option('--json', 'print the results as JSON')
    .option('--timeout <seconds>', `time each check may take (default ${DEFAULT_TIMEOUT_SECONDS})`, seconds)
    .addHelpText(
      'after',
      `
Each check prints one line, OK, WARN, FAIL or SKIP (not applicable, or a check it needs failed),
and a "fix:" line for every WARN and FAIL. Exit 0 when nothing failed, 1 otherwise.

Examples:
  trailstream doctor
  trailstream doctor --json | jq '.checks[] | select(.status != "OK")'
  TRAILSTREAM_CONFIG_FILE=prod.json trailstream doctor --timeout 30

What each check means: docs/operations-commands.md.`,
    )
    .action(async (opts: { json?: boolean; timeout?: number }) => {
      exit(await runDoctor(tryCreateContext(), { json: opts.json ?? false, timeoutSeconds: opts.timeout ?? DEFAULT_TIMEOUT_SECONDS }));
    });
};

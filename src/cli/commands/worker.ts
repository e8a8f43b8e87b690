import { InvalidArgumentError } from 'commander';
import { createContext } from '../context.js';
import { runWorker } from '../worker.js';
import type { RegisterCommand } from './types.js';

const DEFAULT_IDLE_SECONDS = 30;

export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number of seconds ≥ 0');
  return n;
}

export const registerWorker: RegisterCommand = (program, exit) => {
  program
    .command('worker')
    .description('Long-poll the SQS queue and index every CloudTrail file it announces.')
    .option('--until-idle [seconds]', `exit 0 once the queue has stayed empty this long (default ${DEFAULT_IDLE_SECONDS} s)`, seconds)
    .addHelpText('after', `
Examples:
  trailstream worker                    run until SIGTERM/SIGINT
  trailstream worker --until-idle       drain the queue, exit after ${DEFAULT_IDLE_SECONDS} s without messages
  trailstream worker --until-idle 5     same, after 5 s
  TRAILSTREAM_METRICS_PORT=9500 trailstream worker
                                        serve /metrics, /healthz, /readyz on port 9500 (default 9464; 0 = off)

While it runs, http://127.0.0.1:9464/metrics has the Prometheus metrics, /healthz
and /readyz the liveness and readiness (see docs/metrics.md).`)
    .action(async (opts: { untilIdle?: number | true }) => {
      const untilIdleSeconds = opts.untilIdle === true ? DEFAULT_IDLE_SECONDS : opts.untilIdle;
      exit(await runWorker(createContext(), untilIdleSeconds === undefined ? {} : { untilIdleSeconds }));
    });
};

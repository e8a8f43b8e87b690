import { createContext } from '../context.js';
import { runSetup } from '../setup.js';
import type { RegisterCommand } from './types.js';

export const registerSetup: RegisterCommand = (program, exit) => {
  program
    .command('setup')
    .description('Install or update the index templates and the lifecycle policy in OpenSearch and, with OPENSEARCH_DASHBOARDS_URL, import the dashboards (idempotent).')
    .addHelpText('after', '\nExample:\n  OPENSEARCH_URL=https://search.example.com trailstream setup')
    .action(async () => {
      exit(await runSetup(createContext()));
    });
};

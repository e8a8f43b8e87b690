import { createContext } from '../context.js';
import { runSetup } from '../setup.js';
import type { RegisterCommand } from './types.js';

export const registerSetup: RegisterCommand = (program, exit) => {
  program
    .command('setup')
    .description('Install or update the index templates and the lifecycle policy in OpenSearch and, with OPENSEARCH_DASHBOARDS_URL, import the dashboards (idempotent).')
    .addHelpText(
      'after',
      `
Examples:
  OPENSEARCH_URL=https://search.example.com trailstream setup
  OPENSEARCH_URL=https://search.example.com OPENSEARCH_CA_FILE=/etc/ssl/private-ca.pem trailstream setup
  # Amazon OpenSearch Service domain, IAM auth (SigV4) with the role's credentials
  OPENSEARCH_URL=https://search-logs-abc123.eu-west-1.es.amazonaws.com OPENSEARCH_AUTH=sigv4 AWS_REGION=eu-west-1 trailstream setup
  # OpenSearch Serverless collection (no ISM: the lifecycle policy is skipped)
  OPENSEARCH_URL=https://abc123xyz.eu-west-1.aoss.amazonaws.com OPENSEARCH_AUTH=sigv4 OPENSEARCH_AWS_SERVICE=aoss AWS_REGION=eu-west-1 trailstream setup

See docs/amazon-opensearch-service.md for IAM roles and access policies.`,
    )
    .action(async () => {
      exit(await runSetup(createContext()));
    });
};

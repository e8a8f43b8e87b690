import { installTemplates } from '../sink/opensearch/templates.js';
import { describeConnectionError } from './errors.js';
import type { Context } from './context.js';

/** Installs or updates the index templates; says what it created or changed. */
export async function runSetup(ctx: Context): Promise<number> {
  const { config } = ctx;
  const client = ctx.opensearch();
  let version: string;
  try {
    const info = await client.info();
    version = (info.body as { version?: { number?: string } }).version?.number ?? 'unknown';
  } catch (error) {
    throw describeConnectionError('OpenSearch', config.opensearchUrl, error);
  }
  const changes = await installTemplates(client, config);
  for (const c of changes) process.stdout.write(`index template ${c.name}: ${c.change}\n`);
  process.stdout.write(`OpenSearch ${version} at ${new URL(config.opensearchUrl).origin} is ready for trailstream.\n`);
  return 0;
}

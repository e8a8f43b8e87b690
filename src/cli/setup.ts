import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DashboardsError, forConfiguration, importSavedObjects, type DashboardsTarget, type ObjectRef } from '../dashboards/import.js';
import { parseNdjson } from '../dashboards/saved-object.js';
import { installLifecyclePolicy, lifecyclePolicyId, type LifecycleResult } from '../sink/opensearch/lifecycle.js';
import { describeWidenedMargin, existingGranularities, lifecycleAges } from '../sink/lifecycle-ages.js';
import { engineOfHeaders, jsonHttp, wrongEngineMessage, type SearchClientError } from '../sink/search-client.js';
import { installTemplates, renderTemplates, type TemplateChange } from '../sink/templates.js';
import { installMonitors, type MonitorsResult } from '../sink/opensearch/alerting.js';
import { loadConfiguredRules } from './components.js';
import { redactUrl } from '../observability/logger.js';
import { runElasticsearchSetup } from './setup-elasticsearch.js';
import { UserFacingError } from '../errors.js';
import { checkFlatObjectSupport, origins } from '../sink/opensearch/capabilities.js';
import { describeConnectionError } from './errors.js';
import type { Config } from '../config/config.js';
import type { Context } from './context.js';

/** `dashboards/` sits two levels above this file both in `src/` and in `dist/`. */
export const SAVED_OBJECTS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dashboards/trailstream.ndjson');
/** The same objects for Kibana (generated from the same catalog). */
export const KIBANA_SAVED_OBJECTS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dashboards/trailstream-kibana.ndjson');

/** flat_object, which the templates use for free-form CloudTrail fields, arrived in OpenSearch 2.7. */

/**
 * Installs or updates the index templates and the lifecycle policy and, when
 * OPENSEARCH_DASHBOARDS_URL is set, imports the dashboards. Idempotent; every
 * line it prints says what it created, changed or left as it was.
 */
export async function runSetup(ctx: Context): Promise<number> {
  const { config } = ctx;
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  // First: a bad rule file stops setup before it changes anything.
  const rules = loadConfiguredRules(ctx);
  out(`detection rules: ${rules.matcher.rules.length} enabled from ${rules.files.length} files${rules.disabled.length > 0 ? ` (disabled: ${rules.disabled.join(', ')})` : ''}`);
  if (config.target === 'elasticsearch') return runElasticsearchSetup(ctx, out);
  const client = ctx.opensearch();
  const serverless = isServerless(config);
  let version: string;
  if (serverless) {
    // Serverless does not serve GET / (it answers 404); AWS manages the version.
    version = 'Serverless';
    out('OpenSearch Serverless collection: version check skipped (Serverless has no GET / endpoint; AWS manages its OpenSearch version)');
  } else {
    let info: { version?: { number?: string; distribution?: string } };
    try {
      const res = await client.info();
      if (engineOfHeaders(res.headers) === 'elasticsearch') throw new UserFacingError(wrongEngineMessage('opensearch', 'elasticsearch', redactUrl(config.opensearchUrls)));
      info = res.body as typeof info;
    } catch (error) {
      if (error instanceof UserFacingError) throw error;
      // Elasticsearch's minimal distribution has no GET / at all: its answer still names the product.
      if (engineOfHeaders((error as SearchClientError).meta?.headers) === 'elasticsearch') {
        throw new UserFacingError(wrongEngineMessage('opensearch', 'elasticsearch', redactUrl(config.opensearchUrls)));
      }
      throw describeConnectionError('OpenSearch', config.opensearchUrls, error, config.opensearchAuth);
    }
    version = info.version?.number ?? 'unknown';
    checkFlatObjectSupport(info.version?.distribution, version, config.opensearchUrls);
  }

  let changes: TemplateChange[];
  try {
    changes = await installTemplates(ctx.search(), renderTemplates(config));
  } catch (error) {
    // On Serverless this is the first request: an unreachable or refusing endpoint shows here.
    if (serverless && isConnectionFailure(error)) throw describeConnectionError('OpenSearch', config.opensearchUrls, error, config.opensearchAuth);
    throw templateError(error);
  }
  for (const c of changes) out(`index template ${c.name}: ${c.change}`);

  if (serverless) {
    out(describeServerlessLifecycle(lifecyclePolicyId(config.indexPrefix), config.retentionDays));
  } else {
    let lifecycle: LifecycleResult;
    let widened: string | undefined;
    try {
      const http = jsonHttp(ctx.search());
      const settings = { ...config, existingGranularities: await existingGranularities(http, config.indexPrefix) };
      lifecycle = await installLifecyclePolicy(http, settings);
      widened = describeWidenedMargin(lifecycleAges(settings));
    } catch (error) {
      throw new UserFacingError(`installing the lifecycle policy failed: ${(error as Error).message}`);
    }
    out(describeLifecycle(lifecycle, config.retentionDays, config.warmAfterDays));
    if (widened && lifecycle.outcome !== 'plugin-missing') out(`lifecycle policy ${lifecycle.policyId}: ${widened}`);
  }

  if (serverless) {
    out('alerting monitors: skipped: OpenSearch Serverless has no Alerting plugin');
  } else {
    let monitors: MonitorsResult;
    try {
      monitors = await installMonitors(jsonHttp(ctx.search()), config.indexPrefix, config.alertingMonitors);
    } catch (error) {
      throw new UserFacingError(`installing the alerting monitors failed: ${(error as Error).message}. Set TRAILSTREAM_ALERTING_MONITORS=off to skip them.`);
    }
    out(describeMonitors(monitors));
  }

  if (config.dashboardsUrl) {
    await importDashboards(
      {
        url: config.dashboardsUrl,
        ...(config.opensearchUsername ? { username: config.opensearchUsername } : {}),
        ...(config.opensearchPassword ? { password: config.opensearchPassword } : {}),
      },
      'OpenSearch Dashboards',
      SAVED_OBJECTS_FILE,
      config,
      out,
    );
  } else {
    out('dashboards: not imported (set OPENSEARCH_DASHBOARDS_URL to import them, or import dashboards/trailstream.ndjson by hand: see dashboards/README.md)');
  }
  out(`OpenSearch ${version} at ${origins(config.opensearchUrls)} is ready for trailstream.`);
  return 0;
}

/** OpenSearch Serverless: SigV4 for the `aoss` service (the configuration allows `aoss` only with SigV4). */
export function isServerless(config: Pick<Config, 'opensearchAuth' | 'opensearchAwsService'>): boolean {
  return config.opensearchAuth === 'sigv4' && config.opensearchAwsService === 'aoss';
}

/** No HTTP response at all (refused, timed out, TLS): the endpoint, not the request, is the problem. */
function isConnectionFailure(error: unknown): boolean {
  const e = error as { meta?: { statusCode?: number }; name?: string };
  const status = e.meta?.statusCode;
  return status === undefined || status === 0 || status === 401 || status === 403 || e.name === 'ConnectionError' || e.name === 'TimeoutError';
}

/** OpenSearch Serverless has no Index State Management: nothing is installed, and the line says what to do instead. */
export function describeServerlessLifecycle(policyId: string, retentionDays: number): string {
  if (retentionDays === 0) return `lifecycle policy ${policyId}: none (TRAILSTREAM_RETENTION_DAYS=0: indices are kept; OpenSearch Serverless has no Index State Management anyway)`;
  return `lifecycle policy ${policyId}: skipped: OpenSearch Serverless has no Index State Management, so TRAILSTREAM_RETENTION_DAYS (${retentionDays}) and TRAILSTREAM_WARM_AFTER_DAYS are not applied by trailstream. Run \`trailstream prune --older-than ${retentionDays}\` on a schedule (it deletes indices whose period ended that many days ago), or set a data lifecycle policy on the collection if its type offers one; see docs/operations.md.`;
}

/** Imports a shipped saved-objects file into OpenSearch Dashboards or Kibana and says what changed. */
export async function importDashboards(
  target: DashboardsTarget,
  product: 'OpenSearch Dashboards' | 'Kibana',
  file: string,
  config: Pick<Config, 'indexPrefix' | 'deadLetterIndex'>,
  out: (line: string) => void,
): Promise<void> {
  const objects = forConfiguration(parseNdjson(readFileSync(file, 'utf8')), config);
  try {
    const report = await importSavedObjects(target, objects);
    out(`dashboards: ${product} ${report.version} at ${new URL(target.url).origin}: ${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} unchanged`);
    for (const [what, list] of [
      ['created', report.created],
      ['updated', report.updated],
    ] as const) {
      if (list.length > 0) out(`  ${what}: ${list.map(label).join(', ')}`);
    }
  } catch (error) {
    if (error instanceof DashboardsError) throw new UserFacingError(error.message);
    throw error;
  }
}

export function label(o: ObjectRef): string {
  return `${o.type} "${o.title}"`;
}

export function templateError(error: unknown): Error {
  const e = error as { meta?: { statusCode?: number; body?: { error?: { reason?: string } } }; message?: string };
  const reason = e.meta?.body?.error?.reason ?? e.message ?? String(error);
  if (/flat_object/.test(reason)) {
    return new UserFacingError(`OpenSearch refused the index templates: ${reason}. trailstream needs OpenSearch 2.7 or later (the flat_object field type).`);
  }
  if (/multiple index templates may not match|matching patterns from existing templates/.test(reason)) {
    return new UserFacingError(
      `OpenSearch refused the index templates: ${reason}. Another index template with the same priority matches the same indices; pick a TRAILSTREAM_INDEX_PREFIX whose indices no other template (or trailstream installation with a longer or shorter prefix) covers.`,
    );
  }
  if (e.meta?.statusCode === 401 || e.meta?.statusCode === 403) {
    return new UserFacingError(`OpenSearch refused to install the index templates (HTTP ${e.meta.statusCode}): ${reason}. The user needs the indices:admin/index_template/put permission.`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

function describeLifecycle(r: LifecycleResult, retentionDays: number, warmAfterDays: number | undefined): string {
  const what =
    retentionDays > 0
      ? `delete indices ${retentionDays} days after the end of their period${warmAfterDays !== undefined ? `, warm after ${warmAfterDays} days` : ''}`
      : `warm after ${warmAfterDays ?? '?'} days, never delete`;
  switch (r.outcome) {
    case 'plugin-missing':
      return `lifecycle policy ${r.policyId}: skipped: this cluster has no Index State Management plugin (opensearch-index-management), so indices are kept until you delete them. Run \`trailstream prune --older-than ${retentionDays || '<days>'}\` on a schedule (the same retention rule, by the date in the index names), or install the plugin (it comes with the full OpenSearch distribution and Amazon OpenSearch Service) and run setup again, or set TRAILSTREAM_RETENTION_DAYS=0 to say you want no lifecycle.`;
    case 'disabled':
      return r.leftInPlace
        ? `lifecycle policy ${r.policyId}: not managed (TRAILSTREAM_RETENTION_DAYS=0), but a policy of that name exists and still applies; delete it with DELETE _plugins/_ism/policies/${r.policyId} if it should not.`
        : `lifecycle policy ${r.policyId}: none (TRAILSTREAM_RETENTION_DAYS=0: indices are kept)`;
    default:
      return `lifecycle policy ${r.policyId}: ${r.outcome} (${what})${r.attached > 0 ? `; attached to ${r.attached} existing indices` : ''}`;
  }
}

export function describeMonitors(r: MonitorsResult): string {
  switch (r.outcome) {
    case 'off':
      return 'alerting monitors: none (TRAILSTREAM_ALERTING_MONITORS=off)';
    case 'plugin-missing':
      return 'alerting monitors: skipped: this cluster has no Alerting plugin (opensearch-alerting); findings are still tagged (rule.*, event.severity) and searchable. Install the plugin (it comes with the full OpenSearch distribution and Amazon OpenSearch Service) and run setup again to get one monitor per severity.';
    case 'installed': {
      const parts = [];
      if (r.created.length > 0) parts.push(`created ${r.created.map((n) => `"${n}"`).join(', ')} (${r.enabled ? 'enabled' : 'disabled: add a notification action and enable them in Alerting > Monitors'})`);
      if (r.kept.length > 0) parts.push(`${r.kept.length} already present, left as they are`);
      return `alerting monitors: ${parts.join('; ')}`;
    }
  }
}

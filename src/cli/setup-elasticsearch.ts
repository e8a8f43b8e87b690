import { UserFacingError } from '../errors.js';
import { redactUrl } from '../observability/logger.js';
import { checkElasticsearchVersion, elasticsearchVersion } from '../sink/elasticsearch/capabilities.js';
import { isNotElasticsearch } from '../sink/elasticsearch/client.js';
import { hasIlm, ilmPolicyId, installIlmPolicy, type IlmResult } from '../sink/elasticsearch/lifecycle.js';
import { describeWidenedMargin, existingGranularities, lifecycleAges } from '../sink/lifecycle-ages.js';
import { elasticsearchTemplates } from '../sink/elasticsearch/templates.js';
import { jsonHttp, wrongEngineMessage } from '../sink/search-client.js';
import { installTemplates, type TemplateChange } from '../sink/templates.js';
import type { Context } from './context.js';
import { describeConnectionError } from './errors.js';
import { importDashboards, KIBANA_SAVED_OBJECTS_FILE, templateError } from './setup.js';

/**
 * `setup` for TRAILSTREAM_TARGET=elasticsearch: the version check, the ILM
 * policy when the cluster has ILM (said so when not), the index templates
 * (with the policy named in them when it is installed) and, with KIBANA_URL,
 * the Kibana saved objects. Idempotent, one line per thing.
 */
export async function runElasticsearchSetup(ctx: Context, out: (line: string) => void): Promise<number> {
  const { config } = ctx;
  const url = config.elasticsearchUrl;
  const client = ctx.search();
  let version: string;
  try {
    version = await elasticsearchVersion(client);
  } catch (error) {
    // The client refuses any server that does not say it is Elasticsearch; OpenSearch is the likely one.
    if (isNotElasticsearch(error)) throw new UserFacingError(wrongEngineMessage('elasticsearch', 'opensearch', redactUrl(url)));
    throw describeConnectionError('Elasticsearch', url, error);
  }
  checkElasticsearchVersion(version, url);

  const http = jsonHttp(client);
  const wantsLifecycle = config.retentionDays > 0 || config.warmAfterDays !== undefined;
  let lifecycle: IlmResult | undefined;
  let widened: string | undefined;
  try {
    if ((await hasIlm(http)) || !wantsLifecycle) {
      const settings = { ...config, existingGranularities: await existingGranularities(http, config.indexPrefix) };
      lifecycle = await installIlmPolicy(http, settings);
      widened = describeWidenedMargin(lifecycleAges(settings));
    } else lifecycle = { outcome: 'ilm-missing', policyId: ilmPolicyId(config.indexPrefix) };
  } catch (error) {
    throw new UserFacingError(`installing the ILM policy failed: ${(error as Error).message}`);
  }
  const managed = lifecycle.outcome === 'created' || lifecycle.outcome === 'updated' || lifecycle.outcome === 'unchanged';

  let changes: TemplateChange[];
  try {
    changes = await installTemplates(client, elasticsearchTemplates(config, managed ? lifecycle.policyId : undefined));
  } catch (error) {
    throw templateError(error);
  }
  for (const c of changes) out(`index template ${c.name}: ${c.change}`);
  out(describeIlm(lifecycle, config.retentionDays, config.warmAfterDays));
  if (widened && managed) out(`lifecycle policy ${lifecycle.policyId} (ILM): ${widened}`);

  if (config.kibanaUrl) {
    await importDashboards(
      {
        url: config.kibanaUrl,
        product: 'kibana',
        ...(config.elasticsearchApiKey ? { apiKey: config.elasticsearchApiKey } : {}),
        ...(config.elasticsearchUsername ? { username: config.elasticsearchUsername } : {}),
        ...(config.elasticsearchPassword ? { password: config.elasticsearchPassword } : {}),
      },
      'Kibana',
      KIBANA_SAVED_OBJECTS_FILE,
      config,
      out,
    );
  } else {
    out('dashboards: not imported (set KIBANA_URL to import them into Kibana, or import dashboards/trailstream-kibana.ndjson by hand: see dashboards/README.md)');
  }
  out(`Elasticsearch ${version} at ${new URL(url).origin} is ready for trailstream.`);
  return 0;
}

export function describeIlm(r: IlmResult, retentionDays: number, warmAfterDays: number | undefined): string {
  const what =
    retentionDays > 0
      ? `delete indices ${retentionDays} days after the end of their period${warmAfterDays !== undefined ? `, warm after ${warmAfterDays} days` : ''}`
      : `warm after ${warmAfterDays ?? '?'} days, never delete`;
  switch (r.outcome) {
    case 'ilm-missing':
      return `lifecycle policy ${r.policyId}: skipped: this Elasticsearch has no Index Lifecycle Management (the minimal distribution, as in the local stack, leaves it out), so indices are kept until you delete them. The default distribution and Elastic Cloud have ILM: run setup again there, or set TRAILSTREAM_RETENTION_DAYS=0 to say you want no lifecycle.`;
    case 'disabled':
      return r.leftInPlace
        ? `lifecycle policy ${r.policyId}: not managed (TRAILSTREAM_RETENTION_DAYS=0), but an ILM policy of that name exists and indices that name it still follow it; delete it with DELETE _ilm/policy/${r.policyId} if it should not.`
        : `lifecycle policy ${r.policyId}: none (TRAILSTREAM_RETENTION_DAYS=0: indices are kept)`;
    default:
      return `lifecycle policy ${r.policyId} (ILM): ${r.outcome} (${what})${r.attached > 0 ? `; attached to ${r.attached} existing indices` : ''}`;
  }
}

import type { Config } from '../../config/config.js';
import { redactUrl } from '../../observability/logger.js';
import { checkElasticsearchVersion, elasticsearchVersion } from '../../sink/elasticsearch/capabilities.js';
import { isNotElasticsearch } from '../../sink/elasticsearch/client.js';
import { hasIlm, ilmPolicyId } from '../../sink/elasticsearch/lifecycle.js';
import { elasticsearchTemplates } from '../../sink/elasticsearch/templates.js';
import { jsonHttp, wrongEngineMessage, type SearchClient, type SearchClientError } from '../../sink/search-client.js';
import { fail, ok, warn, type Check, type Finding } from './check.js';
import { healthCheck, templatesCheck } from './opensearch-checks.js';

/** Doctor checks of Elasticsearch (TRAILSTREAM_TARGET=elasticsearch): reachable, version, health, ILM, templates. */

export type ElasticsearchCheckConfig = Pick<
  Config,
  'elasticsearchUrl' | 'indexPrefix' | 'deadLetterIndex' | 'numberOfShards' | 'numberOfReplicas' | 'refreshInterval' | 'retentionDays' | 'warmAfterDays'
>;

export const ELASTICSEARCH = 'elasticsearch.reachable';

export function elasticsearchChecks(client: SearchClient, config: ElasticsearchCheckConfig, timeoutMs: number): Check[] {
  const shown = redactUrl(config.elasticsearchUrl);
  const http = jsonHttp(client);
  let ilm: boolean | undefined;
  const ilmPresent = async (): Promise<boolean> => (ilm ??= await hasIlm(http));
  return [
    {
      name: ELASTICSEARCH,
      timeoutFix: `nothing answered at ${shown}: check ELASTICSEARCH_URL, that the cluster is running, and firewalls in between`,
      async run(): Promise<Finding[]> {
        let version: string;
        try {
          version = await elasticsearchVersion(client, { requestTimeout: timeoutMs });
        } catch (error) {
          if (isNotElasticsearch(error)) {
            return [fail(wrongEngineMessage('elasticsearch', 'opensearch', shown), 'set TRAILSTREAM_TARGET=opensearch and OPENSEARCH_URL, or point ELASTICSEARCH_URL at Elasticsearch')];
          }
          const e = error as SearchClientError;
          const status = e.meta?.statusCode;
          if (status === 401 || status === 403) {
            return [
              fail(
                `${shown} refused the credentials (HTTP ${status})`,
                status === 401
                  ? 'check ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD or ELASTICSEARCH_API_KEY'
                  : 'give the user or API key the cluster privileges monitor and manage_index_templates (manage_ilm for the lifecycle) and the index privileges of docs/elasticsearch.md',
              ),
            ];
          }
          if (typeof status === 'number') return [fail(`${shown} answered HTTP ${status}: ${e.message ?? ''}`, 'check that ELASTICSEARCH_URL points at the Elasticsearch REST endpoint, not Kibana or a proxy page')];
          return [
            fail(
              `${shown} is not reachable (${e.name ?? 'Error'}: ${e.message ?? String(error)})`,
              'check ELASTICSEARCH_URL and that Elasticsearch is running (for the local stack: npm run stack -- up --engine elasticsearch)',
            ),
          ];
        }
        const findings: Finding[] = [ok(`${shown} answered (Elasticsearch ${version})`)];
        try {
          checkElasticsearchVersion(version, config.elasticsearchUrl);
          findings.push(ok(`${version} is supported (8 or 9)`, 'elasticsearch.version'));
        } catch (error) {
          findings.push(fail((error as Error).message, 'upgrade the cluster to Elasticsearch 8 or 9', 'elasticsearch.version'));
        }
        return findings;
      },
    },
    healthCheck('elasticsearch.health', ELASTICSEARCH, client, config, timeoutMs),
    {
      name: 'elasticsearch.lifecycle',
      needs: [ELASTICSEARCH],
      async run(): Promise<Finding> {
        const wantsLifecycle = config.retentionDays > 0 || config.warmAfterDays !== undefined;
        const policyId = ilmPolicyId(config.indexPrefix);
        if (!(await ilmPresent())) {
          return wantsLifecycle
            ? warn(
                `no Index Lifecycle Management on this cluster (the minimal distribution), so the lifecycle is off: indices are never deleted (TRAILSTREAM_RETENTION_DAYS=${config.retentionDays} has no effect)`,
                'use the default distribution or Elastic Cloud (both have ILM) and run trailstream setup, or set TRAILSTREAM_RETENTION_DAYS=0 to say you want no lifecycle',
              )
            : ok('no ILM on this cluster; none wanted (TRAILSTREAM_RETENTION_DAYS=0)');
        }
        if (!wantsLifecycle) return ok('ILM present; no lifecycle wanted (TRAILSTREAM_RETENTION_DAYS=0)');
        const res = await http.request('GET', `/_ilm/policy/${encodeURIComponent(policyId)}`);
        return res.status === 200 ? ok(`ILM policy ${policyId} installed`) : warn(`ILM policy ${policyId} is not installed`, 'run trailstream setup');
      },
    },
    {
      name: 'elasticsearch.templates',
      needs: [ELASTICSEARCH],
      async run(signal) {
        const wantsLifecycle = config.retentionDays > 0 || config.warmAfterDays !== undefined;
        const policy = wantsLifecycle && (await ilmPresent()) ? ilmPolicyId(config.indexPrefix) : undefined;
        return templatesCheck('elasticsearch.templates', ELASTICSEARCH, client, elasticsearchTemplates(config, policy), timeoutMs).run(signal);
      },
    },
  ];
}

import type { Client } from '@opensearch-project/opensearch';
import { checkFlatObjectSupport } from '../../sink/opensearch/capabilities.js';
import type { Config } from '../../config/config.js';
import { redactUrl } from '../../observability/logger.js';
import { openSearchRequests } from '../../sink/opensearch/search-client.js';
import { engineOfHeaders, wrongEngineMessage, type SearchClient } from '../../sink/search-client.js';
import { renderTemplates, templateStates, type RenderedTemplate } from '../../sink/templates.js';
import { fail, ok, warn, type Check, type Finding } from './check.js';

/** Doctor checks of OpenSearch: reachable and authorised, version, health, plugins, templates. */

export type OpenSearchCheckConfig = Pick<
  Config,
  'opensearchUrls' | 'indexPrefix' | 'deadLetterIndex' | 'numberOfShards' | 'numberOfReplicas' | 'refreshInterval' | 'retentionDays' | 'warmAfterDays'
>;

export const OPENSEARCH = 'opensearch.reachable';

interface OsError {
  readonly name?: string;
  readonly message?: string;
  readonly meta?: { readonly statusCode?: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string | string[] | undefined>> | null };
}

/**
 * @param nodeClient a client of one node of OPENSEARCH_URL; with several nodes,
 *   `opensearch.nodes` asks each of them on its own whether it answers.
 */
export function openSearchChecks(client: Client, config: OpenSearchCheckConfig, timeoutMs: number, nodeClient?: (url: string) => Client): Check[] {
  const shown = redactUrl(config.opensearchUrls);
  const req = { requestTimeout: timeoutMs };
  const nodes: Check[] =
    nodeClient && config.opensearchUrls.length > 1
      ? [
          {
            name: 'opensearch.nodes',
            async run(): Promise<Finding> {
              const answers = await Promise.all(
                config.opensearchUrls.map(async (url) => {
                  const one = nodeClient(url);
                  try {
                    await one.transport.request({ method: 'HEAD', path: '/' }, { requestTimeout: timeoutMs, maxRetries: 0 });
                    return { url: redactUrl(url), error: undefined };
                  } catch (error) {
                    const e = error as OsError;
                    // Any HTTP answer means the node is there (credentials are the reachable check's business).
                    return { url: redactUrl(url), error: e.meta?.statusCode ? undefined : `${e.name ?? 'Error'}: ${e.message ?? String(error)}` };
                  } finally {
                    await one.close();
                  }
                }),
              );
              const down = answers.filter((a) => a.error !== undefined);
              if (down.length === 0) return ok(`all ${answers.length} nodes in OPENSEARCH_URL answer`);
              const detail = `${down.length} of ${answers.length} nodes in OPENSEARCH_URL do not answer: ${down.map((d) => `${d.url} (${d.error})`).join('; ')}`;
              if (down.length === answers.length) return fail(detail, 'check OPENSEARCH_URL and that the cluster is running');
              return warn(`${detail}; requests go to the others`, 'restart those nodes, or remove them from OPENSEARCH_URL if they left the cluster for good');
            },
          },
        ]
      : [];
  return [
    ...nodes,
    {
      name: OPENSEARCH,
      timeoutFix: `nothing answered at ${shown}: check OPENSEARCH_URL, that the cluster is running, and firewalls or security groups in between`,
      async run(): Promise<Finding[]> {
        let info: { version?: { number?: string; distribution?: string } };
        try {
          const res = await client.info({}, req);
          if (engineOfHeaders(res.headers) === 'elasticsearch') return [fail(wrongEngineMessage('opensearch', 'elasticsearch', shown), 'set TRAILSTREAM_TARGET=elasticsearch and ELASTICSEARCH_URL, or point OPENSEARCH_URL at OpenSearch')];
          info = res.body as typeof info;
        } catch (error) {
          const e = error as OsError;
          const status = e.meta?.statusCode;
          if (engineOfHeaders(e.meta?.headers) === 'elasticsearch') {
            return [fail(wrongEngineMessage('opensearch', 'elasticsearch', shown), 'set TRAILSTREAM_TARGET=elasticsearch and ELASTICSEARCH_URL, or point OPENSEARCH_URL at OpenSearch')];
          }
          if (status === 401 || status === 403) {
            return [
              fail(
                `${shown} refused the credentials (HTTP ${status})`,
                status === 401 ? 'check OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD' : 'give the user the cluster:monitor/main permission (and the index permissions trailstream needs)',
              ),
            ];
          }
          if (typeof status === 'number') return [fail(`${shown} answered HTTP ${status}: ${e.message ?? ''}`, 'check that OPENSEARCH_URL points at the OpenSearch REST endpoint, not Dashboards or a proxy page')];
          return [
            fail(
              `${shown} is not reachable (${e.name ?? 'Error'}: ${e.message ?? String(error)})`,
              'check OPENSEARCH_URL and that OpenSearch is running (for the local stack: npm run stack -- up)',
            ),
          ];
        }
        const version = info.version?.number ?? 'unknown';
        const findings: Finding[] = [ok(`${shown} answered (${info.version?.distribution ?? 'opensearch'} ${version})`)];
        try {
          checkFlatObjectSupport(info.version?.distribution, version, config.opensearchUrls);
          findings.push(ok(`${version} has the flat_object field type (2.7 or later)`, 'opensearch.version'));
        } catch (error) {
          findings.push(fail((error as Error).message, 'upgrade the cluster to OpenSearch 2.7 or later', 'opensearch.version'));
        }
        return findings;
      },
    },
    healthCheck('opensearch.health', OPENSEARCH, openSearchRequests(client), config, timeoutMs),
    {
      name: 'opensearch.plugins',
      needs: [OPENSEARCH],
      async run(): Promise<Finding> {
        const rows = (await client.transport.request({ method: 'GET', path: '/_cat/plugins', querystring: { format: 'json' } }, req)).body as { component?: string }[];
        const components = [...new Set(rows.map((r) => r.component ?? '').filter(Boolean))].sort();
        const hasIsm = components.includes('opensearch-index-management');
        const wantsLifecycle = config.retentionDays > 0 || config.warmAfterDays !== undefined;
        const list = components.length > 0 ? components.join(', ') : 'none';
        if (!hasIsm && wantsLifecycle) {
          return warn(
            `plugins: ${list}; index-management (ISM) is missing, so the lifecycle is off: indices are never deleted (TRAILSTREAM_RETENTION_DAYS=${config.retentionDays} has no effect)`,
            `run trailstream prune --older-than ${config.retentionDays || '<days>'} on a schedule (the same retention rule, by the date in the index names), or install the opensearch-index-management plugin (it comes with the full distribution and Amazon OpenSearch Service) and run trailstream setup, or set TRAILSTREAM_RETENTION_DAYS=0 to say you want no lifecycle`,
          );
        }
        return ok(`plugins: ${list}${hasIsm ? '' : ' (no index-management; none wanted: TRAILSTREAM_RETENTION_DAYS=0)'}`);
      },
    },
    templatesCheck('opensearch.templates', OPENSEARCH, openSearchRequests(client), renderTemplates(config), timeoutMs),
  ];
}

/** Cluster health and the health of trailstream's own indices (both engines answer `_cluster/health` alike). */
export function healthCheck(name: string, needs: string, client: SearchClient, config: Pick<Config, 'indexPrefix' | 'deadLetterIndex'>, timeoutMs: number): Check {
  return {
    name,
    needs: [needs],
    async run(): Promise<Finding> {
      // One request, per index: asking _cluster/health/<our indices> waits for indices that do not exist yet.
      const health = (await client.request({ method: 'GET', path: '/_cluster/health', querystring: { level: 'indices' } }, { requestTimeout: timeoutMs })).body as {
        status?: string;
        number_of_nodes?: number;
        indices?: Record<string, { status?: string; unassigned_shards?: number }>;
      };
      const mine = Object.entries(health.indices ?? {}).filter(([n]) => n.startsWith(`${config.indexPrefix}-`) || n === config.deadLetterIndex);
      const rank = { green: 0, yellow: 1, red: 2 } as const;
      const worstOf = mine.reduce<'green' | 'yellow' | 'red'>((w, [, i]) => {
        const st = (i.status ?? 'green') as keyof typeof rank;
        return (rank[st] ?? 0) > rank[w] ? st : w;
      }, 'green');
      const ours = { status: mine.length === 0 ? 'green (none yet)' : worstOf, unassigned_shards: mine.reduce((n, [, i]) => n + (i.unassigned_shards ?? 0), 0) };
      const detail = `cluster ${health.status ?? '?'} (${health.number_of_nodes ?? '?'} node(s)); trailstream indices ${ours.status}`;
      if (health.status === 'red' || ours.status === 'red') {
        return fail(detail, 'some primary shards are unassigned: GET _cluster/allocation/explain says why (disk watermarks, lost nodes); restore the nodes or the data');
      }
      if (ours.status === 'yellow') {
        return warn(
          `${detail}: ${ours.unassigned_shards} replica shard(s) unassigned`,
          `add data nodes, or on a single node set TRAILSTREAM_INDEX_REPLICAS=0, run trailstream setup, and set existing indices with PUT ${config.indexPrefix}-*/_settings {"index":{"number_of_replicas":0}}`,
        );
      }
      return ok(detail);
    },
  };
}

/** Are the templates installed and what this version would install? */
export function templatesCheck(name: string, needs: string, client: SearchClient, templates: readonly RenderedTemplate[], timeoutMs: number): Check {
  return {
    name,
    needs: [needs],
    async run(): Promise<Finding> {
      const states = await templateStates(client, templates, { requestTimeout: timeoutMs });
      const missing = states.filter((s) => s.state === 'missing').map((s) => s.name);
      const outdated = states.filter((s) => s.state === 'outdated').map((s) => s.name);
      if (missing.length > 0) {
        return fail(`index template(s) not installed: ${missing.join(', ')}`, 'run trailstream setup (with this configuration: the names follow TRAILSTREAM_INDEX_PREFIX and TRAILSTREAM_DEAD_LETTER_INDEX)');
      }
      if (outdated.length > 0) {
        return warn(
          `index template(s) differ from what this version installs: ${outdated.join(', ')}`,
          'run trailstream setup to update them; existing indices keep their mapping, the next one (next day, week or month) gets the new one',
        );
      }
      return ok(`${states.map((s) => s.name).join(', ')} installed and up to date`);
    },
  };
}

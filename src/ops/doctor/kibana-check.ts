import type { Config } from '../../config/config.js';
import { DashboardsError, planImport, type DashboardsTarget, type Fetch, type ObjectRef } from '../../dashboards/import.js';
import type { SavedObject } from '../../dashboards/saved-object.js';
import { redactUrl } from '../../observability/logger.js';
import { fail, ok, skip, warn, type Check, type Finding } from './check.js';

export type KibanaCheckConfig = Partial<Pick<Config, 'kibanaUrl' | 'elasticsearchUsername' | 'elasticsearchPassword' | 'elasticsearchApiKey'>>;

const CREDENTIALS = 'ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD (or ELASTICSEARCH_API_KEY)';
const IMPORT = 'run trailstream setup with KIBANA_URL set (it imports them, overwriting only trailstream\'s objects), or import dashboards/trailstream-kibana.ndjson by hand (Stack Management → Saved objects → Import)';

/**
 * Kibana, with TRAILSTREAM_TARGET=elasticsearch and KIBANA_URL: is it there
 * (`GET /api/status`, with the credentials `setup` imports with), which
 * version, is it ready, and are trailstream's saved objects imported and
 * current (`_bulk_get` of every object of dashboards/trailstream-kibana.ndjson,
 * compared as `setup` compares them). Two lines: `kibana` and
 * `kibana.saved-objects`. Reads only; changes nothing.
 *
 * @param objects the saved objects `setup` would import, for this configuration.
 */
export function kibanaCheck(config: KibanaCheckConfig, objects: () => readonly SavedObject[], fetchImpl: Fetch = fetch): Check {
  return {
    name: 'kibana',
    timeoutFix: 'nothing answered in time: check KIBANA_URL (with its base path) and that Kibana is running',
    async run(signal): Promise<Finding | readonly Finding[]> {
      if (!config.kibanaUrl) {
        return skip('KIBANA_URL is not set: the dashboards are not imported by setup (import dashboards/trailstream-kibana.ndjson by hand, see dashboards/README.md)');
      }
      const shown = redactUrl(config.kibanaUrl);
      const target: DashboardsTarget = {
        url: config.kibanaUrl,
        product: 'kibana',
        ...(config.elasticsearchApiKey ? { apiKey: config.elasticsearchApiKey } : {}),
        ...(config.elasticsearchUsername ? { username: config.elasticsearchUsername } : {}),
        ...(config.elasticsearchPassword ? { password: config.elasticsearchPassword } : {}),
      };
      const wanted = objects();
      let plan;
      try {
        plan = await planImport(target, wanted, fetchImpl, signal);
      } catch (error) {
        if (!(error instanceof DashboardsError)) throw error;
        return [fail(error.message, fixFor(error)), skip('not checked: Kibana did not answer', 'kibana.saved-objects')];
      }
      return [statusFinding(shown, plan.version, plan.status), objectsFinding(wanted.length, plan)];
    },
  };
}

function fixFor(error: DashboardsError): string {
  switch (error.reason) {
    case 'unreachable':
      return 'check KIBANA_URL (scheme, host, port and base path) and that Kibana is running and can reach Elasticsearch';
    case 'credentials':
      return `check ${CREDENTIALS}: doctor and setup use them for Kibana too; the user needs read access to saved objects (doctor) and to manage them (setup)`;
    case 'not-dashboards':
      return 'KIBANA_URL must be Kibana\'s address, with its base path if it is served under one (server.basePath)';
    case 'rejected':
      return 'see the answer above; Kibana\'s own log says more';
  }
}

interface KibanaStatus {
  version?: { number?: string };
  status?: { overall?: { level?: string; summary?: string; state?: string } };
}

/** Kibana 8 and 9 report `status.overall.level`: available, degraded, unavailable or critical. */
function statusFinding(shown: string, version: string, body: unknown): Finding {
  const status = (typeof body === 'object' && body !== null ? body : {}) as KibanaStatus;
  const major = Number.parseInt(version, 10);
  if (!(major === 8 || major === 9)) {
    return fail(
      `${shown} answers /api/status as version ${version}, not Kibana 8 or 9`,
      'point KIBANA_URL at Kibana 8 or 9 (trailstream\'s Kibana objects are in their format); OpenSearch Dashboards answers the same API: for OpenSearch set TRAILSTREAM_TARGET=opensearch and OPENSEARCH_DASHBOARDS_URL',
    );
  }
  const overall = status.status?.overall;
  const level = overall?.level;
  const summary = overall?.summary ? `: ${overall.summary}` : '';
  if (level === 'unavailable' || level === 'critical') {
    return fail(`${shown}: Kibana ${version} is ${level}${summary}`, 'open Kibana\'s /api/status to see which service is not ready; usually Kibana cannot reach Elasticsearch');
  }
  if (level === 'degraded') {
    return warn(`${shown}: Kibana ${version} is degraded${summary}`, 'open Kibana\'s /api/status to see which service is degraded; dashboards may load slowly or not at all');
  }
  return ok(`${shown}: Kibana ${version}${level ? ` (${level})` : ''}`);
}

function objectsFinding(total: number, plan: { created: readonly ObjectRef[]; updated: readonly ObjectRef[]; unchanged: readonly ObjectRef[] }): Finding {
  const name = 'kibana.saved-objects';
  const few = (list: readonly ObjectRef[]): string => list.slice(0, 5).map((o) => `${o.type} "${o.title}"`).join(', ') + (list.length > 5 ? `, and ${list.length - 5} more` : '');
  if (plan.created.length === 0 && plan.updated.length === 0) {
    return ok(`all ${total} trailstream saved objects are imported and current (${countByType(plan.unchanged)})`, name);
  }
  const parts: string[] = [];
  if (plan.created.length > 0) parts.push(`${plan.created.length} of ${total} not imported: ${few(plan.created)}`);
  if (plan.updated.length > 0) parts.push(`${plan.updated.length} differ from this version's (or from TRAILSTREAM_INDEX_PREFIX / TRAILSTREAM_DEAD_LETTER_INDEX): ${few(plan.updated)}`);
  return warn(parts.join('; '), IMPORT, name);
}

function countByType(list: readonly ObjectRef[]): string {
  const counts = new Map<string, number>();
  for (const o of list) counts.set(o.type, (counts.get(o.type) ?? 0) + 1);
  return [...counts].map(([type, n]) => `${n} ${type}`).join(', ');
}

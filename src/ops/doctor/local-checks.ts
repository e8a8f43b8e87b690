import path from 'node:path';
import type { Config } from '../../config/config.js';
import { enricherOptionsOf } from '../../enrich/enricher.js';
import { openGeoLookup } from '../../enrich/geo.js';
import { redactUrl } from '../../observability/logger.js';
import { loadRules } from '../../rules/load-rules.js';
import { fail, ok, skip, type Check, type Finding } from './check.js';

/** Doctor checks of OpenSearch Dashboards and the geo-IP databases. */

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export function dashboardsCheck(config: Pick<Config, 'dashboardsUrl' | 'opensearchUsername' | 'opensearchPassword'>, fetchImpl: Fetch = fetch): Check {
  return {
    name: 'dashboards',
    timeoutFix: 'nothing answered: check OPENSEARCH_DASHBOARDS_URL (with its base path) and that Dashboards is running',
    async run(signal): Promise<Finding> {
      if (!config.dashboardsUrl) return skip('OPENSEARCH_DASHBOARDS_URL is not set (dashboards are imported by hand, see dashboards/README.md)');
      const base = new URL(config.dashboardsUrl);
      const shown = redactUrl(config.dashboardsUrl);
      const headers: Record<string, string> = { 'osd-xsrf': 'true' };
      const user = config.opensearchUsername ?? (base.username ? decodeURIComponent(base.username) : undefined);
      const password = config.opensearchPassword ?? (base.password ? decodeURIComponent(base.password) : undefined);
      if (user && password) headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      base.username = '';
      base.password = '';
      const url = `${base.toString().replace(/\/$/, '')}/api/status`;
      let res: Response;
      try {
        res = await fetchImpl(url, { headers, signal });
      } catch (error) {
        const e = error as Error & { cause?: { code?: string } };
        return fail(`${shown} is not reachable (${e.cause?.code ?? e.name}: ${e.message})`, 'check OPENSEARCH_DASHBOARDS_URL and that OpenSearch Dashboards is running');
      }
      if (res.status === 401 || res.status === 403) {
        return fail(`${shown} refused the credentials (HTTP ${res.status})`, 'check OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD: setup imports the dashboards with them');
      }
      if (!res.ok) return fail(`${url.replace(base.origin, new URL(shown).origin)} answered HTTP ${res.status}`, 'check that OPENSEARCH_DASHBOARDS_URL points at OpenSearch Dashboards, including its base path');
      const body = (await res.json().catch(() => ({}))) as { version?: { number?: string }; status?: { overall?: { state?: string } } };
      const state = body.status?.overall?.state;
      if (state !== undefined && state !== 'green') {
        return fail(`${shown}: OpenSearch Dashboards ${body.version?.number ?? '?'} reports status ${state}`, 'open its /api/status page to see which plugin is not ready; usually it cannot reach OpenSearch');
      }
      return ok(`${shown}: OpenSearch Dashboards ${body.version?.number ?? '?'}${state ? ` (${state})` : ''}`);
    },
  };
}

export function geoCheck(config: Pick<Config, 'geoipDisabled' | 'geoipCityDb' | 'geoipAsnDb' | 'geoipCacheSize'>): Check {
  return {
    name: 'geoip',
    timeoutFix: 'opening the databases took too long (slow disk?): raise --timeout',
    async run(): Promise<Finding> {
      const { geo } = enricherOptionsOf(config);
      if (geo === false) return skip('geo-IP enrichment is off (TRAILSTREAM_GEOIP_DISABLED=true)');
      try {
        const lookup = await openGeoLookup(geo);
        const dbs = lookup.databases.map((d) => `${d.role} ${path.basename(d.path)} (${d.databaseType}, built ${d.buildEpoch.toISOString().slice(0, 10)})`);
        return ok(dbs.length > 0 ? dbs.join('; ') : 'no databases configured (TRAILSTREAM_GEOIP_CITY_DB is empty)');
      } catch (error) {
        return fail(
          (error as Error).message,
          'fix TRAILSTREAM_GEOIP_CITY_DB / TRAILSTREAM_GEOIP_ASN_DB (readable .mmdb files), unset them for the bundled DB-IP databases (npm ci installs them), or set TRAILSTREAM_GEOIP_DISABLED=true',
        );
      }
    },
  };
}

/** The detection rules load and compile as `setup` and `worker` will load them. */
export function rulesCheck(config: Pick<Config, 'rulesDir' | 'rulesDisabled'>): Check {
  return {
    name: 'rules',
    timeoutFix: 'reading the rule files took too long (slow disk?): raise --timeout',
    async run(): Promise<Finding> {
      try {
        const { matcher, files, disabled } = loadRules({
          ...(config.rulesDir !== undefined ? { extraPath: config.rulesDir } : {}),
          ...(config.rulesDisabled !== undefined ? { disabled: config.rulesDisabled } : {}),
        });
        const rulesets = [...new Set(matcher.rules.map((r) => r.ruleset))];
        return ok(`${matcher.rules.length} detection rules enabled from ${files.length} files (${rulesets.join(', ')})${disabled.length > 0 ? `; disabled: ${disabled.join(', ')}` : ''}`);
      } catch (error) {
        return fail((error as Error).message, 'fix the rule file (docs/rules.md describes the format), or the id in TRAILSTREAM_RULES_DISABLED; setup and worker refuse to start until then');
      }
    },
  };
}

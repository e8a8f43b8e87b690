import { SEVERITIES, SEVERITY_NUMBER, type Severity } from '../../model/detection.js';
import { isMissingHandler, type JsonHttp } from './lifecycle.js';

/**
 * One query-level monitor of the OpenSearch Alerting plugin per rule severity
 * (https://docs.opensearch.org/latest/observing-your-data/alerting/api/):
 * every 10 minutes it counts the documents tagged with that `event.severity`
 * whose eventTime falls in the last hour (CloudTrail delivers records 5 to 15
 * minutes after the call, so a window as short as the period would miss late
 * ones). The trigger fires when there is at least one.
 *
 * Monitors carry no actions: where an alert goes (a Notifications channel) is
 * the user's to choose. They are created switched off unless
 * TRAILSTREAM_ALERTING_MONITORS=enabled; a monitor that exists is left as it
 * is, so the actions and switch the user set survive every `setup`.
 */
export type MonitorMode = 'disabled' | 'enabled' | 'off';

export const ALERTING = '/_plugins/_alerting';

/** Alerting trigger severities run from "1" (highest) to "5". */
const TRIGGER_SEVERITY: Readonly<Record<Severity, string>> = { critical: '1', high: '2', medium: '3', low: '4' };

export function monitorName(indexPrefix: string, severity: Severity): string {
  return `${indexPrefix}: ${severity} findings`;
}

export interface QueryLevelMonitor {
  readonly type: 'monitor';
  readonly monitor_type: 'query_level_monitor';
  readonly name: string;
  readonly enabled: boolean;
  readonly schedule: { readonly period: { readonly interval: number; readonly unit: 'MINUTES' } };
  readonly inputs: readonly [{ readonly search: { readonly indices: readonly string[]; readonly query: Record<string, unknown> } }];
  readonly triggers: readonly {
    readonly name: string;
    readonly severity: string;
    readonly condition: { readonly script: { readonly source: string; readonly lang: 'painless' } };
    readonly actions: readonly unknown[];
  }[];
}

/** The monitors `setup` installs, most severe first; none when the mode is `off`. */
export function renderMonitors(indexPrefix: string, mode: MonitorMode): QueryLevelMonitor[] {
  if (mode === 'off') return [];
  return [...SEVERITIES].reverse().map((severity) => ({
    type: 'monitor',
    monitor_type: 'query_level_monitor',
    name: monitorName(indexPrefix, severity),
    enabled: mode === 'enabled',
    schedule: { period: { interval: 10, unit: 'MINUTES' } },
    inputs: [
      {
        search: {
          // The event indices (cloudtrail-2026.01.01), not the insights or dead-letter ones.
          indices: [`${indexPrefix}-1*`, `${indexPrefix}-2*`],
          query: {
            size: 10,
            track_total_hits: true,
            sort: [{ '@timestamp': { order: 'desc' } }],
            _source: ['@timestamp', 'rule.id', 'rule.name', 'eventName', 'eventSource', 'userIdentity.arn', 'sourceIPAddress', 'cloud.account.id', 'cloud.region'],
            query: {
              bool: {
                filter: [
                  { term: { 'event.severity': SEVERITY_NUMBER[severity] } },
                  { range: { '@timestamp': { gte: '{{period_end}}||-1h', lte: '{{period_end}}', format: 'epoch_millis' } } },
                ],
              },
            },
          },
        },
      },
    ],
    triggers: [
      {
        name: `${severity} findings`,
        severity: TRIGGER_SEVERITY[severity],
        condition: { script: { source: 'ctx.results[0].hits.total.value > 0', lang: 'painless' } },
        actions: [],
      },
    ],
  }));
}

export type MonitorsResult =
  | { readonly outcome: 'plugin-missing' }
  | { readonly outcome: 'off' }
  | { readonly outcome: 'installed'; readonly created: readonly string[]; readonly kept: readonly string[]; readonly enabled: boolean };

/**
 * Creates the monitors that do not exist yet (by name). A cluster without the
 * Alerting plugin is reported, not treated as an error.
 */
export async function installMonitors(http: JsonHttp, indexPrefix: string, mode: MonitorMode): Promise<MonitorsResult> {
  if (mode === 'off') return { outcome: 'off' };
  const wanted = renderMonitors(indexPrefix, mode);
  const found = await http.request('POST', `${ALERTING}/monitors/_search`, {
    size: 100,
    // Names are matched as phrases, then compared exactly below.
    query: { bool: { should: wanted.map((m) => ({ match_phrase: { 'monitor.name': m.name } })), minimum_should_match: 1 } },
  });
  // Before the first monitor, the plugin answers 404 index_not_found (its config index does not exist yet).
  const noMonitorsYet = found.status === 404 && (found.body as { error?: { type?: string } } | undefined)?.error?.type === 'index_not_found_exception';
  // A cluster without the plugin answers 400 "no handler found"; any other 404 is not the plugin either.
  if (isMissingHandler(found) || (found.status === 404 && !noMonitorsYet)) return { outcome: 'plugin-missing' };
  const existing = new Set<string>();
  if (found.status >= 200 && found.status < 300) {
    const hits = (found.body as { hits?: { hits?: { _source?: { name?: string; monitor?: { name?: string } } }[] } }).hits?.hits ?? [];
    for (const h of hits) {
      const name = h._source?.name ?? h._source?.monitor?.name;
      if (name !== undefined) existing.add(name);
    }
  } else if (!noMonitorsYet) {
    throw new Error(`listing Alerting monitors failed (HTTP ${found.status}): ${JSON.stringify(found.body)}`);
  }
  const created: string[] = [];
  const kept: string[] = [];
  for (const monitor of wanted) {
    if (existing.has(monitor.name)) {
      kept.push(monitor.name);
      continue;
    }
    const res = await http.request('POST', `${ALERTING}/monitors`, monitor);
    if (res.status < 200 || res.status >= 300) throw new Error(`creating Alerting monitor "${monitor.name}" failed (HTTP ${res.status}): ${JSON.stringify(res.body)}`);
    created.push(monitor.name);
  }
  return { outcome: 'installed', created, kept, enabled: mode === 'enabled' };
}

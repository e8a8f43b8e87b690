import { installMonitors, renderMonitors } from '../../../src/sink/opensearch/alerting.js';
import type { JsonHttp } from '../../../src/sink/opensearch/lifecycle.js';
import { describeMonitors } from '../../../src/cli/setup.js';

/**
 * The monitors against the shape the Alerting API documents for a query-level
 * monitor (POST _plugins/_alerting/monitors, docs.opensearch.org
 * "Alerting API › Create a query-level monitor").
 */
describe('alerting monitors', () => {
  it('one query-level monitor per severity, disabled by default, without actions', () => {
    const monitors = renderMonitors('cloudtrail', 'disabled');
    expect(monitors.map((m) => m.name)).toEqual(['cloudtrail: critical findings', 'cloudtrail: high findings', 'cloudtrail: medium findings', 'cloudtrail: low findings']);
    for (const m of monitors) {
      expect(Object.keys(m).sort()).toEqual(['enabled', 'inputs', 'monitor_type', 'name', 'schedule', 'triggers', 'type']);
      expect(m).toMatchObject({ type: 'monitor', monitor_type: 'query_level_monitor', enabled: false, schedule: { period: { interval: 10, unit: 'MINUTES' } } });
      expect(m.inputs).toHaveLength(1);
      expect(m.inputs[0].search.indices).toEqual(['cloudtrail-1*', 'cloudtrail-2*']);
      expect(m.triggers).toHaveLength(1);
      expect(m.triggers[0]!.condition).toEqual({ script: { source: 'ctx.results[0].hits.total.value > 0', lang: 'painless' } });
      expect(m.triggers[0]!.actions).toEqual([]);
      expect(['1', '2', '3', '4', '5']).toContain(m.triggers[0]!.severity);
    }
    const critical = monitors[0]!.inputs[0].search.query as { query: { bool: { filter: unknown[] } } };
    expect(critical.query.bool.filter).toEqual([
      { term: { 'event.severity': 4 } },
      { range: { '@timestamp': { gte: '{{period_end}}||-1h', lte: '{{period_end}}', format: 'epoch_millis' } } },
    ]);
    expect(renderMonitors('cloudtrail', 'enabled').every((m) => m.enabled)).toBe(true);
    expect(renderMonitors('cloudtrail', 'off')).toEqual([]);
  });

  function fakeHttp(answers: (method: string, path: string, body: unknown) => { status: number; body: unknown }): JsonHttp & { calls: [string, string, unknown][] } {
    const calls: [string, string, unknown][] = [];
    return {
      calls,
      request: async (method, path, body) => {
        calls.push([method, path, body]);
        return answers(method, path, body);
      },
    };
  }

  it('is skipped with a clear line when the cluster has no Alerting plugin', async () => {
    const http = fakeHttp(() => ({ status: 400, body: { error: 'no handler found for uri [/_plugins/_alerting/monitors/_search] and method [POST]' } }));
    const result = await installMonitors(http, 'cloudtrail', 'disabled');
    expect(result).toEqual({ outcome: 'plugin-missing' });
    expect(http.calls).toHaveLength(1);
    expect(describeMonitors(result)).toMatch(/^alerting monitors: skipped: this cluster has no Alerting plugin/);
  });

  it('creates the missing monitors and leaves existing ones (and their actions) alone', async () => {
    const http2 = fakeHttp((_m, path) => (path.endsWith('/_search') ? { status: 200, body: { hits: { hits: [{ _source: { name: 'cloudtrail: high findings' } }] } } } : { status: 201, body: { _id: 'x' } }));
    const result = await installMonitors(http2, 'cloudtrail', 'disabled');
    expect(result).toEqual({ outcome: 'installed', created: ['cloudtrail: critical findings', 'cloudtrail: medium findings', 'cloudtrail: low findings'], kept: ['cloudtrail: high findings'], enabled: false });
    expect(http2.calls.filter(([, p]) => p === '/_plugins/_alerting/monitors').map(([, , b]) => (b as { name: string }).name)).toEqual(result.outcome === 'installed' ? result.created : []);
    expect(describeMonitors(result)).toMatch(/created .* \(disabled: add a notification action/);
  });

  it('reads monitor names in either _source shape', async () => {
    const http = fakeHttp((_m, path) => (path.endsWith('/_search') ? { status: 200, body: { hits: { hits: [{ _source: { monitor: { name: 'ct: low findings' } } }] } } } : { status: 201, body: {} }));
    expect(await installMonitors(http, 'ct', 'disabled')).toMatchObject({ kept: ['ct: low findings'] });
  });

  it('creates all of them on a cluster that has no monitor yet (404 from the search)', async () => {
    const http = fakeHttp((_m, path) => (path.endsWith('/_search') ? { status: 404, body: { error: { type: 'index_not_found_exception' } } } : { status: 201, body: {} }));
    const result = await installMonitors(http, 'ct', 'enabled');
    expect(result).toMatchObject({ outcome: 'installed', kept: [], enabled: true });
    expect(http.calls.filter(([m, p]) => m === 'POST' && p === '/_plugins/_alerting/monitors')).toHaveLength(4);
  });

  it('treats a 404 that is not the plugin\'s own "no monitors yet" as no plugin', async () => {
    const http = fakeHttp(() => ({ status: 404, body: {} }));
    expect(await installMonitors(http, 'ct', 'disabled')).toEqual({ outcome: 'plugin-missing' });
    expect(http.calls).toHaveLength(1);
  });

  it('does nothing when switched off', async () => {
    const http = fakeHttp(() => ({ status: 500, body: {} }));
    expect(await installMonitors(http, 'ct', 'off')).toEqual({ outcome: 'off' });
    expect(http.calls).toHaveLength(0);
  });
});

/**
 * The few calls the check makes to OpenSearch Dashboards. Facts about the
 * cluster (its data's time range, whether it has the geo module) go through
 * Dashboards' console proxy, so the check needs nothing but the Dashboards URL.
 */
export interface DashboardsEndpoint {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
}

export class CheckSetupError extends Error {}

function headers(d: DashboardsEndpoint): Record<string, string> {
  const h: Record<string, string> = { 'osd-xsrf': 'true', 'content-type': 'application/json' };
  if (d.username) h.authorization = `Basic ${Buffer.from(`${d.username}:${d.password ?? ''}`).toString('base64')}`;
  return h;
}

const join = (base: string, path: string): string => `${base.replace(/\/+$/, '')}/${path}`;

async function call(d: DashboardsEndpoint, method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(join(d.url, path), { method, headers: headers(d), ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new CheckSetupError(`OpenSearch Dashboards at ${d.url} is not reachable (${(e as Error).message}); start it or set OPENSEARCH_DASHBOARDS_URL`);
  }
  const text = await res.text();
  if (!res.ok) throw new CheckSetupError(`${method} ${path} on OpenSearch Dashboards answered ${res.status}: ${text.slice(0, 300)}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/** The Dashboards version when it answers /api/status, else a CheckSetupError saying why not. */
export async function dashboardsVersion(d: DashboardsEndpoint): Promise<string> {
  const status = (await call(d, 'GET', 'api/status')) as { version?: { number?: string } };
  return status.version?.number ?? 'unknown';
}

/** A request to the cluster behind Dashboards, through its console proxy. */
export function viaConsole(d: DashboardsEndpoint, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  return call(d, 'POST', `api/console/proxy?path=${encodeURIComponent(path)}&method=${method}`, body ?? {});
}

/** The title (index pattern) of a saved index pattern, as imported. */
export async function indexPatternTitle(d: DashboardsEndpoint, id: string): Promise<string> {
  const so = (await call(d, 'GET', `api/saved_objects/index-pattern/${encodeURIComponent(id)}`)) as { attributes?: { title?: string } };
  if (!so.attributes?.title) throw new CheckSetupError(`index pattern ${id} is not in Dashboards; run trailstream setup with OPENSEARCH_DASHBOARDS_URL`);
  return so.attributes.title;
}

/** Whether the cluster's nodes all load the `geo` module (geohash_grid, geotile_grid); undefined when the console proxy is not available. */
export async function hasGeoModule(d: DashboardsEndpoint): Promise<boolean | undefined> {
  try {
    const r = (await viaConsole(d, 'GET', '_nodes/plugins?filter_path=nodes.*.modules.name')) as { nodes?: Record<string, { modules?: { name: string }[] }> };
    const nodes = Object.values(r.nodes ?? {});
    return nodes.length > 0 && nodes.every((n) => (n.modules ?? []).some((m) => m.name === 'geo'));
  } catch {
    return undefined;
  }
}

export interface TimeRange {
  readonly from: string;
  readonly to: string;
}

const DAY = 86_400_000;

/**
 * The data's time range: from the first to the last event of the 30 days
 * before the latest one (a demo mixes generated recent days with a few real
 * files years older; a month keeps the charts readable), padded by a minute.
 */
export async function dataTimeRange(d: DashboardsEndpoint, indexPattern: string): Promise<TimeRange> {
  const range = async (filter?: unknown): Promise<{ min: number | null; max: number | null; count: number }> => {
    const r = (await viaConsole(d, 'POST', `${indexPattern}/_search`, {
      size: 0,
      track_total_hits: true,
      ...(filter ? { query: filter } : {}),
      aggs: { min: { min: { field: '@timestamp' } }, max: { max: { field: '@timestamp' } } },
    })) as { hits: { total: { value: number } }; aggregations?: { min: { value: number | null }; max: { value: number | null } } };
    return { min: r.aggregations?.min.value ?? null, max: r.aggregations?.max.value ?? null, count: r.hits.total.value };
  };
  const all = await range();
  if (all.count === 0 || all.max === null) {
    throw new CheckSetupError(`${indexPattern} holds no events: load data first (npm run demo), or give --from and --to`);
  }
  const recent = await range({ range: { '@timestamp': { gte: all.max - 30 * DAY } } });
  const min = recent.min ?? all.max;
  return { from: new Date(min - 60_000).toISOString(), to: new Date(all.max + 60_000).toISOString() };
}

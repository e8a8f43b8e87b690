import type { SavedObject } from '../../../src/dashboards/saved-object.js';

/**
 * Translates saved objects the way OpenSearch Dashboards does when it renders
 * them: a saved search's query and filters, a visualization's own query on top
 * of its saved search, and its `visState.aggs` into an OpenSearch aggregation
 * tree (metrics at the leaves, buckets nested in order).
 */
export interface SearchSource {
  query?: { query: string; language: string };
  filter?: { meta?: { negate?: boolean; disabled?: boolean }; query?: Record<string, unknown> }[];
  indexRefName?: string;
}

export interface VisAgg {
  id: string;
  type: string;
  schema: string;
  params: Record<string, unknown>;
}

export interface VisState {
  title: string;
  type: string;
  aggs: VisAgg[];
  params: Record<string, unknown>;
}

export function searchSourceOf(o: SavedObject): SearchSource {
  const meta = o.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string };
  return JSON.parse(meta.searchSourceJSON) as SearchSource;
}

export function visStateOf(o: SavedObject): VisState {
  return JSON.parse(o.attributes.visState as string) as VisState;
}

/** Lucene queries run as `query_string`, as Dashboards sends them (analyze_wildcard from its default settings). */
function clausesOf(source: SearchSource): { must: unknown[]; mustNot: unknown[] } {
  const must: unknown[] = [];
  const mustNot: unknown[] = [];
  const q = source.query?.query ?? '';
  if (q.trim() !== '') {
    if (source.query?.language !== 'lucene') throw new Error(`only lucene queries are translated, got ${source.query?.language}`);
    must.push({ query_string: { query: q, analyze_wildcard: true } });
  }
  for (const f of source.filter ?? []) {
    if (f.meta?.disabled) continue;
    (f.meta?.negate ? mustNot : must).push(f.query);
  }
  return { must, mustNot };
}

/** The query a visualization (or a saved search) runs: its own search source plus its saved search's. */
export function queryOf(o: SavedObject, byId: ReadonlyMap<string, SavedObject>): Record<string, unknown> {
  const must: unknown[] = [];
  const mustNot: unknown[] = [];
  const add = (s: SearchSource): void => {
    const c = clausesOf(s);
    must.push(...c.must);
    mustNot.push(...c.mustNot);
  };
  add(searchSourceOf(o));
  const ref = o.references.find((r) => r.name === o.attributes.savedSearchRefName);
  if (ref) {
    const search = byId.get(ref.id);
    if (!search) throw new Error(`${o.id}: saved search ${ref.id} missing`);
    add(searchSourceOf(search));
  }
  return { bool: { must, must_not: mustNot } };
}

/** The index pattern id a visualization or search reads, following its saved search. */
export function indexPatternOf(o: SavedObject, byId: ReadonlyMap<string, SavedObject>): string {
  const direct = o.references.find((r) => r.type === 'index-pattern' && r.name === 'kibanaSavedObjectMeta.searchSourceJSON.index');
  if (direct) return direct.id;
  const ref = o.references.find((r) => r.name === o.attributes.savedSearchRefName);
  const search = ref ? byId.get(ref.id) : undefined;
  if (!search) throw new Error(`${o.id}: no index pattern`);
  return indexPatternOf(search, byId);
}

const METRIC_SCHEMAS = new Set(['metric', 'radius']);

export interface TranslateOptions {
  /**
   * geohash_grid lives in OpenSearch's `geo` module, which the minimal
   * distribution of the local stack lacks: stand in with a filter on the
   * field's presence and its core geo_centroid, which read the same geo_point values.
   */
  readonly geoGridFallback?: boolean;
}

function bucketAgg(a: VisAgg, options: TranslateOptions): Record<string, unknown> {
  const p = a.params;
  if (a.type === 'geohash_grid' && options.geoGridFallback) {
    return { filter: { exists: { field: p.field } }, aggs: { centroid: { geo_centroid: { field: p.field } } } };
  }
  switch (a.type) {
    case 'terms':
      return {
        terms: {
          field: p.field,
          size: p.size,
          order: p.orderBy === '_key' ? { _key: p.order } : { _count: p.order },
          ...(p.missingBucket ? { missing: '__missing__' } : {}),
        },
      };
    case 'date_histogram':
      return { date_histogram: { field: p.field, fixed_interval: '1h', min_doc_count: p.min_doc_count ?? 1 } };
    case 'geohash_grid':
      return {
        geohash_grid: { field: p.field, precision: p.precision ?? 2 },
        ...(p.useGeocentroid ? { aggs: { centroid: { geo_centroid: { field: p.field } } } } : {}),
      };
    default:
      throw new Error(`bucket aggregation ${a.type} is not translated`);
  }
}

function metricAgg(a: VisAgg): Record<string, unknown> | undefined {
  if (a.type === 'count') return undefined; // doc_count
  if (['cardinality', 'sum', 'avg', 'min', 'max'].includes(a.type)) return { [a.type]: { field: a.params.field } };
  throw new Error(`metric aggregation ${a.type} is not translated`);
}

/** The aggregation tree of a visualization: buckets nested in their order, metrics under the innermost. */
export function aggregationsOf(vis: VisState, options: TranslateOptions = {}): Record<string, unknown> {
  const buckets = vis.aggs.filter((a) => !METRIC_SCHEMAS.has(a.schema));
  const metrics: Record<string, unknown> = {};
  for (const a of vis.aggs.filter((x) => METRIC_SCHEMAS.has(x.schema))) {
    const m = metricAgg(a);
    if (m) metrics[a.id] = m;
  }
  let inner: Record<string, unknown> = metrics;
  for (const a of [...buckets].reverse()) {
    const agg = bucketAgg(a, options);
    const sub = { ...((agg.aggs as Record<string, unknown> | undefined) ?? {}), ...inner };
    inner = { [a.id]: { ...agg, ...(Object.keys(sub).length > 0 ? { aggs: sub } : {}) } };
  }
  return inner;
}

/** Fields a visualization aggregates on, with the aggregation that needs them. */
export function aggregatedFields(vis: VisState): { field: string; agg: string }[] {
  return vis.aggs.filter((a) => typeof a.params.field === 'string').map((a) => ({ field: a.params.field as string, agg: a.type }));
}

/** Field names a Lucene query names (`field:value`, `_exists_:field`). */
export function queryFields(query: string): string[] {
  const out = new Set<string>();
  for (const m of query.matchAll(/_exists_:([@\w.]+)/g)) out.add(m[1] as string);
  for (const m of query.matchAll(/(?:^|[\s(])([@A-Za-z][\w.@]*):/g)) if (m[1] !== '_exists_') out.add(m[1] as string);
  return [...out];
}

import { savedObjects } from './catalog.js';
import { toNdjson, type SavedObject } from './saved-object.js';

/**
 * Kibana 8/9 saved objects, made from the same catalog as the OpenSearch
 * Dashboards ones (catalog.ts), object by object, so every data view, saved
 * search, visualization and dashboard there has its twin here with the same
 * id, queries and aggregations. `dashboards/trailstream-kibana.ndjson` is
 * generated from this (`npm run docs:dashboards`).
 *
 * The catalog writes objects in the 7.10 format that OpenSearch Dashboards
 * kept (its `migrationVersion`s are Kibana 7.x migrations). Kibana 8 and 9
 * import objects of the previous major and run their own migrations on them
 * (index patterns become data views, legacy visualizations keep working), so
 * what changes here is only what Kibana names differently:
 *
 * - the date histogram's `useNormalizedOpenSearchInterval` is Kibana's
 *   `useNormalizedEsInterval`;
 * - dashboard panels record the Kibana version they were made with (7.10.2,
 *   the version OpenSearch Dashboards forked from) instead of 2.19.0;
 * - texts that name the engine say Elasticsearch and Kibana.
 *
 * Coordinate maps (`tile_map`) import as they are; Kibana 8 draws them with the
 * Maps application and offers to convert them into map objects.
 */
export function kibanaSavedObjects(objects: readonly SavedObject[] = savedObjects()): SavedObject[] {
  return objects.map(toKibana);
}

export const KIBANA_PANEL_VERSION = '7.10.2';

function toKibana(o: SavedObject): SavedObject {
  const attributes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o.attributes)) attributes[k] = typeof v === 'string' ? attribute(k, v) : v;
  return { ...o, attributes };
}

function attribute(name: string, value: string): string {
  switch (name) {
    case 'title':
    case 'description':
      return engineWords(value);
    case 'visState': {
      const vis = JSON.parse(value) as { title?: string; params?: Record<string, unknown>; aggs?: { params?: Record<string, unknown> }[] };
      if (vis.title) vis.title = engineWords(vis.title);
      if (typeof vis.params?.markdown === 'string') vis.params.markdown = engineWords(vis.params.markdown);
      for (const agg of vis.aggs ?? []) {
        const p = agg.params;
        if (p && 'useNormalizedOpenSearchInterval' in p) {
          const { useNormalizedOpenSearchInterval, ...rest } = p;
          agg.params = { ...rest, useNormalizedEsInterval: useNormalizedOpenSearchInterval };
        }
      }
      return JSON.stringify(vis);
    }
    case 'panelsJSON':
      return JSON.stringify((JSON.parse(value) as Record<string, unknown>[]).map((p) => ({ ...p, version: KIBANA_PANEL_VERSION })));
    default:
      return value;
  }
}

/** "OpenSearch Dashboards" → "Kibana", then "OpenSearch" → "Elasticsearch". */
export function engineWords(text: string): string {
  return text.replace(/OpenSearch Dashboards/g, 'Kibana').replace(/OpenSearch/g, 'Elasticsearch');
}

/** The text of dashboards/trailstream-kibana.ndjson. */
export function renderKibanaSavedObjectsFile(): string {
  return toNdjson(kibanaSavedObjects());
}

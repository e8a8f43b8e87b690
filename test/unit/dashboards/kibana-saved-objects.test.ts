import { readFileSync } from 'node:fs';
import { savedObjects } from '../../../src/dashboards/catalog.js';
import { engineWords, KIBANA_PANEL_VERSION, kibanaSavedObjects, renderKibanaSavedObjectsFile } from '../../../src/dashboards/kibana.js';
import { parseNdjson, type SavedObject } from '../../../src/dashboards/saved-object.js';
import { KIBANA_SAVED_OBJECTS_FILE, SAVED_OBJECTS_FILE } from '../../../src/cli/setup.js';
import { aggregationsOf, visStateOf } from './vis-query.js';

/**
 * dashboards/trailstream-kibana.ndjson against Kibana's documented saved
 * objects import format (Kibana 8 "Import objects" API: an NDJSON file, one
 * object per line with `type`, `id`, `attributes`, `references` and the
 * migration version it was written in; links between objects only through
 * `references`, named by the `*RefName` that points at them; objects from the
 * previous major are migrated on import). Kibana cannot run here, so these
 * checks and the aggregation run against the real Elasticsearch
 * (test/integration/mappings-dashboards.test.ts) are what stands in for it.
 */
const text = readFileSync(KIBANA_SAVED_OBJECTS_FILE, 'utf8');
const objects = parseNdjson(text);
const byKey = new Map(objects.map((o) => [`${o.type}:${o.id}`, o]));

/** Saved object types of Kibana 8 that the file may hold; data views are still stored as `index-pattern`. */
const KIBANA_TYPES = ['index-pattern', 'search', 'visualization', 'dashboard'];
/** Legacy (aggregation-based) visualization types Kibana 8 still renders; tile_map through the Maps app. */
const KIBANA_VIS_TYPES = ['area', 'line', 'histogram', 'horizontal_bar', 'table', 'pie', 'metric', 'markdown', 'tile_map', 'tagcloud', 'heatmap'];

function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

describe('dashboards/trailstream-kibana.ndjson', () => {
  it('is what src/dashboards/kibana.ts generates from the catalog (npm run docs:dashboards)', () => {
    expect(text).toBe(renderKibanaSavedObjectsFile());
  });

  it('has the same objects as the OpenSearch Dashboards file: ids, types, references, queries', () => {
    const osd = parseNdjson(readFileSync(SAVED_OBJECTS_FILE, 'utf8'));
    expect(objects.map((o) => `${o.type}:${o.id}`)).toEqual(osd.map((o) => `${o.type}:${o.id}`));
    osd.forEach((o, i) => {
      const k = objects[i]!;
      expect(k.references).toEqual(o.references);
      expect(k.attributes.kibanaSavedObjectMeta).toEqual(o.attributes.kibanaSavedObjectMeta);
      if (o.type === 'visualization') {
        // Same aggregations, so the same requests reach Elasticsearch.
        expect(aggregationsOf(visStateOf(k))).toEqual(aggregationsOf(visStateOf(o)));
        expect(visStateOf(k).type).toBe(visStateOf(o).type);
      }
    });
  });

  it('is in the import format: one object per line, known types, 7.x migration versions (the previous major, migrated on import)', () => {
    for (const line of text.trimEnd().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
    for (const o of objects) {
      expect(Object.keys(o).sort()).toEqual(['attributes', 'id', 'migrationVersion', 'references', 'type']);
      expect(KIBANA_TYPES).toContain(o.type);
      expect(typeof o.attributes.title).toBe('string');
      for (const v of Object.values(o.migrationVersion)) expect(majorOf(v)).toBe(7);
    }
  });

  it('links objects only through references that resolve inside the file', () => {
    for (const o of objects) {
      for (const r of o.references) expect(byKey.has(`${r.type}:${r.id}`)).toBe(true);
      const names = new Set(o.references.map((r) => r.name));
      const meta = o.attributes.kibanaSavedObjectMeta as { searchSourceJSON?: string } | undefined;
      const source = meta?.searchSourceJSON ? (JSON.parse(meta.searchSourceJSON) as { indexRefName?: string; index?: string; filter?: { meta: { indexRefName?: string; index?: string } }[] }) : {};
      expect(source.index).toBeUndefined(); // ids go through references, never inline
      if (source.indexRefName) expect(names).toContain(source.indexRefName);
      for (const f of source.filter ?? []) if (f.meta.indexRefName) expect(names).toContain(f.meta.indexRefName);
      if (typeof o.attributes.savedSearchRefName === 'string') expect(names).toContain(o.attributes.savedSearchRefName);
    }
  });

  it('uses Kibana names: useNormalizedEsInterval, Kibana panel versions, no OpenSearch in texts', () => {
    for (const o of objects) {
      if (o.type === 'visualization') {
        const vis = JSON.parse(String(o.attributes.visState)) as { type: string; aggs: { type: string; params: Record<string, unknown> }[] };
        expect(KIBANA_VIS_TYPES).toContain(vis.type);
        for (const a of vis.aggs.filter((x) => x.type === 'date_histogram')) {
          expect(a.params.useNormalizedEsInterval).toBe(true);
          expect(a.params).not.toHaveProperty('useNormalizedOpenSearchInterval');
        }
      }
      if (o.type === 'dashboard') {
        const panels = JSON.parse(String(o.attributes.panelsJSON)) as { panelRefName: string; version: string; gridData: { w: number } }[];
        const names = o.references.map((r) => r.name);
        for (const p of panels) {
          expect(names).toContain(p.panelRefName);
          expect(p.version).toBe(KIBANA_PANEL_VERSION);
          expect(p.gridData.w).toBeLessThanOrEqual(48);
        }
      }
      expect(JSON.stringify(o.attributes)).not.toMatch(/OpenSearch/);
    }
  });

  it('converts any object the catalog holds, so new panels come along without changes here', () => {
    const extra: SavedObject = {
      id: 'x',
      type: 'visualization',
      attributes: {
        title: 'New in OpenSearch',
        visState: JSON.stringify({ title: 'New in OpenSearch', type: 'line', aggs: [{ id: '2', type: 'date_histogram', schema: 'segment', params: { useNormalizedOpenSearchInterval: true } }], params: {} }),
      },
      references: [],
      migrationVersion: { visualization: '7.10.0' },
    };
    const [k] = kibanaSavedObjects([extra]);
    expect(k!.attributes.title).toBe('New in Elasticsearch');
    expect(JSON.parse(String(k!.attributes.visState))).toMatchObject({ title: 'New in Elasticsearch', aggs: [{ params: { useNormalizedEsInterval: true } }] });
    expect(kibanaSavedObjects()).toHaveLength(savedObjects().length);
    expect(engineWords('OpenSearch Dashboards shows what OpenSearch holds')).toBe('Kibana shows what Elasticsearch holds');
  });
});

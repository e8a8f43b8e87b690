import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIELDS, FINDING, IDS, KNOWN_NETWORKS, RULESETS, renderSavedObjectsFile, rulesetSearchId } from '../../../src/dashboards/catalog.js';
import { MIGRATION_VERSIONS, parseNdjson, type SavedObject } from '../../../src/dashboards/saved-object.js';
import { SAVED_OBJECTS_FILE } from '../../../src/cli/setup.js';
import { TEMPLATE_FILES } from '../../../src/sink/templates.js';
import { aggregatableFor, fieldType } from './mapping-fields.js';
import { aggregatedFields, aggregationsOf, queryFields, searchSourceOf, visStateOf } from './vis-query.js';

const text = readFileSync(SAVED_OBJECTS_FILE, 'utf8');
const objects = parseNdjson(text);
const byId = new Map(objects.map((o) => [o.id, o]));
const ofType = (t: SavedObject['type']): SavedObject[] => objects.filter((o) => o.type === t);

/** Attributes each type's saved-object mapping knows (the .kibana index mapping is strict). */
const ALLOWED_ATTRIBUTES: Record<SavedObject['type'], string[]> = {
  'index-pattern': ['title', 'timeFieldName', 'fields', 'fieldFormatMap', 'sourceFilters', 'intervalName', 'type', 'typeMeta'],
  search: ['title', 'description', 'hits', 'columns', 'sort', 'version', 'kibanaSavedObjectMeta'],
  visualization: ['title', 'description', 'visState', 'uiStateJSON', 'version', 'savedSearchRefName', 'kibanaSavedObjectMeta'],
  dashboard: [
    'title',
    'description',
    'hits',
    'panelsJSON',
    'optionsJSON',
    'version',
    'timeRestore',
    'timeFrom',
    'timeTo',
    'refreshInterval',
    'kibanaSavedObjectMeta',
  ],
};

/** Visualization types OpenSearch Dashboards 2.x ships without extra plugins. */
const BUILT_IN_VIS_TYPES = ['area', 'line', 'histogram', 'horizontal_bar', 'table', 'pie', 'metric', 'markdown', 'tile_map', 'tagcloud', 'heatmap'];

const templateOf = (indexPatternId: string): string =>
  indexPatternId === IDS.deadLetter ? TEMPLATE_FILES.deadLetter : indexPatternId === IDS.insights ? TEMPLATE_FILES.insights : TEMPLATE_FILES.events;

function indexPatternOf(o: SavedObject): string {
  const direct = o.references.find((r) => r.name === 'kibanaSavedObjectMeta.searchSourceJSON.index');
  if (direct) return direct.id;
  const search = o.references.find((r) => r.name === 'search_0');
  return search ? indexPatternOf(byId.get(search.id) as SavedObject) : IDS.events;
}

describe('dashboards/trailstream.ndjson', () => {
  it('is what src/dashboards/catalog.ts generates (npm run docs:dashboards)', () => {
    expect(text).toBe(renderSavedObjectsFile());
    expect(path.basename(SAVED_OBJECTS_FILE)).toBe('trailstream.ndjson');
  });

  it('has one well-formed saved object per line, with unique ids', () => {
    for (const line of text.trimEnd().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
    const ids = objects.map((o) => o.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const o of objects) {
      expect(Object.keys(o).sort()).toEqual(['attributes', 'id', 'migrationVersion', 'references', 'type']);
      expect(Object.keys(MIGRATION_VERSIONS)).toContain(o.type);
      expect(o.migrationVersion).toEqual({ [o.type]: MIGRATION_VERSIONS[o.type] });
      expect(o.id).toMatch(/^[a-z0-9-]+$/);
      expect(typeof o.attributes.title).toBe('string');
      for (const k of Object.keys(o.attributes)) expect(ALLOWED_ATTRIBUTES[o.type]).toContain(k);
    }
  });

  it('resolves every reference, and every reference is used by name', () => {
    for (const o of objects) {
      const names = o.references.map((r) => r.name);
      expect(new Set(names).size).toBe(names.length);
      for (const r of o.references) {
        const target = byId.get(r.id);
        expect(target?.type).toBe(r.type);
      }
      const used: string[] = [];
      if (o.attributes.kibanaSavedObjectMeta) {
        const ss = searchSourceOf(o) as { indexRefName?: string; filter?: { meta?: { indexRefName?: string } }[] };
        if (ss.indexRefName) used.push(ss.indexRefName);
        for (const f of ss.filter ?? []) if (f.meta?.indexRefName) used.push(f.meta.indexRefName);
      }
      if (typeof o.attributes.savedSearchRefName === 'string') used.push(o.attributes.savedSearchRefName);
      if (o.type === 'dashboard') {
        for (const p of JSON.parse(o.attributes.panelsJSON as string) as { panelRefName: string }[]) used.push(p.panelRefName);
      }
      expect(used.sort()).toEqual([...names].sort());
    }
  });

  it('has index patterns on @timestamp for events, Insights and dead letters', () => {
    const patterns = ofType('index-pattern');
    expect(patterns.map((p) => p.attributes.title).sort()).toEqual(['cloudtrail-*', 'cloudtrail-insights-*', 'trailstream-dead-letter']);
    for (const p of patterns) {
      expect(p.attributes.timeFieldName).toBe('@timestamp');
      expect(JSON.parse(p.attributes.fields as string)).toEqual([]);
      expect(fieldType(templateOf(p.id), '@timestamp')).toBe('date');
    }
  });

  it('has the saved searches the issue asks for, with Lucene queries over mapped fields', () => {
    const titles = ofType('search').map((s) => s.attributes.title);
    expect(titles).toEqual(
      expect.arrayContaining(['Root activity', 'Denied calls', 'API Gateway deletions', 'Activity from outside known networks']),
    );
    for (const s of ofType('search')) {
      const ss = searchSourceOf(s);
      expect(ss.query?.language).toBe('lucene');
      expect(ss.indexRefName).toBe('kibanaSavedObjectMeta.searchSourceJSON.index');
      expect(s.attributes.sort).toEqual([['@timestamp', 'desc']]);
      const template = templateOf(indexPatternOf(s));
      for (const f of [...(s.attributes.columns as string[]), ...queryFields(ss.query?.query ?? '')]) {
        expect([f, fieldType(template, f)]).toEqual([f, expect.any(String)]);
      }
    }
  });

  it('reads findings only: every findings panel and search selects rule.id:*, one search per ruleset', () => {
    const findings = byId.get(IDS.findingsDashboard) as SavedObject;
    for (const r of findings.references) {
      const o = byId.get(r.id) as SavedObject;
      if (o.type === 'visualization' && visStateOf(o).type === 'markdown') continue;
      const search = o.type === 'search' ? o : byId.get(o.references.find((x) => x.name === 'search_0')?.id ?? '');
      expect([o.id, searchSourceOf(search as SavedObject).query?.query]).toEqual([o.id, FINDING]);
    }
    expect(FINDING).toBe('rule.id:*');
    for (const f of ['rule.id', 'rule.name', 'rule.ruleset', 'rule.reference', 'rule.category']) expect([f, fieldType(TEMPLATE_FILES.events, f)]).toEqual([f, 'keyword']);
    expect(fieldType(TEMPLATE_FILES.events, FIELDS.severity)).toBe('long');
    expect(fieldType(TEMPLATE_FILES.events, FIELDS.riskScore)).toBe('float');
    expect(RULESETS.map((r) => r.id)).toEqual(['cis-aws-foundations', 'apigateway']);
    for (const r of RULESETS) {
      const s = byId.get(rulesetSearchId(r.id)) as SavedObject;
      expect(s.type).toBe('search');
      expect(searchSourceOf(s).query?.query).toBe(`rule.id:* AND rule.ruleset:"${r.id}"`);
    }
  });

  it('answers "where from" beside every map without map tiles, and ships no panel that needs an ASN database', () => {
    for (const d of ofType('dashboard')) {
      const panels = d.references.map((r) => byId.get(r.id) as SavedObject);
      const maps = panels.filter((p) => p.type === 'visualization' && visStateOf(p).type === 'tile_map');
      const tables = panels.filter((p) => p.type === 'visualization' && visStateOf(p).type === 'table' && aggregatedFields(visStateOf(p)).some((f) => f.field === FIELDS.countryName));
      expect([d.id, tables.length >= maps.length]).toEqual([d.id, true]);
    }
    for (const v of ofType('visualization')) {
      for (const { field } of aggregatedFields(visStateOf(v))) expect([v.id, field.startsWith('source.as.')]).toEqual([v.id, false]);
    }
  });

  it('lets users edit the known networks as a filter', () => {
    const outside = ofType('search').find((s) => s.attributes.title === 'Activity from outside known networks') as SavedObject;
    const ss = searchSourceOf(outside);
    expect(ss.filter).toHaveLength(1);
    const filter = ss.filter?.[0] as { meta: Record<string, unknown>; query: Record<string, unknown> };
    expect(filter.meta).toMatchObject({ type: 'custom', negate: true, disabled: false, key: 'query' });
    expect(JSON.parse(filter.meta.value as string)).toEqual(filter.query);
    expect(filter.query).toEqual({ terms: { [FIELDS.sourceIp]: KNOWN_NETWORKS } });
    expect(fieldType(TEMPLATE_FILES.events, FIELDS.sourceIp)).toBe('ip');
  });

  it('has visualizations of built-in types whose fields are mapped and aggregatable', () => {
    expect(ofType('visualization').length).toBeGreaterThanOrEqual(20);
    for (const v of ofType('visualization')) {
      const vis = visStateOf(v);
      expect(vis.title).toBe(v.attributes.title);
      expect(BUILT_IN_VIS_TYPES).toContain(vis.type);
      expect(JSON.parse(v.attributes.uiStateJSON as string)).toEqual(expect.any(Object));
      const aggIds = vis.aggs.map((a) => a.id);
      expect(new Set(aggIds).size).toBe(aggIds.length);
      if (vis.type !== 'markdown') expect(vis.aggs.some((a) => a.schema === 'metric')).toBe(true);
      const template = templateOf(indexPatternOf(v));
      for (const { field, agg } of aggregatedFields(vis)) {
        expect([v.id, field, agg, aggregatableFor(fieldType(template, field), agg)]).toEqual([v.id, field, agg, true]);
      }
      // Dashboards sends missing: "__missing__", which only a keyword field accepts.
      for (const a of vis.aggs.filter((x) => x.params.missingBucket === true)) {
        expect([v.id, a.params.field, fieldType(template, a.params.field as string)]).toEqual([v.id, a.params.field, 'keyword']);
      }
      for (const f of queryFields(searchSourceOf(v).query?.query ?? '')) expect([f, fieldType(template, f)]).toEqual([f, expect.any(String)]);
      expect(() => aggregationsOf(vis)).not.toThrow();
      if (vis.type === 'tile_map') expect(vis.aggs.find((a) => a.schema === 'segment')?.type).toBe('geohash_grid');
    }
  });

  it('has the three dashboards with the panels the issues list, laid out on the 48-column grid', () => {
    const dashboards = ofType('dashboard');
    expect(dashboards.map((d) => d.attributes.title).sort()).toEqual([
      'trailstream: API Gateway activity',
      'trailstream: CloudTrail audit overview',
      'trailstream: findings',
    ]);
    const panelTitles = (d: SavedObject): string[] => d.references.map((r) => String(byId.get(r.id)?.attributes.title));
    const apigw = byId.get(IDS.apiGatewayDashboard) as SavedObject;
    expect(panelTitles(apigw)).toEqual(
      expect.arrayContaining([
        'API Gateway calls over time by action',
        'API Gateway changes by API and stage',
        'API Gateway deployments and stage updates over time',
        'API Gateway: who changed what',
        'API Gateway failed and denied calls',
        'API Gateway callers by identity type',
        'API Gateway: console vs automation',
        'API Gateway callers on a map',
        'API Gateway: top source addresses',
        'API Gateway: where calls came from',
        'Most active APIs',
        'API Gateway deletions',
      ]),
    );
    const audit = byId.get(IDS.auditDashboard) as SavedObject;
    expect(panelTitles(audit)).toEqual(
      expect.arrayContaining([
        'Events over time by service',
        'Error codes',
        'Root activity',
        'Console sign-ins and failures',
        'Access denied by principal',
        'Activity by account and region',
        'Where calls came from',
        'Where calls came from: countries and regions',
      ]),
    );
    const findings = byId.get(IDS.findingsDashboard) as SavedObject;
    expect(panelTitles(findings)).toEqual([
      'About this dashboard',
      'Findings',
      'Findings over time by severity',
      'Findings over time by rule',
      'Rules that matched',
      'Findings by account and region',
      'Findings: top principals',
      'Findings: top source addresses',
      'Findings',
    ]);
    expect(findings.references.at(-1)).toMatchObject({ type: 'search', id: 'trailstream-search-findings' });
    for (const d of dashboards) {
      const panels = JSON.parse(d.attributes.panelsJSON as string) as {
        gridData: { x: number; y: number; w: number; h: number; i: string };
        panelIndex: string;
        embeddableConfig: unknown;
        version: string;
      }[];
      expect(new Set(panels.map((p) => p.panelIndex)).size).toBe(panels.length);
      for (const p of panels) {
        expect(p.gridData.i).toBe(p.panelIndex);
        expect(p.gridData.x + p.gridData.w).toBeLessThanOrEqual(48);
        expect(p.gridData.h).toBeGreaterThan(0);
        expect(p.embeddableConfig).toEqual({});
      }
      expect(JSON.parse(d.attributes.optionsJSON as string)).toEqual({ hidePanelTitles: false, useMargins: true });
      expect(d.attributes).toMatchObject({ timeRestore: true, timeFrom: 'now-7d', timeTo: 'now' });
    }
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { forConfiguration } from '../../src/dashboards/import.js';
import { parseNdjson, type SavedObject } from '../../src/dashboards/saved-object.js';
import { createEnricher } from '../../src/enrich/enricher.js';
import type { CloudTrailRecord } from '../../src/model/cloudtrail.js';
import { KIBANA_SAVED_OBJECTS_FILE, SAVED_OBJECTS_FILE } from '../../src/cli/setup.js';
import { aggregationsOf, indexPatternOf, queryOf, visStateOf } from '../unit/dashboards/vis-query.js';
import { deliveredFiles } from './support/corpus.js';
import { bulkIndex, demoEnricher, demoRecords, type SourceRecord } from './support/demo-documents.js';
import { countDocs, createTestPipeline, deleteIndices, engine, ROOT, runCli, search, searchBody, type TestPipeline } from './support/local-stack.js';

const ES = engine() === 'elasticsearch';
const ENGINE = ES ? 'Elasticsearch' : 'OpenSearch';

const EVENTS_DIR = path.join(ROOT, 'test/fixtures/corpus/events');

/** Every corpus record: the NDJSON events line by line (their exact bytes) and every record of the delivered files. */
function corpusRecords(): SourceRecord[] {
  const out: SourceRecord[] = [];
  for (const file of readdirSync(EVENTS_DIR).filter((f) => f.endsWith('.ndjson')).sort()) {
    const lines = readFileSync(path.join(EVENTS_DIR, file), 'utf8').split('\n').filter((l) => l.trim() !== '');
    lines.forEach((line, ordinal) => out.push({ raw: Buffer.from(line), record: JSON.parse(line) as CloudTrailRecord, key: file, ordinal }));
  }
  for (const f of deliveredFiles()) {
    f.records.forEach((record, ordinal) => out.push({ raw: Buffer.from(JSON.stringify(record)), record, key: f.name, ordinal }));
  }
  return out;
}

describe(`index templates, corpus and dashboards on the real ${ENGINE}`, () => {
  let p: TestPipeline;

  beforeAll(async () => {
    p = await createTestPipeline('mappings');
  });

  const cleanup: string[] = [];
  afterAll(async () => {
    for (const index of [`${p.indexPrefix}-*`, ...cleanup]) {
      await deleteIndices(index).catch(() => undefined);
    }
  });

  it('setup installs the templates, says what it did, and is idempotent', async () => {
    const first = await runCli(['setup'], p.env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`index template trailstream-${p.indexPrefix}-events: created`);
    expect(first.stdout).toContain(`index template trailstream-${p.indexPrefix}-insights: created`);
    expect(first.stdout).toContain(`index template ${p.deadLetterIndex}: created`);
    // The local stack's minimal distributions: OpenSearch may have ISM; Elasticsearch's has no ILM.
    const plugins = ES ? [] : await searchBody<{ component: string }[]>({ method: 'GET', path: '/_cat/plugins', querystring: { format: 'json' } });
    const ism = plugins.some((x) => x.component === 'opensearch-index-management');
    if (ism) expect(first.stdout).toMatch(new RegExp(`lifecycle policy trailstream-${p.indexPrefix}-lifecycle: created \\(delete indices 90 days after the end of their period\\)`));
    else if (ES) expect(first.stdout).toMatch(/lifecycle policy trailstream-\S+-lifecycle: skipped: this Elasticsearch has no Index Lifecycle Management/);
    else expect(first.stdout).toMatch(/lifecycle policy trailstream-\S+-lifecycle: skipped: this cluster has no Index State Management plugin/);
    expect(first.stdout).toContain('dashboards: not imported');

    const second = await runCli(['setup'], p.env);
    expect(second.code).toBe(0);
    expect(second.stdout.match(/: unchanged/g)).toHaveLength(ism ? 4 : 3);

    const t = await searchBody({ method: 'GET', path: `/_index_template/trailstream-${p.indexPrefix}-events` });
    const body = (t as { index_templates: { index_template: { index_patterns: string[]; template: { settings: { index: Record<string, unknown> } } } }[] })
      .index_templates[0]?.index_template;
    expect(body?.index_patterns).toEqual([`${p.indexPrefix}-*`]);
    expect(body?.template.settings.index).toMatchObject({ number_of_replicas: '0', refresh_interval: '1s' });
  });

  it(`setup refuses an unreachable ${ENGINE} and an unreachable ${ES ? 'Kibana' : 'Dashboards'} with a clear message`, async () => {
    const noOs = await runCli(['setup'], { ...p.env, [ES ? 'ELASTICSEARCH_URL' : 'OPENSEARCH_URL']: 'http://127.0.0.1:9' });
    expect(noOs.code).toBe(2);
    expect(noOs.stderr).toMatch(new RegExp(`${ENGINE} at http://127\\.0\\.0\\.1:9/? is not reachable`));
    const noOsd = await runCli(['setup'], { ...p.env, [ES ? 'KIBANA_URL' : 'OPENSEARCH_DASHBOARDS_URL']: 'http://127.0.0.1:9' });
    expect(noOsd.code).toBe(2);
    expect(noOsd.stderr).toMatch(new RegExp(`${ES ? 'Kibana' : 'OpenSearch Dashboards'} at http://127\\.0\\.0\\.1:9 is not reachable`));
  });

  it(`setup names the other engine when TRAILSTREAM_TARGET does not match the server`, async () => {
    const url = ES ? p.env.ELASTICSEARCH_URL! : p.env.OPENSEARCH_URL!;
    const wrong: Record<string, string> = ES ? { TRAILSTREAM_TARGET: 'opensearch', OPENSEARCH_URL: url } : { TRAILSTREAM_TARGET: 'elasticsearch', ELASTICSEARCH_URL: url };
    const { ELASTICSEARCH_URL: _e, OPENSEARCH_URL: _o, ...rest } = p.env;
    const run = await runCli(['setup'], { ...rest, ...wrong });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`is ${ENGINE}, but trailstream is configured for ${ES ? 'OpenSearch' : 'Elasticsearch'}`);
    expect(run.stderr).toContain(`TRAILSTREAM_TARGET=${ES ? 'elasticsearch' : 'opensearch'}`);
  });

  it('indexes every corpus record with zero rejections', async () => {
    const records = corpusRecords();
    expect(records).toHaveLength(3440);
    const enricher = await createEnricher({ geo: {} });
    const items = await bulkIndex(p.indexPrefix, records, enricher);
    const failed = items.filter((i) => i.index.error).map((i) => `${i.index._index}: ${i.index.error?.type} ${i.index.error?.reason}`);
    expect(failed).toEqual([]);
    expect(items).toHaveLength(3440);
    // ~290 eventIDs occur more than once in the corpus (see its README): same id, same document.
    expect(await countDocs(`${p.indexPrefix}-*`)).toBeGreaterThan(2800);

    // The hostile cases stay searchable: flat_object keys, odd eventTimes via @timestamp, moved values.
    const c = async (q: string): Promise<number> =>
      (await searchBody<{ count: number }>({ method: 'GET', path: `/${p.indexPrefix}-*/_count`, querystring: { q } })).count;
    expect(await c('requestParameters.bucketName:*')).toBeGreaterThan(0);
    expect(await c('trailstream.unindexed_fields:resources')).toBe(1);
    expect(await c('_exists_:source.geo.location')).toBeGreaterThan(0);
    expect(await c('readOnly:true')).toBeGreaterThan(0);
  });

  it('runs the aggregation behind every visualization on demo data, and each returns buckets', async () => {
    // A prefix of its own: `<prefix>-demo-*` would overlap the first prefix's templates.
    const demo = await createTestPipeline('visdemo');
    const prefix = demo.indexPrefix;
    cleanup.push(`${prefix}-*`);
    const setup = await runCli(['setup'], demo.env);
    expect(setup.stderr).toBe('');
    expect(setup.code).toBe(0);
    const records = demoRecords({ seed: 5, start: new Date('2026-11-20T00:00:00Z'), files: 90 });
    // Findings come from the shipped detection rules, as the worker tags them at ingest.
    const items = await bulkIndex(prefix, records, demoEnricher());
    expect(items.filter((i) => i.index.error)).toEqual([]);
    await countDocs(`${prefix}-*`);
    // A dead letter, so the dead-letter search has something to show.
    await search().request({
      method: 'POST',
      path: `/${demo.deadLetterIndex}/_doc`,
      querystring: { refresh: true },
      body: { '@timestamp': '2026-11-20T00:00:00Z', error: { type: 'mapper_parsing_exception', reason: 'x' }, origin: { bucket: 'b', key: 'k', ordinal: 1 } },
    });

    // The Kibana objects on Elasticsearch, the OpenSearch Dashboards ones on OpenSearch: both generated from one catalog.
    const objects = forConfiguration(parseNdjson(readFileSync(ES ? KIBANA_SAVED_OBJECTS_FILE : SAVED_OBJECTS_FILE, 'utf8')), { indexPrefix: prefix, deadLetterIndex: demo.deadLetterIndex });
    const byId = new Map<string, SavedObject>(objects.map((o) => [o.id, o]));
    const empty: string[] = [];
    let checked = 0;
    // geohash_grid needs the geo module (full distribution), not in the local stack's minimal one.
    const geoModule = await search()
      .request({ method: 'POST', path: `/${prefix}-*/_search`, body: { size: 0, aggs: { g: { geohash_grid: { field: 'source.geo.location' } } } } })
      .then(() => true, () => false);
    for (const o of objects) {
      if (o.type !== 'visualization' && o.type !== 'search') continue;
      if (o.type === 'visualization' && visStateOf(o).aggs.length === 0) continue; // markdown: no data
      const index = String(byId.get(indexPatternOf(o, byId))?.attributes.title);
      const query = queryOf(o, byId);
      if (o.type === 'search') {
        const hits = (await searchBody<{ count: number }>({ method: 'POST', path: `/${index}/_count`, body: { query } })).count;
        if (hits === 0) empty.push(`search "${String(o.attributes.title)}"`);
        checked++;
        continue;
      }
      const vis = visStateOf(o);
      if (vis.aggs.length === 0) continue; // markdown
      const body = (await searchBody({ method: 'POST', path: `/${index}/_search`, body: { size: 0, track_total_hits: true, query, aggs: aggregationsOf(vis, { geoGridFallback: !geoModule }) } })) as {
        hits: { total: { value: number } };
        aggregations?: Record<string, { buckets?: unknown[]; doc_count?: number; centroid?: { count?: number } }>;
      };
      expect((body as { _shards?: { failed?: number } })._shards?.failed ?? 0).toBe(0);
      const bucketAggs = Object.values(body.aggregations ?? {});
      const ok = body.hits.total.value > 0 && bucketAggs.every((a) => (a.buckets?.length ?? a.centroid?.count ?? 0) > 0);
      if (!ok) empty.push(`visualization "${vis.title}" (${body.hits.total.value} hits)`);
      checked++;
    }
    expect(empty).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(38);
  });
});

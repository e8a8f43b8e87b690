import { elasticsearchTemplates, flatObjectToFlattened } from '../../../../src/sink/elasticsearch/templates.js';
import { renderTemplates } from '../../../../src/sink/templates.js';

const config = { indexPrefix: 'cloudtrail', deadLetterIndex: 'trailstream-dead-letter', numberOfShards: 1, numberOfReplicas: 1, refreshInterval: '5s' };

/** Every mapped field path with its type, e.g. `requestParameters: flat_object`. */
function fieldTypes(mapping: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  const props = (mapping as { properties?: Record<string, unknown> }).properties ?? {};
  for (const [name, def] of Object.entries(props)) {
    const d = def as { type?: string; properties?: unknown };
    if (d.type) out.set(`${prefix}${name}`, d.type);
    if (d.properties) for (const [k, v] of fieldTypes(d, `${prefix}${name}.`)) out.set(k, v);
  }
  return out;
}
const mappingsOf = (t: { body: Record<string, unknown> }): unknown => (t.body.template as { mappings: unknown }).mappings;

describe('Elasticsearch index templates', () => {
  it('map the same fields as the OpenSearch templates, flattened where OpenSearch has flat_object', () => {
    const os = renderTemplates(config);
    const es = elasticsearchTemplates(config);
    expect(es.map((t) => t.name)).toEqual(os.map((t) => t.name));
    os.forEach((o, i) => {
      const osFields = fieldTypes(mappingsOf(o));
      const esFields = fieldTypes(mappingsOf(es[i]!));
      expect([...esFields.keys()]).toEqual([...osFields.keys()]);
      let flattened = 0;
      for (const [path, type] of osFields) {
        if (type === 'flat_object') {
          expect(esFields.get(path)).toBe('flattened');
          flattened++;
        } else expect(esFields.get(path)).toBe(type);
      }
      if (o.file !== 'dead-letter.template.json') expect(flattened).toBeGreaterThan(5);
      expect(JSON.stringify(es[i]!.body)).not.toContain('flat_object');
      expect(es[i]!.body.index_patterns).toEqual(o.body.index_patterns);
    });
  });

  it('name no lifecycle without ILM, and the ILM policy on event and Insights indices with it (not undated, not dead letters)', () => {
    for (const t of elasticsearchTemplates(config)) expect(JSON.stringify(t.body)).not.toContain('lifecycle');
    const withIlm = elasticsearchTemplates(config, 'trailstream-cloudtrail-lifecycle');
    const lifecycleOf = (name: string): unknown =>
      ((withIlm.find((t) => t.name === name)!.body.template as { settings: { index: { lifecycle?: unknown } } }).settings.index.lifecycle);
    expect(lifecycleOf('trailstream-cloudtrail-events')).toEqual({ name: 'trailstream-cloudtrail-lifecycle' });
    expect(lifecycleOf('trailstream-cloudtrail-insights')).toEqual({ name: 'trailstream-cloudtrail-lifecycle' });
    expect(lifecycleOf('trailstream-dead-letter')).toBeUndefined();
    const undated = withIlm.find((t) => t.name === 'trailstream-cloudtrail-events-undated')!;
    expect(undated.body.index_patterns).toEqual(['cloudtrail-undated']);
    expect(undated.body.priority).toBeGreaterThan(withIlm.find((t) => t.name === 'trailstream-cloudtrail-events')!.body.priority as number);
    expect(lifecycleOf('trailstream-cloudtrail-events-undated')).toBeUndefined();
  });

  it('replaces flat_object only as a type, nowhere else', () => {
    expect(flatObjectToFlattened({ a: { type: 'flat_object' }, b: ['flat_object'], type: 'keyword', c: { flat_object: 1 } })).toEqual({
      a: { type: 'flattened' },
      b: ['flat_object'],
      type: 'keyword',
      c: { flat_object: 1 },
    });
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrometheusMetrics } from '../../../src/observability/metrics.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const doc = readFileSync(path.join(ROOT, 'docs/metrics.md'), 'utf8');

/** docs/metrics.md is the operators' reference: it must list exactly what the worker exports. */
describe('docs/metrics.md', () => {
  const metrics = new PrometheusMetrics({ defaultMetrics: false }).registry.getMetricsAsArray();
  /** Rows of the metric tables: | `name` | type | labels | meaning | */
  const rows = new Map([...doc.matchAll(/^\| `(trailstream_[a-z_]+)` \| (counter|gauge|histogram) \|([^|]*)\|/gm)].map((m) => [m[1]!, { type: m[2]!, labels: m[3]! }]));

  it('has a row for every trailstream metric, with its type and every label', () => {
    for (const m of metrics) {
      const row = rows.get(m.name);
      expect({ name: m.name, type: row?.type }).toEqual({ name: m.name, type: m.type });
      for (const label of (m as unknown as { labelNames?: string[] }).labelNames ?? []) {
        expect({ name: m.name, label, documented: row?.labels.includes(`\`${label}\``) }).toEqual({ name: m.name, label, documented: true });
      }
    }
  });

  it('documents no metric the worker does not export', () => {
    const exported = new Set(metrics.map((m) => m.name));
    expect([...rows.keys()].filter((name) => !exported.has(name))).toEqual([]);
  });
});

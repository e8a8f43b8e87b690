/**
 * docker/prometheus-alerts.yml cannot be checked with promtool here, so this
 * checks what breaks alerts silently: a metric or label name that the worker
 * does not export (the alert then never fires), and the rule file's shape.
 */
import { parseDocument } from 'yaml';
import { PrometheusMetrics } from '../../../src/observability/metrics.js';
import { readRepoFile } from './repo.js';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const doc = parseDocument(readRepoFile('docker/prometheus-alerts.yml'), { uniqueKeys: true });
const rules = (doc.toJS() as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

/** Every metric the worker exports (trailstream_*), with its label names; histograms with their series suffixes. */
const exported = new Map<string, readonly string[]>();
for (const m of new PrometheusMetrics({ defaultMetrics: false }).registry.getMetricsAsArray()) {
  const labels = [...((m as unknown as { labelNames?: string[] }).labelNames ?? [])];
  exported.set(m.name, labels);
  if (String(m.type) === 'histogram') {
    exported.set(`${m.name}_bucket`, [...labels, 'le']);
    exported.set(`${m.name}_sum`, labels);
    exported.set(`${m.name}_count`, labels);
  }
}

describe('docker/prometheus-alerts.yml', () => {
  it('is valid YAML: named alerts, each with an expression, a severity and a description', () => {
    expect(doc.errors).toEqual([]);
    expect(rules.length).toBeGreaterThanOrEqual(5);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect({ alert: r.alert, ok: /^Trailstream[A-Za-z]+$/.test(r.alert) && r.expr.length > 0 }).toEqual({ alert: r.alert, ok: true });
      expect(['critical', 'warning']).toContain(r.labels?.severity);
      expect(r.annotations?.summary && r.annotations.description).toBeTruthy();
      if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smh]$/);
    }
  });

  it('names only metrics the worker exports, and only their labels', () => {
    for (const r of rules) {
      for (const m of r.expr.matchAll(/\b(trailstream_[a-z_]+)(\{[^}]*\})?/g)) {
        const name = m[1]!;
        expect({ alert: r.alert, metric: name, exported: exported.has(name) }).toEqual({ alert: r.alert, metric: name, exported: true });
        for (const l of (m[2] ?? '').matchAll(/([a-z_]+)\s*(?:=|!=|=~|!~)/g)) {
          expect({ alert: r.alert, metric: name, label: l[1] }).toEqual({ alert: r.alert, metric: name, label: exported.get(name)?.includes(l[1]!) ? l[1] : '(not a label of this metric)' });
        }
      }
      // `by (...)` groups only by labels some metric of the expression has.
      const names = [...r.expr.matchAll(/\b(trailstream_[a-z_]+)/g)].map((m) => m[1]!);
      for (const by of r.expr.matchAll(/\bby \(([^)]*)\)/g)) {
        for (const label of by[1]!.split(',').map((x) => x.trim())) {
          expect({ alert: r.alert, by: label, known: names.some((n) => exported.get(n)?.includes(label)) }).toEqual({ alert: r.alert, by: label, known: true });
        }
      }
    }
  });

  it('balances its parentheses and braces (a cheap guard against a truncated edit)', () => {
    for (const r of rules) {
      const count = (c: string) => [...r.expr].filter((x) => x === c).length;
      expect({ alert: r.alert, parens: count('(') - count(')'), braces: count('{') - count('}') }).toEqual({ alert: r.alert, parens: 0, braces: 0 });
    }
  });
});

/**
 * Side-by-side table of `npm run bench -- --json` outputs (issue 13): every
 * key of every run, one column per label, plus the change of the last column
 * against the first.
 *
 *   node .bench/build/bench/compare.js baseline=a.json,b.json new=c.json,d.json
 *
 * Several files per label are merged in order (a run of rows 1-4 and a run of
 * row 5 make one column); a key measured more than once keeps every value, and
 * the column shows the median with the values in brackets.
 */
import { readFileSync } from 'node:fs';

type Json = Record<string, unknown>;

interface Column {
  readonly label: string;
  readonly values: Map<string, number[]>;
  readonly text: Map<string, string>;
}

/** Scalar keys of a result, flattened (`floorParts.gunzipMs`); `details` (the raw runs) and `machine` are left out. */
function scalars(value: Json, prefix: string, out: Map<string, number | string>): void {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (k === 'details' || k === 'machine' || k === 'corpus' || k === 'rows' || k === 'settings') continue;
    if (typeof v === 'number') out.set(key, v);
    else if (typeof v === 'string' || typeof v === 'boolean') out.set(key, String(v));
    else if (v && typeof v === 'object' && !Array.isArray(v)) scalars(v as Json, key, out);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function format(n: number): string {
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** Targets of issue 13 by key, as a function of the baseline (first) and new (last) medians. */
const TARGETS: Record<string, { text: string; met: (base: number, now: number) => boolean }> = {
  pipelineToFloorTimeRatio: { text: '≤ 1.5×', met: (_b, n) => n <= 1.5 },
  endToEndDocsPerSec: { text: '≥ 1.4× baseline', met: (b, n) => n >= 1.4 * b },
  storeBytesPerRecord: { text: '≥ 30% below baseline', met: (b, n) => n <= 0.7 * b },
  opensearchCpuSecondsPer100k: { text: '≥ 30% below baseline', met: (b, n) => n <= 0.7 * b },
  peakRssMb100MB: { text: '≤ 230 MB', met: (_b, n) => n <= 230 },
  peakRssMb1GB: { text: '≤ 230 MB', met: (_b, n) => n <= 230 },
  scaling2Workers: { text: '≥ 1.8×', met: (_b, n) => n >= 1.8 },
};

function main(): void {
  const columns: Column[] = [];
  const order: string[] = [];
  for (const arg of process.argv.slice(2)) {
    const eq = arg.indexOf('=');
    if (eq < 1) throw new Error(`expected label=file[,file…], got ${arg}`);
    const column: Column = { label: arg.slice(0, eq), values: new Map(), text: new Map() };
    for (const file of arg.slice(eq + 1).split(',')) {
      const text = readFileSync(file, 'utf8').trim().split('\n').pop()!;
      const flat = new Map<string, number | string>();
      scalars(JSON.parse(text) as Json, '', flat);
      for (const [k, v] of flat) {
        if (!order.includes(k)) order.push(k);
        if (typeof v === 'number') column.values.set(k, [...(column.values.get(k) ?? []), v]);
        else column.text.set(k, v);
      }
    }
    columns.push(column);
  }
  const head = `| key | ${columns.map((c) => c.label).join(' | ')} | change | target | met |`;
  const rule = `|---|${columns.map(() => '---').join('|')}|---|---|---|`;
  const rows = order.map((key) => {
    const cells = columns.map((c) => {
      const xs = c.values.get(key);
      if (xs === undefined) return c.text.get(key) ?? '';
      return xs.length === 1 ? format(xs[0]!) : `${format(median(xs))} (${xs.map(format).join(', ')})`;
    });
    const first = columns[0]!.values.get(key);
    const last = columns[columns.length - 1]!.values.get(key);
    let change = '';
    let target = '';
    let met = '';
    if (first && last && columns.length > 1) {
      const b = median(first);
      const n = median(last);
      change = b === 0 ? '' : `${n >= b ? '+' : ''}${(((n - b) / b) * 100).toFixed(0)}%`;
      const t = TARGETS[key];
      if (t) {
        target = t.text;
        met = t.met(b, n) ? 'yes' : 'NO';
      }
    }
    return `| \`${key}\` | ${cells.join(' | ')} | ${change} | ${target} | ${met} |`;
  });
  process.stdout.write(`${[head, rule, ...rows].join('\n')}\n`);
}

main();

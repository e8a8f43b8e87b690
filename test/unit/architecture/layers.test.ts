import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Layers only point down (docs/architecture.md):
 * cli → ops/backfill → pipeline → document → sink → enrich/rules/decode/source → model/config → errors.
 * This test reads every relative import under src/ and fails on one that points
 * up (or sideways into another top-level folder of the same rank), so a helper
 * two stages need has to live below both. It is how "no upward import" is checked.
 */
const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src');

/** Rank of a module by its path under src/ (first matching prefix wins). Higher may import lower. */
const RANKS: readonly (readonly [prefix: string, rank: number])[] = [
  ['cli/', 8],
  ['demo/', 9], // the demo drives the CLI's own context
  ['ops/', 7],
  ['backfill/', 7],
  // Observers of the pipeline (they implement PipelineObserver) and the HTTP endpoints that serve them.
  ['observability/metrics.ts', 7],
  ['observability/health.ts', 7],
  ['observability/http-server.ts', 7.5],
  ['observability/opensearch-probe.ts', 7],
  ['pipeline/', 6],
  ['dashboards/', 5],
  ['document/', 5],
  ['sink/opensearch/', 4.5],
  ['sink/elasticsearch/', 4.5],
  ['sink/', 4],
  ['enrich/', 3],
  ['rules/', 3],
  ['decode/', 3],
  ['source/', 3],
  ['observability/', 2],
  ['model/', 1],
  ['config/', 1],
  ['errors.ts', 0],
  ['retry-policy.ts', 0],
  ['assets.ts', 0],
  ['canonical-json.ts', 0],
];

function rankOf(file: string): { prefix: string; rank: number } {
  for (const [prefix, rank] of RANKS) if (file === prefix || file.startsWith(prefix)) return { prefix, rank };
  throw new Error(`src/${file} is in no layer: add its folder to RANKS in ${path.basename(fileURLToPath(import.meta.url))}`);
}

/** Imports of `file` (path relative to src/) that point up or sideways across layers. */
export function upwardImports(file: string, text: string): string[] {
  const from = rankOf(file);
  const found: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!)).replace(/\.js$/, '.ts');
    const to = rankOf(target);
    if (to.prefix === from.prefix) continue;
    if (to.rank >= from.rank) found.push(`src/${file} imports src/${target} (layer ${to.prefix}, rank ${to.rank} ≥ ${from.rank})`);
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [path.relative(SRC, full).split(path.sep).join('/')] : [];
  });
}

describe('layering of src/', () => {
  it('has no import that points up a layer', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const violations = files.flatMap((f) => upwardImports(f, readFileSync(path.join(SRC, f), 'utf8')));
    expect(violations).toEqual([]);
  });

  it('flags an upward and a sideways import, and allows a downward one', () => {
    expect(upwardImports('enrich/enricher.ts', "import { x } from '../document/index-name.js';")).toHaveLength(1);
    expect(upwardImports('backfill/source.ts', "import { UserFacingError } from '../cli/errors.js';")).toHaveLength(1);
    expect(upwardImports('sink/bulk-indexer.ts', "import type { A } from '../pipeline/object-ack.js';")).toHaveLength(1);
    expect(upwardImports('enrich/geo.ts', "import { a } from '../decode/object-key.js';")).toHaveLength(1);
    expect(upwardImports('sink/opensearch/client.ts', "import { a } from '../elasticsearch/client.js';")).toHaveLength(1);
    expect(upwardImports('pipeline/worker.ts', "import { a } from '../sink/bulk-indexer.js';\nimport { b } from './object-ack.js';")).toEqual([]);
  });

  it('names a file outside every layer', () => {
    expect(() => upwardImports('misc/thing.ts', '')).toThrow(/in no layer/);
  });
});

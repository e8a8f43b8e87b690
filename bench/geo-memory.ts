/**
 * Geo-IP memory and lookup cost of the ways to read the bundled DB-IP city
 * databases (issue 13): `node .bench/build/bench/geo-memory.js [buffer|file]`.
 * Without an argument it runs each way in its own child process (so RSS is
 * the reader's alone) and prints one JSON line per way.
 *
 * - `buffer`: the `maxmind` package's Reader over the whole file read into a Buffer
 *   (what trailstream did up to 8c4d37b);
 * - `file`: trailstream's MmdbFile, which reads 4 KiB blocks on demand into a bounded LRU.
 *
 * Lookups are of distinct random public addresses (no result cache in front),
 * so the figure is the cost of a cache miss in the enricher.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LRUCache } from 'lru-cache';
import { Reader, type Response } from 'maxmind';
import { defaultCityDbPaths } from '../src/enrich/geo.js';
import { MmdbFile } from '../src/enrich/mmdb-file.js';

interface Getter {
  get(ip: string): unknown;
}

const LOOKUPS = 100_000;

function mb(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}

/** Deterministic public-looking IPv4 addresses (xorshift), skipping private and reserved first octets. */
function addresses(n: number): string[] {
  let x = 0x9e3779b9;
  const out: string[] = [];
  while (out.length < n) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const v = x >>> 0;
    const a = v >>> 24;
    if (a === 0 || a === 10 || a === 127 || a >= 224 || a === 172 || a === 192 || a === 100) continue;
    out.push(`${a}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`);
  }
  return out;
}

function open(mode: string): Getter[] {
  const paths = defaultCityDbPaths();
  if (mode === 'buffer') return paths.map((p) => new Reader<Response>(readFileSync(p), { cache: new LRUCache<string | number, object>({ max: 10_000 }) }));
  return paths.map((p) => new MmdbFile(p, new LRUCache<number, object>({ max: 10_000 })));
}

function measure(mode: string): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  const started = performance.now();
  const readers = open(mode);
  const openMs = performance.now() - started;
  gc?.();
  const idle = process.memoryUsage();
  const ips = addresses(LOOKUPS);
  const hash = createHash('sha256');
  const t0 = performance.now();
  let found = 0;
  for (const ip of ips) {
    const r = readers[0]!.get(ip);
    if (r) found++;
    hash.update(JSON.stringify(r ?? null));
  }
  const lookupMs = performance.now() - t0;
  // The hash is over JSON of every result, so both ways must agree byte for byte.
  const h2 = createHash('sha256');
  const t1 = performance.now();
  for (const ip of ips) h2.update(JSON.stringify(readers[0]!.get(ip) ?? null));
  const repeatMs = performance.now() - t1;
  const after = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({
      mode,
      node: process.version,
      openMs: Math.round(openMs),
      rssBeforeMb: mb(before.rss),
      rssIdleMb: mb(idle.rss),
      heapIdleMb: mb(idle.heapUsed),
      externalIdleMb: mb(idle.external + idle.arrayBuffers),
      rssAfterLookupsMb: mb(after.rss),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      lookups: LOOKUPS,
      found,
      firstPassUsPerLookup: Math.round((lookupMs * 1000 * 100) / LOOKUPS) / 100,
      secondPassUsPerLookup: Math.round((repeatMs * 1000 * 100) / LOOKUPS) / 100,
      resultsSha256: hash.digest('hex').slice(0, 16),
    })}\n`,
  );
}

const mode = process.argv[2];
if (mode === 'buffer' || mode === 'file') measure(mode);
else {
  const self = fileURLToPath(import.meta.url);
  for (const m of ['buffer', 'file']) process.stdout.write(execFileSync(process.execPath, ['--expose-gc', self, m], { encoding: 'utf8' }));
}

/**
 * Records per second of `Enricher.enrich` alone, over the real corpus repeated
 * to ~100k records, without geo, with the bundled DB-IP databases (addresses
 * repeat, as in CloudTrail), and with a new public address on every record (the
 * geo cache's worst case). Plain Node, not jest: jest's VM context slows hot
 * loops down and would measure the harness.
 *
 *   npx tsc test/unit/enrich/bench/enrich-throughput.ts --outDir .bench/enrich --rootDir . \
 *     --module NodeNext --moduleResolution NodeNext --target ES2022 --skipLibCheck --types node
 *   node .bench/enrich/test/unit/enrich/bench/enrich-throughput.js
 */
import { createEnricher, type Enricher } from '../../../../src/enrich/enricher.js';
import type { CloudTrailRecord } from '../../../../src/model/cloudtrail.js';
import { corpusRecords } from '../support/corpus.js';

const TARGET = 100_000;
const ROUNDS = 7;

function repeated(records: readonly CloudTrailRecord[], total: number): CloudTrailRecord[] {
  const out: CloudTrailRecord[] = [];
  while (out.length < total) for (const r of records) if (out.length < total) out.push(r);
  return out;
}

/** Records whose every address is a different public IPv4 address. */
function withFreshAddresses(records: readonly CloudTrailRecord[]): CloudTrailRecord[] {
  let x = 0x9e3779b9;
  return records.map((r) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const v = x >>> 0;
    const ip = `${(v % 200) + 11}.${(v >>> 8) & 255}.${(v >>> 16) & 255}.${(v >>> 24) % 254 + 1}`;
    return { ...r, sourceIPAddress: ip };
  });
}

function measure(name: string, enricher: Enricher, records: readonly CloudTrailRecord[], serialize = false): void {
  const rates: number[] = [];
  let sink = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (const record of records) {
      const e = enricher.enrich(record);
      sink += serialize ? JSON.stringify(e).length : e.trailstream === undefined ? 0 : 1;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(records.length / seconds);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)] ?? 0;
  const best = rates[rates.length - 1] ?? 0;
  const stats = enricher.geoCacheStats();
  process.stdout.write(
    `${name.padEnd(48)} ${Math.round(median).toLocaleString('en').padStart(10)} rec/s median, ${Math.round(best).toLocaleString('en').padStart(10)} best` +
      (stats ? `  (geo cache ${stats.hits} hits / ${stats.misses} misses)` : '') +
      (sink < 0 ? '!' : '') +
      '\n',
  );
}

async function main(): Promise<void> {
  const corpus = corpusRecords().map((c) => c.record);
  const records = repeated(corpus, TARGET);
  const fresh = withFreshAddresses(records);
  process.stdout.write(`${records.length} records (${corpus.length} distinct corpus records), ${ROUNDS} rounds each, Node ${process.version}\n`);

  measure('no geo', await createEnricher({ geo: false }), records);
  measure('DB-IP geo, corpus addresses', await createEnricher({ geo: {} }), records);
  measure('DB-IP geo, a new public address per record', await createEnricher({ geo: { cacheSize: 50_000 } }), fresh);
  measure('no geo, + JSON.stringify of the enrichment', await createEnricher({ geo: false }), records, true);
  measure('DB-IP geo, + JSON.stringify of the enrichment', await createEnricher({ geo: {} }), records, true);
}

void main();

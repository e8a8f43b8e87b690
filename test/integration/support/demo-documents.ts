import { generateLogFiles } from '../../../src/demo/generator.js';
import { createEnricherSync, type Enricher } from '../../../src/enrich/enricher.js';
import { loadRules } from '../../../src/rules/load-rules.js';
import type { GeoLookup } from '../../../src/enrich/geo.js';
import type { CloudTrailRecord } from '../../../src/model/cloudtrail.js';
import { documentId } from '../../../src/document/document-id.js';
import { buildSource } from '../../../src/document/document.js';
import { indexNameFor } from '../../../src/document/index-name.js';
import { dayOf } from '../../../src/model/event-time.js';
import { searchBody } from './local-stack.js';

/** A record with its exact bytes and where it came from (for its document id). */
export interface SourceRecord {
  readonly raw: Buffer;
  readonly record: CloudTrailRecord;
  readonly key: string;
  readonly ordinal: number;
}

export interface BulkItem {
  index: { _index: string; status: number; error?: { type: string; reason: string } };
}

/**
 * Indexes records as the pipeline builds them (original bytes + enrichment, same ids and daily
 * indices), 1,000 per _bulk. Findings (`rule.*`, `event.severity`) come from the enricher's
 * detector, as in the worker: pass one built with the shipped rules (see withShippedRules).
 */
export async function bulkIndex(prefix: string, records: readonly SourceRecord[], enricher: Enricher): Promise<BulkItem[]> {
  const items: BulkItem[] = [];
  for (let i = 0; i < records.length; i += 1000) {
    const chunk: Buffer[] = [];
    for (const r of records.slice(i, i + 1000)) {
      const built = buildSource(r.raw, r.record, enricher.enrich(r.record));
      const index = indexNameFor(prefix, 'events', dayOf(r.record.eventTime) ?? '2000.01.01');
      chunk.push(Buffer.from(`${JSON.stringify({ index: { _index: index, _id: documentId(r.record.eventID, 'corpus', r.key, r.ordinal) } })}\n`), built.source, Buffer.from('\n'));
    }
    const res = await searchBody<{ items: BulkItem[] }>({ method: 'POST', path: '/_bulk', ndjson: Buffer.concat(chunk) });
    items.push(...res.items);
  }
  return items;
}

/** The demo generator's records (deterministic for a seed). */
export function demoRecords(options: { seed: number; start: Date; files: number }): SourceRecord[] {
  const records: SourceRecord[] = [];
  for (const f of generateLogFiles({ seed: options.seed, start: options.start, files: options.files, recordsPerFile: { min: 20, max: 60 } })) {
    f.records.forEach((record, ordinal) => records.push({ raw: Buffer.from(JSON.stringify(record)), record, key: f.key, ordinal }));
  }
  return records;
}

/**
 * A stand-in for geo-IP and ASN databases: a fixed location and network per
 * address, so the map and "where from" panels have data whatever the bundled
 * database knows about the generator's addresses.
 */
export const fakeGeo: GeoLookup = {
  lookup(ip) {
    const n = ip.split(/[.:]/).reduce((h, part) => (h * 31 + part.length + Number.parseInt(part || '0', 16)) % 997, 7);
    const places = [
      { lat: 52.52, lon: 13.4, country_iso_code: 'DE', country_name: 'Germany', region_name: 'Land Berlin', city_name: 'Berlin' },
      { lat: 40.71, lon: -74.0, country_iso_code: 'US', country_name: 'United States', region_name: 'New York', city_name: 'New York' },
      { lat: -33.87, lon: 151.21, country_iso_code: 'AU', country_name: 'Australia', region_name: 'New South Wales', city_name: 'Sydney' },
    ];
    const p = places[n % places.length] as (typeof places)[number];
    return {
      geo: { country_iso_code: p.country_iso_code, country_name: p.country_name, region_name: p.region_name, city_name: p.city_name, location: { lat: p.lat, lon: p.lon } },
      as: { number: 64500 + (n % 5), organization: { name: `Example Network ${n % 5}` } },
    };
  },
};

/** The worker's enricher for these tests: fakeGeo for the addresses, the shipped detection rules for the findings. */
export function demoEnricher(): Enricher {
  return createEnricherSync({ geo: fakeGeo, detector: loadRules().matcher.detector() });
}

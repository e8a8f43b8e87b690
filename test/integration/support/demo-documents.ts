import { generateLogFiles } from '../../../src/demo/generator.js';
import type { Enricher } from '../../../src/enrich/enricher.js';
import type { Enrichment } from '../../../src/enrich/enrichment.js';
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

/** Extra fields for one document on top of its enrichment (a stand-in for what a later stage adds), or undefined. */
export type Tagger = (record: CloudTrailRecord) => Partial<Record<string, unknown>> | undefined;

/** Indexes records as the pipeline builds them (original bytes + enrichment, same ids and daily indices), 1,000 per _bulk. */
export async function bulkIndex(prefix: string, records: readonly SourceRecord[], enricher: Enricher, tag?: Tagger): Promise<BulkItem[]> {
  const items: BulkItem[] = [];
  for (let i = 0; i < records.length; i += 1000) {
    const chunk: Buffer[] = [];
    for (const r of records.slice(i, i + 1000)) {
      const enrichment = enricher.enrich(r.record);
      const extra = tag?.(r.record);
      const built = buildSource(r.raw, r.record, extra ? ({ ...enrichment, ...extra, event: { ...enrichment.event, ...(extra.event as object | undefined) } } as Enrichment) : enrichment);
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

interface StandInRule {
  readonly matches: (r: CloudTrailRecord) => boolean;
  readonly rule: { id: string; name: string; ruleset: 'cis-aws-foundations' | 'apigateway'; reference: string; category: string };
  readonly severity: number;
  readonly risk: number;
}

const STAND_IN_RULES: readonly StandInRule[] = [
  {
    matches: (r) => r.userIdentity?.type === 'Root' && r.userIdentity.invokedBy === undefined && r.eventType !== 'AwsServiceEvent',
    rule: { id: 'stand-in-root-usage', name: 'Root account used', ruleset: 'cis-aws-foundations', reference: 'CIS AWS Foundations 4.3', category: 'iam' },
    severity: 4,
    risk: 99,
  },
  {
    matches: (r) => /AccessDenied|Unauthorized/.test(String(r.errorCode ?? '')),
    rule: { id: 'stand-in-unauthorized-calls', name: 'Unauthorized API calls', ruleset: 'cis-aws-foundations', reference: 'CIS AWS Foundations 4.1', category: 'access' },
    severity: 2,
    risk: 47,
  },
  {
    matches: (r) => r.eventSource === 'apigateway.amazonaws.com' && String(r.eventName).startsWith('Delete'),
    rule: { id: 'stand-in-apigateway-deleted', name: 'API Gateway resource deleted', ruleset: 'apigateway', reference: 'Amazon API Gateway', category: 'configuration' },
    severity: 3,
    risk: 73,
  },
];

/**
 * A stand-in for the detection rules until they tag documents at ingest: the
 * `rule.*` (arrays) and `event.severity`/`event.risk_score` of the most severe
 * match, in the shape the rules engine writes, so the findings panels have data.
 */
export const standInFindings: Tagger = (record) => {
  const hits = STAND_IN_RULES.filter((s) => s.matches(record));
  if (hits.length === 0) return undefined;
  const top = hits.reduce((a, b) => (b.severity > a.severity ? b : a));
  return {
    rule: {
      id: hits.map((h) => h.rule.id),
      name: hits.map((h) => h.rule.name),
      ruleset: [...new Set(hits.map((h) => h.rule.ruleset))],
      reference: hits.map((h) => h.rule.reference),
      category: [...new Set(hits.map((h) => h.rule.category))],
    },
    event: { severity: top.severity, risk_score: top.risk },
  };
};

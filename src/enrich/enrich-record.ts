import type { CloudTrailRecord } from '../model/cloudtrail.js';
import { createEnricherSync } from './enricher.js';
import type { Enrichment } from './enrichment.js';

export { ENRICHMENT_KEYS, type Enrichment } from './enrichment.js';

const withoutGeo = createEnricherSync();

/**
 * Enrichment without geo-IP or AS fields, for callers that have no configured
 * enricher (`createEnricher` in ./enricher.ts builds the full one).
 */
export function enrichRecord(record: CloudTrailRecord): Enrichment {
  return withoutGeo.enrich(record);
}

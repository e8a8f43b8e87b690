import type { CloudTrailRecord } from '../model/cloudtrail.js';
import { timestampOf } from '../sink/opensearch/index-name.js';

/**
 * Fields trailstream adds to every record. Original CloudTrail fields are never
 * changed; additions use ECS names where ECS has one (`@timestamp`, `cloud.*`,
 * `event.*`) so they sit next to other ECS data in OpenSearch.
 */
export interface Enrichment {
  '@timestamp'?: string;
  cloud?: { account?: { id: string }; region?: string };
  event?: { outcome: 'success' | 'failure'; action?: string; provider?: string };
}

/** Top-level names the enrichment may add; a record that already has one is re-serialized instead of spliced. */
export const ENRICHMENT_KEYS: readonly string[] = ['@timestamp', 'cloud', 'event'];

export function enrichRecord(record: CloudTrailRecord): Enrichment {
  const out: Enrichment = {};
  const ts = timestampOf(record.eventTime);
  if (ts) out['@timestamp'] = ts;
  const account = typeof record.recipientAccountId === 'string' ? record.recipientAccountId : record.userIdentity?.accountId;
  const cloud: NonNullable<Enrichment['cloud']> = {};
  if (typeof account === 'string' && account) cloud.account = { id: account };
  if (typeof record.awsRegion === 'string' && record.awsRegion) cloud.region = record.awsRegion;
  if (cloud.account || cloud.region) out.cloud = cloud;
  out.event = {
    outcome: record.errorCode || record.errorMessage ? 'failure' : 'success',
    ...(typeof record.eventName === 'string' ? { action: record.eventName } : {}),
    ...(typeof record.eventSource === 'string' ? { provider: record.eventSource } : {}),
  };
  return out;
}

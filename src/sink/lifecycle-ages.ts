import type { Config } from '../config/config.js';
import { INDEX_GRANULARITIES, PERIOD_DAYS, parseIndexName, type IndexGranularity } from '../model/index-period.js';
import { expectOkBody, type JsonHttp } from './search-client.js';

/**
 * The ages, counted from an index's creation, at which the lifecycle policy
 * (ISM on OpenSearch, ILM on Elasticsearch) turns an index warm and deletes
 * it. Both engines only know an index's age since its creation, while the
 * promise is about records: each is kept TRAILSTREAM_RETENTION_DAYS after the
 * END of its index's period (what `trailstream prune` applies by name). An
 * index is created by the first record of its period, at the period's start
 * at the earliest, so the policy waits the retention plus one period.
 *
 * "One period" is the longest period of any index the policy manages, not
 * only of the configured granularity: after lowering
 * TRAILSTREAM_INDEX_GRANULARITY from month to day, the month indices written
 * before are still there, and a one-day margin would delete their last
 * records up to 30 days early. Setup passes the granularities of the indices
 * that exist, so the margin stays that of the coarsest until they are gone
 * (the next setup after that shortens it).
 */
export interface LifecycleAges {
  /** Days after creation to delete; undefined: kept. */
  readonly deleteDays: number | undefined;
  /** Days after creation to turn warm; undefined: no warm phase. */
  readonly warmDays: number | undefined;
  /** The granularity whose period is the margin. */
  readonly marginOf: IndexGranularity;
  /** Set when existing indices of a coarser granularity than the configured one widened the margin. */
  readonly widenedFrom?: IndexGranularity;
}

export type LifecycleSettings = Pick<Config, 'indexPrefix' | 'retentionDays' | 'warmAfterDays'> & {
  readonly indexGranularity?: IndexGranularity;
  /** Granularities of the indices that exist under the prefix (see existingGranularities). */
  readonly existingGranularities?: readonly IndexGranularity[];
};

/** Undefined when there is nothing to manage (retention 0, no warm phase). */
export function lifecycleAges(config: LifecycleSettings): LifecycleAges | undefined {
  if (config.retentionDays === 0 && config.warmAfterDays === undefined) return undefined;
  const configured = config.indexGranularity ?? 'day';
  let marginOf = configured;
  for (const g of config.existingGranularities ?? []) if (PERIOD_DAYS[g] > PERIOD_DAYS[marginOf]) marginOf = g;
  const period = PERIOD_DAYS[marginOf];
  return {
    deleteDays: config.retentionDays > 0 ? config.retentionDays + period : undefined,
    warmDays: config.warmAfterDays === undefined ? undefined : config.warmAfterDays + period,
    marginOf,
    ...(marginOf !== configured ? { widenedFrom: configured } : {}),
  };
}

/** The indices a lifecycle policy manages: dated event indices and Insights indices (not `-undated`, not the dead-letter index). */
export function managedIndexPatterns(indexPrefix: string): string[] {
  return [`${indexPrefix}-1*`, `${indexPrefix}-2*`, `${indexPrefix}-insights-*`];
}

/**
 * The granularities of the dated indices that exist under the prefix, read
 * from their names (`_cat/indices`, the same on both engines). A name of
 * another prefix that happens to match the patterns (`<prefix>-2x-…`) is not
 * one of ours and is ignored.
 */
export async function existingGranularities(http: JsonHttp, indexPrefix: string): Promise<IndexGranularity[]> {
  const patterns = managedIndexPatterns(indexPrefix).join(',');
  const res = await http.request('GET', `/_cat/indices/${patterns}?h=index&format=json&expand_wildcards=all`);
  if (res.status === 404) return [];
  const rows = expectOkBody(res, 'listing the existing indices') as { index?: string }[];
  const found = new Set<IndexGranularity>();
  for (const { index } of rows) {
    const dated = typeof index === 'string' ? parseIndexName(indexPrefix, index) : undefined;
    if (dated) found.add(dated.granularity);
  }
  return INDEX_GRANULARITIES.filter((g) => found.has(g));
}

/** The line setup prints when existing indices widened the margin, or undefined. */
export function describeWidenedMargin(ages: LifecycleAges | undefined): string | undefined {
  if (!ages?.widenedFrom) return undefined;
  return (
    `the lifecycle keeps the ${PERIOD_DAYS[ages.marginOf]}-day margin of the existing ${ages.marginOf} indices ` +
    `(TRAILSTREAM_INDEX_GRANULARITY is ${ages.widenedFrom}), so none of their records is deleted early; ` +
    `run setup again once they are gone to shorten it`
  );
}

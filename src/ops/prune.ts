import type { Client } from '@opensearch-project/opensearch';
import { parseIndexName, type DatedIndex } from '../model/index-period.js';

/**
 * Retention without a lifecycle plugin: deletes whole event and Insights
 * indices once the END of the period named in the index is at least
 * `olderThanDays` days in the past — the rule the ISM policy applies by
 * index age (src/sink/opensearch/lifecycle.ts), read here from the name, so
 * it is exact even for indices a backfill created long after their period.
 * Every record is therefore kept at least `olderThanDays` days.
 *
 * Never touched: the index of a period that has not ended (the current one,
 * or one in the future), `<prefix>-undated`, the dead-letter index, indices of
 * other prefixes (`<prefix>-prod-2026.11.23` is not `<prefix>`'s), and any
 * name no granularity gives. Indices of every granularity are recognised, so
 * a change of TRAILSTREAM_INDEX_GRANULARITY leaves no index behind.
 */

/** Lists and deletes indices; a port so the rule can be tested with a fake. */
export interface IndexCatalog {
  /** Names of the indices (open or closed) matching a wildcard pattern; none: []. */
  list(pattern: string): Promise<string[]>;
  /** Deletes the named indices (concrete names, never a wildcard). */
  delete(names: readonly string[]): Promise<void>;
}

export interface PruneOptions {
  readonly indexPrefix: string;
  readonly deadLetterIndex: string;
  /** Whole days, at least 1. */
  readonly olderThanDays: number;
  readonly dryRun: boolean;
  /** The current time (ms); tests pin it. */
  readonly now?: number;
  readonly onIndex?: (item: PruneItem) => void;
}

export interface PruneItem {
  readonly index: string;
  readonly action: 'deleted' | 'would-delete' | 'kept' | 'delete-failed';
  readonly granularity: DatedIndex['granularity'];
  /** Whole days since the period's end (negative: not over yet). */
  readonly endedDaysAgo: number;
  readonly detail?: string;
}

export interface PruneReport {
  readonly deleted: string[];
  readonly wouldDelete: string[];
  readonly kept: string[];
  /** Matched the prefix but are not dated indices of it (undated, dead letters, other prefixes). */
  readonly ignored: string[];
  readonly failed: string[];
}

const DAY_MS = 86_400_000;
/** Indices per DELETE request: keeps the URL short. */
const DELETE_BATCH = 50;

/** Which of `names` are expired under the rule; pure. */
export function planPrune(names: readonly string[], options: Pick<PruneOptions, 'indexPrefix' | 'deadLetterIndex' | 'olderThanDays' | 'now'>): {
  expired: (DatedIndex & { index: string; endedDaysAgo: number })[];
  kept: (DatedIndex & { index: string; endedDaysAgo: number })[];
  ignored: string[];
} {
  if (!Number.isSafeInteger(options.olderThanDays) || options.olderThanDays < 1) throw new RangeError('olderThanDays must be a whole number of days, at least 1');
  const now = options.now ?? Date.now();
  const expired: (DatedIndex & { index: string; endedDaysAgo: number })[] = [];
  const kept: (DatedIndex & { index: string; endedDaysAgo: number })[] = [];
  const ignored: string[] = [];
  for (const index of [...names].sort()) {
    const dated = index === options.deadLetterIndex ? undefined : parseIndexName(options.indexPrefix, index);
    if (!dated) {
      ignored.push(index);
      continue;
    }
    const ageMs = now - dated.endMs;
    const item = { ...dated, index, endedDaysAgo: Math.floor(ageMs / DAY_MS) };
    // endMs > now is the current (or a future) period: never deleted, whatever the days.
    if (dated.endMs <= now && ageMs >= options.olderThanDays * DAY_MS) expired.push(item);
    else kept.push(item);
  }
  return { expired, kept, ignored };
}

export async function prune(catalog: IndexCatalog, options: PruneOptions): Promise<PruneReport> {
  const names = await catalog.list(`${options.indexPrefix}-*`);
  const plan = planPrune(names, options);
  const report: PruneReport = { deleted: [], wouldDelete: [], kept: plan.kept.map((k) => k.index), ignored: plan.ignored, failed: [] };
  for (const k of plan.kept) options.onIndex?.({ index: k.index, action: 'kept', granularity: k.granularity, endedDaysAgo: k.endedDaysAgo });
  if (options.dryRun) {
    for (const e of plan.expired) {
      report.wouldDelete.push(e.index);
      options.onIndex?.({ index: e.index, action: 'would-delete', granularity: e.granularity, endedDaysAgo: e.endedDaysAgo });
    }
    return report;
  }
  for (let at = 0; at < plan.expired.length; at += DELETE_BATCH) {
    const batch = plan.expired.slice(at, at + DELETE_BATCH);
    try {
      await catalog.delete(batch.map((e) => e.index));
      for (const e of batch) {
        report.deleted.push(e.index);
        options.onIndex?.({ index: e.index, action: 'deleted', granularity: e.granularity, endedDaysAgo: e.endedDaysAgo });
      }
    } catch (error) {
      for (const e of batch) {
        report.failed.push(e.index);
        options.onIndex?.({ index: e.index, action: 'delete-failed', granularity: e.granularity, endedDaysAgo: e.endedDaysAgo, detail: (error as Error).message });
      }
    }
  }
  return report;
}

/** The catalog over OpenSearch: `GET _cat/indices/<pattern>` and `DELETE /<name>,<name>…`. */
export function openSearchIndexCatalog(client: Client): IndexCatalog {
  return {
    async list(pattern) {
      const res = await client.transport.request({
        method: 'GET',
        path: `/_cat/indices/${encodeURIComponent(pattern).replace(/%2A/g, '*')}`,
        querystring: { format: 'json', h: 'index', expand_wildcards: 'open,closed' },
      });
      return ((res.body as { index?: string }[]) ?? []).map((r) => r.index ?? '').filter((n) => n !== '');
    },
    async delete(names) {
      if (names.some((n) => /[*?,]/.test(n))) throw new Error('refusing to delete a pattern');
      await client.transport.request({ method: 'DELETE', path: `/${names.map(encodeURIComponent).join(',')}` });
    },
  };
}

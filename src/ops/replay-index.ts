import type { SearchClient } from '../sink/search-client.js';
import type { Enrichment } from '../enrich/enrichment.js';
import type { RetryableError, NonRetryableError } from '../errors.js';
import type { CloudTrailRecord } from '../model/cloudtrail.js';
import type { DocumentOutcome } from '../sink/ack-target.js';
import type { BulkDocument, DocumentOrigin } from '../sink/bulk-indexer.js';
import { objectTarget, recordDocument } from '../document/record-document.js';
import type { IndexGranularity } from '../model/index-period.js';

/**
 * Re-indexes the records of the dead-letter index (after a mapping fix):
 * each record is rebuilt from its raw text and origin exactly as the worker
 * builds it (same enrichment, index and `_id`, see record-document.ts) and sent
 * through the same bulk indexer. Its dead letter is deleted only once the
 * record is durably indexed. A record that fails again is dead-lettered by the
 * indexer under the same dead-letter id, which overwrites its old dead letter
 * with the new reason, so it is never there twice.
 */

export interface DeadLetterHit {
  readonly id: string;
  readonly source: unknown;
}

/** Reads and deletes dead letters; a port so the logic can be tested with fakes. */
export interface DeadLetterStore {
  /** Every dead letter as it was when the replay started, a bounded page at a time. */
  pages(pageSize: number): AsyncIterable<DeadLetterHit[]>;
  /** Deletes dead letters by id; returns the ids it could not delete. */
  delete(ids: readonly string[]): Promise<string[]>;
}

/** Where rebuilt documents go: the shared BulkIndexer. */
export interface DocumentSink {
  add(doc: BulkDocument): Promise<void>;
  flush(): Promise<void>;
}

export interface IndexReplayOptions {
  readonly indexPrefix: string;
  /** The period of an index (default day): as the worker names indices. */
  readonly indexGranularity?: IndexGranularity;
  readonly enrich: (record: CloudTrailRecord) => Enrichment;
  readonly pageSize: number;
  /** At most this many dead letters are examined. */
  readonly max?: number;
  readonly dryRun: boolean;
  readonly signal?: AbortSignal;
  readonly onItem?: (item: IndexReplayItem) => void;
}

export type IndexReplayOutcome =
  | 'replayed'
  | 'would-replay'
  | 'failed-again'
  | 'invalid-json'
  | 'truncated'
  | 'unusable'
  | 'not-durable'
  | 'not-deleted';

export interface IndexReplayItem {
  /** The dead letter's own `_id`. */
  readonly deadLetterId: string;
  readonly outcome: IndexReplayOutcome;
  /** Where the record goes: `index/id`. */
  readonly target?: string;
  readonly origin?: DocumentOrigin;
  readonly detail?: string;
}

export interface IndexReplayReport {
  examined: number;
  /** Indexed, and its dead letter deleted. */
  replayed: number;
  /** Dry run: would be sent. */
  wouldReplay: number;
  /** Refused again by OpenSearch; its dead letter stays (with the new reason). */
  failedAgain: number;
  /** The raw text is still not a JSON object; the dead letter stays. */
  invalidJson: number;
  /** The raw text was cut to fit the dead letter (rawTruncatedFromLength): it cannot be rebuilt; stays. */
  truncated: number;
  /** Not a dead letter trailstream wrote (no raw string or no origin); stays. */
  unusable: number;
  /** OpenSearch did not accept the record after the indexer's retries; the dead letter stays. */
  notDurable: number;
  /** Indexed, but its dead letter could not be deleted (a later run will index it again, harmlessly). */
  notDeleted: number;
  interrupted: boolean;
}

interface Pending {
  readonly hit: DeadLetterHit;
  readonly doc: BulkDocument;
  readonly outcome: Promise<{ outcome: DocumentOutcome } | { error: RetryableError | NonRetryableError }>;
}

export async function replayDeadLetterIndex(store: DeadLetterStore, sink: DocumentSink, options: IndexReplayOptions): Promise<IndexReplayReport> {
  const report: IndexReplayReport = {
    examined: 0,
    replayed: 0,
    wouldReplay: 0,
    failedAgain: 0,
    invalidJson: 0,
    truncated: 0,
    unusable: 0,
    notDurable: 0,
    notDeleted: 0,
    interrupted: false,
  };
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const emit = (item: IndexReplayItem): void => options.onItem?.(item);

  for await (const page of store.pages(options.pageSize)) {
    const pending: Pending[] = [];
    for (const hit of page) {
      if (report.examined >= max) break;
      if (options.signal?.aborted) {
        report.interrupted = true;
        break;
      }
      report.examined++;
      const letter = readDeadLetter(hit.source);
      if ('problem' in letter) {
        report[letter.problem]++;
        emit({ deadLetterId: hit.id, outcome: letter.problem, detail: letter.detail });
        continue;
      }
      const built = recordDocument(Buffer.from(letter.raw, 'utf8'), letter.origin, objectTarget(letter.origin.key, options.indexGranularity), options.indexPrefix, options.enrich);
      const target = `${built.index}/${built.id}`;
      if (!built.ok) {
        report.invalidJson++;
        emit({ deadLetterId: hit.id, outcome: 'invalid-json', target, origin: letter.origin, detail: built.reason });
        continue;
      }
      if (options.dryRun) {
        report.wouldReplay++;
        emit({ deadLetterId: hit.id, outcome: 'would-replay', target, origin: letter.origin });
        continue;
      }
      let settle!: (r: { outcome: DocumentOutcome } | { error: RetryableError | NonRetryableError }) => void;
      const outcome = new Promise<{ outcome: DocumentOutcome } | { error: RetryableError | NonRetryableError }>((resolve) => (settle = resolve));
      const doc: BulkDocument = {
        index: built.index,
        id: built.id,
        source: built.source,
        raw: built.raw,
        origin: letter.origin,
        ack: { settle: (o) => settle({ outcome: o }), fail: (error) => settle({ error }) },
      };
      pending.push({ hit, doc, outcome });
      await sink.add(doc);
    }

    if (pending.length > 0) {
      await sink.flush();
      const toDelete: { hit: DeadLetterHit; target: string; origin: DocumentOrigin; replayed: boolean }[] = [];
      for (const p of pending) {
        const r = await p.outcome;
        const target = `${p.doc.index}/${p.doc.id}`;
        if ('error' in r) {
          report.notDurable++;
          emit({ deadLetterId: p.hit.id, outcome: 'not-durable', target, origin: p.doc.origin, detail: r.error.message });
        } else if (r.outcome === 'indexed') {
          toDelete.push({ hit: p.hit, target, origin: p.doc.origin, replayed: true });
        } else {
          report.failedAgain++;
          emit({ deadLetterId: p.hit.id, outcome: 'failed-again', target, origin: p.doc.origin });
          // The indexer's new dead letter has the id `index/id`. When the old one has
          // another id (written under another index prefix), the new one replaces it.
          if (p.hit.id !== target) toDelete.push({ hit: p.hit, target, origin: p.doc.origin, replayed: false });
        }
      }
      if (toDelete.length > 0) {
        const failed = new Set(await store.delete(toDelete.map((d) => d.hit.id)));
        for (const d of toDelete) {
          if (!d.replayed) continue;
          if (failed.has(d.hit.id)) {
            report.notDeleted++;
            emit({ deadLetterId: d.hit.id, outcome: 'not-deleted', target: d.target, origin: d.origin });
          } else {
            report.replayed++;
            emit({ deadLetterId: d.hit.id, outcome: 'replayed', target: d.target, origin: d.origin });
          }
        }
      }
    }
    if (report.interrupted || report.examined >= max) break;
  }
  return report;
}

type ReadDeadLetter =
  | { readonly raw: string; readonly origin: DocumentOrigin }
  | { readonly problem: 'truncated' | 'unusable'; readonly detail: string };

/** Checks a dead-letter `_source` (shape written by BulkIndexer.deadLetter); anything else is left alone. */
export function readDeadLetter(source: unknown): ReadDeadLetter {
  if (typeof source !== 'object' || source === null) return { problem: 'unusable', detail: 'the dead letter has no source' };
  const s = source as { raw?: unknown; origin?: { bucket?: unknown; key?: unknown; ordinal?: unknown }; rawTruncatedFromLength?: unknown; error?: { type?: unknown } };
  if (s.rawTruncatedFromLength !== undefined) {
    if (s.error?.type === 'record-too-large') {
      return {
        problem: 'truncated',
        detail: `record-too-large: the record is ${String(s.rawTruncatedFromLength)} bytes, over TRAILSTREAM_MAX_RECORD_BYTES, and only its start was kept; it cannot be rebuilt from the dead letter (raise the limit and backfill its object to index it)`,
      };
    }
    return { problem: 'truncated', detail: `the raw record was cut from ${String(s.rawTruncatedFromLength)} characters to fit the dead letter; it cannot be rebuilt` };
  }
  if (typeof s.raw !== 'string') return { problem: 'unusable', detail: 'no raw record string' };
  const o = s.origin;
  if (typeof o?.bucket !== 'string' || typeof o.key !== 'string' || typeof o.ordinal !== 'number' || !Number.isSafeInteger(o.ordinal) || o.ordinal < 0) {
    return { problem: 'unusable', detail: 'no origin (bucket, key, ordinal): the document id cannot be derived' };
  }
  return { raw: s.raw, origin: { bucket: o.bucket, key: o.key, ordinal: o.ordinal } };
}

/** The store over the search engine (either): a scroll (a snapshot, so deletes during the replay do not shift pages) and bulk deletes. */
export function searchDeadLetterStore(client: SearchClient, deadLetterIndex: string): DeadLetterStore {
  return {
    async *pages(pageSize) {
      type Page = { _scroll_id?: string; hits: { hits: { _id: string; _source?: unknown }[] } };
      let scrollId: string | undefined;
      try {
        let page = (
          await client.request({
            method: 'POST',
            path: `/${encodeURIComponent(deadLetterIndex)}/_search`,
            querystring: { scroll: '5m', ignore_unavailable: 'true', allow_no_indices: 'true' },
            body: { size: pageSize, sort: ['_doc'], query: { match_all: {} } },
          })
        ).body as Page;
        scrollId = page._scroll_id;
        while (page.hits.hits.length > 0) {
          yield page.hits.hits.map((h) => ({ id: h._id, source: h._source }));
          if (!scrollId) return;
          page = (await client.request({ method: 'POST', path: '/_search/scroll', body: { scroll: '5m', scroll_id: scrollId } })).body as Page;
          scrollId = page._scroll_id ?? scrollId;
        }
      } finally {
        if (scrollId) {
          await client.request({ method: 'DELETE', path: '/_search/scroll', body: { scroll_id: [scrollId] } }).catch(() => undefined);
        }
      }
    },
    async delete(ids) {
      if (ids.length === 0) return [];
      const ndjson = ids.map((id) => `${JSON.stringify({ delete: { _index: deadLetterIndex, _id: id } })}\n`).join('');
      const res = await client.request({ method: 'POST', path: '/_bulk', ndjson });
      const items = (res.body as { items?: { delete?: { _id?: string; status?: number } }[] }).items ?? [];
      const failed: string[] = [];
      items.forEach((item, i) => {
        const status = item.delete?.status ?? 0;
        // 404: already gone, which is what we wanted.
        if (!(status >= 200 && status < 300) && status !== 404) failed.push(ids[i]!);
      });
      return failed;
    },
  };
}

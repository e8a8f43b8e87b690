import { ENRICHMENT_KEYS, type Enrichment } from '../enrich/enrich-record.js';
import type { CloudTrailRecord } from '../model/cloudtrail.js';
import { enrichmentJson } from './enrichment-json.js';
import { eventTemplateShape, MAX_TERM_BYTES, relocate, unindexablePaths } from './field-shapes.js';

const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;

/**
 * The document sent to OpenSearch: the record's original bytes with the
 * enrichment spliced in before its closing brace. Splicing keeps every original
 * field byte for byte and avoids re-serializing the whole record, which is the
 * most expensive step of the pipeline otherwise. Records that already carry one
 * of our field names (not CloudTrail's, but seen in re-exported data) are
 * re-serialized instead, because a JSON object with duplicate keys is rejected.
 */
export interface BuiltSource {
  readonly source: Buffer;
  /** The original record as a string, rebuilt on demand (only dead letters need it). */
  readonly raw: () => string;
}

export function buildSource(raw: Buffer, record: CloudTrailRecord, enrichment: Enrichment): BuiltSource {
  const unindexable = unindexablePaths(record as Record<string, unknown>, eventTemplateShape(), raw.length > MAX_TERM_BYTES);
  const extra = enrichmentJson(enrichment);
  if (unindexable.length > 0) return withUnindexableMoved(raw, record, extra, unindexable);
  if (extra === '{}') {
    const copy = Buffer.from(raw);
    return { source: copy, raw: textOf(copy) };
  }
  if (hasEnrichmentKey(record) || raw[raw.length - 1] !== CLOSE_BRACE) {
    return { source: Buffer.from(JSON.stringify({ ...record, ...(JSON.parse(extra) as object) })), raw: textOf(Buffer.from(raw)) };
  }
  return spliced(raw, extra, hasNoKeys(record));
}

/*
 * The `raw` closures are made by the small functions below, never inside
 * buildSource: a closure keeps its whole scope alive, and buildSource's scope
 * holds the parsed record. A document waits in a bulk batch (5 MiB, thousands
 * of documents) before it is sent, and keeping every parsed record alive that
 * long made garbage collection a third of the pipeline's time.
 */

function textOf(bytes: Buffer): () => string {
  return () => bytes.toString('utf8');
}

/** `raw` without its closing brace, then the enrichment's members. */
function spliced(raw: Buffer, extra: string, empty: boolean): BuiltSource {
  const prefix = raw.length - 1;
  let source: Buffer;
  if (empty) {
    source = Buffer.concat([raw.subarray(0, prefix), Buffer.from(extra.slice(1))]);
  } else {
    // One allocation and no intermediate string: extra is `{...}`, its opening
    // brace is overwritten by the comma and its closing brace closes the document.
    source = Buffer.allocUnsafe(prefix + Buffer.byteLength(extra));
    raw.copy(source, 0, 0, prefix);
    source.write(extra, prefix);
    source[prefix] = COMMA;
  }
  // The source starts with the record's bytes, so the original is recovered from
  // it rather than by keeping a reference to the decoder's chunk alive.
  return { source, raw: () => `${source.toString('utf8', 0, prefix)}}` };
}

function hasEnrichmentKey(record: CloudTrailRecord): boolean {
  for (const k of ENRICHMENT_KEYS) if (Object.prototype.hasOwnProperty.call(record, k)) return true;
  return false;
}

/** Cheaper than Object.keys(record).length === 0, which copies every key of every record. */
function hasNoKeys(record: CloudTrailRecord): boolean {
  for (const k in record) if (Object.prototype.hasOwnProperty.call(record, k)) return false;
  return true;
}

/**
 * A value the mapping cannot take (a list of strings where CloudTrail has
 * objects, a JSON string in a flat_object, a 40 KB policy in one term) would
 * make OpenSearch refuse the whole document. Such values move, unchanged, to
 * `trailstream.unindexed.<path>` — an object the mapping keeps in `_source` but
 * never parses — and `trailstream.unindexed_fields` lists their paths, so the
 * rest of the record stays searchable and nothing is lost.
 */
function withUnindexableMoved(raw: Buffer, record: CloudTrailRecord, extra: string, paths: string[]): BuiltSource {
  const original = textOf(Buffer.from(raw));
  const { rest, moved } = relocate(record as Record<string, unknown>, paths);
  const enrichment = JSON.parse(extra) as { trailstream?: Record<string, unknown> };
  const own = enrichment.trailstream;
  const trailstream = { ...own, unindexed: moved, unindexed_fields: paths };
  return { source: Buffer.from(JSON.stringify({ ...rest, ...enrichment, trailstream })), raw: original };
}

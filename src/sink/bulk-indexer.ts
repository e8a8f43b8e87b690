import { NonRetryableError, RetryableError } from '../errors.js';
import type { AckTarget } from './ack-target.js';
import type { BulkItemResult, BulkTransport } from './bulk-transport.js';
import { backoffDelayMs, type RetryPolicy } from '../retry-policy.js';

/** Where a document came from, for the dead letter. */
export interface DocumentOrigin {
  readonly bucket: string;
  readonly key: string;
  readonly ordinal: number;
}

export interface BulkDocument {
  readonly index: string;
  readonly id: string;
  /** The JSON document, exactly as it will be sent. */
  readonly source: Buffer;
  /** The original record as a string, for the dead letter (computed only on failure). */
  readonly raw: () => string;
  readonly origin: DocumentOrigin;
  readonly ack: AckTarget;
  /** The record's eventTime (ms since the epoch), when it has a valid one: for the ingestion-lag metric. */
  readonly eventTimeMs?: number;
}

/** What a dead letter can say beyond the error, for a record the pipeline rejected before sending it. */
export interface DeadLetterDetails {
  /** Byte offset of the record in the decompressed object. */
  readonly offset?: number;
  /** The record's full size in bytes, when `raw` holds only its start. */
  readonly rawBytes?: number;
  /** What could be read of the record's identity. */
  readonly record?: { readonly eventID?: string; readonly eventTime?: string; readonly eventName?: string };
}

export interface BulkIndexerOptions {
  readonly maxBytes: number;
  readonly bytesLimit: number;
  readonly maxDocs: number;
  readonly lingerMs: number;
  readonly concurrency: number;
  readonly maxBufferedBytes: number;
  readonly retry: RetryPolicy;
  /**
   * How long to hold documents through an outage (see {@link isOutage})
   * before failing them as retryable; 0 (the default) counts outages against
   * `retry` like any other failure.
   */
  readonly outageMaxMs?: number;
  readonly deadLetterIndex: string;
}

export interface BulkIndexerEvents {
  onRequest?(info: { docs: number; bytes: number; ms: number; ok: boolean; status?: number }): void;
  onItemRetry?(count: number, reason: string): void;
  onDeadLetter?(doc: BulkDocument, error: string): void;
  /**
   * One `_bulk` response made documents durable: `indexed` are the documents
   * OpenSearch accepted into their target index, `deadLettered` the number of
   * dead letters it accepted into the dead-letter index.
   */
  onDurable?(indexed: readonly BulkDocument[], deadLettered: number): void;
  /** OpenSearch became unavailable (see {@link isOutage}): documents are held, not failed. */
  onOutageStart?(info: { reason: string; heldBytes: number }): void;
  /** A request succeeded again after an outage that lasted `ms`. */
  onOutageEnd?(info: { ms: number }): void;
}

/** Probes during an outage go out at most this far apart (full jitter below it), so work resumes soon after OpenSearch does. */
const OUTAGE_PROBE_CAP_MS = 5_000;
/** The shortest timeout a request gets while documents are held (see heldRequestTimeout). */
const MIN_HELD_REQUEST_TIMEOUT_MS = 1_000;

interface Entry {
  readonly doc: BulkDocument;
  /** The action line, newline included; ASCII unless an id or index name is not. */
  readonly action: string;
  readonly actionBytes: number;
  /** `doc.source` on one line, as the NDJSON body needs it (see {@link oneLine}). */
  readonly source: Buffer;
  readonly size: number;
  attempt: number;
  /** Times this entry was held through an outage (does not count against the retries). */
  holds: number;
  /** When this entry was first held (ms since the epoch), 0 if never. */
  heldSince: number;
  /** Set when this entry is the dead letter of another document. */
  readonly deadLetterOf: BulkDocument | undefined;
}

/** Printable ASCII without `"` or `\\`: such a string is its own JSON string body, byte for byte. */
const JSON_SAFE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/*
 * The action line of every document. Index names repeat (one per day) and
 * eventIDs are UUIDs, so the usual case takes a cached prefix and the id as is,
 * without JSON.stringify's two temporary strings per document.
 */
const actionPrefixes = new Map<string, string>();

function actionLine(index: string, id: string): string {
  let prefix = actionPrefixes.get(index);
  if (prefix === undefined) {
    prefix = `{"index":{"_index":${JSON.stringify(index)},"_id":`;
    if (actionPrefixes.size >= 1024) actionPrefixes.clear();
    actionPrefixes.set(index, prefix);
  }
  return JSON_SAFE.test(id) ? `${prefix}"${id}"}}\n` : `${prefix}${JSON.stringify(id)}}}\n`;
}

const NEWLINE = 0x0a;

/** The NDJSON body of a batch, written into one buffer of exactly its size. */
function bulkBody(batch: readonly Entry[]): Buffer {
  let size = 0;
  for (const e of batch) size += e.size;
  const body = Buffer.allocUnsafe(size);
  let at = 0;
  for (const e of batch) {
    at += body.write(e.action, at, e.actionBytes, 'utf8');
    at += e.source.copy(body, at);
    body[at++] = NEWLINE;
  }
  return body;
}

/**
 * Batches documents into `_bulk` requests bounded by bytes, count and linger
 * time, keeps several requests in flight, and examines every item of every
 * response. This replaces the client's `helpers.bulk`, which resolves even when
 * documents failed, retries only 429 with a fixed wait and has no per-document
 * success signal. Here each document's `ack` is told exactly once whether it was
 * indexed, dead-lettered, or could not be made durable:
 *
 * - 2xx items: indexed.
 * - 429, 5xx and `es_rejected_execution_exception` items: retried alone, with
 *   exponential backoff and full jitter, up to `retry.maxRetries` times.
 * - Other item failures (mapping errors, too large…): written to the dead-letter
 *   index with the raw record, the error and its origin, so nothing is dropped.
 * - Whole-request failures (network, 429/5xx, timeouts): the batch is retried;
 *   413 and 400 split it in two until the document at fault is alone, and
 *   that one is dead-lettered.
 * - Outages — no answer at all, 502/503/504 for the whole request, or 503 for
 *   an item (no cluster manager, primary shard unavailable: a red cluster) —
 *   do not spend the per-document retries: the indexer holds what it has and
 *   probes with capped backoff (at most {@link OUTAGE_PROBE_CAP_MS} apart)
 *   until OpenSearch answers again, for up to `outageMaxMs` from the start of
 *   the outage; only then are the documents failed as retryable. Holding keeps
 *   the messages in progress, so the heartbeat keeps them invisible, and what
 *   was already acknowledged is not read again.
 *
 * Backpressure: `add` waits while the bytes buffered or in flight exceed
 * `maxBufferedBytes`, which stalls the decoder that feeds it.
 */
export class BulkIndexer {
  private batch: Entry[] = [];
  private batchBytes = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  private bufferedBytes = 0;
  private inFlight = 0;
  private readonly sendQueue: Entry[][] = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private capacityWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private producers = 0;
  /** When the current outage began (first outage failure since the last success). */
  private outageSince: number | undefined;

  constructor(
    private readonly transport: BulkTransport,
    private readonly options: BulkIndexerOptions,
    private readonly events: BulkIndexerEvents = {},
  ) {}

  /** Resolves once the document is accepted; waits while the buffer is full. */
  async add(doc: BulkDocument): Promise<void> {
    if (this.closed) throw new Error('BulkIndexer is closed');
    while (this.bufferedBytes >= this.options.maxBufferedBytes) {
      await new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
    }
    this.enqueue(this.entryFor(doc));
  }

  /**
   * Accepts the document at once if the buffer has room and returns true;
   * returns false (taking nothing) when the caller must `await add(doc)`.
   * Lets the decoder hand over records without a promise per record.
   */
  tryAdd(doc: BulkDocument): boolean {
    if (this.closed) throw new Error('BulkIndexer is closed');
    if (this.bufferedBytes >= this.options.maxBufferedBytes) return false;
    this.enqueue(this.entryFor(doc));
    return true;
  }

  /**
   * Marks a producer (an object being decoded) as active until the returned
   * function is called. When the last active producer ends, the partial batch
   * is sent at once instead of after the linger time: every producer is then
   * waiting for its own documents to be durable, so nothing would fill the
   * batch and waiting would only stall them (with four objects at a time, the
   * linger wait capped a worker at about twenty small objects a second).
   */
  producing(): () => void {
    this.producers++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.producers === 0 && this.batch.length > 0) this.dispatchBatch();
    };
  }

  /** Sends what is buffered and resolves when nothing is buffered, in flight or waiting to retry. */
  async flush(): Promise<void> {
    this.dispatchBatch();
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /**
   * Drops whatever is buffered or waiting to retry, without telling anyone.
   * Only for shutdown after the worker released its unfinished messages:
   * their records will be indexed again by whichever worker takes them over.
   */
  abandon(): void {
    this.closed = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.batch = [];
    this.sendQueue.length = 0;
  }

  get stats(): { bufferedBytes: number; inFlight: number } {
    return { bufferedBytes: this.bufferedBytes, inFlight: this.inFlight };
  }

  private entryFor(doc: BulkDocument, deadLetterOf?: BulkDocument): Entry {
    // Kept as a string and written straight into the request body in send():
    // one small Buffer per document less to allocate and collect.
    const action = actionLine(doc.index, doc.id);
    const actionBytes = Buffer.byteLength(action);
    const source = oneLine(doc.source);
    const size = actionBytes + source.length + 1;
    // One object shape for every entry (no optional spread): cheaper to build and to read.
    return { doc, action, actionBytes, source, size, attempt: 0, holds: 0, heldSince: 0, deadLetterOf };
  }

  private enqueue(entry: Entry): void {
    if (entry.size > this.options.bytesLimit) {
      // Can never be sent whole: dead-letter it without asking OpenSearch.
      this.bufferedBytes += entry.size;
      this.itemFailed(entry, { status: 413, error: { type: 'document_too_large', reason: `document of ${entry.size} bytes exceeds the bulk request limit of ${this.options.bytesLimit} bytes` } });
      return;
    }
    this.bufferedBytes += entry.size;
    if (this.batchBytes + entry.size > this.options.maxBytes && this.batch.length > 0) this.dispatchBatch();
    this.batch.push(entry);
    this.batchBytes += entry.size;
    if (this.batchBytes >= this.options.maxBytes || this.batch.length >= this.options.maxDocs) {
      this.dispatchBatch();
    } else if (!this.lingerTimer) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = undefined;
        this.dispatchBatch();
      }, this.options.lingerMs);
    }
  }

  private dispatchBatch(): void {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    this.sendQueue.push(batch);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.options.concurrency && this.sendQueue.length > 0) {
      const batch = this.sendQueue.shift()!;
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.pump();
        this.checkIdle();
      });
    }
  }

  private async send(batch: Entry[]): Promise<void> {
    const body = bulkBody(batch);
    const bytes = body.length;
    const started = performance.now();
    const timeoutMs = this.heldRequestTimeout(batch);
    const response = await this.transport.bulk(body, batch.length, timeoutMs === undefined ? undefined : { timeoutMs });
    const ms = performance.now() - started;

    if (!response.ok) {
      this.events.onRequest?.({ docs: batch.length, bytes, ms, ok: false, status: response.status });
      // 413: too large as a whole. 400: OpenSearch could not read the request,
      // which one bad document can cause. Either way, halve the batch until the
      // culprit is alone, and dead-letter only that one.
      if ((response.status === 413 || response.status === 400) && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        this.sendQueue.unshift(batch.slice(0, half), batch.slice(half));
        return;
      }
      if (response.status === 413 || response.status === 400) {
        const type = response.status === 413 ? 'request_entity_too_large' : 'bad_request';
        this.itemFailed(batch[0]!, { status: response.status, error: { type, reason: response.message } });
        this.sendUnlessSomeoneFills();
        return;
      }
      const reason = `request failed (${response.status || 'no response'}): ${response.message}`;
      if (isOutage(response.status)) this.holdThroughOutage(batch, reason);
      else this.retryLater(batch, reason);
      return;
    }

    this.events.onRequest?.({ docs: batch.length, bytes, ms, ok: true });
    const held: Entry[] = [];
    let heldReason = '';
    const retry: Entry[] = [];
    let retryReason = '';
    // Collected only when someone listens: this loop runs for every document.
    const indexed: BulkDocument[] | undefined = this.events.onDurable ? [] : undefined;
    let deadLettered = 0;
    response.items.forEach((item, i) => {
      const entry = batch[i]!;
      if (item.status >= 200 && item.status < 300) {
        this.itemSucceeded(entry);
        if (entry.deadLetterOf) deadLettered++;
        else indexed?.push(entry.doc);
      } else if (item.status === 503) {
        held.push(entry);
        heldReason = `${item.status} ${item.error?.type ?? ''}`.trim();
      } else if (isRetryableItem(item)) {
        retry.push(entry);
        retryReason = `${item.status} ${item.error?.type ?? ''}`.trim();
      } else this.itemFailed(entry, item);
    });
    if (held.length < batch.length) this.outageOver();
    if (indexed && (indexed.length > 0 || deadLettered > 0)) this.events.onDurable?.(indexed, deadLettered);
    if (held.length > 0) this.holdThroughOutage(held, `items unavailable: ${heldReason}`);
    if (retry.length > 0) {
      this.events.onItemRetry?.(retry.length, retryReason);
      this.retryLater(retry, `items rejected: ${retryReason}`);
    }
    this.sendUnlessSomeoneFills();
  }

  /**
   * Dead letters made from a response join the batch; with no producer left to
   * fill it (or someone waiting on flush), they go now rather than after linger.
   */
  private sendUnlessSomeoneFills(): void {
    if (this.batch.length > 0 && (this.producers === 0 || this.idleWaiters.length > 0)) this.dispatchBatch();
  }

  /** OpenSearch answered a request (some items at least): an outage, if there was one, is over. */
  private outageOver(): void {
    if (this.outageSince === undefined) return;
    const ms = Date.now() - this.outageSince;
    this.outageSince = undefined;
    this.events.onOutageEnd?.({ ms });
  }

  /**
   * Keeps entries through an outage: retried after a capped backoff without
   * spending their retry budget, until the outage has lasted `outageMaxMs`.
   */
  private holdThroughOutage(entries: Entry[], reason: string): void {
    const outageMaxMs = this.options.outageMaxMs ?? 0;
    if (outageMaxMs === 0) {
      this.retryLater(entries, reason);
      return;
    }
    const now = Date.now();
    if (this.outageSince === undefined) {
      this.outageSince = now;
      this.events.onOutageStart?.({ reason, heldBytes: this.bufferedBytes });
    }
    // The outage's clock, and each entry's own: a red index among green ones
    // (which end the outage again and again) must not keep its documents forever.
    let since = this.outageSince;
    for (const e of entries) {
      if (e.heldSince === 0) e.heldSince = now;
      since = Math.min(since, e.heldSince);
    }
    if (now - since >= outageMaxMs) {
      this.giveUp(
        entries,
        (e) =>
          new RetryableError('opensearch-unavailable', `OpenSearch was unavailable for ${Math.round((now - since) / 1000)} s (TRAILSTREAM_OUTAGE_MAX_SECONDS is ${outageMaxMs / 1000}): ${reason}`, {
            index: e.doc.index,
            id: e.doc.id,
          }),
      );
      return;
    }
    const holds = Math.max(...entries.map((e) => e.holds)) + 1;
    for (const e of entries) e.holds = holds;
    const policy = { ...this.options.retry, capMs: Math.min(this.options.retry.capMs, OUTAGE_PROBE_CAP_MS) };
    this.schedule(entries, backoffDelayMs(policy, holds - 1));
  }

  /**
   * While documents are held through an outage, a request may not outlast
   * what is left of `outageMaxMs`: a cluster that accepts connections but
   * keeps `_bulk` requests waiting (no cluster manager, seen on a real
   * cluster) would otherwise hold the worker inside the client's 120 s
   * request timeout, once per node, and the outage limit — checked when a
   * request comes back — would fire minutes late or not at all. Undefined
   * (the client's timeout) when nothing is held, and once the limit has run
   * out: documents that fail then are given up on at once anyway, and a
   * cluster that is slow but writing again must be able to answer and end the
   * outage (cut at a second, every request would fail, and no success would
   * ever end it).
   */
  private heldRequestTimeout(batch: readonly Entry[]): number | undefined {
    const outageMaxMs = this.options.outageMaxMs ?? 0;
    if (outageMaxMs === 0) return undefined;
    let since = this.outageSince ?? Infinity;
    for (const e of batch) if (e.heldSince !== 0 && e.heldSince < since) since = e.heldSince;
    if (since === Infinity) return undefined;
    const left = since + outageMaxMs - Date.now();
    return left > 0 ? Math.max(MIN_HELD_REQUEST_TIMEOUT_MS, left) : undefined;
  }

  private giveUp(entries: readonly Entry[], error: (e: Entry) => RetryableError): void {
    for (const e of entries) {
      this.release(e);
      (e.deadLetterOf ?? e.doc).ack.fail(error(e));
    }
  }

  private schedule(entries: Entry[], delayMs: number): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.sendQueue.push(entries);
      this.pump();
    }, delayMs);
    this.retryTimers.add(timer);
  }

  private retryLater(entries: Entry[], reason: string): void {
    const attempt = Math.max(...entries.map((e) => e.attempt)) + 1;
    if (attempt > this.options.retry.maxRetries) {
      this.giveUp(
        entries,
        (e) =>
          new RetryableError('bulk-retries-exhausted', `OpenSearch did not accept the document after ${this.options.retry.maxRetries} retries: ${reason}`, {
            index: e.doc.index,
            id: e.doc.id,
          }),
      );
      return;
    }
    for (const e of entries) e.attempt = attempt;
    this.schedule(entries, backoffDelayMs(this.options.retry, attempt - 1));
  }

  private itemSucceeded(entry: Entry): void {
    this.release(entry);
    if (entry.deadLetterOf) entry.deadLetterOf.ack.settle('dead-lettered');
    else entry.doc.ack.settle('indexed');
  }

  private itemFailed(entry: Entry, item: BulkItemResult): void {
    const error = `${item.status} ${item.error?.type ?? 'error'}: ${item.error?.reason ?? 'no reason given'}`;
    this.release(entry);
    if (entry.deadLetterOf) {
      // The dead letter itself was refused: nothing more we can do inside
      // OpenSearch, so the object fails and its message goes to the DLQ.
      entry.deadLetterOf.ack.fail(
        new NonRetryableError('dead-letter-refused', `the dead-letter index refused a record: ${error}`, {
          bucket: entry.deadLetterOf.origin.bucket,
          key: entry.deadLetterOf.origin.key,
          ordinal: entry.deadLetterOf.origin.ordinal,
        }),
      );
      return;
    }
    this.deadLetter(entry.doc, error, item.error?.type ?? `status_${item.status}`);
  }

  /**
   * Writes a document that cannot be indexed to the dead-letter index instead.
   * With `details.rawBytes`, `raw` is only the start of the record (the
   * splitter never held it whole) and the dead letter says so with
   * `rawTruncatedFromLength`, which replay reads as "cannot be rebuilt".
   */
  deadLetter(doc: BulkDocument, reason: string, errorType: string, details?: DeadLetterDetails): void {
    this.events.onDeadLetter?.(doc, reason);
    const body: Record<string, unknown> & { raw: string } = {
      '@timestamp': new Date().toISOString(),
      error: { type: errorType, reason: reason.slice(0, 4000) },
      target: { index: doc.index, id: doc.id },
      origin: details?.offset === undefined ? doc.origin : { ...doc.origin, offset: details.offset },
      raw: doc.raw(),
      ...findingOf(doc.source),
    };
    if (details?.record) body.record = details.record;
    if (details?.rawBytes !== undefined) body.rawTruncatedFromLength = details.rawBytes;
    const deadLetterDoc: BulkDocument = {
      index: this.options.deadLetterIndex,
      // Same id as the intended document: dead-lettering the same record twice overwrites, never duplicates.
      id: `${doc.index}/${doc.id}`,
      source: Buffer.from(JSON.stringify(body)),
      raw: doc.raw,
      origin: doc.origin,
      ack: doc.ack,
    };
    const entry = this.entryFor(deadLetterDoc, doc);
    if (entry.size > this.options.bytesLimit) {
      // Keep the dead letter sendable: cut the raw record, say so, keep its length.
      const original = body.raw;
      body.raw = original.slice(0, Math.floor(this.options.bytesLimit / 4));
      body.rawTruncatedFromLength ??= original.length;
      this.enqueue(this.entryFor({ ...deadLetterDoc, source: Buffer.from(JSON.stringify(body)) }, doc));
      return;
    }
    this.enqueue(entry);
  }

  private release(entry: Entry): void {
    this.bufferedBytes -= entry.size;
    if (this.bufferedBytes < this.options.maxBufferedBytes && this.capacityWaiters.length > 0) {
      const waiters = this.capacityWaiters;
      this.capacityWaiters = [];
      for (const w of waiters) w();
    }
  }

  private isIdle(): boolean {
    return this.batch.length === 0 && this.inFlight === 0 && this.sendQueue.length === 0 && this.retryTimers.size === 0;
  }

  private checkIdle(): void {
    if (this.isIdle() && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}

/**
 * A `_bulk` body is newline-delimited: a document that spans lines breaks the
 * request for every document in it (OpenSearch answers 400 "Malformed
 * action/metadata line"). Sources are the record's original bytes, and a
 * pretty-printed file's records hold newlines. In JSON text a raw newline can
 * only be whitespace between tokens (inside strings it must be escaped, and in
 * UTF-8 the byte 0x0A is never part of another character), so replacing it with
 * a space leaves the document meaning exactly the same.
 */
export function oneLine(source: Buffer): Buffer {
  let i = source.indexOf(0x0a);
  if (i === -1) return source;
  const out = Buffer.from(source);
  while (i !== -1) {
    out[i] = 0x20;
    i = out.indexOf(0x0a, i + 1);
  }
  return out;
}

/**
 * A whole-request failure that means OpenSearch is not there to write to: no
 * answer (refused, reset, timed out), or a gateway or node that cannot serve
 * (502/503/504 — 503 is also what a cluster without a cluster manager answers).
 */
function isOutage(status: number): boolean {
  return status === 0 || status === 502 || status === 503 || status === 504;
}

function isRetryableItem(item: BulkItemResult): boolean {
  return item.status === 429 || item.status >= 500 || item.error?.type === 'es_rejected_execution_exception';
}

/**
 * A dead-lettered finding stays a finding: the detection tags of the refused
 * document (`rule.*`, `event.severity`, `event.risk_score`) are copied to its
 * dead letter, so a search for findings shows it until it is replayed. Dead
 * letters are rare, so parsing the document again here costs nothing that
 * matters; a cheap byte search skips the parse for documents without tags.
 */
function findingOf(source: Buffer): { rule?: unknown; event?: { severity?: unknown; risk_score?: unknown } } {
  if (!source.includes('"rule":{')) return {};
  let parsed: { rule?: unknown; event?: { severity?: unknown; risk_score?: unknown } };
  try {
    parsed = JSON.parse(source.toString('utf8')) as typeof parsed;
  } catch {
    return {};
  }
  if (typeof parsed.rule !== 'object' || parsed.rule === null) return {};
  return { rule: parsed.rule, event: { severity: parsed.event?.severity, risk_score: parsed.event?.risk_score } };
}

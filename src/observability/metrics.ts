// prom-client is the de-facto Prometheus client for Node: exposition format,
// histograms and the standard process_*/nodejs_* runtime metrics would be a
// lot of hand-written code to get exactly right. Only this module imports it.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MessageOutcome, PipelineObserver } from '../pipeline/pipeline-observer.js';
import type { ObjectResult } from '../pipeline/process-object.js';
import type { BulkDocument, BulkIndexerEvents } from '../sink/bulk-indexer.js';
import type { ObjectRef } from '../source/sqs/object-ref.js';

/** Live values the gauges read at scrape time (set once the worker exists). */
export interface MetricsGaugeSources {
  readonly messagesInFlight?: () => number;
  readonly objectsInFlight?: () => number;
  readonly objectsWaiting?: () => number;
  readonly bufferedBytes?: () => number;
  readonly ready?: () => boolean;
}

export interface PrometheusMetricsOptions {
  /** Also export prom-client's default process_* and nodejs_* metrics (default true). */
  readonly defaultMetrics?: boolean;
  /** The clock for lag metrics; tests pass their own. */
  readonly now?: () => number;
}

/** Request latency: from a few ms (small batches on a local node) to the client's 120 s timeout. */
const BULK_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/**
 * Ingestion lag: CloudTrail delivers a file about every 5 minutes, typically
 * 5–15 minutes after the events; backfills and outages reach days or weeks.
 */
const LAG_SECONDS_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 21600, 86400, 604800, 2592000];

export const METRIC_PREFIX = 'trailstream_';

/**
 * The Prometheus side of the pipeline's hooks: a {@link PipelineObserver} for
 * the worker, {@link BulkIndexerEvents} for the indexer and a callback for the
 * visibility heartbeat, all writing into one registry of its own (never
 * prom-client's global one), which {@link metrics} renders in the text format.
 * The full list, with meaning and suggested alerts, is docs/metrics.md.
 */
export class PrometheusMetrics implements PipelineObserver {
  readonly registry = new Registry();
  private readonly now: () => number;
  private sources: MetricsGaugeSources = {};

  private readonly messagesReceived: Counter;
  private readonly messagesDeleted: Counter<'reason'>;
  private readonly messagesRetried: Counter<'code'>;
  private readonly messagesDeadLettered: Counter<'code'>;
  private readonly messagesReleasedTotal: Counter;
  private readonly receiveErrors: Counter;
  private readonly objectsProcessed: Counter;
  private readonly objectsSkipped: Counter<'reason'>;
  private readonly objectsFailed: Counter<'code' | 'kind'>;
  private readonly recordsProcessed: Counter;
  private readonly recordsIndexed: Counter;
  private readonly recordsDeadLettered: Counter;
  private readonly recordsFailed: Counter;
  private readonly bytesRead: Counter;
  private readonly bytesDecompressed: Counter;
  private readonly bulkRequests: Counter<'outcome'>;
  private readonly bulkRequestBytes: Counter;
  private readonly bulkDuration: Histogram<'outcome'>;
  private readonly itemRetries: Counter;
  private readonly visibilityExtensions: Counter;
  private readonly recordLag: Histogram;
  private readonly objectLag: Histogram;

  constructor(options: PrometheusMetricsOptions = {}) {
    this.now = options.now ?? Date.now;
    const registers = [this.registry];
    const counter = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> =>
      new Counter<L>({ name: METRIC_PREFIX + name, help, labelNames, registers });
    const sources = (): MetricsGaugeSources => this.sources;
    const gauge = (name: string, help: string, read: (s: MetricsGaugeSources) => number | undefined): void => {
      new Gauge({
        name: METRIC_PREFIX + name,
        help,
        registers,
        collect(this: Gauge) {
          const value = read(sources());
          if (value !== undefined) this.set(value);
        },
      });
    };

    this.messagesReceived = counter('messages_received_total', 'SQS messages received.');
    this.messagesDeleted = counter('messages_deleted_total', 'SQS messages deleted after their work was done, by reason: processed, test-event (s3:TestEvent), nothing-to-do (a notification naming no object to read).', ['reason']);
    this.messagesRetried = counter('messages_retried_total', 'SQS messages left on the queue to be received again after a backoff, by error code.', ['code']);
    this.messagesDeadLettered = counter('messages_dead_lettered_total', 'SQS messages sent to the dead-letter queue (then deleted), by error code.', ['code']);
    this.messagesReleasedTotal = counter('messages_released_total', 'SQS messages handed back to the queue unfinished at shutdown.');
    this.receiveErrors = counter('sqs_receive_errors_total', 'SQS ReceiveMessage calls that failed.');
    this.objectsProcessed = counter('objects_processed_total', 'S3 objects whose every record was indexed or dead-lettered.');
    this.objectsSkipped = counter('objects_skipped_total', 'S3 objects deliberately not read, by reason: digest-file, key-filtered.', ['reason']);
    this.objectsFailed = counter('objects_failed_total', 'S3 objects that failed, by error code and kind (retryable: retried later; non-retryable: dead-lettered).', ['code', 'kind']);
    this.recordsProcessed = counter('records_processed_total', 'CloudTrail records read from S3 objects (counted when the object is finished).');
    this.recordsIndexed = counter('records_indexed_total', 'Records OpenSearch accepted into their event index.');
    this.recordsDeadLettered = counter('records_dead_lettered_total', 'Records written to the dead-letter index instead (not valid JSON, refused by the mapping, too large).');
    this.recordsFailed = counter('records_failed_total', 'Records read from an object that failed and that were neither indexed nor dead-lettered; they are read again when the message is retried.');
    this.bytesRead = counter('object_bytes_read_total', 'Bytes read from S3 (as stored, usually gzip).');
    this.bytesDecompressed = counter('object_bytes_decompressed_total', 'Bytes of JSON after decompression.');
    this.bulkRequests = counter('bulk_requests_total', 'OpenSearch _bulk requests, by outcome: success (the request was answered; items are judged one by one), throttled (429), server_error (5xx), too_large (413), client_error (other 4xx), no_response (network error or timeout).', ['outcome']);
    this.bulkRequestBytes = counter('bulk_request_bytes_total', 'Bytes of _bulk request bodies sent to OpenSearch (retries included).');
    this.bulkDuration = new Histogram({
      name: `${METRIC_PREFIX}bulk_request_duration_seconds`,
      help: 'Latency of OpenSearch _bulk requests, by outcome.',
      labelNames: ['outcome'],
      buckets: BULK_SECONDS_BUCKETS,
      registers,
    });
    this.itemRetries = counter('bulk_item_retries_total', 'Documents sent again because OpenSearch rejected them as items with 429 or 5xx.');
    this.visibilityExtensions = counter('visibility_extensions_total', 'Visibility timeout extensions of messages still in progress (heartbeat).');
    this.recordLag = new Histogram({
      name: `${METRIC_PREFIX}ingestion_lag_seconds`,
      help: 'Time from a record\'s eventTime to the moment OpenSearch accepted it.',
      buckets: LAG_SECONDS_BUCKETS,
      registers,
    });
    this.objectLag = new Histogram({
      name: `${METRIC_PREFIX}object_lag_seconds`,
      help: 'Time from the S3 event (the eventTime of the notification) to the moment every record of the object was durable.',
      buckets: LAG_SECONDS_BUCKETS,
      registers,
    });
    gauge('messages_in_flight', 'SQS messages received and not yet settled.', (s) => s.messagesInFlight?.());
    gauge('objects_in_flight', 'S3 objects being downloaded and decoded.', (s) => s.objectsInFlight?.());
    gauge('objects_waiting', 'S3 objects of received messages waiting for a download slot.', (s) => s.objectsWaiting?.());
    gauge('bulk_buffered_bytes', 'Bytes of documents buffered or in flight to OpenSearch (decoding pauses at TRAILSTREAM_MAX_BUFFERED_BYTES).', (s) => s.bufferedBytes?.());
    gauge('ready', '1 when /readyz answers 200 (OpenSearch answered and SQS receives succeed), else 0.', (s) => (s.ready ? Number(s.ready()) : undefined));

    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the gauges read their values; called once the worker and indexer exist. */
  setSources(sources: MetricsGaugeSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  // --- PipelineObserver -------------------------------------------------------

  receiveSucceeded(messages: number): void {
    this.messagesReceived.inc(messages);
  }

  receiveFailed(): void {
    this.receiveErrors.inc();
  }

  messageSettled(outcome: MessageOutcome): void {
    switch (outcome.action) {
      case 'deleted':
        this.messagesDeleted.inc({ reason: outcome.reason });
        return;
      case 'retried':
        this.messagesRetried.inc({ code: outcome.code });
        return;
      case 'dead-lettered':
        this.messagesDeadLettered.inc({ code: outcome.code });
        return;
    }
  }

  messagesReleased(count: number): void {
    this.messagesReleasedTotal.inc(count);
  }

  objectCompleted(ref: ObjectRef, result: ObjectResult): void {
    if (result.outcome === 'done') this.objectsProcessed.inc();
    else if (result.outcome === 'skipped') this.objectsSkipped.inc({ reason: result.error?.code ?? 'unknown' });
    else this.objectsFailed.inc({ code: result.error?.code ?? 'unknown', kind: result.error?.kind ?? 'unknown' });
    this.recordsProcessed.inc(result.records);
    if (result.outcome === 'failed') this.recordsFailed.inc(Math.max(0, result.records - result.indexed - result.deadLettered));
    this.bytesRead.inc(result.compressedBytes);
    this.bytesDecompressed.inc(result.decompressedBytes);
    if (result.outcome === 'done' && ref.eventTime !== undefined) {
      const at = Date.parse(ref.eventTime);
      if (!Number.isNaN(at)) this.objectLag.observe(lagSeconds(this.now(), at));
    }
  }

  // --- the other components ---------------------------------------------------

  /** Hooks for the BulkIndexer (pass to createConfiguredIndexer). */
  bulkIndexerEvents(): BulkIndexerEvents {
    return {
      onRequest: (info) => {
        const outcome = bulkOutcome(info.ok, info.status);
        this.bulkRequests.inc({ outcome });
        this.bulkRequestBytes.inc(info.bytes);
        this.bulkDuration.observe({ outcome }, info.ms / 1000);
      },
      onItemRetry: (count) => this.itemRetries.inc(count),
      onDurable: (indexed: readonly BulkDocument[], deadLettered: number) => {
        if (indexed.length > 0) this.recordsIndexed.inc(indexed.length);
        if (deadLettered > 0) this.recordsDeadLettered.inc(deadLettered);
        const now = this.now();
        for (const doc of indexed) if (doc.eventTimeMs !== undefined) this.recordLag.observe(lagSeconds(now, doc.eventTimeMs));
      },
    };
  }

  /** For the visibility heartbeat's `onExtended`. */
  visibilityExtended(count: number): void {
    if (count > 0) this.visibilityExtensions.inc(count);
  }
}

/** A clock running behind the event's producer must not make a negative lag. */
function lagSeconds(now: number, thenMs: number): number {
  return Math.max(0, (now - thenMs) / 1000);
}

export function bulkOutcome(ok: boolean, status: number | undefined): string {
  if (ok) return 'success';
  if (!status) return 'no_response';
  if (status === 429) return 'throttled';
  if (status === 413) return 'too_large';
  if (status >= 500) return 'server_error';
  return 'client_error';
}

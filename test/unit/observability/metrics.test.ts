import { NonRetryableError, RetryableError, SkipSignal } from '../../../src/errors.js';
import { PrometheusMetrics, bulkOutcome } from '../../../src/observability/metrics.js';
import { ObjectAck } from '../../../src/pipeline/object-ack.js';
import type { ObjectResult } from '../../../src/pipeline/process-object.js';
import { BulkIndexer, type BulkDocument } from '../../../src/sink/bulk-indexer.js';
import type { BulkItemResult, BulkResponse, BulkTransport } from '../../../src/sink/bulk-transport.js';
import { parseExposition, sampleValue } from './exposition.js';

const NOW = Date.parse('2026-05-05T12:00:00Z');
const clock = (): number => NOW;

function result(overrides: Partial<ObjectResult>): ObjectResult {
  return { bucket: 'b', key: 'k', outcome: 'done', records: 0, indexed: 0, deadLettered: 0, compressedBytes: 0, decompressedBytes: 0, ...overrides };
}

describe('PrometheusMetrics', () => {
  it('exposes every pipeline metric with trailstream_ names, _total counters and base units, in its own registry', async () => {
    const m = new PrometheusMetrics({ now: clock });
    const { types, help } = parseExposition(await m.metrics());
    const ours = [...types].filter(([name]) => name.startsWith('trailstream_'));
    expect(Object.fromEntries(ours)).toEqual({
      trailstream_messages_received_total: 'counter',
      trailstream_messages_deleted_total: 'counter',
      trailstream_messages_retried_total: 'counter',
      trailstream_messages_dead_lettered_total: 'counter',
      trailstream_messages_released_total: 'counter',
      trailstream_sqs_receive_errors_total: 'counter',
      trailstream_objects_processed_total: 'counter',
      trailstream_objects_skipped_total: 'counter',
      trailstream_objects_failed_total: 'counter',
      trailstream_records_processed_total: 'counter',
      trailstream_records_indexed_total: 'counter',
      trailstream_records_dead_lettered_total: 'counter',
      trailstream_records_failed_total: 'counter',
      trailstream_object_bytes_read_total: 'counter',
      trailstream_object_bytes_decompressed_total: 'counter',
      trailstream_bulk_requests_total: 'counter',
      trailstream_bulk_request_bytes_total: 'counter',
      trailstream_bulk_request_duration_seconds: 'histogram',
      trailstream_bulk_item_retries_total: 'counter',
      trailstream_visibility_extensions_total: 'counter',
      trailstream_ingestion_lag_seconds: 'histogram',
      trailstream_object_lag_seconds: 'histogram',
      trailstream_messages_in_flight: 'gauge',
      trailstream_objects_in_flight: 'gauge',
      trailstream_objects_waiting: 'gauge',
      trailstream_bulk_buffered_bytes: 'gauge',
      trailstream_ready: 'gauge',
    });
    for (const [name] of ours) expect({ name, help: (help.get(name) ?? '').length > 10 }).toEqual({ name, help: true });
    // The standard runtime metrics, under their usual names (no prefix).
    expect(types.get('process_cpu_seconds_total')).toBe('counter');
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(types.get('process_resident_memory_bytes')).toBe('gauge');
  });

  it('two instances do not collide (no global registry)', async () => {
    const a = new PrometheusMetrics({ defaultMetrics: false });
    const b = new PrometheusMetrics({ defaultMetrics: false });
    a.receiveSucceeded(3);
    expect(sampleValue(await a.metrics(), 'trailstream_messages_received_total')).toBe(3);
    expect(sampleValue(await b.metrics(), 'trailstream_messages_received_total')).toBe(0);
    expect(a.contentType).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
  });

  it('counts messages by fate, with reason and code labels', async () => {
    const m = new PrometheusMetrics({ defaultMetrics: false });
    m.receiveSucceeded(5);
    m.receiveSucceeded(0);
    m.receiveFailed();
    m.messageSettled({ action: 'deleted', reason: 'processed' });
    m.messageSettled({ action: 'deleted', reason: 'processed' });
    m.messageSettled({ action: 'deleted', reason: 'test-event' });
    m.messageSettled({ action: 'retried', code: 's3-stream-error' });
    m.messageSettled({ action: 'dead-lettered', code: 'corrupt-gzip' });
    m.messagesReleased(2);
    const text = await m.metrics();
    expect(sampleValue(text, 'trailstream_messages_received_total')).toBe(5);
    expect(sampleValue(text, 'trailstream_sqs_receive_errors_total')).toBe(1);
    expect(sampleValue(text, 'trailstream_messages_deleted_total', { reason: 'processed' })).toBe(2);
    expect(sampleValue(text, 'trailstream_messages_deleted_total', { reason: 'test-event' })).toBe(1);
    expect(sampleValue(text, 'trailstream_messages_retried_total', { code: 's3-stream-error' })).toBe(1);
    expect(sampleValue(text, 'trailstream_messages_dead_lettered_total', { code: 'corrupt-gzip' })).toBe(1);
    expect(sampleValue(text, 'trailstream_messages_released_total')).toBe(2);
  });

  it('counts objects, records and bytes, and observes the S3 event lag of finished objects only', async () => {
    const m = new PrometheusMetrics({ defaultMetrics: false, now: clock });
    const fiveMinutesAgo = new Date(NOW - 300_000).toISOString();
    m.objectCompleted({ bucket: 'b', key: 'a', eventTime: fiveMinutesAgo }, result({ records: 10, indexed: 9, deadLettered: 1, compressedBytes: 100, decompressedBytes: 1000 }));
    m.objectCompleted({ bucket: 'b', key: 'd', eventTime: fiveMinutesAgo }, result({ outcome: 'skipped', error: new SkipSignal('digest-file', 'digest') }));
    m.objectCompleted({ bucket: 'b', key: 'f' }, result({ outcome: 'skipped', error: new SkipSignal('key-filtered', 'filtered') }));
    m.objectCompleted(
      { bucket: 'b', key: 'c', eventTime: fiveMinutesAgo },
      result({ outcome: 'failed', records: 7, indexed: 4, deadLettered: 1, compressedBytes: 50, decompressedBytes: 60, error: new NonRetryableError('corrupt-gzip', 'bad') }),
    );
    m.objectCompleted({ bucket: 'b', key: 'r' }, result({ outcome: 'failed', error: new RetryableError('s3-stream-error', 'reset') }));
    // A notification's eventTime that is not a time is ignored, not a NaN observation.
    m.objectCompleted({ bucket: 'b', key: 'x', eventTime: 'yesterday' }, result({}));
    const text = await m.metrics();
    expect(sampleValue(text, 'trailstream_objects_processed_total')).toBe(2);
    expect(sampleValue(text, 'trailstream_objects_skipped_total', { reason: 'digest-file' })).toBe(1);
    expect(sampleValue(text, 'trailstream_objects_skipped_total', { reason: 'key-filtered' })).toBe(1);
    expect(sampleValue(text, 'trailstream_objects_failed_total', { code: 'corrupt-gzip', kind: 'non-retryable' })).toBe(1);
    expect(sampleValue(text, 'trailstream_objects_failed_total', { code: 's3-stream-error', kind: 'retryable' })).toBe(1);
    expect(sampleValue(text, 'trailstream_records_processed_total')).toBe(17);
    expect(sampleValue(text, 'trailstream_records_failed_total')).toBe(2);
    expect(sampleValue(text, 'trailstream_object_bytes_read_total')).toBe(150);
    expect(sampleValue(text, 'trailstream_object_bytes_decompressed_total')).toBe(1060);
    expect(sampleValue(text, 'trailstream_object_lag_seconds_count')).toBe(1);
    expect(sampleValue(text, 'trailstream_object_lag_seconds_sum')).toBe(300);
    expect(sampleValue(text, 'trailstream_object_lag_seconds_bucket', { le: '120' })).toBe(0);
    expect(sampleValue(text, 'trailstream_object_lag_seconds_bucket', { le: '300' })).toBe(1);
  });

  it('reads gauges from their sources at scrape time', async () => {
    const m = new PrometheusMetrics({ defaultMetrics: false });
    expect(sampleValue(await m.metrics(), 'trailstream_messages_in_flight')).toBe(0);
    let inFlight = 3;
    let ready = false;
    m.setSources({ messagesInFlight: () => inFlight, objectsInFlight: () => 2, objectsWaiting: () => 5, bufferedBytes: () => 4096, ready: () => ready });
    let text = await m.metrics();
    expect([
      sampleValue(text, 'trailstream_messages_in_flight'),
      sampleValue(text, 'trailstream_objects_in_flight'),
      sampleValue(text, 'trailstream_objects_waiting'),
      sampleValue(text, 'trailstream_bulk_buffered_bytes'),
      sampleValue(text, 'trailstream_ready'),
    ]).toEqual([3, 2, 5, 4096, 0]);
    inFlight = 0;
    ready = true;
    text = await m.metrics();
    expect([sampleValue(text, 'trailstream_messages_in_flight'), sampleValue(text, 'trailstream_ready')]).toEqual([0, 1]);
  });

  it('maps bulk request outcomes', () => {
    expect([bulkOutcome(true, undefined), bulkOutcome(false, 0), bulkOutcome(false, 429), bulkOutcome(false, 413), bulkOutcome(false, 503), bulkOutcome(false, 400)]).toEqual([
      'success',
      'no_response',
      'throttled',
      'too_large',
      'server_error',
      'client_error',
    ]);
  });

  it('counts what a real BulkIndexer reports: indexed, dead-lettered, retried items, requests by outcome, latency and ingestion lag', async () => {
    const m = new PrometheusMetrics({ defaultMetrics: false, now: clock });
    // Request 1: a whole-request 503. Then per item: "ok" indexes, "mapping" is refused
    // (dead-lettered), "busy" is rejected with 429 once, then accepted.
    let requests = 0;
    let busyRejected = false;
    const transport: BulkTransport = {
      async bulk(body: Buffer): Promise<BulkResponse> {
        requests++;
        if (requests === 1) return { ok: false, status: 503, message: 'unavailable' };
        const actions = body.toString('utf8').split('\n').filter((_, i) => i % 2 === 0).filter((l) => l !== '');
        const items: BulkItemResult[] = actions.map((line) => {
          const id = (JSON.parse(line) as { index: { _id: string } }).index._id;
          if (id === 'mapping') return { status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad' } };
          if (id === 'busy' && !busyRejected) {
            busyRejected = true;
            return { status: 429, error: { type: 'es_rejected_execution_exception' } };
          }
          return { status: 201 };
        });
        return { ok: true, items };
      },
    };
    const indexer = new BulkIndexer(
      transport,
      { maxBytes: 1 << 20, bytesLimit: 2 << 20, maxDocs: 100, lingerMs: 1, concurrency: 1, maxBufferedBytes: 4 << 20, retry: { maxRetries: 3, baseMs: 1, capMs: 2 }, deadLetterIndex: 'dl' },
      m.bulkIndexerEvents(),
    );
    const ack = new ObjectAck();
    const doc = (id: string, eventTimeMs?: number): BulkDocument => ({
      index: 'events',
      id,
      source: Buffer.from(`{"eventID":"${id}"}`),
      raw: () => `{"eventID":"${id}"}`,
      origin: { bucket: 'b', key: 'k', ordinal: 0 },
      ack,
      ...(eventTimeMs === undefined ? {} : { eventTimeMs }),
    });
    for (const d of [doc('ok', NOW - 600_000), doc('mapping', NOW - 600_000), doc('busy', NOW - 60_000), doc('no-time')]) {
      ack.expect();
      await indexer.add(d);
    }
    ack.seal();
    const durable = await ack.done;
    await indexer.flush();
    expect([durable.indexed, durable.deadLettered, durable.failure]).toEqual([3, 1, undefined]);

    const text = await m.metrics();
    expect(sampleValue(text, 'trailstream_records_indexed_total')).toBe(3);
    expect(sampleValue(text, 'trailstream_records_dead_lettered_total')).toBe(1);
    expect(sampleValue(text, 'trailstream_bulk_item_retries_total')).toBe(1);
    expect(sampleValue(text, 'trailstream_bulk_requests_total', { outcome: 'server_error' })).toBe(1);
    const successes = sampleValue(text, 'trailstream_bulk_requests_total', { outcome: 'success' }) ?? 0;
    expect(successes).toBeGreaterThanOrEqual(2);
    expect(sampleValue(text, 'trailstream_bulk_request_duration_seconds_count', { outcome: 'success' })).toBe(successes);
    expect(sampleValue(text, 'trailstream_bulk_request_duration_seconds_count', { outcome: 'server_error' })).toBe(1);
    expect(sampleValue(text, 'trailstream_bulk_request_bytes_total')).toBeGreaterThan(0);
    // Lag of the two indexed documents that carry an eventTime: 600 s and 60 s (the one without is not observed).
    expect(sampleValue(text, 'trailstream_ingestion_lag_seconds_count')).toBe(2);
    expect(sampleValue(text, 'trailstream_ingestion_lag_seconds_sum')).toBe(660);
    expect(sampleValue(text, 'trailstream_ingestion_lag_seconds_bucket', { le: '60' })).toBe(1);
    expect(sampleValue(text, 'trailstream_ingestion_lag_seconds_bucket', { le: '600' })).toBe(2);
  });

  it('never observes a negative lag (event time ahead of the clock)', async () => {
    const m = new PrometheusMetrics({ defaultMetrics: false, now: clock });
    m.objectCompleted({ bucket: 'b', key: 'a', eventTime: new Date(NOW + 3_600_000).toISOString() }, result({}));
    const text = await m.metrics();
    expect(sampleValue(text, 'trailstream_object_lag_seconds_sum')).toBe(0);
    expect(sampleValue(text, 'trailstream_object_lag_seconds_bucket', { le: '1' })).toBe(1);
  });

  it('counts visibility extensions', async () => {
    const m = new PrometheusMetrics({ defaultMetrics: false });
    m.visibilityExtended(3);
    m.visibilityExtended(0);
    expect(sampleValue(await m.metrics(), 'trailstream_visibility_extensions_total')).toBe(3);
  });
});

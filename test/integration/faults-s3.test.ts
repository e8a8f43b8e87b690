import { encodeLogFile, generateLogFiles } from '../../src/demo/generator.js';
import { createTestPipeline, putObject, type TestPipeline } from './support/local-stack.js';
import { FaultProxy, type ProxyExchange, type ProxyHandler } from './support/fault-proxy.js';
import {
  deadLetterDocs,
  expectExactlyOnce,
  expectQueues,
  realAwsEndpointUrl,
  retryCodes,
  runWorkerUntilDrained,
  setup,
} from './support/expectations.js';

/**
 * S3 misbehaving while the worker reads an object. The worker reaches moto only
 * through AWS_ENDPOINT_URL, so pointing that at a proxy puts every S3 (and SQS)
 * call through it; the proxy interferes with GetObject only.
 */
describe('S3 faults', () => {
  const RECORDS = 6_000;
  const file = [...generateLogFiles({ seed: 41, start: new Date(Date.UTC(2026, 3, 4, 9, 0)), files: 1, recordsPerFile: RECORDS })][0]!;
  const body = encodeLogFile(file.records);
  const ids = file.records.map((r) => r.eventID!);
  let proxy: FaultProxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  async function pipelineWithFile(name: string): Promise<TestPipeline> {
    const p = await createTestPipeline(name);
    await setup(p.env);
    await putObject(p.bucket, file.key, body);
    return p;
  }

  /** Path-style GetObject of one object: `GET /<bucket>/<key>[?x-id=GetObject]`. */
  function isGetObject(ex: ProxyExchange, p: TestPipeline): boolean {
    return ex.method === 'GET' && ex.url.startsWith(`/${p.bucket}/`) && ex.url.length > p.bucket.length + 2;
  }

  function s3Error(status: number, code: string, message: string) {
    return {
      status,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': 'FAULTPROXY' },
      body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>FAULTPROXY</RequestId></Error>`),
    };
  }

  it('GetObject answering 500 and 503 several times: the message is retried until the object is read, everything indexed once', async () => {
    const p = await pipelineWithFile('s3-5xx');
    // More failures in a row than the SDK's own attempts (3), so the worker itself sees the error.
    const FAILURES = 4;
    let gets = 0;
    const handler: ProxyHandler = async (ex) => {
      if (!isGetObject(ex, p)) return ex.forward();
      gets++;
      if (gets > FAILURES) return ex.forward();
      return gets % 2 === 1
        ? s3Error(500, 'InternalError', 'We encountered an internal error. Please try again.')
        : s3Error(503, 'SlowDown', 'Please reduce your request rate.');
    };
    proxy = await FaultProxy.start(realAwsEndpointUrl(), handler);

    const summary = await runWorkerUntilDrained(p, { ...p.env, AWS_ENDPOINT_URL: proxy.url, TRAILSTREAM_RETRY_BACKOFF_SECONDS: '1' });

    const getObjects = proxy.log.filter((l) => l.method === 'GET' && l.url.startsWith(`/${p.bucket}/`));
    expect(getObjects.map((l) => l.status)).toEqual([500, 503, 500, 503, 200]);
    const w = summary.worker;
    expect(w.messagesRetried).toBe(1);
    expect(retryCodes(summary.logs)).toEqual(['s3-error']);
    expect(w.objectsFailed).toBe(1);
    expect(w.objectsProcessed).toBe(1);
    expect(w.messagesDeadLettered).toBe(0);
    expect(w.recordsIndexed).toBe(RECORDS);

    await expectExactlyOnce(p, ids);
    expect(await deadLetterDocs(p)).toEqual([]);
    await expectQueues(p, { queue: 0, dlq: 0 });
  });

  it('an object stream cut mid-way (full Content-Length announced): the records read so far are indexed, the message retried, everything indexed once', async () => {
    const p = await pipelineWithFile('s3-cut');
    let gets = 0;
    const handler: ProxyHandler = async (ex) => {
      if (!isGetObject(ex, p)) return ex.forward();
      const upstream = await ex.forward();
      gets++;
      // The first two reads break after 60% and 30% of the bytes.
      if (gets === 1) return { ...upstream, truncateAt: Math.floor(upstream.body.length * 0.6) };
      if (gets === 2) return { ...upstream, truncateAt: Math.floor(upstream.body.length * 0.3) };
      return upstream;
    };
    proxy = await FaultProxy.start(realAwsEndpointUrl(), handler);

    const summary = await runWorkerUntilDrained(p, { ...p.env, AWS_ENDPOINT_URL: proxy.url, TRAILSTREAM_RETRY_BACKOFF_SECONDS: '1' });

    expect(gets).toBe(3);
    const w = summary.worker;
    expect(w.messagesRetried).toBe(2);
    // Node reports the cut as a broken connection while reading (s3-stream-error); a
    // body that ended quietly short of its Content-Length would be s3-stream-truncated.
    const codes = retryCodes(summary.logs);
    expect(codes).toHaveLength(2);
    for (const code of codes) expect(['s3-stream-error', 's3-stream-truncated']).toContain(code);
    expect(w.objectsFailed).toBe(2);
    expect(w.objectsProcessed).toBe(1);
    expect(w.messagesDeadLettered).toBe(0);
    // Records before each cut were indexed (and overwritten by the retry): more index
    // operations than records, but never a second document.
    expect(w.recordsIndexed).toBeGreaterThan(RECORDS);
    expect(w.recordsDeadLettered).toBe(0);

    await expectExactlyOnce(p, ids);
    expect(await deadLetterDocs(p)).toEqual([]);
    await expectQueues(p, { queue: 0, dlq: 0 });
  });
});

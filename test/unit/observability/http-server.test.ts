import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../../src/errors.js';
import { Health } from '../../../src/observability/health.js';
import { startObservabilityServer, type ObservabilityServer } from '../../../src/observability/http-server.js';
import { PrometheusMetrics } from '../../../src/observability/metrics.js';
import { withoutCredentials } from '../../../src/observability/opensearch-probe.js';
import { sampleValue } from './exposition.js';

interface Reply {
  status: number;
  type: string | undefined;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function call(server: ObservabilityServer, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('observability HTTP server', () => {
  let health: Health;
  let metrics: PrometheusMetrics;
  let server: ObservabilityServer;

  beforeEach(async () => {
    health = new Health({ receiveStaleAfterMs: 45_000 });
    metrics = new PrometheusMetrics();
    server = await startObservabilityServer({ host: '127.0.0.1', port: 0, metrics, health });
  });
  afterEach(async () => {
    await server.close();
  });

  it('listens on the port the system chose', () => {
    expect(server.port).toBeGreaterThan(0);
  });

  it('/metrics answers the Prometheus text format with the current values', async () => {
    metrics.receiveSucceeded(4);
    const r = await call(server, '/metrics');
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(sampleValue(r.body, 'trailstream_messages_received_total')).toBe(4);
    expect(r.body).toMatch(/^process_cpu_user_seconds_total \d/m);
  });

  it('/healthz is 200 while alive and 503 with the reason once the worker failed', async () => {
    const ok = await call(server, '/healthz');
    expect([ok.status, ok.type, JSON.parse(ok.body)]).toEqual([200, 'application/json; charset=utf-8', { status: 'ok' }]);
    health.fail('SQS client exploded');
    const bad = await call(server, '/healthz');
    expect([bad.status, JSON.parse(bad.body)]).toEqual([503, { status: 'failed', reasons: ['worker failed: SQS client exploded'] }]);
  });

  it('/readyz goes 503 → 200 → 503 as the worker connects, receives, then a receive fails', async () => {
    const before = await call(server, '/readyz');
    expect(before.status).toBe(503);
    expect(before.type).toBe('application/json; charset=utf-8');
    expect(JSON.parse(before.body)).toEqual({ status: 'not ready', reasons: ['OpenSearch has not answered yet', 'no SQS receive has completed yet'] });

    health.openSearchAnswered(true);
    expect((await call(server, '/readyz')).status).toBe(503);
    health.receiveSucceeded();
    const ready = await call(server, '/readyz');
    expect([ready.status, JSON.parse(ready.body)]).toEqual([200, { status: 'ready' }]);

    health.receiveFailed(new Error('AccessDenied'));
    const after = await call(server, '/readyz');
    expect([after.status, JSON.parse(after.body)]).toEqual([503, { status: 'not ready', reasons: ['the last SQS receive failed (Error: AccessDenied)'] }]);
  });

  it('ignores the query string, answers HEAD without a body', async () => {
    expect((await call(server, '/healthz?verbose=1')).status).toBe(200);
    const head = await call(server, '/metrics', 'HEAD');
    expect([head.status, head.body, head.type]).toEqual([200, '', 'text/plain; version=0.0.4; charset=utf-8']);
  });

  it('refuses other paths (404) and other methods (405)', async () => {
    for (const path of ['/', '/metrics/', '/METRICS', '/metrics/../healthz', '//metrics', '/%2e%2e/etc/passwd', `/${'a'.repeat(4000)}`]) {
      expect({ path: path.slice(0, 30), status: (await call(server, path)).status }).toEqual({ path: path.slice(0, 30), status: 404 });
    }
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await call(server, '/metrics', method);
      expect([method, r.status, r.headers.allow]).toEqual([method, 405, 'GET, HEAD']);
    }
  });

  it('a port in use is a ConfigError naming TRAILSTREAM_METRICS_PORT', async () => {
    const error = await startObservabilityServer({ host: '127.0.0.1', port: server.port, metrics, health }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`^TRAILSTREAM_METRICS_PORT=${server.port}: port ${server.port} on 127\\.0\\.0\\.1 is already in use.*TRAILSTREAM_METRICS_PORT to a free port, or to 0`));
  });

  it('an address of another machine is a ConfigError naming TRAILSTREAM_METRICS_HOST', async () => {
    // TEST-NET-1 (RFC 5737): never an address of this machine.
    const error = await startObservabilityServer({ host: '192.0.2.1', port: 0, metrics, health }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^TRAILSTREAM_METRICS_HOST=192\.0\.2\.1: cannot listen on this address/);
  });

  it('close() ends kept-alive connections and frees the port', async () => {
    await call(server, '/metrics');
    const port = server.port;
    await server.close();
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(port, '127.0.0.1', () => resolve());
    });
    expect((again.address() as AddressInfo).port).toBe(port);
    await new Promise((r) => again.close(r));
    server = await startObservabilityServer({ host: '127.0.0.1', port: 0, metrics, health });
  });
});

describe('withoutCredentials', () => {
  it('removes user:password from URLs in a reason served on /readyz', () => {
    expect(withoutCredentials('ConnectionError: connect to https://admin:s3cret@search.example.com:443 failed')).toBe(
      'ConnectionError: connect to https://[redacted]@search.example.com:443 failed',
    );
    expect(withoutCredentials('connect ECONNREFUSED 127.0.0.1:9200')).toBe('connect ECONNREFUSED 127.0.0.1:9200');
  });
});

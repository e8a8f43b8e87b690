import { createContext } from '../../../src/cli/context.js';
import { runSetup } from '../../../src/cli/setup.js';
import { UserFacingError } from '../../../src/errors.js';
import { OPENSEARCH_INFO, startCaptureServer, type CaptureServer, type CapturedRequest } from '../../support/capture-server.js';

/**
 * `setup` against OpenSearch Serverless (SigV4, service `aoss`): Serverless has
 * no GET / and no Index State Management, so setup must not depend on either,
 * and must say what it skipped. The stand-in answers like a collection: 404 on
 * GET /, "no handler" on the ISM routes, index templates accepted.
 */

function serverlessLike(req: CapturedRequest): { status: number; body: unknown } {
  if (req.url === '/') return { status: 404, body: '' };
  if (req.url.startsWith('/_plugins/_ism')) return { status: 400, body: { error: 'no handler found for uri [/_plugins/_ism] and method [GET]' } };
  if (req.url.startsWith('/_index_template/')) return req.method === 'GET' ? { status: 404, body: {} } : { status: 200, body: { acknowledged: true } };
  return { status: 404, body: {} };
}

/** A domain: GET / answers, ISM exists (no policy yet, no index to attach to). */
function domainLike(req: CapturedRequest): { status: number; body: unknown } {
  if (req.url === '/') return { status: 200, body: OPENSEARCH_INFO };
  if (req.url.startsWith('/_plugins/_ism/policies/')) return req.method === 'GET' ? { status: 404, body: {} } : { status: 201, body: {} };
  if (req.url.startsWith('/_plugins/_ism/add/')) return { status: 404, body: {} };
  if (req.url.startsWith('/_index_template/')) return req.method === 'GET' ? { status: 404, body: {} } : { status: 200, body: { acknowledged: true } };
  return { status: 404, body: {} };
}

async function captureStdout(run: () => Promise<unknown>): Promise<string> {
  const original = process.stdout.write.bind(process.stdout);
  let text = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = original;
  }
  return text;
}

describe('setup on OpenSearch Serverless', () => {
  const saved = { ...process.env };
  let server: CaptureServer | undefined;

  beforeEach(() => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDSETUPTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'setup-test-secret-access-key';
    delete process.env.AWS_SESSION_TOKEN;
  });
  afterEach(async () => {
    process.env = { ...saved };
    await server?.close();
    server = undefined;
  });

  const env = (url: string, service: 'es' | 'aoss', extra: Record<string, string> = {}): Record<string, string> => ({
    OPENSEARCH_URL: url,
    OPENSEARCH_AUTH: 'sigv4',
    OPENSEARCH_AWS_SERVICE: service,
    OPENSEARCH_AWS_REGION: 'us-west-2',
    TRAILSTREAM_LOG_LEVEL: 'silent',
    ...extra,
  });

  it('skips the version probe and the ISM policy, says so, and installs the templates with aoss-signed requests', async () => {
    server = await startCaptureServer(serverlessLike);
    let code = -1;
    const out = await captureStdout(async () => {
      code = await runSetup(createContext(env(server!.url, 'aoss')));
    });
    expect(code).toBe(0);
    const paths = server.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`);
    expect(paths).not.toContain('GET /');
    expect(paths.filter((p) => p.includes('_ism'))).toEqual([]);
    expect(paths.filter((p) => /^(PUT|POST) \/_index_template\//.test(p))).toHaveLength(3);
    for (const r of server.requests) expect(r.headers.authorization).toMatch(/\/us-west-2\/aoss\/aws4_request/);
    expect(out).toMatch(/version check skipped/);
    expect(out).toMatch(/lifecycle policy trailstream-cloudtrail-lifecycle: skipped: OpenSearch Serverless has no Index State Management/);
    expect(out).toMatch(/TRAILSTREAM_RETENTION_DAYS \(90\)/);
    expect(out).toMatch(/is ready for trailstream/);
  });

  it('with TRAILSTREAM_RETENTION_DAYS=0 says no lifecycle is wanted anyway', async () => {
    server = await startCaptureServer(serverlessLike);
    const out = await captureStdout(() => runSetup(createContext(env(server!.url, 'aoss', { TRAILSTREAM_RETENTION_DAYS: '0' }))));
    expect(out).toMatch(/lifecycle policy trailstream-cloudtrail-lifecycle: none \(TRAILSTREAM_RETENTION_DAYS=0/);
  });

  it('an Amazon OpenSearch Service domain (es) still gets the version probe and the ISM policy', async () => {
    server = await startCaptureServer(domainLike);
    const out = await captureStdout(() => runSetup(createContext(env(server!.url, 'es'))));
    const paths = server.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`);
    expect(paths[0]).toBe('GET /');
    expect(paths).toContain('PUT /_plugins/_ism/policies/trailstream-cloudtrail-lifecycle');
    expect(out).toMatch(/lifecycle policy trailstream-cloudtrail-lifecycle: created/);
    for (const r of server.requests) expect(r.headers.authorization).toMatch(/\/us-west-2\/es\/aws4_request/);
  });

  it('an unreachable or refusing collection is a clear error, not a template failure', async () => {
    const unreachable = await captureStdout(() =>
      expect(runSetup(createContext(env('http://127.0.0.1:1', 'aoss')))).rejects.toThrow(/is not reachable/),
    );
    expect(unreachable).not.toMatch(/ready/);
    server = await startCaptureServer(() => ({ status: 403, body: { message: 'User does not have permissions for the requested resource' } }));
    let error: unknown;
    await captureStdout(async () => {
      error = await runSetup(createContext(env(server!.url, 'aoss'))).catch((e: unknown) => e);
    });
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as Error).message).toMatch(/HTTP 403.*data access policy/);
  });
});

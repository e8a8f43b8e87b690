import { cloudTrailKey, deliveredFiles } from './support/corpus.js';
import { createTestPipeline, putObject, runCli, type CliResult, type TestPipeline } from './support/local-stack.js';
import { startCaptureServer, type CaptureServer, type CapturedRequest } from '../support/capture-server.js';

/**
 * Secrets never reach stdout or stderr, whatever goes wrong. The real CLI
 * (`setup` and `worker`, log level trace) runs with recognizable marker values
 * as the OpenSearch password, the password in OPENSEARCH_URL, the AWS secret
 * key and session token (moto accepts any), against OpenSearch stand-ins that
 * fail in three ways: nothing listens; 401; a server that echoes the request
 * headers (Authorization, x-amz-security-token) in its error body, as a
 * misbehaving proxy might. No marker, nor the base64 of user:password, may
 * appear anywhere in the output.
 */

const BASIC_PASSWORD = 'MARKERbasicPw-5e1d7a';
const URL_PASSWORD = 'MARKER/url:pw@9c4b'; // needs percent-encoding in a URL
const AWS_SECRET = 'MARKERawsSecretAccessKey/0123456789+abcdef';
const AWS_TOKEN = 'MARKERawsSessionToken//IQoJb3JpZ2luX2VjEXAMPLE==';
const USER = 'trailstream-writer';

const forbidden = [
  BASIC_PASSWORD,
  URL_PASSWORD,
  encodeURIComponent(URL_PASSWORD),
  AWS_SECRET,
  AWS_TOKEN,
  'MARKER',
  Buffer.from(`${USER}:${BASIC_PASSWORD}`).toString('base64').replace(/=+$/, ''),
  Buffer.from(`${USER}:${URL_PASSWORD}`).toString('base64').replace(/=+$/, ''),
];

function echoHeaders(req: CapturedRequest): { status: number; body: unknown } {
  const h = req.headers;
  // The secret-bearing headers first, so no length cap downstream can cut them off before they are checked.
  const echoed = `authorization=${h.authorization ?? ''} x-amz-security-token=${h['x-amz-security-token'] ?? ''} all=${JSON.stringify(h)}`;
  return {
    status: 502,
    body: { error: { type: `echo ${echoed}`, reason: echoed, root_cause: [{ type: 'echo', reason: echoed }], headers: h }, status: 502 },
  };
}

type Target = 'unreachable' | '401' | 'echo';
type Auth = 'basic' | 'url' | 'sigv4';

describe('secrets in logs and errors', () => {
  let pipeline: TestPipeline;
  let unauthorized: CaptureServer;
  let echo: CaptureServer;
  let objects = 0;
  const files = deliveredFiles();

  beforeAll(async () => {
    pipeline = await createTestPipeline('redact');
    unauthorized = await startCaptureServer(() => ({
      status: 401,
      body: 'Unauthorized',
      headers: { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="OpenSearch Security"' },
    }));
    echo = await startCaptureServer(echoHeaders);
  });
  afterAll(async () => {
    await unauthorized.close();
    await echo.close();
  });

  function env(auth: Auth, target: Target): Record<string, string> {
    const host = target === 'unreachable' ? '127.0.0.1:1' : `127.0.0.1:${(target === '401' ? unauthorized : echo).port}`;
    const e: Record<string, string> = {
      ...pipeline.env,
      AWS_SECRET_ACCESS_KEY: AWS_SECRET,
      AWS_SESSION_TOKEN: AWS_TOKEN,
      TRAILSTREAM_LOG_LEVEL: 'trace',
      TRAILSTREAM_GEOIP_DISABLED: 'true',
      TRAILSTREAM_BULK_MAX_RETRIES: '0',
      // No holding through the outage: the first failed request fails the message.
      TRAILSTREAM_OUTAGE_MAX_SECONDS: '0',
      TRAILSTREAM_BULK_LINGER_MS: '0',
      // A failed message comes back at once and, after the queue's 5 receives, moves to the DLQ
      // (--until-idle waits for messages it left for a retry); the next run gets only its own.
      TRAILSTREAM_RETRY_BACKOFF_SECONDS: '0',
      OPENSEARCH_URL: `http://${host}`,
    };
    if (auth === 'basic') Object.assign(e, { OPENSEARCH_USERNAME: USER, OPENSEARCH_PASSWORD: BASIC_PASSWORD });
    if (auth === 'url') e.OPENSEARCH_URL = `http://${encodeURIComponent(USER)}:${encodeURIComponent(URL_PASSWORD)}@${host}`;
    if (auth === 'sigv4') Object.assign(e, { OPENSEARCH_AUTH: 'sigv4', OPENSEARCH_AWS_REGION: 'us-east-1' });
    return e;
  }

  function expectClean(result: CliResult): void {
    const output = `${result.stdout}\n${result.stderr}`;
    for (const secret of forbidden) expect(output).not.toContain(secret);
  }

  for (const auth of ['basic', 'url', 'sigv4'] as const) {
    for (const target of ['unreachable', '401', 'echo'] as const) {
      it(`${auth} credentials, OpenSearch ${target}: setup and worker print no secret`, async () => {
        const server = target === '401' ? unauthorized : target === 'echo' ? echo : undefined;
        const before = server?.requests.length ?? 0;

        const setup = await runCli(['setup'], env(auth, target));
        expect(setup.code).toBe(2);
        expect(setup.stderr).toMatch(target === '401' ? /refused the credentials \(HTTP 401\)/ : /is not reachable/);
        expectClean(setup);

        const file = files[objects++ % files.length]!;
        await putObject(pipeline.bucket, cloudTrailKey(file.name), file.gz);
        const worker = await runCli(['worker', '--until-idle', '1'], env(auth, target));
        expect(worker.code).toBe(0);
        // The object was read and its bulk request failed and was logged: the failure path really ran.
        expect(worker.stderr).toMatch(/transient failure; message left on the queue/);
        expectClean(worker);

        if (server) {
          const sent = server.requests.slice(before);
          expect(sent.some((r) => r.url.startsWith('/_bulk'))).toBe(true);
          // The secrets did travel to the server (so the echo really carried them back).
          const authorization = sent.map((r) => r.headers.authorization ?? '').join(' ');
          if (auth === 'sigv4') {
            expect(authorization).toMatch(/^AWS4-HMAC-SHA256 /);
            expect(sent.every((r) => r.headers['x-amz-security-token'] === AWS_TOKEN)).toBe(true);
          } else {
            const pw = auth === 'basic' ? BASIC_PASSWORD : URL_PASSWORD;
            expect(authorization).toContain(`Basic ${Buffer.from(`${USER}:${pw}`).toString('base64')}`);
          }
        }
      });
    }
  }
});

import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import type { Client } from '@opensearch-project/opensearch';
import { loadConfig } from '../../../../src/config/config.js';
import { createOpenSearchClient, type AwsCredentialIdentity } from '../../../../src/sink/opensearch/client.js';
import { startCaptureServer, type CaptureServer, type CapturedRequest } from '../../../support/capture-server.js';

/**
 * The client's SigV4 signing (the OpenSearch client's AwsSigv4Signer fed by the
 * AWS credential chain, as createOpenSearchClient wires it) is checked against
 * the AWS SDK's own signer (@smithy/signature-v4): both must produce the same
 * Authorization header for the request that actually went over the wire.
 */

const ACCESS_KEY_ID = 'AKIDTRAILSTREAMTEST1';
const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYTRAILSTREAM';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLE//SESSION+TOKEN==';
const REGION = 'eu-west-3';

/** SHA-256 and HMAC-SHA-256 for the SDK signer, from node:crypto (the SDK's own hash packages are not installed). */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: Uint8Array | string): void {
    this.hash.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** x-amz-date (20260105T101112Z) as a Date. */
function amzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) throw new Error(`not an x-amz-date: ${value}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** Headers Node adds to the wire request after signing (and the signature itself). */
const NOT_PART_OF_THE_SIGNED_REQUEST = new Set(['authorization', 'connection', 'transfer-encoding']);

/**
 * Signs the captured request again with the AWS SDK's SignatureV4: same method,
 * path, query, body and headers, the captured x-amz-date as the signing date.
 */
async function signIndependently(req: CapturedRequest, service: string, secretAccessKey = SECRET_ACCESS_KEY): Promise<Record<string, string>> {
  const url = new URL(req.url, 'http://placeholder');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (!NOT_PART_OF_THE_SIGNED_REQUEST.has(k) && typeof v === 'string') headers[k] = v;
  }
  const signer = new SignatureV4({
    service,
    region: REGION,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey, sessionToken: SESSION_TOKEN },
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: true,
  });
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: req.headers.host ?? '',
      path: url.pathname,
      query,
      headers,
      body: req.body.length > 0 ? req.body : undefined,
    },
    { signingDate: amzDate(req.headers['x-amz-date'] as string) },
  );
  return signed.headers;
}

function signedHeadersOf(authorization: string): string {
  return /SignedHeaders=([^,]+)/.exec(authorization)?.[1] ?? '';
}

const SAVED_ENV = { ...process.env };

function sigv4Client(server: CaptureServer, service: 'es' | 'aoss', hooks: Parameters<typeof createOpenSearchClient>[1] = {}): Client {
  const config = loadConfig({
    OPENSEARCH_URL: server.url,
    OPENSEARCH_AUTH: 'sigv4',
    OPENSEARCH_AWS_SERVICE: service,
    OPENSEARCH_AWS_REGION: REGION,
  });
  return createOpenSearchClient(config, hooks);
}

async function sendFixedRequests(client: Client): Promise<void> {
  const bulk = Buffer.from(
    '{"index":{"_index":"cloudtrail-2026.01.05","_id":"a1"}}\n{"eventName":"GetObject","userIdentity":{"arn":"arn:aws:iam::123456789012:user/Zoë"}}\n',
  );
  await client.transport.request(
    { method: 'POST', path: '/_bulk', querystring: { filter_path: 'errors,items.*.status' }, body: bulk },
    { headers: { 'content-type': 'application/x-ndjson' } },
  );
  // Hostile path and query: "*", ",", spaces, quotes and non-ASCII must be encoded the same way by both signers.
  await client.transport.request({
    method: 'GET',
    path: '/cloudtrail-*,trailstream-dead-letter/_search',
    querystring: { size: '0', q: 'userIdentity.arn:"arn:aws:iam::123456789012:user/Zoë x"' },
  });
}

describe('SigV4 signing of OpenSearch requests', () => {
  let server: CaptureServer;

  beforeAll(async () => {
    server = await startCaptureServer((req) =>
      req.url.startsWith('/_bulk')
        ? { status: 200, body: { errors: false, items: [{ index: { status: 201 } }] } }
        : { status: 200, body: { hits: { total: { value: 0 } } } },
    );
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
    // The standard chain reads these first, as in a container given static keys.
    for (const k of ['AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']) delete process.env[k];
    process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = SECRET_ACCESS_KEY;
    process.env.AWS_SESSION_TOKEN = SESSION_TOKEN;
  });
  afterEach(() => {
    process.env = { ...SAVED_ENV };
  });

  for (const service of ['es', 'aoss'] as const) {
    it(`signs a _bulk POST and a search GET for "${service}" exactly as the AWS SDK signer does`, async () => {
      await sendFixedRequests(sigv4Client(server, service));
      expect(server.requests).toHaveLength(2);
      for (const req of server.requests) {
        const authorization = req.headers.authorization as string;
        expect(authorization).toMatch(
          new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/\\d{8}/${REGION}/${service}/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`),
        );
        // Serverless requires the body hash header; it must be the SHA-256 of what was sent.
        expect(req.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(req.body).digest('hex'));
        expect(req.headers['x-amz-security-token']).toBe(SESSION_TOKEN);

        const reference = await signIndependently(req, service);
        expect(signedHeadersOf(authorization)).toBe(signedHeadersOf(reference.authorization ?? ''));
        expect(signedHeadersOf(authorization).split(';')).toEqual(expect.arrayContaining(['host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-security-token']));
        expect(reference['x-amz-content-sha256']).toBe(req.headers['x-amz-content-sha256']);
        expect(authorization).toBe(reference.authorization);
      }
      expect(server.requests[0]?.url).toBe('/_bulk?filter_path=errors%2Citems.%2A.status');
    });
  }

  it('a different secret gives a different signature (the comparison can fail)', async () => {
    await sendFixedRequests(sigv4Client(server, 'es'));
    const req = server.requests[0]!;
    const wrong = await signIndependently(req, 'es', `${SECRET_ACCESS_KEY}x`);
    expect(wrong.authorization).not.toBe(req.headers.authorization);
    const otherService = await signIndependently(req, 'aoss');
    expect(otherService.authorization).not.toBe(req.headers.authorization);
  });

  it('asks the credential provider again when the credentials would expire within a request timeout, not before', async () => {
    const handed: AwsCredentialIdentity[] = [];
    let calls = 0;
    const expiring = (): Promise<AwsCredentialIdentity> => {
      calls++;
      // Expires in 30 s: less than the 120 s request timeout, so it must be renewed for every request.
      return Promise.resolve({ accessKeyId: `AKIDROTATING${calls}`, secretAccessKey: SECRET_ACCESS_KEY, expiration: new Date(Date.now() + 30_000) });
    };
    const client = sigv4Client(server, 'es', { awsCredentials: expiring, onAwsCredentials: (c) => handed.push(c) });
    await sendFixedRequests(client);
    expect(server.requests.map((r) => /Credential=([A-Z0-9]+)\//.exec(r.headers.authorization as string)?.[1])).toEqual(['AKIDROTATING1', 'AKIDROTATING2']);
    expect(handed.map((c) => c.accessKeyId)).toEqual(['AKIDROTATING1', 'AKIDROTATING2']);

    server.requests.length = 0;
    let longCalls = 0;
    const longLived = (): Promise<AwsCredentialIdentity> => {
      longCalls++;
      return Promise.resolve({ accessKeyId: 'AKIDLONGLIVED', secretAccessKey: SECRET_ACCESS_KEY, expiration: new Date(Date.now() + 3_600_000) });
    };
    await sendFixedRequests(sigv4Client(server, 'es', { awsCredentials: longLived }));
    expect(longCalls).toBe(1);
    expect(server.requests).toHaveLength(2);
  });

  it('fails the request with the credential chain\'s error when no AWS credentials are found', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_SESSION_TOKEN;
    const failing = (): Promise<AwsCredentialIdentity> => Promise.reject(new Error('Could not load credentials from any providers'));
    await expect(sigv4Client(server, 'es', { awsCredentials: failing }).transport.request({ method: 'GET', path: '/' })).rejects.toThrow(
      /Could not load credentials/,
    );
    expect(server.requests).toHaveLength(0);
  });
});

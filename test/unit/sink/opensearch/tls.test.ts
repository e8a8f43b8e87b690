import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createContext } from '../../../../src/cli/context.js';
import { UserFacingError } from '../../../../src/errors.js';
import { describeConnectionError } from '../../../../src/cli/errors.js';
import { runSetup } from '../../../../src/cli/setup.js';
import { ConfigError } from '../../../../src/errors.js';
import { OPENSEARCH_INFO, startCaptureServer, type CaptureServer } from '../../../support/capture-server.js';

/**
 * TLS to OpenSearch against a local HTTPS server whose certificate a throwaway
 * CA (made with the openssl CLI at test time) signed for 127.0.0.1/localhost.
 */

interface Pki {
  readonly dir: string;
  readonly caFile: string;
  readonly key: string;
  readonly cert: string;
}

function makePki(): Pki {
  const dir = mkdtempSync(path.join(tmpdir(), 'trailstream-tls-'));
  const f = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=trailstream throwaway test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('server.ext'));
  return { dir, caFile: f('ca.pem'), key: readFileSync(f('server.key'), 'utf8'), cert: readFileSync(f('server.pem'), 'utf8') };
}

/** Collects the JSON log lines a context writes. */
function logSink(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('TLS to OpenSearch', () => {
  let pki: Pki;
  let server: CaptureServer;
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({ OPENSEARCH_URL: server.url, TRAILSTREAM_LOG_LEVEL: 'info', ...extra });

  beforeAll(async () => {
    pki = makePki();
    server = await startCaptureServer((req) => (req.url === '/' ? { status: 200, body: OPENSEARCH_INFO } : { status: 404, body: {} }), {
      key: pki.key,
      cert: pki.cert,
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(pki.dir, { recursive: true, force: true });
  });

  it('refuses a server whose CA is not trusted, by default, with an error that points at OPENSEARCH_CA_FILE', async () => {
    const ctx = createContext(env());
    const seen = server.requests.length;
    const error = await ctx.opensearch().info().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(server.requests.length).toBe(seen); // nothing got through the handshake
    const described = describeConnectionError('OpenSearch', server.url, error);
    expect(described).toBeInstanceOf(UserFacingError);
    expect(described.message).toMatch(/certificate could not be verified/);
    expect(described.message).toMatch(/OPENSEARCH_CA_FILE/);
    // And `setup` says the same instead of a stack trace.
    await expect(runSetup(createContext(env()))).rejects.toThrow(/OPENSEARCH_CA_FILE/);
  });

  it('connects when OPENSEARCH_CA_FILE holds the CA, also by host name, and logs no TLS warning', async () => {
    const logs = logSink();
    const ctx = createContext(env({ OPENSEARCH_CA_FILE: pki.caFile }), { logDestination: logs.stream });
    const info = await ctx.opensearch().info();
    expect((info.body as typeof OPENSEARCH_INFO).version.number).toBe('2.19.0');
    const byName = createContext(env({ OPENSEARCH_URL: `https://localhost:${server.port}`, OPENSEARCH_CA_FILE: pki.caFile }));
    expect((await byName.opensearch().info()).statusCode).toBe(200);
    expect(logs.lines().filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('a CA bundle with another CA first and ours second still verifies (every certificate of the bundle is trusted)', async () => {
    const other = mkdtempSync(path.join(tmpdir(), 'trailstream-tls-other-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(other, 'k'), '-out', path.join(other, 'c.pem'), '-days', '1', '-subj', '/CN=other CA'], { stdio: 'pipe' });
      const bundle = path.join(other, 'bundle.pem');
      writeFileSync(bundle, `${readFileSync(path.join(other, 'c.pem'), 'utf8')}\n${readFileSync(pki.caFile, 'utf8')}`);
      expect((await createContext(env({ OPENSEARCH_CA_FILE: bundle })).opensearch().info()).statusCode).toBe(200);
      // The other CA alone does not.
      await expect(createContext(env({ OPENSEARCH_CA_FILE: path.join(other, 'c.pem') })).opensearch().info()).rejects.toThrow();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('connects with OPENSEARCH_TLS_VERIFY=false and logs a warning that names the risk', async () => {
    const logs = logSink();
    const ctx = createContext(env({ OPENSEARCH_TLS_VERIFY: 'false' }), { logDestination: logs.stream });
    expect((await ctx.opensearch().info()).statusCode).toBe(200);
    const warnings = logs.lines().filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/OPENSEARCH_TLS_VERIFY=false/);
    expect(warnings[0]?.msg).toMatch(/impersonate/);
    expect(warnings[0]?.opensearchUrl).toBe(`${server.url}/`);
  });

  it('says nothing about TLS verification for an http:// URL, where it does not apply', () => {
    const logs = logSink();
    createContext({ OPENSEARCH_URL: 'http://127.0.0.1:1', OPENSEARCH_TLS_VERIFY: 'false' }, { logDestination: logs.stream }).opensearch();
    expect(logs.lines()).toEqual([]);
  });

  it('stops with a ConfigError naming the path when OPENSEARCH_CA_FILE is missing, empty of certificates or corrupt', () => {
    const missing = path.join(pki.dir, 'no-such-ca.pem');
    const keyOnly = path.join(pki.dir, 'ca.key');
    const corrupt = path.join(pki.dir, 'corrupt.pem');
    writeFileSync(corrupt, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    const truncated = path.join(pki.dir, 'truncated.pem');
    writeFileSync(truncated, readFileSync(pki.caFile, 'utf8').slice(0, 200));
    for (const [file, why] of [
      [missing, /cannot read it \(ENOENT\)/],
      [pki.dir, /cannot read it \(EISDIR\)/],
      [keyOnly, /no PEM certificate/],
      [truncated, /no PEM certificate/],
      [corrupt, /certificate 1 of 1 is not valid/],
    ] as const) {
      const build = (): unknown => createContext(env({ OPENSEARCH_CA_FILE: file })).opensearch();
      expect(build).toThrow(ConfigError);
      expect(build).toThrow(`OPENSEARCH_CA_FILE=${file}`);
      expect(build).toThrow(why);
    }
  });
});

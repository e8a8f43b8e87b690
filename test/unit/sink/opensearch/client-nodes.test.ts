import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../../../src/config/config.js';
import { ConfigError } from '../../../../src/errors.js';
import { openSearchChecks } from '../../../../src/ops/doctor/opensearch-checks.js';
import { createOpenSearchClient } from '../../../../src/sink/opensearch/client.js';

/** A tiny HTTP server standing in for one OpenSearch node: it answers every request 200 with a small JSON body. */
async function fakeNode(): Promise<{ url: string; hits: string[]; close: () => Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const body = req.method === 'HEAD' ? '' : '{"ok":true}';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': req.method === 'HEAD' ? '11' : String(body.length) });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, hits, close: () => new Promise((r) => server.close(() => r())) };
}

/** A port nothing listens on (connection refused), as a dead node. */
async function deadPort(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

interface PoolConnection {
  readonly id: string;
  readonly agent: http.Agent;
}
interface Pool {
  readonly connections: PoolConnection[];
  readonly dead: string[];
  markDead(c: PoolConnection): void;
  resurrect(opts: { now: number; requestId: number; name: string }, callback: (isAlive: boolean | null) => void): void;
}

describe('OPENSEARCH_URL with several nodes', () => {
  it('is parsed as a list; bad, mixed or contradicting entries are refused with the variable named', () => {
    expect(loadConfig({ OPENSEARCH_URL: 'http://a:9200, http://b:9200,http://c:9200' }).opensearchUrls).toEqual(['http://a:9200', 'http://b:9200', 'http://c:9200']);
    expect(() => loadConfig({ OPENSEARCH_URL: 'http://a:9200,not a url' })).toThrow(/OPENSEARCH_URL=/);
    expect(() => loadConfig({ OPENSEARCH_URL: 'http://a:9200,https://b:9200' })).toThrow(/mixes http and https/);
    expect(() => loadConfig({ OPENSEARCH_URL: 'http://u:p1@a:9200,http://u:p2@b:9200' })).toThrow(/different credentials/);
    expect(() => loadConfig({ OPENSEARCH_URL: 'https://a:443', OPENSEARCH_AUTH: 'sigv4', OPENSEARCH_SNIFF: 'true', AWS_REGION: 'eu-west-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRAILSTREAM_OUTAGE_MAX_SECONDS: '3600', TRAILSTREAM_MAX_VISIBILITY_SECONDS: '600' })).toThrow(/TRAILSTREAM_OUTAGE_MAX_SECONDS \(3600\) must be less than/);
  });

  it('spreads requests over the nodes and skips a dead one without failing the request', async () => {
    const [a, b] = [await fakeNode(), await fakeNode()];
    const dead = await deadPort();
    const client = createOpenSearchClient(loadConfig({ OPENSEARCH_URL: `${a.url},${dead},${b.url}` }));
    try {
      for (let i = 0; i < 6; i++) await client.transport.request({ method: 'GET', path: '/' });
      expect(a.hits.length).toBeGreaterThanOrEqual(2);
      expect(b.hits.length).toBeGreaterThanOrEqual(2);
      expect(a.hits.length + b.hits.length).toBe(6);
      const pool = client.connectionPool as unknown as Pool;
      expect(pool.dead).toEqual([pool.connections[1]!.id]);
    } finally {
      await client.close();
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('the resurrect ping of a dead node gives its socket back, so nothing keeps the process alive', async () => {
    const [a, b] = [await fakeNode(), await fakeNode()];
    const client = createOpenSearchClient(loadConfig({ OPENSEARCH_URL: `${a.url},${b.url}` }));
    try {
      const pool = client.connectionPool as unknown as Pool;
      const conn = pool.connections[0]!;
      pool.markDead(conn);
      const alive = await new Promise<boolean | null>((resolve) => pool.resurrect({ now: Date.now() + 3_600_000, requestId: 1, name: 'test' }, resolve));
      expect(alive).toBe(true);
      expect(a.hits).toEqual(['HEAD /']);
      // The ping's socket is free again (in use, it would hold the event loop open).
      const free = (): number => Object.values(conn.agent.freeSockets).flat().length;
      for (let i = 0; i < 100 && free() === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(free()).toBe(1);
      expect(Object.values(conn.agent.sockets).flat().length).toBe(0);
    } finally {
      await client.close();
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('doctor asks each node on its own and names the ones that do not answer', async () => {
    const [a, b] = [await fakeNode(), await fakeNode()];
    const dead = await deadPort();
    const config = loadConfig({ OPENSEARCH_URL: `${a.url},${dead}`, TRAILSTREAM_BUCKET: 'logs' });
    const nodesCheck = (urls: string): Promise<{ status: string; detail: string }> => {
      const c = loadConfig({ OPENSEARCH_URL: urls });
      const check = openSearchChecks(createOpenSearchClient(c), c, 2000, (url) => createOpenSearchClient({ ...c, opensearchUrls: [url] })).find((x) => x.name === 'opensearch.nodes')!;
      return check.run(new AbortController().signal) as Promise<{ status: string; detail: string }>;
    };
    try {
      expect(await nodesCheck(`${a.url},${b.url}`)).toMatchObject({ status: 'OK', detail: 'all 2 nodes in OPENSEARCH_URL answer' });
      const some = await nodesCheck(config.opensearchUrls.join(','));
      expect(some.status).toBe('WARN');
      expect(some.detail).toContain(`1 of 2 nodes in OPENSEARCH_URL do not answer: ${dead}/ (ConnectionError`);
      expect((await nodesCheck(`${dead},${dead.replace(/:(\d+)$/, ':1')}`)).status).toBe('FAIL');
      // One URL: nothing to compare, the reachable check says it all.
      const single = loadConfig({ OPENSEARCH_URL: a.url });
      expect(openSearchChecks(createOpenSearchClient(single), single, 2000, () => createOpenSearchClient(single)).map((x) => x.name)).not.toContain('opensearch.nodes');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

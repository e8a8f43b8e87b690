import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { KIBANA_SAVED_OBJECTS_FILE } from '../../../src/cli/setup.js';
import { forConfiguration } from '../../../src/dashboards/import.js';
import { parseNdjson, type SavedObject } from '../../../src/dashboards/saved-object.js';
import { runChecks } from '../../../src/ops/doctor/check.js';
import { kibanaCheck, type KibanaCheckConfig } from '../../../src/ops/doctor/kibana-check.js';

/**
 * Kibana cannot run here, so doctor's Kibana check is tested against a small
 * HTTP server on 127.0.0.1 that answers as Kibana 8/9 documents it:
 * `GET /api/status` ({ name, version: { number, … }, status: { overall: {
 * level, summary } } }, 503 when unavailable), `POST
 * /api/saved_objects/_bulk_get` (each object, or an `error` with statusCode
 * 404 for a missing one), 401 without valid credentials, all under a base path.
 */
interface FakeKibana {
  url: string;
  requests: { method: string; path: string; headers: http.IncomingHttpHeaders }[];
  store: Map<string, unknown>;
  status: { code: number; body: unknown };
  close(): Promise<void>;
}

const API_KEY = 'a2liYW5hLWlkOmtpYmFuYS1zZWNyZXQ=';
const statusBody = (number: string, level: string, summary = 'All services and plugins are available') => ({
  name: 'kibana-1',
  uuid: '5b2de169-2785-441b-ae8c-186a1936b17d',
  version: { number, build_hash: 'abc', build_number: 84000, build_snapshot: false, build_flavor: 'traditional' },
  status: { overall: { level, summary }, core: { elasticsearch: { level, summary: 'Elasticsearch is available' } }, plugins: {} },
});

async function startKibana(basePath = '/kbn'): Promise<FakeKibana> {
  const fake: Omit<FakeKibana, 'url' | 'close'> = { requests: [], store: new Map(), status: { code: 200, body: statusBody('8.19.0', 'available') } };
  const json = (res: ServerResponse, code: number, body: unknown): void => {
    res.writeHead(code, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  };
  const server = http.createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '/').split('?')[0]!;
    fake.requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
    if (!path.startsWith(`${basePath}/`)) return json(res, 404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
    if (req.headers.authorization !== `ApiKey ${API_KEY}`) {
      return json(res, 401, { statusCode: 401, error: 'Unauthorized', message: '[security_exception]: unable to authenticate user' });
    }
    const api = path.slice(basePath.length);
    if (req.method === 'GET' && api === '/api/status') return json(res, fake.status.code, fake.status.body);
    if (req.method === 'POST' && api === '/api/saved_objects/_bulk_get') {
      // Kibana refuses state-changing or POST API calls without kbn-xsrf.
      if (req.headers['kbn-xsrf'] === undefined) return json(res, 400, { statusCode: 400, error: 'Bad Request', message: 'Request must contain a kbn-xsrf header.' });
      const wanted = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; id: string }[];
      return json(res, 200, {
        saved_objects: wanted.map(
          (w) => fake.store.get(`${w.type}:${w.id}`) ?? { id: w.id, type: w.type, error: { statusCode: 404, error: 'Not Found', message: `Saved object [${w.type}/${w.id}] not found` } },
        ),
      });
    }
    return json(res, 404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}${basePath}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

const config = { indexPrefix: 'cloudtrail', deadLetterIndex: 'trailstream-dead-letter' };
const objects = (): SavedObject[] => forConfiguration(parseNdjson(readFileSync(KIBANA_SAVED_OBJECTS_FILE, 'utf8')), config);
/** As Kibana keeps an imported object: what was imported, plus attributes of its own. */
const stored = (o: SavedObject): unknown => ({ ...o, updated_at: '2026-12-06T10:00:00.000Z', version: 'WzEsMV0=', namespaces: ['default'], attributes: { ...o.attributes, ...(o.type === 'index-pattern' ? { fields: '[]' } : {}) } });

async function doctor(kibanaConfig: KibanaCheckConfig) {
  return runChecks([kibanaCheck(kibanaConfig, objects)], { timeoutMs: 5000, secrets: [API_KEY] });
}

describe('doctor: Kibana (KIBANA_URL with the elasticsearch target)', () => {
  let kibana: FakeKibana;
  beforeEach(async () => {
    kibana = await startKibana();
  });
  afterEach(async () => {
    await kibana.close();
  });

  it('reports the version and that every saved object is imported and current; asks with the API key, reads only', async () => {
    for (const o of objects()) kibana.store.set(`${o.type}:${o.id}`, stored(o));
    const results = await doctor({ kibanaUrl: kibana.url, elasticsearchApiKey: API_KEY });
    expect(results.map((r) => [r.check, r.status])).toEqual([
      ['kibana', 'OK'],
      ['kibana.saved-objects', 'OK'],
    ]);
    expect(results[0]!.detail).toBe(`${kibana.url}: Kibana 8.19.0 (available)`);
    const n = objects().length;
    expect(results[1]!.detail).toMatch(new RegExp(`^all ${n} trailstream saved objects are imported and current \\(.*\\d+ index-pattern.*\\d+ dashboard`));
    expect(kibana.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /kbn/api/status', 'POST /kbn/api/saved_objects/_bulk_get']);
    for (const r of kibana.requests) expect(r.headers.authorization).toBe(`ApiKey ${API_KEY}`);
  });

  it('warns when the saved objects are not imported, or differ (another index prefix), naming them and what to run', async () => {
    const [first, second, ...rest] = objects();
    for (const o of rest) kibana.store.set(`${o.type}:${o.id}`, stored(o));
    kibana.store.set(`${second!.type}:${second!.id}`, stored({ ...second!, attributes: { ...second!.attributes, title: 'someone else\'s' } }));
    const results = await doctor({ kibanaUrl: kibana.url, elasticsearchApiKey: API_KEY });
    const objectsLine = results.find((r) => r.check === 'kibana.saved-objects')!;
    expect(objectsLine.status).toBe('WARN');
    expect(objectsLine.detail).toContain(`1 of ${objects().length} not imported: ${first!.type} "${String(first!.attributes.title)}"`);
    expect(objectsLine.detail).toContain('1 differ from this version\'s');
    expect(objectsLine.fix).toMatch(/run trailstream setup with KIBANA_URL set/);

    kibana.store.clear();
    const none = (await doctor({ kibanaUrl: kibana.url, elasticsearchApiKey: API_KEY })).find((r) => r.check === 'kibana.saved-objects')!;
    expect(none.detail).toMatch(new RegExp(`^${objects().length} of ${objects().length} not imported: .*, and \\d+ more$`));
  });

  it('fails when Kibana is not reachable, naming KIBANA_URL', async () => {
    const url = kibana.url;
    await kibana.close();
    kibana = await startKibana(); // for afterEach
    const [line, objectsLine] = await doctor({ kibanaUrl: url, elasticsearchApiKey: API_KEY });
    expect(line).toMatchObject({ check: 'kibana', status: 'FAIL' });
    expect(line!.detail).toMatch(/^Kibana at http:\/\/127\.0\.0\.1:\d+\/kbn is not reachable \(ECONNREFUSED\)\. Is it running, and is KIBANA_URL right/);
    expect(line!.fix).toMatch(/check KIBANA_URL/);
    expect(objectsLine).toMatchObject({ check: 'kibana.saved-objects', status: 'SKIP' });
  });

  it('fails on refused credentials, naming the settings, and never shows the key', async () => {
    const results = await doctor({ kibanaUrl: kibana.url, elasticsearchUsername: 'elastic', elasticsearchPassword: 'wrong' });
    expect(results[0]).toMatchObject({ check: 'kibana', status: 'FAIL' });
    expect(results[0]!.detail).toMatch(/refused the credentials \(HTTP 401\) for GET \/api\/status/);
    expect(results[0]!.fix).toMatch(/ELASTICSEARCH_USERNAME\/ELASTICSEARCH_PASSWORD \(or ELASTICSEARCH_API_KEY\)/);
    expect(JSON.stringify(results)).not.toContain(API_KEY);
    expect(kibana.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('elastic:wrong').toString('base64')}`);
  });

  it('fails when KIBANA_URL misses the base path (404), saying what KIBANA_URL must be', async () => {
    const [line] = await doctor({ kibanaUrl: kibana.url.replace(/\/kbn$/, ''), elasticsearchApiKey: API_KEY });
    expect(line).toMatchObject({ check: 'kibana', status: 'FAIL' });
    expect(line!.detail).toMatch(/has no GET \/api\/status \(HTTP 404\): is KIBANA_URL a Kibana 8 or 9 address/);
    expect(line!.fix).toMatch(/base path/);
  });

  it('reports a degraded Kibana as a warning and an unavailable one (503) as a failure', async () => {
    kibana.status = { code: 200, body: statusBody('9.2.0', 'degraded', '1 service is degraded: elasticsearch') };
    const [degraded] = await doctor({ kibanaUrl: kibana.url, elasticsearchApiKey: API_KEY });
    expect(degraded).toMatchObject({ status: 'WARN', detail: `${kibana.url}: Kibana 9.2.0 is degraded: 1 service is degraded: elasticsearch` });

    kibana.status = { code: 503, body: { ...statusBody('9.2.0', 'unavailable', 'Elasticsearch is not available'), message: 'Kibana is not ready' } };
    const [down] = await doctor({ kibanaUrl: kibana.url, elasticsearchApiKey: API_KEY });
    expect(down).toMatchObject({ check: 'kibana', status: 'FAIL' });
    expect(down!.detail).toMatch(/answered HTTP 503 to GET \/api\/status/);
  });

  it('refuses OpenSearch Dashboards (or Kibana 7) behind KIBANA_URL', async () => {
    kibana.status = { code: 200, body: { name: 'osd', version: { number: '2.19.0' }, status: { overall: { state: 'green' } } } };
    const [line] = await doctor({ kibanaUrl: kibana.url, elasticsearchApiKey: API_KEY });
    expect(line).toMatchObject({ check: 'kibana', status: 'FAIL' });
    expect(line!.detail).toBe(`${kibana.url} answers /api/status as version 2.19.0, not Kibana 8 or 9`);
    expect(line!.fix).toMatch(/TRAILSTREAM_TARGET=opensearch and OPENSEARCH_DASHBOARDS_URL/);
  });

  it('skips without KIBANA_URL, pointing at the hand import', async () => {
    const [line] = await doctor({});
    expect(line).toMatchObject({ check: 'kibana', status: 'SKIP' });
    expect(line!.detail).toMatch(/KIBANA_URL is not set.*trailstream-kibana\.ndjson/);
    expect(kibana.requests).toEqual([]);
  });
});

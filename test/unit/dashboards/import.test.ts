import { savedObjects } from '../../../src/dashboards/catalog.js';
import { DashboardsError, forConfiguration, importSavedObjects, type Fetch } from '../../../src/dashboards/import.js';
import { parseNdjson } from '../../../src/dashboards/saved-object.js';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A stand-in for the three OpenSearch Dashboards endpoints `setup` uses, keeping what was imported. */
function fakeDashboards(store = new Map<string, unknown>()): { fetch: Fetch; calls: Call[]; store: Map<string, unknown> } {
  const calls: Call[] = [];
  const fetchImpl: Fetch = async (url, init) => {
    const u = new URL(url);
    const headers = init.headers as Record<string, string>;
    let body: unknown = init.body;
    if (init.body instanceof FormData) {
      const file = init.body.get('file') as Blob;
      body = parseNdjson(await file.text());
    } else if (typeof init.body === 'string') body = JSON.parse(init.body) as unknown;
    calls.push({ url, method: init.method ?? 'GET', headers, body });
    const json = (status: number, b: unknown): Response => new Response(JSON.stringify(b), { status, headers: { 'content-type': 'application/json' } });
    if (u.pathname.endsWith('/api/status')) return json(200, { version: { number: '2.19.0' } });
    if (u.pathname.endsWith('/api/saved_objects/_bulk_get')) {
      const wanted = body as { type: string; id: string }[];
      return json(200, {
        saved_objects: wanted.map((w) => store.get(`${w.type}:${w.id}`) ?? { ...w, error: { statusCode: 404, message: 'Not found' } }),
      });
    }
    if (u.pathname.endsWith('/api/saved_objects/_import')) {
      expect(u.searchParams.get('overwrite')).toBe('true');
      for (const o of body as { type: string; id: string }[]) store.set(`${o.type}:${o.id}`, o);
      return json(200, { success: true, successCount: (body as unknown[]).length });
    }
    return json(404, { message: 'Not Found' });
  };
  return { fetch: fetchImpl, calls, store };
}

describe('importSavedObjects', () => {
  const objects = savedObjects();

  it('creates everything the first time, then reports it unchanged without importing again', async () => {
    const osd = fakeDashboards();
    const first = await importSavedObjects({ url: 'http://osd.example:5601/base', username: 'u', password: 'p' }, objects, osd.fetch);
    expect(first).toMatchObject({ version: '2.19.0', updated: [], unchanged: [] });
    expect(first.created).toHaveLength(objects.length);
    const imp = osd.calls.find((c) => c.url.includes('_import')) as Call;
    expect(imp.url).toBe('http://osd.example:5601/base/api/saved_objects/_import?overwrite=true');
    expect(imp.headers['osd-xsrf']).toBe('true');
    expect(imp.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);

    osd.calls.length = 0;
    const second = await importSavedObjects({ url: 'http://osd.example:5601/base/' }, objects, osd.fetch);
    expect(second.unchanged).toHaveLength(objects.length);
    expect(osd.calls.some((c) => c.url.includes('_import'))).toBe(false);
  });

  it('imports only what changed, and ignores the field list Dashboards fills in', async () => {
    const osd = fakeDashboards();
    await importSavedObjects({ url: 'http://osd:5601' }, objects, osd.fetch);
    const ip = osd.store.get('index-pattern:trailstream-index-pattern-events') as { attributes: Record<string, unknown> };
    ip.attributes.fields = '[{"name":"@timestamp"}]';
    const renamed = forConfiguration(objects, { indexPrefix: 'prod', deadLetterIndex: 'prod-dead-letter' });
    const report = await importSavedObjects({ url: 'http://osd:5601' }, renamed, osd.fetch);
    expect(report.updated.map((o) => o.title).sort()).toEqual(['prod-*', 'prod-dead-letter', 'prod-insights-*']);
    expect(report.created).toEqual([]);
  });

  it('says clearly when Dashboards is unreachable, refuses the credentials, is not Dashboards, or rejects the import', async () => {
    const down: Fetch = () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    await expect(importSavedObjects({ url: 'http://osd:5601' }, objects, down)).rejects.toThrow(/not reachable \(ECONNREFUSED\)/);
    const status = (code: number, body: unknown = {}): Fetch => () => Promise.resolve(new Response(JSON.stringify(body), { status: code }));
    await expect(importSavedObjects({ url: 'http://osd:5601' }, objects, status(401))).rejects.toThrow(/refused the credentials \(HTTP 401\)/);
    await expect(importSavedObjects({ url: 'http://osd:5601' }, objects, status(404))).rejects.toThrow(/OpenSearch Dashboards 2\.x address/);
    const rejecting: Fetch = async (url, init) => {
      const r = await fakeDashboards().fetch(url, init);
      if (!url.includes('_import')) return r;
      return new Response(JSON.stringify({ success: false, errors: [{ id: 'x', type: 'visualization', error: { type: 'missing_references' } }] }), { status: 200 });
    };
    const error = await importSavedObjects({ url: 'http://osd:5601' }, objects, rejecting).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DashboardsError);
    expect((error as Error).message).toMatch(/refused the import: visualization x: missing_references/);
  });
});

import { SecretScrubber } from '../observability/secrets.js';
import { canonical } from '../canonical-json.js';
import { DEFAULT_TITLES, IDS } from './catalog.js';
import { toNdjson, type SavedObject, type SavedObjectType } from './saved-object.js';

export interface DashboardsTarget {
  /** Base URL of OpenSearch Dashboards or Kibana, with its base path if any. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** An Elasticsearch API key (Kibana only), sent as `Authorization: ApiKey …`. */
  readonly apiKey?: string;
  /** Which one it is; OpenSearch Dashboards unless said otherwise. Both have the same saved objects API, with their own XSRF header. */
  readonly product?: DashboardsProduct;
}

export type DashboardsProduct = 'opensearch-dashboards' | 'kibana';

const PRODUCTS: Readonly<Record<DashboardsProduct, { name: string; xsrfHeader: string; urlSetting: string; credentials: string; version: string }>> = {
  'opensearch-dashboards': {
    name: 'OpenSearch Dashboards',
    xsrfHeader: 'osd-xsrf',
    urlSetting: 'OPENSEARCH_DASHBOARDS_URL',
    credentials: 'OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD',
    version: 'an OpenSearch Dashboards 2.x',
  },
  kibana: { name: 'Kibana', xsrfHeader: 'kbn-xsrf', urlSetting: 'KIBANA_URL', credentials: 'ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD (or ELASTICSEARCH_API_KEY)', version: 'a Kibana 8 or 9' },
};

export interface ObjectRef {
  readonly type: SavedObjectType;
  readonly id: string;
  readonly title: string;
}

export interface ImportReport {
  readonly version: string;
  readonly created: readonly ObjectRef[];
  readonly updated: readonly ObjectRef[];
  readonly unchanged: readonly ObjectRef[];
}

/** Why the import could not be done; `message` is written for the person running `setup`. */
export class DashboardsError extends Error {
  constructor(
    message: string,
    readonly reason: 'unreachable' | 'credentials' | 'not-dashboards' | 'rejected',
  ) {
    super(message);
    this.name = 'DashboardsError';
  }
}

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** The saved objects with index-pattern titles for this configuration (the file has the defaults). */
export function forConfiguration(objects: readonly SavedObject[], config: { indexPrefix: string; deadLetterIndex: string }): SavedObject[] {
  const titles: Record<string, string> = {
    [IDS.events]: `${config.indexPrefix}-*`,
    [IDS.insights]: `${config.indexPrefix}-insights-*`,
    [IDS.deadLetter]: config.deadLetterIndex,
  };
  return objects.map((o) => {
    const title = o.type === 'index-pattern' ? titles[o.id] : undefined;
    if (title === undefined || title === o.attributes.title) return o;
    return { ...o, attributes: { ...o.attributes, title } };
  });
}

export { DEFAULT_TITLES };

/**
 * What an import would do, without changing anything: the server's version and
 * `/api/status` answer, and which objects are missing (`created`), different
 * (`updated`) or already as wanted (`unchanged`). Objects are read back with
 * `_bulk_get`. `doctor` reports this; `setup` imports what it finds to do.
 */
export async function planImport(target: DashboardsTarget, objects: readonly SavedObject[], fetchImpl: Fetch = fetch, signal?: AbortSignal): Promise<ImportPlan> {
  const call = client(target, fetchImpl, signal);
  const status = await call('GET', 'api/status');
  const version = (status.body as { version?: { number?: string } } | undefined)?.version?.number ?? 'unknown';

  const found = await call('POST', 'api/saved_objects/_bulk_get', objects.map((o) => ({ type: o.type, id: o.id })));
  const existing = new Map<string, unknown>();
  for (const so of (found.body as { saved_objects?: { id: string; type: string; error?: unknown }[] }).saved_objects ?? []) {
    if (!so.error) existing.set(`${so.type}:${so.id}`, so);
  }
  const created: ObjectRef[] = [];
  const updated: ObjectRef[] = [];
  const unchanged: ObjectRef[] = [];
  const toImport: SavedObject[] = [];
  for (const o of objects) {
    const ref: ObjectRef = { type: o.type, id: o.id, title: String(o.attributes.title ?? o.id) };
    const current = existing.get(`${o.type}:${o.id}`);
    if (current === undefined) {
      created.push(ref);
      toImport.push(o);
    } else if (sameObject(current, o)) {
      unchanged.push(ref);
    } else {
      updated.push(ref);
      toImport.push(o);
    }
  }
  return { version, status: status.body, created, updated, unchanged, toImport };
}

export interface ImportPlan extends ImportReport {
  /** The body of `GET /api/status`, as the server sent it. */
  readonly status: unknown;
  /** The objects to send: the missing and the different ones. */
  readonly toImport: readonly SavedObject[];
}

/**
 * Imports the saved objects into OpenSearch Dashboards (or Kibana), overwriting earlier
 * versions of the same ids. Idempotent and explicit about it: only new or
 * different objects are imported ({@link planImport}), and the report says
 * which were created, updated or left unchanged.
 */
export async function importSavedObjects(target: DashboardsTarget, objects: readonly SavedObject[], fetchImpl: Fetch = fetch): Promise<ImportReport> {
  const call = client(target, fetchImpl);
  const product = PRODUCTS[target.product ?? 'opensearch-dashboards'];
  const { version, created, updated, unchanged, toImport } = await planImport(target, objects, fetchImpl);
  if (toImport.length > 0) {
    const form = new FormData();
    form.append('file', new Blob([toNdjson(toImport)], { type: 'application/ndjson' }), 'trailstream.ndjson');
    const res = await call('POST', 'api/saved_objects/_import?overwrite=true', form);
    const body = res.body as { success?: boolean; errors?: { id: string; type: string; error?: { type?: string; message?: string; references?: unknown } }[] };
    if (body.success !== true) {
      const details = (body.errors ?? [])
        .slice(0, 10)
        .map((e) => `${e.type} ${e.id}: ${e.error?.type ?? 'error'}${e.error?.message ? ` (${e.error.message})` : ''}${e.error?.references ? ` ${JSON.stringify(e.error.references)}` : ''}`)
        .join('; ');
      throw new DashboardsError(`${product.name} ${version} at ${shown(target.url)} refused the import: ${details || JSON.stringify(body)}`, 'rejected');
    }
  }
  return { version, created, updated, unchanged };
}

/**
 * Compares the attributes we set and the references. Dashboards adds its own
 * attributes (an index pattern's field list once it has read the mapping) and
 * may order references differently.
 */
function sameObject(current: unknown, wanted: SavedObject): boolean {
  const c = current as { attributes?: Record<string, unknown>; references?: { name: string }[] };
  const attrs = c.attributes ?? {};
  for (const [k, v] of Object.entries(wanted.attributes)) {
    if (wanted.type === 'index-pattern' && k === 'fields') continue;
    if (canonical(attrs[k]) !== canonical(v)) return false;
  }
  const byName = (refs: readonly { name: string }[]): string => canonical([...refs].sort((a, b) => a.name.localeCompare(b.name)));
  return byName(c.references ?? []) === byName(wanted.references);
}

type Call = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

function client(target: DashboardsTarget, fetchImpl: Fetch, signal?: AbortSignal): Call {
  const base = new URL(target.url.endsWith('/') ? target.url : `${target.url}/`);
  const product = PRODUCTS[target.product ?? 'opensearch-dashboards'];
  const headers: Record<string, string> = { [product.xsrfHeader]: 'true' };
  const secrets = new SecretScrubber();
  if (target.apiKey !== undefined) {
    headers.authorization = `ApiKey ${target.apiKey}`;
    secrets.addApiKey(target.apiKey);
  } else if (target.username !== undefined && target.password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}`;
    secrets.addBasicAuth(target.username, target.password);
  } else if (base.username || base.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`;
    secrets.addBasicAuth(decodeURIComponent(base.username), decodeURIComponent(base.password));
  }
  base.username = '';
  base.password = '';
  return async (method, path, body) => {
    const url = new URL(path, base).toString();
    const timeout = AbortSignal.timeout(60_000);
    const init: RequestInit = { method, headers: { ...headers }, signal: signal ? AbortSignal.any([signal, timeout]) : timeout };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await fetchImpl(url, init);
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      const why = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new DashboardsError(
        `${product.name} at ${shown(target.url)} is not reachable (${why}). Is it running, and is ${product.urlSetting} right (with the base path, if it has one)?`,
        'unreachable',
      );
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      // not JSON: keep the text for the message
    }
    if (res.status === 401 || res.status === 403) {
      throw new DashboardsError(
        `${product.name} at ${shown(target.url)} refused the credentials (HTTP ${res.status}) for ${method} /${path.split('?')[0]}: check ${product.credentials} and the user's permissions to manage saved objects.`,
        'credentials',
      );
    }
    if (res.status === 404) {
      throw new DashboardsError(
        `${shown(target.url)} has no ${method} /${path.split('?')[0]} (HTTP 404): is ${product.urlSetting} ${product.version} address, with its base path if it has one?`,
        'not-dashboards',
      );
    }
    if (res.status < 200 || res.status >= 300) {
      // A proxy may echo the request's Authorization header: scrub before shortening, or half a secret would slip through.
      const msg = secrets.scrub((parsed as { message?: string } | undefined)?.message ?? String(text)).slice(0, 300);
      throw new DashboardsError(`${product.name} at ${shown(target.url)} answered HTTP ${res.status} to ${method} /${path.split('?')[0]}: ${msg}`, res.status === 503 ? 'unreachable' : 'rejected');
    }
    return { status: res.status, body: parsed };
  };
}

function shown(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

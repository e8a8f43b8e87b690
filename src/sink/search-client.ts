/**
 * What trailstream asks of the search engine beyond `_bulk`, whichever engine
 * it is: one JSON (or NDJSON) request over the official client of OpenSearch
 * or Elasticsearch (sink/opensearch/search-client.ts,
 * sink/elasticsearch/client.ts). Both engines speak the same REST API for
 * everything trailstream does except the lifecycle (ISM and ILM) and a few
 * mapping types, so templates, the dead-letter store, the readiness probe,
 * doctor and the demo are written once against this.
 */
export type Engine = 'opensearch' | 'elasticsearch';

export const ENGINE_NAMES: Readonly<Record<Engine, string>> = { opensearch: 'OpenSearch', elasticsearch: 'Elasticsearch' };

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

export interface SearchRequest {
  readonly method: HttpMethod;
  readonly path: string;
  readonly querystring?: Readonly<Record<string, string | number | boolean>>;
  /** A JSON body (serialised by the client). */
  readonly body?: unknown;
  /** An NDJSON body, sent as it is with the NDJSON content type (`_bulk`). */
  readonly ndjson?: Buffer | string;
}

export interface SearchRequestOptions {
  readonly requestTimeout?: number;
}

export interface SearchResponse {
  readonly statusCode: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * One request with the client's own retries off. Resolves for 2xx; throws the
 * client's error otherwise, which both clients shape alike: `name`, `message`
 * and, when the server answered, `meta.statusCode`, `meta.body` and
 * `meta.headers`.
 */
export interface SearchClient {
  readonly engine: Engine;
  request(request: SearchRequest, options?: SearchRequestOptions): Promise<SearchResponse>;
}

/** The parts of a client error trailstream looks at. */
export interface SearchClientError {
  readonly name?: string;
  readonly message?: string;
  readonly meta?: { readonly statusCode?: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string | string[] | undefined>> | null };
}

export function statusOf(error: unknown): number | undefined {
  return (error as SearchClientError).meta?.statusCode;
}

/**
 * The engine a response (or an error's response) came from, by the header
 * Elasticsearch 7.14+ sends on every answer (`X-Elastic-Product:
 * Elasticsearch`) and OpenSearch never sends; undefined when there was no
 * answer to look at.
 */
export function engineOfHeaders(headers: Readonly<Record<string, string | string[] | undefined>> | null | undefined): Engine | undefined {
  if (!headers) return undefined;
  const product = Object.entries(headers).find(([k]) => k.toLowerCase() === 'x-elastic-product')?.[1];
  return product !== undefined && String(product).toLowerCase().includes('elasticsearch') ? 'elasticsearch' : 'opensearch';
}

/** A JSON request that reports every HTTP status instead of throwing (used where 404 or 400 are answers, not errors). */
export interface JsonHttp {
  request(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

export function jsonHttp(client: SearchClient): JsonHttp {
  return {
    async request(method, path, body) {
      const [pathname, query] = path.split('?', 2) as [string, string | undefined];
      const querystring = query ? Object.fromEntries(new URLSearchParams(query)) : undefined;
      try {
        const res = await client.request({ method, path: pathname, ...(querystring ? { querystring } : {}), ...(body === undefined ? {} : { body }) });
        return { status: res.statusCode, body: res.body };
      } catch (error) {
        const meta = (error as SearchClientError).meta;
        if (meta?.statusCode !== undefined) return { status: meta.statusCode, body: meta.body };
        throw error;
      }
    },
  };
}

/** Both engines answer 400 "no handler found for uri" for the routes of a plugin or module that is not installed. */
export function isMissingHandler(res: { status: number; body: unknown }): boolean {
  if (res.status !== 400 && res.status !== 404 && res.status !== 405) return false;
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '');
  return /no handler found for uri/i.test(text);
}

/** The body of a 2xx answer; otherwise an error naming what was being done, the status and the server's reason. */
export function expectOkBody(res: { status: number; body: unknown }, what: string): unknown {
  if (res.status >= 200 && res.status < 300) return res.body;
  const reason = (res.body as { error?: { reason?: string } | string } | undefined)?.error;
  const text = typeof reason === 'string' ? reason : (reason?.reason ?? JSON.stringify(res.body));
  throw new Error(`${what} failed (HTTP ${res.status}): ${text}`);
}

const TARGET_SETTINGS: Readonly<Record<Engine, string>> = {
  opensearch: 'TRAILSTREAM_TARGET=opensearch and OPENSEARCH_URL (with OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD or OPENSEARCH_AUTH=sigv4)',
  elasticsearch: 'TRAILSTREAM_TARGET=elasticsearch and ELASTICSEARCH_URL (with ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD or ELASTICSEARCH_API_KEY)',
};

/** What to say when the server at the configured URL is the other engine. */
export function wrongEngineMessage(configured: Engine, found: Engine, shownUrl: string): string {
  return `${shownUrl} is ${ENGINE_NAMES[found]}, but trailstream is configured for ${ENGINE_NAMES[configured]} (TRAILSTREAM_TARGET=${configured}). To write to this server set ${TARGET_SETTINGS[found]}; otherwise point ${configured === 'opensearch' ? 'OPENSEARCH_URL' : 'ELASTICSEARCH_URL'} at your ${ENGINE_NAMES[configured]} cluster.`;
}

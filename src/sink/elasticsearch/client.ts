import { createRequire } from 'node:module';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { Client, ClientOptions } from '@elastic/elasticsearch';
import type { Config } from '../../config/config.js';
import type { SearchClient } from '../search-client.js';
import { readCaBundle } from '../tls.js';

export type ElasticsearchClientConfig = Pick<
  Config,
  'elasticsearchUrl' | 'elasticsearchUsername' | 'elasticsearchPassword' | 'elasticsearchApiKey' | 'elasticsearchCaFile' | 'elasticsearchTlsVerify'
>;

/**
 * Builds the official Elasticsearch client (@elastic/elasticsearch 8.x) from
 * the configuration. The 8.x client sends `compatible-with=8` media types,
 * which Elasticsearch 8 takes as its own and Elasticsearch 9 through its REST
 * API compatibility, so one client serves both majors (the 9.x client asks
 * for `compatible-with=9`, which Elasticsearch 8 refuses).
 *
 * - authentication: none, HTTP basic (ELASTICSEARCH_USERNAME/PASSWORD or
 *   credentials in the URL), or an API key (`Authorization: ApiKey …`).
 * - TLS: verified unless ELASTICSEARCH_TLS_VERIFY=false; ELASTICSEARCH_CA_FILE
 *   replaces the trusted CAs with the bundle (checked here, at startup).
 *
 * The client checks that the server is Elasticsearch (its `X-Elastic-Product`
 * header) and refuses to talk to anything else, OpenSearch included; setup
 * and doctor turn that refusal into "set TRAILSTREAM_TARGET=opensearch".
 * Retries are off: the bulk indexer retries per item with backoff and jitter.
 */
export function createElasticsearchClient(config: ElasticsearchClientConfig): Client {
  const tls: TlsConnectionOptions = {
    rejectUnauthorized: config.elasticsearchTlsVerify,
    ...(config.elasticsearchCaFile ? { ca: readCaBundle(config.elasticsearchCaFile, 'ELASTICSEARCH_CA_FILE') } : {}),
  };
  const options: ClientOptions = {
    node: config.elasticsearchUrl,
    tls,
    maxRetries: 0,
    requestTimeout: 120_000,
    compression: false,
  };
  if (config.elasticsearchApiKey) options.auth = { apiKey: config.elasticsearchApiKey };
  else if (config.elasticsearchUsername && config.elasticsearchPassword) {
    options.auth = { username: config.elasticsearchUsername, password: config.elasticsearchPassword };
  }
  return new (elasticsearchPackage().Client)(options);
}

/*
 * The package is loaded the first time a client is built, not when this module
 * is imported: importing it costs about 31 MB of resident memory (measured with
 * Node 20), which every worker writing to OpenSearch paid for nothing, since
 * the CLI's modules import both sinks. It is CommonJS, so `require` loads it
 * synchronously and createElasticsearchClient stays synchronous.
 */
let loaded: typeof import('@elastic/elasticsearch') | undefined;

function elasticsearchPackage(): typeof import('@elastic/elasticsearch') {
  loaded ??= createRequire(import.meta.url)('@elastic/elasticsearch') as typeof import('@elastic/elasticsearch');
  return loaded;
}

/** The engine-neutral request interface over the official Elasticsearch client. */
export function elasticsearchRequests(client: Pick<Client, 'transport'>): SearchClient {
  return {
    engine: 'elasticsearch',
    async request(req, options = {}) {
      const res = await client.transport.request(
        {
          method: req.method,
          path: req.path,
          ...(req.querystring ? { querystring: req.querystring as Record<string, string> } : {}),
          ...(req.ndjson !== undefined ? { bulkBody: req.ndjson } : req.body !== undefined ? { body: req.body as Record<string, unknown> } : {}),
        },
        { meta: true, maxRetries: 0, ...(options.requestTimeout !== undefined ? { requestTimeout: options.requestTimeout } : {}) },
      );
      return { statusCode: res.statusCode ?? 200, body: res.body, headers: (res.headers ?? {}) as Record<string, string | string[] | undefined> };
    },
  };
}

/** The ES client's refusal of a server that is not Elasticsearch (no `X-Elastic-Product` header). */
export function isNotElasticsearch(error: unknown): boolean {
  return (error as { name?: string }).name === 'ProductNotSupportedError';
}

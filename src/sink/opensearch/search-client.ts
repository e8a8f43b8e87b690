import type { Client } from '@opensearch-project/opensearch';
import type { SearchClient } from '../search-client.js';

/** The engine-neutral request interface over the official OpenSearch client (its retries off). */
export function openSearchRequests(client: Pick<Client, 'transport'>): SearchClient {
  return {
    engine: 'opensearch',
    async request(req, options = {}) {
      const res = await client.transport.request(
        {
          method: req.method,
          path: req.path,
          ...(req.querystring ? { querystring: req.querystring as Record<string, string> } : {}),
          ...(req.ndjson !== undefined ? { body: req.ndjson } : req.body !== undefined ? { body: req.body as Record<string, unknown> } : {}),
        },
        {
          maxRetries: 0,
          ...(options.requestTimeout !== undefined ? { requestTimeout: options.requestTimeout } : {}),
          ...(req.ndjson !== undefined ? { headers: { 'content-type': 'application/x-ndjson' } } : {}),
        },
      );
      return { statusCode: res.statusCode ?? 200, body: res.body, headers: (res.headers ?? {}) as Record<string, string | string[] | undefined> };
    },
  };
}

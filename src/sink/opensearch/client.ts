import { Client } from '@opensearch-project/opensearch';
import type { Config } from '../../config/config.js';

/**
 * Builds the OpenSearch client from the configuration. TLS certificates are
 * verified (the client's default); credentials come from
 * OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD or the URL. The client's own retries
 * are off: the bulk indexer retries per item with backoff and jitter.
 */
export function createOpenSearchClient(config: Pick<Config, 'opensearchUrl' | 'opensearchUsername' | 'opensearchPassword'>): Client {
  const auth =
    config.opensearchUsername && config.opensearchPassword
      ? { username: config.opensearchUsername, password: config.opensearchPassword }
      : undefined;
  return new Client({
    node: config.opensearchUrl,
    ...(auth ? { auth } : {}),
    maxRetries: 0,
    requestTimeout: 120_000,
    compression: undefined,
  });
}

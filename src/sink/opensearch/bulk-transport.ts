import type { Client } from '@opensearch-project/opensearch';
import type { BulkRequestOptions, BulkResponse, BulkTransport } from '../bulk-transport.js';
import { BULK_FILTER_PATH, bulkItems, describeBulkFailure, type RawBulkItem } from '../bulk-response.js';

/**
 * Sends pre-built NDJSON bodies through the official client. The client's own
 * `helpers.bulk` is not used: it resolves even when documents failed and gives
 * no per-document signal (see BulkIndexer). `filter_path` keeps the response to
 * the per-item status and error, which matters at thousands of items a request.
 */
export class OpenSearchBulkTransport implements BulkTransport {
  /**
   * @param scrub removes known secrets from a failure's text before it is
   *   shortened: a proxy or server may echo the request headers in its error
   *   body, and a secret cut in half would no longer be recognised.
   */
  constructor(
    private readonly client: Client,
    private readonly scrub: (text: string) => string = (text) => text,
  ) {}

  async bulk(body: Buffer, itemCount: number, options: BulkRequestOptions = {}): Promise<BulkResponse> {
    try {
      const response = await this.client.transport.request(
        {
          method: 'POST',
          path: '/_bulk',
          querystring: {
            filter_path: BULK_FILTER_PATH,
          },
          body,
        },
        // The client's maxRetries: 0 with one node, and a try on each other node with several (see client.ts).
        {
          headers: { 'content-type': 'application/x-ndjson' },
          ...(options.timeoutMs !== undefined ? { requestTimeout: options.timeoutMs } : {}),
        },
      );
      return bulkItems(response.body as { items?: RawBulkItem[] }, itemCount);
    } catch (error) {
      return { ok: false, ...describeBulkFailure(error, this.scrub) };
    }
  }
}


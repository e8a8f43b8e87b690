import type { Client } from '@elastic/elasticsearch';
import type { BulkRequestOptions, BulkResponse, BulkTransport } from '../bulk-transport.js';
import { BULK_FILTER_PATH, bulkItems, describeBulkFailure, type RawBulkItem } from '../bulk-response.js';

/**
 * Sends pre-built NDJSON bodies through the official Elasticsearch client, as
 * OpenSearchBulkTransport does for OpenSearch: the `_bulk` format and its
 * per-item answers are the same on both engines, only the client differs. The
 * client's `helpers.bulk` is not used (no per-document signal).
 */
export class ElasticsearchBulkTransport implements BulkTransport {
  constructor(
    private readonly client: Pick<Client, 'transport'>,
    private readonly scrub: (text: string) => string = (text) => text,
  ) {}

  async bulk(body: Buffer, itemCount: number, options: BulkRequestOptions = {}): Promise<BulkResponse> {
    try {
      const response = await this.client.transport.request(
        { method: 'POST', path: '/_bulk', querystring: { filter_path: BULK_FILTER_PATH }, bulkBody: body },
        { meta: true, maxRetries: 0, ...(options.timeoutMs !== undefined ? { requestTimeout: options.timeoutMs } : {}) },
      );
      return bulkItems(response.body as { items?: RawBulkItem[] }, itemCount);
    } catch (error) {
      return { ok: false, ...describeBulkFailure(error, this.scrub) };
    }
  }
}

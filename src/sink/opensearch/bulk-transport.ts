import type { Client } from '@opensearch-project/opensearch';
import type { BulkItemResult, BulkResponse, BulkTransport } from '../bulk-transport.js';

interface RawItemError {
  type?: string;
  reason?: string;
  caused_by?: { type?: string; reason?: string };
}

interface RawBulkItem {
  [op: string]: { status?: number; error?: RawItemError } | undefined;
}

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

  async bulk(body: Buffer, itemCount: number): Promise<BulkResponse> {
    try {
      const response = await this.client.transport.request(
        {
          method: 'POST',
          path: '/_bulk',
          querystring: {
            filter_path: 'errors,items.*.status,items.*.error.type,items.*.error.reason,items.*.error.caused_by.type,items.*.error.caused_by.reason',
          },
          body,
        },
        // The client's maxRetries: 0 with one node, and a try on each other node with several (see client.ts).
        { headers: { 'content-type': 'application/x-ndjson' } },
      );
      const parsed = response.body as { items?: RawBulkItem[] };
      const items = (parsed.items ?? []).map(toItem);
      if (items.length !== itemCount) {
        return { ok: false, status: 0, message: `_bulk returned ${items.length} items for ${itemCount} documents` };
      }
      return { ok: true, items };
    } catch (error) {
      return { ok: false, ...describeFailure(error, this.scrub) };
    }
  }
}

function toItem(raw: RawBulkItem): BulkItemResult {
  const op = Object.values(raw)[0];
  const status = op?.status ?? 0;
  const e = op?.error;
  if (!e) return { status };
  // The top-level reason of a parse failure is just "failed to parse"; what was
  // wrong (e.g. "Duplicate field 'eventName'") is in caused_by, and the dead
  // letter must say it.
  const cause = e.caused_by;
  const reason = cause ? `${e.reason ?? 'error'} (caused by ${cause.type ?? 'error'}: ${cause.reason ?? 'no reason given'})` : e.reason;
  return { status, error: { ...(e.type !== undefined ? { type: e.type } : {}), ...(reason !== undefined ? { reason } : {}) } };
}

function describeFailure(error: unknown, scrub: (text: string) => string): { status: number; message: string } {
  const e = error as { meta?: { statusCode?: number; body?: unknown }; name?: string; message?: string };
  const status = e.meta?.statusCode ?? 0;
  const body = e.meta?.body;
  const reason =
    typeof body === 'object' && body !== null && 'error' in body
      ? scrub(JSON.stringify((body as { error: unknown }).error)).slice(0, 300)
      : scrub(e.message ?? String(error));
  return { status, message: `${e.name ?? 'Error'}: ${reason}` };
}

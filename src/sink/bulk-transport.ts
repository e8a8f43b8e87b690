/** One item of a `_bulk` response, reduced to what the indexer needs. */
export interface BulkItemResult {
  readonly status: number;
  readonly error?: { readonly type?: string; readonly reason?: string };
}

export type BulkResponse =
  | { readonly ok: true; readonly items: readonly BulkItemResult[] }
  /** The request as a whole failed: HTTP status (0 = no response: network, timeout) and a description. */
  | { readonly ok: false; readonly status: number; readonly message: string };

/**
 * The one capability the bulk indexer needs from the search engine (OpenSearch or Elasticsearch), so unit tests can
 * fake exactly that and integration tests use the real client.
 */
export interface BulkTransport {
  bulk(body: Buffer, itemCount: number, options?: BulkRequestOptions): Promise<BulkResponse>;
}

export interface BulkRequestOptions {
  /**
   * Gives up on the request (a `{ ok: false, status: 0 }` answer) after this
   * long instead of the client's request timeout; with several nodes, each
   * try. The indexer sets it while it holds documents through an outage.
   */
  readonly timeoutMs?: number;
}

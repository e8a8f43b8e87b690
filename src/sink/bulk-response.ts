import type { BulkItemResult, BulkResponse } from './bulk-transport.js';

/** What both engines answer to `_bulk` (same format), reduced by the same `filter_path`. */
export const BULK_FILTER_PATH = 'errors,items.*.status,items.*.error.type,items.*.error.reason,items.*.error.caused_by.type,items.*.error.caused_by.reason';

export interface RawItemError {
  type?: string;
  reason?: string;
  caused_by?: { type?: string; reason?: string };
}

export interface RawBulkItem {
  [op: string]: { status?: number; error?: RawItemError } | undefined;
}

/** The per-item results, or a whole-request failure when their number does not match what was sent. */
export function bulkItems(parsed: { items?: RawBulkItem[] }, itemCount: number): BulkResponse {
  const items = (parsed.items ?? []).map(toItem);
  if (items.length !== itemCount) {
    return { ok: false, status: 0, message: `_bulk returned ${items.length} items for ${itemCount} documents` };
  }
  return { ok: true, items };
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

export function describeBulkFailure(error: unknown, scrub: (text: string) => string): { status: number; message: string } {
  const e = error as { meta?: { statusCode?: number; body?: unknown }; name?: string; message?: string };
  const status = e.meta?.statusCode ?? 0;
  const body = e.meta?.body;
  const reason =
    typeof body === 'object' && body !== null && 'error' in body
      ? scrub(JSON.stringify((body as { error: unknown }).error)).slice(0, 300)
      : scrub(e.message ?? String(error));
  return { status, message: `${e.name ?? 'Error'}: ${reason}` };
}

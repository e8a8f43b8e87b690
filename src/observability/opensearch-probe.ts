import type { SearchClient } from '../sink/search-client.js';

export interface ProbeTarget {
  openSearchAnswered(ok: boolean, detail?: string): void;
}

/**
 * Asks the search engine (OpenSearch or Elasticsearch) `HEAD /` now and then every `intervalMs`, and tells `target`
 * whether it answered. Any HTTP answer counts (OpenSearch Serverless answers
 * 404 there, Elasticsearch's minimal distribution 405) except 401/403, which means the credentials are refused. The
 * timer never keeps the process alive; call the returned function to stop.
 */
export function startOpenSearchProbe(client: SearchClient, target: ProbeTarget, intervalMs: number): () => void {
  let stopped = false;
  let running = false;
  const probe = async (): Promise<void> => {
    if (running || stopped) return;
    running = true;
    try {
      await client.request({ method: 'HEAD', path: '/' }, { requestTimeout: Math.min(intervalMs, 10_000) });
      if (!stopped) target.openSearchAnswered(true);
    } catch (error) {
      if (!stopped) {
        const e = error as { meta?: { statusCode?: number }; name?: string; message?: string };
        const status = e.meta?.statusCode;
        if (status !== undefined && status !== 401 && status !== 403) target.openSearchAnswered(true);
        else target.openSearchAnswered(false, status ? `HTTP ${status}: credentials refused` : withoutCredentials(`${e.name ?? 'Error'}: ${e.message ?? String(error)}`));
      }
    } finally {
      running = false;
    }
  };
  void probe();
  const timer = setInterval(() => void probe(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** The reason is served on /readyz: never let a URL's user:password through. */
export function withoutCredentials(text: string): string {
  return text.replace(/\/\/[^/@\s]+@/g, '//[redacted]@');
}

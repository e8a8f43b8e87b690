import type { PipelineObserver } from '../pipeline/pipeline-observer.js';

export interface HealthOptions {
  /**
   * How long after the last successful receive the worker still counts as
   * receiving: about two long-poll periods (one poll may be in progress).
   */
  readonly receiveStaleAfterMs: number;
  /** The clock; tests pass their own. */
  readonly now?: () => number;
}

export interface HealthStatus {
  readonly ok: boolean;
  /** Why not, one entry per unmet condition (empty when ok). */
  readonly reasons: readonly string[];
}

/**
 * What /healthz and /readyz answer, fed by the worker's hooks and an OpenSearch
 * probe. Knows nothing of HTTP or Prometheus.
 *
 * - alive: the process answers (its event loop runs) and the worker has not failed;
 * - ready: OpenSearch answered its last probe or request, the last SQS receive
 *   succeeded and one succeeded recently (a worker that has no room for more
 *   messages is not expected to receive), and the worker is not stopping.
 */
export class Health implements PipelineObserver {
  private readonly now: () => number;
  private failure: string | undefined;
  private stopping = false;
  private openSearch: { ok: boolean; detail: string } = { ok: false, detail: 'OpenSearch has not answered yet' };
  private receive: { ok: boolean; detail: string } = { ok: false, detail: 'no SQS receive has completed yet' };
  /** When the worker last showed it can receive: a successful receive, or the end of a pause for room. */
  private lastGoodReceiveAt: number | undefined;
  private paused = false;

  constructor(private readonly options: HealthOptions) {
    this.now = options.now ?? Date.now;
  }

  // --- inputs ---------------------------------------------------------------

  /** The worker failed for good (its run loop threw). Liveness fails from now on. */
  fail(reason: string): void {
    this.failure ??= reason;
  }

  /** A stop was requested: finish in-flight work, take nothing new. */
  markStopping(): void {
    this.stopping = true;
  }

  /** OpenSearch answered (any HTTP response but an authentication refusal), or did not. */
  openSearchAnswered(ok: boolean, detail = ''): void {
    this.openSearch = { ok, detail: ok ? '' : `OpenSearch did not answer: ${detail}` };
  }

  receiveSucceeded(): void {
    this.receive = { ok: true, detail: '' };
    this.lastGoodReceiveAt = this.now();
  }

  receiveFailed(error: unknown): void {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.receive = { ok: false, detail: `the last SQS receive failed (${message})` };
  }

  receivePaused(paused: boolean): void {
    this.paused = paused;
    // Resuming starts a new long poll, which may take a whole wait time to return.
    if (!paused && this.receive.ok) this.lastGoodReceiveAt = this.now();
  }

  // --- outputs --------------------------------------------------------------

  liveness(): HealthStatus {
    return this.failure === undefined ? { ok: true, reasons: [] } : { ok: false, reasons: [`worker failed: ${this.failure}`] };
  }

  readiness(): HealthStatus {
    const reasons: string[] = [];
    if (this.failure !== undefined) reasons.push(`worker failed: ${this.failure}`);
    if (this.stopping) reasons.push('worker is stopping');
    if (!this.openSearch.ok) reasons.push(this.openSearch.detail);
    if (!this.receive.ok) reasons.push(this.receive.detail);
    else if (!this.paused && this.lastGoodReceiveAt !== undefined) {
      const age = this.now() - this.lastGoodReceiveAt;
      if (age > this.options.receiveStaleAfterMs) {
        reasons.push(`no SQS receive has completed for ${Math.round(age / 1000)} s (expected within ${Math.round(this.options.receiveStaleAfterMs / 1000)} s)`);
      }
    }
    return { ok: reasons.length === 0, reasons };
  }
}

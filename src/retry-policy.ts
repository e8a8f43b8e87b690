import { setTimeout } from 'node:timers/promises';

/**
 * The one backoff rule of every retry loop (bulk items, receives, messages
 * left on the queue, backfill objects): exponential backoff with full jitter
 * (AWS architecture blog, "Exponential Backoff And Jitter"). Spreading retries
 * uniformly over [0, ceiling) is what keeps many workers from hammering a
 * recovering cluster or queue in lockstep.
 */
export interface Backoff {
  /** The ceiling of the first retry's delay; it doubles with every attempt. */
  readonly baseMs: number;
  /** No delay is ever longer than this. */
  readonly capMs: number;
}

export interface RetryPolicy extends Backoff {
  readonly maxRetries: number;
}

/**
 * The delay before retry number `attempt` (0 for the first retry): uniform in
 * [baseMs / 2, min(capMs, baseMs · 2^attempt)), never below half the base (so
 * no hot retry loop forms) and never above the cap.
 */
export function backoffDelayMs(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  const floor = Math.min(backoff.baseMs / 2, backoff.capMs);
  return Math.max(floor, Math.floor(random() * ceiling));
}

/**
 * Pauses for `ms`, ending early (without throwing) when `signal` aborts.
 * Returns true when the full pause elapsed, false when it was cut short. The
 * timer and the abort listener are both removed either way.
 */
export async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await setTimeout(ms, undefined, { signal });
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'AbortError') return false;
    throw error;
  }
}

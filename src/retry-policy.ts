/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): spreading retries uniformly over [0, cap) is what keeps
 * many workers from hammering a recovering cluster in lockstep.
 */
export interface RetryPolicy {
  readonly maxRetries: number;
  readonly baseMs: number;
  readonly capMs: number;
}

export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  // Never zero: a floor of half the base keeps an immediate hot retry loop from forming.
  return Math.max(policy.baseMs / 2, Math.floor(random() * ceiling));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

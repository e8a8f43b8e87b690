import { backoffDelayMs, pause } from '../../src/retry-policy.js';

describe('backoffDelayMs (exponential backoff with full jitter)', () => {
  const policy = { baseMs: 100, capMs: 5_000 };

  it('spans [base/2, base·2^attempt) and is capped', () => {
    // The bottom and the top of the jitter range, attempt by attempt.
    const low = [0, 1, 2, 3, 4, 5, 6, 10, 40].map((a) => backoffDelayMs(policy, a, () => 0));
    const high = [0, 1, 2, 3, 4, 5, 6, 10, 40].map((a) => backoffDelayMs(policy, a, () => 0.999999));
    expect(low).toEqual([50, 50, 50, 50, 50, 50, 50, 50, 50]);
    expect(high).toEqual([99, 199, 399, 799, 1599, 3199, 4999, 4999, 4999]);
  });

  it('jitters: many draws spread over the whole range, never outside it', () => {
    const draws = Array.from({ length: 2000 }, () => backoffDelayMs(policy, 4));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...draws)).toBeLessThan(1600);
    // Full jitter, not a fixed delay: the draws fall into every quarter of the range.
    const quarters = new Set(draws.map((d) => Math.min(3, Math.floor(d / 400))));
    expect(quarters).toEqual(new Set([0, 1, 2, 3]));
  });

  it('never exceeds a cap below half the base', () => {
    expect(backoffDelayMs({ baseMs: 1000, capMs: 200 }, 0, () => 0)).toBe(200);
    expect(backoffDelayMs({ baseMs: 1000, capMs: 200 }, 3, () => 0.9)).toBe(200);
  });

  it('treats a negative attempt as the first', () => {
    expect(backoffDelayMs(policy, -3, () => 0.999999)).toBe(99);
  });
});

describe('pause', () => {
  it('waits the full time without a signal', async () => {
    const started = Date.now();
    expect(await pause(30)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('ends early when its signal aborts, and leaves no listener behind', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const paused = pause(60_000, controller.signal);
    setTimeout(() => controller.abort(), 10);
    expect(await paused).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
    // Already aborted: returns at once.
    expect(await pause(60_000, controller.signal)).toBe(false);
  });

  it('removes its abort listener when the time is up', async () => {
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    const remove = controller.signal.removeEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added++;
      add(...args);
    }) as typeof add;
    controller.signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      removed++;
      remove(...args);
    }) as typeof remove;
    for (let k = 0; k < 5; k++) expect(await pause(1, controller.signal)).toBe(true);
    expect(added).toBe(5);
    expect(removed).toBe(5);
  });
});

import PQueue from 'p-queue';

describe('ESM dependencies under jest', () => {
  it('runs p-queue (ESM-only) with bounded concurrency', async () => {
    const queue = new PQueue({ concurrency: 2 });
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    };
    await Promise.all([1, 2, 3, 4, 5].map(() => queue.add(task)));
    expect(peak).toBe(2);
  });
});

import { jest } from '@jest/globals';
import { createLogger } from '../../../../src/observability/logger.js';
import { Heartbeat } from '../../../../src/source/sqs/heartbeat.js';
import type { QueueMessage, VisibilityChanger } from '../../../../src/source/sqs/queue.js';

const message = (n: number): QueueMessage => ({ messageId: `m-${n}`, receiptHandle: `r-${n}`, body: '{}', receiveCount: 1, firstReceivedAt: undefined, sentAt: undefined });

/** Records every batch; fails the ids it is told to, or throws. */
class FakeVisibility implements VisibilityChanger {
  readonly batches: { id: string; seconds: number }[][] = [];
  failIds: string[] = [];
  throwNext = false;
  async changeVisibility(): Promise<void> {
    throw new Error('the heartbeat uses the batch call');
  }
  async changeVisibilityBatch(entries: readonly { message: QueueMessage; seconds: number }[]): Promise<string[]> {
    if (this.throwNext) {
      this.throwNext = false;
      throw new Error('network down');
    }
    this.batches.push(entries.map((e) => ({ id: e.message.messageId, seconds: e.seconds })));
    return entries.map((e) => e.message.messageId).filter((id) => this.failIds.includes(id));
  }
}

describe('Heartbeat', () => {
  const logger = createLogger({ level: 'silent' });

  it('extends every tracked message in one batch call, and no untracked one', async () => {
    const queue = new FakeVisibility();
    const extended: number[] = [];
    const hb = new Heartbeat(queue, { intervalSeconds: 10, visibilitySeconds: 60, maxVisibilitySeconds: 3600 }, logger, (n) => extended.push(n));
    await hb.beat();
    expect(queue.batches).toEqual([]); // nothing tracked: no call at all
    hb.track(message(1));
    hb.track(message(2));
    hb.track(message(3));
    hb.untrack(message(2));
    await hb.beat();
    expect(queue.batches).toEqual([[{ id: 'm-1', seconds: 60 }, { id: 'm-3', seconds: 60 }]]);
    expect(extended).toEqual([2]);
    expect(hb.extended).toBe(2);
  });

  it('counts only the extensions that succeeded, and survives a failed call', async () => {
    const queue = new FakeVisibility();
    const hb = new Heartbeat(queue, { intervalSeconds: 10, visibilitySeconds: 60, maxVisibilitySeconds: 3600 }, logger);
    hb.track(message(1));
    hb.track(message(2));
    queue.failIds = ['m-2'];
    await hb.beat();
    expect(hb.extended).toBe(1);
    queue.throwNext = true;
    await expect(hb.beat()).resolves.toBeUndefined();
    expect(hb.extended).toBe(1);
    queue.failIds = [];
    await hb.beat();
    expect(hb.extended).toBe(3);
  });

  it('never extends past maxVisibilitySeconds: the last extension is shortened, then the message is dropped', async () => {
    const queue = new FakeVisibility();
    const hb = new Heartbeat(queue, { intervalSeconds: 10, visibilitySeconds: 60, maxVisibilitySeconds: 100 }, logger);
    const realNow = Date.now;
    let now = realNow();
    Date.now = () => now;
    try {
      hb.track(message(1));
      now += 70_000; // 30 s left of the allowance
      await hb.beat();
      now += 40_000; // allowance used up
      await hb.beat();
      await hb.beat();
    } finally {
      Date.now = realNow;
    }
    expect(queue.batches).toEqual([[{ id: 'm-1', seconds: 30 }]]);
  });

  it('beats on its timer once started, and not after stop', async () => {
    // Fake timers: the interval is advanced by hand, so "nothing after stop" is shown by
    // advancing well past several intervals, not by sleeping and hoping.
    jest.useFakeTimers();
    try {
      const queue = new FakeVisibility();
      const hb = new Heartbeat(queue, { intervalSeconds: 10, visibilitySeconds: 60, maxVisibilitySeconds: 3600 }, logger);
      hb.track(message(1));
      hb.start();
      hb.start(); // idempotent: still one timer
      await jest.advanceTimersByTimeAsync(9_999);
      expect(queue.batches.length).toBe(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(queue.batches.length).toBe(1);
      await jest.advanceTimersByTimeAsync(10_000);
      expect(queue.batches.length).toBe(2); // one timer: two intervals, two beats
      hb.stop();
      await jest.advanceTimersByTimeAsync(60_000);
      expect(queue.batches.length).toBe(2);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});

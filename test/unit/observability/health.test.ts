import { Health } from '../../../src/observability/health.js';

describe('Health', () => {
  let now = 0;
  const health = (): Health => new Health({ receiveStaleAfterMs: 45_000, now: () => now });
  beforeEach(() => {
    now = 1_000_000;
  });

  it('is alive from the start and not ready until OpenSearch answered and a receive succeeded', () => {
    const h = health();
    expect(h.liveness()).toEqual({ ok: true, reasons: [] });
    expect(h.readiness().ok).toBe(false);
    expect(h.readiness().reasons).toEqual(['OpenSearch has not answered yet', 'no SQS receive has completed yet']);
    h.openSearchAnswered(true);
    expect(h.readiness().reasons).toEqual(['no SQS receive has completed yet']);
    h.receiveSucceeded();
    expect(h.readiness()).toEqual({ ok: true, reasons: [] });
  });

  it('turns not ready when the last receive failed, and ready again after a success', () => {
    const h = health();
    h.openSearchAnswered(true);
    h.receiveSucceeded();
    h.receiveFailed(new Error('getaddrinfo ENOTFOUND sqs.example'));
    expect(h.readiness()).toEqual({ ok: false, reasons: ['the last SQS receive failed (Error: getaddrinfo ENOTFOUND sqs.example)'] });
    h.receiveSucceeded();
    expect(h.readiness().ok).toBe(true);
  });

  it('turns not ready when no receive has completed for two long-poll periods', () => {
    const h = health();
    h.openSearchAnswered(true);
    h.receiveSucceeded();
    now += 45_000;
    expect(h.readiness().ok).toBe(true);
    now += 1_000;
    expect(h.readiness()).toEqual({ ok: false, reasons: ['no SQS receive has completed for 46 s (expected within 45 s)'] });
  });

  it('a worker with no room for more messages is not expected to receive; resuming restarts the clock', () => {
    const h = health();
    h.openSearchAnswered(true);
    h.receiveSucceeded();
    h.receivePaused(true);
    now += 600_000;
    expect(h.readiness().ok).toBe(true);
    h.receivePaused(false);
    now += 30_000; // the long poll after resuming is still in progress
    expect(h.readiness().ok).toBe(true);
    now += 20_000;
    expect(h.readiness().ok).toBe(false);
  });

  it('resuming after a failed receive does not hide the failure', () => {
    const h = health();
    h.openSearchAnswered(true);
    h.receiveFailed('boom');
    h.receivePaused(true);
    h.receivePaused(false);
    expect(h.readiness().reasons).toEqual(['the last SQS receive failed (boom)']);
  });

  it('follows OpenSearch going away and coming back', () => {
    const h = health();
    h.receiveSucceeded();
    h.openSearchAnswered(true);
    h.openSearchAnswered(false, 'ConnectionError: connect ECONNREFUSED 127.0.0.1:9200');
    expect(h.readiness().reasons).toEqual(['OpenSearch did not answer: ConnectionError: connect ECONNREFUSED 127.0.0.1:9200']);
    h.openSearchAnswered(true);
    expect(h.readiness().ok).toBe(true);
  });

  it('is not ready while stopping, but still alive', () => {
    const h = health();
    h.openSearchAnswered(true);
    h.receiveSucceeded();
    h.markStopping();
    expect(h.readiness()).toEqual({ ok: false, reasons: ['worker is stopping'] });
    expect(h.liveness().ok).toBe(true);
  });

  it('a failed worker is neither alive nor ready, and keeps its first reason', () => {
    const h = health();
    h.openSearchAnswered(true);
    h.receiveSucceeded();
    h.fail('TypeError: x is undefined');
    h.fail('a later failure');
    expect(h.liveness()).toEqual({ ok: false, reasons: ['worker failed: TypeError: x is undefined'] });
    expect(h.readiness().ok).toBe(false);
  });
});

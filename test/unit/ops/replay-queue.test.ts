import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { keptAttributes, replayQueue, type DlqMessage, type QueueReplayPort } from '../../../src/ops/replay-queue.js';

/** An in-memory DLQ and main queue with SQS's receive/visibility behaviour reduced to what matters. */
class FakeQueues implements QueueReplayPort {
  dlq: DlqMessage[];
  hidden = new Set<string>();
  sent: { body: string; attributes: Readonly<Record<string, MessageAttributeValue>> }[] = [];
  failSendAt: number | undefined;
  failDelete = false;
  constructor(n: number) {
    this.dlq = Array.from({ length: n }, (_, i) => ({
      messageId: `m${i}`,
      receiptHandle: `r${i}`,
      body: JSON.stringify({
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            awsRegion: 'us-east-1',
            eventTime: '2026-06-01T10:05:31.123Z',
            eventName: 'ObjectCreated:Put',
            s3: { s3SchemaVersion: '1.0', bucket: { name: 'bucket-b', arn: 'arn:aws:s3:::bucket-b' }, object: { key: `k${i}.json.gz`, size: 10 } },
          },
        ],
      }),
      attributes: { 'trailstream-error-code': { DataType: 'String', StringValue: 'object-not-found' }, team: { DataType: 'String', StringValue: 'x' } },
    }));
  }
  async receive(max: number): Promise<DlqMessage[]> {
    const out = this.dlq.filter((m) => !this.hidden.has(m.messageId)).slice(0, max);
    for (const m of out) this.hidden.add(m.messageId);
    return out;
  }
  async send(body: string, attributes: Readonly<Record<string, MessageAttributeValue>>): Promise<void> {
    if (this.failSendAt !== undefined && this.sent.length === this.failSendAt) throw new Error('AccessDenied');
    this.sent.push({ body, attributes });
  }
  async delete(m: DlqMessage): Promise<void> {
    if (this.failDelete) throw new Error('receipt handle expired');
    this.dlq = this.dlq.filter((x) => x.messageId !== m.messageId);
    this.hidden.delete(m.messageId);
  }
  async release(m: DlqMessage): Promise<void> {
    this.hidden.delete(m.messageId);
  }
}

describe('replayQueue', () => {
  it('moves every message: same body, failure attributes dropped, others kept; DLQ empty', async () => {
    const q = new FakeQueues(23);
    const bodies = q.dlq.map((m) => m.body);
    const report = await replayQueue(q, { dryRun: false });
    expect(report).toEqual({ moved: 23, wouldMove: 0, movedNotDeleted: 0, sendFailed: 0, interrupted: false });
    expect(q.dlq).toEqual([]);
    expect(q.sent.map((s) => s.body)).toEqual(bodies);
    for (const s of q.sent) expect(s.attributes).toEqual({ team: { DataType: 'String', StringValue: 'x' } });
  });

  it('a failed send stops the run and deletes nothing it did not send; the rest are released', async () => {
    const q = new FakeQueues(15);
    q.failSendAt = 12;
    const report = await replayQueue(q, { dryRun: false });
    expect(report).toMatchObject({ moved: 12, sendFailed: 1, interrupted: true });
    expect(q.dlq.map((m) => m.messageId)).toEqual(['m12', 'm13', 'm14']);
    expect(q.hidden.size).toBe(0);
  });

  it('a failed delete after a successful send is counted; the message stays to be sent again (harmless)', async () => {
    const q = new FakeQueues(2);
    q.failDelete = true;
    const report = await replayQueue(q, { dryRun: false });
    expect(report).toMatchObject({ moved: 0, movedNotDeleted: 2 });
    expect(q.sent).toHaveLength(2);
    expect(q.dlq).toHaveLength(2);
  });

  it('--dry-run sends and deletes nothing, lists each message once with its object and reason, releases them', async () => {
    const q = new FakeQueues(12);
    const items: { objects: readonly string[]; reason: string | undefined }[] = [];
    const report = await replayQueue(q, { dryRun: true, onMessage: (m) => items.push(m) });
    expect(report.wouldMove).toBe(12);
    expect(q.sent).toEqual([]);
    expect(q.dlq).toHaveLength(12);
    expect(q.hidden.size).toBe(0);
    expect(items[3]).toMatchObject({ objects: ['s3://bucket-b/k3.json.gz'], reason: 'object-not-found' });
  });

  it('--max and an abort signal bound the run', async () => {
    const q = new FakeQueues(30);
    expect((await replayQueue(q, { dryRun: false, max: 13 })).moved).toBe(13);
    expect(q.dlq).toHaveLength(17);
    const abort = new AbortController();
    abort.abort();
    expect(await replayQueue(q, { dryRun: false, signal: abort.signal })).toMatchObject({ moved: 0, interrupted: true });
    expect(q.dlq).toHaveLength(17);
  });

  it('keptAttributes drops only trailstream-* and keeps scalar values', () => {
    expect(
      keptAttributes({
        'trailstream-error-message': { DataType: 'String', StringValue: 'x' },
        'Trailstream-like': { DataType: 'Number', StringValue: '1', StringListValues: [] },
        bin: { DataType: 'Binary', BinaryValue: new Uint8Array([1]) },
      }),
    ).toEqual({ 'Trailstream-like': { DataType: 'Number', StringValue: '1' }, bin: { DataType: 'Binary', BinaryValue: new Uint8Array([1]) } });
  });
});

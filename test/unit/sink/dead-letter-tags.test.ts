import { ObjectAck } from '../../../src/pipeline/object-ack.js';
import { BulkIndexer, type BulkDocument } from '../../../src/sink/bulk-indexer.js';
import type { BulkResponse, BulkTransport } from '../../../src/sink/bulk-transport.js';

/** Refuses every document outside the dead-letter index (a mapping error) and keeps what it was sent. */
class RefusingOpenSearch implements BulkTransport {
  readonly deadLetters: Record<string, unknown>[] = [];
  async bulk(body: Buffer): Promise<BulkResponse> {
    const lines = body.toString('utf8').split('\n').slice(0, -1);
    const items = [];
    for (let k = 0; k < lines.length; k += 2) {
      const action = JSON.parse(lines[k]!) as { index: { _index: string } };
      if (action.index._index === 'dead') {
        this.deadLetters.push(JSON.parse(lines[k + 1]!) as Record<string, unknown>);
        items.push({ status: 201 });
      } else {
        items.push({ status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [requestParameters]' } });
      }
    }
    return { ok: true, items };
  }
}

function doc(ack: ObjectAck, id: string, source: Record<string, unknown>): BulkDocument {
  const bytes = Buffer.from(JSON.stringify(source));
  ack.expect();
  return { index: 'events', id, source: bytes, raw: () => JSON.stringify({ eventID: id }), origin: { bucket: 'b', key: 'k', ordinal: 0 }, ack };
}

describe('dead letters of findings', () => {
  it('keep rule.*, event.severity and event.risk_score; untagged ones get none', async () => {
    const os = new RefusingOpenSearch();
    const indexer = new BulkIndexer(os, {
      maxBytes: 1 << 20,
      bytesLimit: 2 << 20,
      maxDocs: 10,
      lingerMs: 60_000,
      concurrency: 1,
      maxBufferedBytes: 8 << 20,
      retry: { maxRetries: 0, baseMs: 1, capMs: 1 },
      deadLetterIndex: 'dead',
    });
    const ack = new ObjectAck();
    const rule = { id: 'cis-root-account-use', name: 'Root account used', ruleset: 'cis-aws-foundations', reference: 'https://example.com', category: 'identity' };
    await indexer.add(doc(ack, 'tagged', { eventID: 'tagged', event: { kind: 'event', action: 'ConsoleLogin', severity: 3, risk_score: 73 }, rule }));
    // A record whose own content mentions "rule":{ is not a finding.
    await indexer.add(doc(ack, 'plain', { eventID: 'plain', requestParameters: { rule: { x: 1 } }, event: { kind: 'event' } }));
    ack.seal();
    await indexer.flush();
    expect(await ack.done).toEqual({ indexed: 0, deadLettered: 2, failure: undefined });
    const byTarget = new Map(os.deadLetters.map((d) => [(d.target as { id: string }).id, d]));
    expect(byTarget.get('tagged')).toMatchObject({ rule, event: { severity: 3, risk_score: 73 }, raw: '{"eventID":"tagged"}' });
    expect(byTarget.get('plain')).not.toHaveProperty('rule');
    expect(byTarget.get('plain')).not.toHaveProperty('event');
  });
});

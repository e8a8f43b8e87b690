import { BulkIndexer, oneLine, type BulkDocument } from '../../../src/sink/bulk-indexer.js';
import type { BulkResponse, BulkTransport } from '../../../src/sink/bulk-transport.js';
import { ObjectAck } from '../../../src/pipeline/object-ack.js';

/** A _bulk body is NDJSON: every document must travel on one line, whatever its bytes looked like. */
describe('BulkIndexer NDJSON framing', () => {
  const pretty = Buffer.from(JSON.stringify({ eventID: 'e-1', requestParameters: { a: 'x\ny', b: [1, 2] } }, null, 2));

  it('oneLine turns the whitespace newlines of a pretty-printed document into spaces, and nothing else', () => {
    const flat = oneLine(pretty);
    expect(flat.includes(0x0a)).toBe(false);
    expect(flat.length).toBe(pretty.length);
    expect(JSON.parse(flat.toString('utf8'))).toEqual(JSON.parse(pretty.toString('utf8')));
    // Compact documents are passed through as they are, without a copy.
    const compact = Buffer.from('{"eventID":"e-2"}');
    expect(oneLine(compact)).toBe(compact);
  });

  it('sends a pretty-printed document as one action line and one source line', async () => {
    const bodies: string[] = [];
    const transport: BulkTransport = {
      async bulk(body: Buffer, itemCount: number): Promise<BulkResponse> {
        bodies.push(body.toString('utf8'));
        return { ok: true, items: Array.from({ length: itemCount }, () => ({ status: 201 })) };
      },
    };
    const indexer = new BulkIndexer(transport, {
      maxBytes: 1 << 20,
      bytesLimit: 2 << 20,
      maxDocs: 100,
      lingerMs: 1,
      concurrency: 1,
      maxBufferedBytes: 4 << 20,
      retry: { maxRetries: 0, baseMs: 1, capMs: 1 },
      deadLetterIndex: 'dl',
    });
    const ack = new ObjectAck();
    const doc: BulkDocument = { index: 'i', id: 'e-1', source: pretty, raw: () => pretty.toString('utf8'), origin: { bucket: 'b', key: 'k', ordinal: 0 }, ack };
    ack.expect();
    await indexer.add(doc);
    ack.seal();
    await indexer.flush();
    expect(await ack.done).toEqual({ indexed: 1, deadLettered: 0, failure: undefined });
    const lines = bodies[0]!.split('\n');
    expect(lines).toHaveLength(3); // action, source, and the empty string after the final newline
    expect(JSON.parse(lines[1]!)).toEqual(JSON.parse(pretty.toString('utf8')));
  });
});

import { BulkIndexer, type BulkDocument, type BulkIndexerOptions } from '../../../src/sink/bulk-indexer.js';
import type { BulkItemResult, BulkResponse, BulkTransport } from '../../../src/sink/bulk-transport.js';
import { ObjectAck } from '../../../src/pipeline/object-ack.js';

/** A request as the fake OpenSearch saw it: the ids of its documents, in order. */
interface SeenRequest {
  readonly ids: string[];
  readonly indices: string[];
  readonly bytes: number;
  readonly at: number;
}

type Reply = (req: SeenRequest) => BulkResponse | Promise<BulkResponse>;

const ok: Reply = (req) => ({ ok: true, items: req.ids.map(() => ({ status: 201 })) });

/** Parses each NDJSON body, so the tests check what would really go on the wire. */
class FakeOpenSearch implements BulkTransport {
  readonly requests: SeenRequest[] = [];
  constructor(private reply: Reply = ok) {}

  setReply(reply: Reply): void {
    this.reply = reply;
  }

  async bulk(body: Buffer, itemCount: number): Promise<BulkResponse> {
    const lines = body.toString('utf8').split('\n');
    expect(lines[lines.length - 1]).toBe('');
    expect(lines.length - 1).toBe(itemCount * 2);
    const ids: string[] = [];
    const indices: string[] = [];
    for (let k = 0; k < lines.length - 1; k += 2) {
      const action = JSON.parse(lines[k]!) as { index: { _index: string; _id: string } };
      JSON.parse(lines[k + 1]!); // every source line is a JSON document on its own
      ids.push(action.index._id);
      indices.push(action.index._index);
    }
    const req = { ids, indices, bytes: body.length, at: Date.now() };
    this.requests.push(req);
    return this.reply(req);
  }
}

const options = (over: Partial<BulkIndexerOptions> = {}): BulkIndexerOptions => ({
  maxBytes: 1 << 20,
  bytesLimit: 2 << 20,
  maxDocs: 1000,
  lingerMs: 60_000,
  concurrency: 2,
  maxBufferedBytes: 8 << 20,
  retry: { maxRetries: 3, baseMs: 1, capMs: 5 },
  deadLetterIndex: 'dead',
  ...over,
});

function doc(ack: ObjectAck, id: string, size = 100, index = 'events'): BulkDocument {
  const source = Buffer.from(JSON.stringify({ eventID: id, pad: 'x'.repeat(Math.max(0, size - 30)) }));
  ack.expect();
  return { index, id, source, raw: () => source.toString('utf8'), origin: { bucket: 'b', key: 'k', ordinal: Number(id.replace(/\D/g, '')) || 0 }, ack };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('BulkIndexer batching', () => {
  it('cuts requests by document count and by bytes, never above maxBytes', async () => {
    const os = new FakeOpenSearch();
    const indexer = new BulkIndexer(os, options({ maxDocs: 3, maxBytes: 100_000 }));
    const ack = new ObjectAck();
    for (let k = 0; k < 7; k++) await indexer.add(doc(ack, `c${k}`));
    ack.seal();
    await indexer.flush();
    expect(os.requests.map((r) => r.ids.length)).toEqual([3, 3, 1]);

    const os2 = new FakeOpenSearch();
    const small = new BulkIndexer(os2, options({ maxBytes: 1000 }));
    const ack2 = new ObjectAck();
    for (let k = 0; k < 10; k++) await small.add(doc(ack2, `b${k}`, 300));
    ack2.seal();
    await small.flush();
    expect(os2.requests.length).toBeGreaterThan(3);
    for (const r of os2.requests) expect(r.bytes).toBeLessThanOrEqual(1000);
    expect(os2.requests.flatMap((r) => r.ids)).toEqual(Array.from({ length: 10 }, (_, k) => `b${k}`));
    expect(await ack2.done).toEqual({ indexed: 10, deadLettered: 0, failure: undefined });
  });

  it('sends a partial batch after the linger time when nobody flushes', async () => {
    const os = new FakeOpenSearch();
    const indexer = new BulkIndexer(os, options({ lingerMs: 30 }));
    const ack = new ObjectAck();
    await indexer.add(doc(ack, 'l1'));
    await tick(5);
    expect(os.requests).toHaveLength(0);
    ack.seal();
    const result = await ack.done;
    expect(result.indexed).toBe(1);
    expect(os.requests).toHaveLength(1);
  });

  it('sends the partial batch at once when the last producer ends, not after the linger time', async () => {
    const os = new FakeOpenSearch();
    const indexer = new BulkIndexer(os, options({ lingerMs: 60_000 }));
    const a = new ObjectAck();
    const b = new ObjectAck();
    const endA = indexer.producing();
    const endB = indexer.producing();
    await indexer.add(doc(a, 'a1'));
    await indexer.add(doc(b, 'b1'));
    endA();
    endA(); // ending twice counts once
    await tick(5);
    // B is still producing: its next records may fill the batch, so nothing is sent yet.
    expect(os.requests).toHaveLength(0);
    endB();
    a.seal();
    b.seal();
    await Promise.all([a.done, b.done]);
    expect(os.requests).toHaveLength(1);
    expect(os.requests[0]!.ids).toEqual(['a1', 'b1']);
  });
});

describe('BulkIndexer backpressure', () => {
  it('tryAdd refuses and add waits while the buffered bytes are at the limit, until a request completes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const os = new FakeOpenSearch(async (req) => {
      await gate;
      return ok(req);
    });
    const indexer = new BulkIndexer(os, options({ maxBufferedBytes: 500, maxDocs: 2, concurrency: 1 }));
    const ack = new ObjectAck();
    expect(indexer.tryAdd(doc(ack, 'p1', 200))).toBe(true);
    expect(indexer.tryAdd(doc(ack, 'p2', 200))).toBe(true); // second doc fills the batch: sent, but not acknowledged yet
    expect(indexer.tryAdd(doc(ack, 'p3', 200))).toBe(true);
    const refused = doc(ack, 'p4', 200);
    expect(indexer.tryAdd(refused)).toBe(false);
    let added = false;
    const adding = indexer.add(refused).then(() => (added = true));
    await tick(10);
    expect(added).toBe(false);
    expect(indexer.stats.bufferedBytes).toBeGreaterThanOrEqual(500);
    release();
    await adding;
    expect(added).toBe(true);
    ack.seal();
    await indexer.flush();
    expect((await ack.done).indexed).toBe(4);
  });
});

describe('BulkIndexer item results', () => {
  it('retries only the rejected items (429, 5xx, es_rejected_execution_exception) and dead-letters mapping errors', async () => {
    const attempts = new Map<string, number>();
    const os = new FakeOpenSearch((req) => ({
      ok: true,
      items: req.ids.map((id, k): BulkItemResult => {
        if (req.indices[k] === 'dead') return { status: 201 };
        const n = (attempts.get(id) ?? 0) + 1;
        attempts.set(id, n);
        if (id === 'r429' && n < 3) return { status: 429, error: { type: 'too_many_requests' } };
        if (id === 'r503' && n < 2) return { status: 503, error: { type: 'unavailable_shards_exception' } };
        if (id === 'rej' && n < 2) return { status: 400, error: { type: 'es_rejected_execution_exception' } };
        if (id === 'bad') return { status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [x]' } };
        return { status: 201 };
      }),
    }));
    const deadLettered: string[] = [];
    const indexer = new BulkIndexer(os, options({ maxDocs: 10 }), { onDeadLetter: (d, error) => deadLettered.push(`${d.id}: ${error}`) });
    const ack = new ObjectAck();
    for (const id of ['fine', 'r429', 'r503', 'rej', 'bad']) await indexer.add(doc(ack, id));
    ack.seal();
    await indexer.flush();
    expect(await ack.done).toEqual({ indexed: 4, deadLettered: 1, failure: undefined });
    expect(attempts.get('fine')).toBe(1);
    expect(attempts.get('bad')).toBe(1); // never retried
    expect(attempts.get('r429')).toBe(3);
    expect(attempts.get('r503')).toBe(2);
    expect(attempts.get('rej')).toBe(2);
    expect(deadLettered).toEqual(['bad: 400 mapper_parsing_exception: failed to parse field [x]']);
    // The dead letter went to the dead-letter index under an id derived from the intended one.
    const dl = os.requests.flatMap((r) => r.ids.filter((_, k) => r.indices[k] === 'dead'));
    expect(dl).toEqual(['events/bad']);
  });

  it('fails the object as retryable when items stay rejected after maxRetries', async () => {
    const os = new FakeOpenSearch((req) => ({ ok: true, items: req.ids.map(() => ({ status: 429, error: { type: 'too_many_requests' } })) }));
    const indexer = new BulkIndexer(os, options({ retry: { maxRetries: 2, baseMs: 1, capMs: 2 } }));
    const ack = new ObjectAck();
    await indexer.add(doc(ack, 'x1'));
    ack.seal();
    await indexer.flush();
    const result = await ack.done;
    expect(result.indexed).toBe(0);
    expect(result.failure?.kind).toBe('retryable');
    expect(os.requests).toHaveLength(3); // the first attempt and two retries
  });

  it('splits a batch OpenSearch refuses as too large (413) and retries a request that failed as a whole', async () => {
    let failedOnce = false;
    const os = new FakeOpenSearch((req) => {
      if (req.ids.length > 2) return { ok: false, status: 413, message: 'Request Entity Too Large' };
      if (!failedOnce) {
        failedOnce = true;
        return { ok: false, status: 0, message: 'socket hang up' };
      }
      return ok(req);
    });
    const indexer = new BulkIndexer(os, options({ maxDocs: 8 }));
    const ack = new ObjectAck();
    for (let k = 0; k < 8; k++) await indexer.add(doc(ack, `s${k}`));
    ack.seal();
    await indexer.flush();
    expect(await ack.done).toEqual({ indexed: 8, deadLettered: 0, failure: undefined });
    const delivered = os.requests.filter((r) => r.ids.length <= 2).flatMap((r) => r.ids);
    // Every document arrived; the one failed request was sent again.
    expect(new Set(delivered)).toEqual(new Set(Array.from({ length: 8 }, (_, k) => `s${k}`)));
    expect(delivered.length).toBe(8 + 2);
  });

  it('dead-letters a document larger than the request limit without sending it', async () => {
    const os = new FakeOpenSearch();
    const indexer = new BulkIndexer(os, options({ maxBytes: 2_000, bytesLimit: 4_000 }));
    const ack = new ObjectAck();
    await indexer.add(doc(ack, 'huge', 10_000));
    ack.seal();
    await indexer.flush();
    expect(await ack.done).toEqual({ indexed: 0, deadLettered: 1, failure: undefined });
    expect(os.requests.flatMap((r) => r.ids)).toEqual(['events/huge']);
    expect(os.requests.every((r) => r.bytes <= 4_000)).toBe(true);
  });
});

describe('BulkIndexer whole-request 400', () => {
  it('halves the batch until the document OpenSearch cannot read is alone, dead-letters it and indexes the rest', async () => {
    const os = new FakeOpenSearch((req) => {
      if (req.indices.every((i) => i === 'dead')) return ok(req);
      if (req.ids.includes('poison')) return { ok: false, status: 400, message: 'illegal_argument_exception: Malformed action/metadata line' };
      return ok(req);
    });
    const indexer = new BulkIndexer(os, options({ maxDocs: 8 }));
    const ack = new ObjectAck();
    for (const id of ['g0', 'g1', 'g2', 'poison', 'g4', 'g5', 'g6', 'g7']) await indexer.add(doc(ack, id));
    ack.seal();
    await indexer.flush();
    expect(await ack.done).toEqual({ indexed: 7, deadLettered: 1, failure: undefined });
    const deadIds = os.requests.flatMap((r) => r.ids.filter((_, k) => r.indices[k] === 'dead'));
    expect(deadIds).toEqual(['events/poison']);
    // log2(8) halvings: never more than a handful of extra requests.
    expect(os.requests.length).toBeLessThanOrEqual(1 + 2 + 2 + 2 + 1);
  });
});

describe('BulkIndexer action lines', () => {
  it('writes ids and index names that need escaping or are not ASCII as valid JSON with exact byte counts', async () => {
    const os = new FakeOpenSearch();
    const indexer = new BulkIndexer(os, options({ maxDocs: 10 }));
    const ack = new ObjectAck();
    const ids = ['plain-0000', 'quote"inside', 'back\\slash', 'tab\there', 'é-ünïcode-✓', '😀'];
    for (const id of ids) await indexer.add(doc(ack, id, 100, 'idx-é'));
    await indexer.add(doc(ack, 'same-index-again', 100, 'idx-é'));
    ack.seal();
    await indexer.flush();
    expect(await ack.done).toEqual({ indexed: ids.length + 1, deadLettered: 0, failure: undefined });
    // FakeOpenSearch parsed every line as JSON and checked the line count; ids and indices come back intact.
    expect(os.requests.flatMap((r) => r.ids)).toEqual([...ids, 'same-index-again']);
    expect(new Set(os.requests.flatMap((r) => r.indices))).toEqual(new Set(['idx-é']));
  });
});

describe('BulkIndexer through an outage (outageMaxMs)', () => {
  const down: Reply = () => ({ ok: false, status: 0, message: 'ConnectionError: connect ECONNREFUSED' });

  it('holds the documents past maxRetries while OpenSearch does not answer, then indexes each once when it is back', async () => {
    const os = new FakeOpenSearch(down);
    const outages: string[] = [];
    const indexer = new BulkIndexer(os, options({ retry: { maxRetries: 1, baseMs: 1, capMs: 2 }, outageMaxMs: 60_000 }), {
      onOutageStart: (i) => outages.push(`start ${i.reason}`),
      onOutageEnd: () => outages.push('end'),
    });
    const ack = new ObjectAck();
    for (let k = 0; k < 4; k++) await indexer.add(doc(ack, `o${k}`));
    ack.seal();
    const flushed = indexer.flush();
    // Far more failed attempts than maxRetries (1) allows, and nothing failed.
    while (os.requests.length < 10) await tick(2);
    expect(ack.outstanding).toBe(4);
    os.setReply(ok);
    await flushed;
    expect(await ack.done).toEqual({ indexed: 4, deadLettered: 0, failure: undefined });
    const delivered = os.requests.slice(-1)[0]!.ids;
    expect(delivered.sort()).toEqual(['o0', 'o1', 'o2', 'o3']);
    expect(outages).toEqual(['start request failed (no response): ConnectionError: connect ECONNREFUSED', 'end']);
  });

  it('holds items answered 503 (primary shard unavailable) and retries only them', async () => {
    let red = true;
    const os = new FakeOpenSearch((req) => ({
      ok: true,
      items: req.ids.map((id) => (red && id.endsWith('1') ? { status: 503, error: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' } } : { status: 201 })),
    }));
    const indexer = new BulkIndexer(os, options({ retry: { maxRetries: 0, baseMs: 1, capMs: 2 }, outageMaxMs: 60_000 }));
    const ack = new ObjectAck();
    for (let k = 0; k < 3; k++) await indexer.add(doc(ack, `r${k}`));
    ack.seal();
    const flushed = indexer.flush();
    while (os.requests.length < 5) await tick(2);
    red = false;
    await flushed;
    expect(await ack.done).toEqual({ indexed: 3, deadLettered: 0, failure: undefined });
    expect(os.requests.slice(1).every((r) => r.ids.join() === 'r1')).toBe(true);
  });

  it('fails the documents as retryable (opensearch-unavailable) once the outage outlasts outageMaxMs', async () => {
    const os = new FakeOpenSearch(() => ({ ok: false, status: 503, message: 'cluster_block_exception: no cluster-manager' }));
    const indexer = new BulkIndexer(os, options({ retry: { maxRetries: 100, baseMs: 1, capMs: 2 }, outageMaxMs: 50 }));
    const ack = new ObjectAck();
    await indexer.add(doc(ack, 'x1'));
    ack.seal();
    const started = Date.now();
    await indexer.flush();
    const result = await ack.done;
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(result.failure?.code).toBe('opensearch-unavailable');
    expect(result.failure?.kind).toBe('retryable');
    expect(result.indexed).toBe(0);
  });

  it('while it holds documents, no request outlasts the outage limit: a cluster that keeps _bulk waiting is given up on in time', async () => {
    // The first request is refused (the outage starts); every later one is kept waiting, as a
    // node without a cluster manager does, until the request's own timeout. Without a timeout
    // from the indexer it would wait forever (the client's 120 s in real life) and so would the test.
    const timeouts: (number | undefined)[] = [];
    const transport: BulkTransport = {
      bulk(_body, _count, options) {
        timeouts.push(options?.timeoutMs);
        if (timeouts.length === 1) return Promise.resolve({ ok: false, status: 0, message: 'ConnectionError: connect ECONNREFUSED' });
        if (options?.timeoutMs === undefined) return new Promise<BulkResponse>(() => {});
        return new Promise((resolve) => setTimeout(() => resolve({ ok: false, status: 0, message: 'TimeoutError: Request timed out' }), options.timeoutMs));
      },
    };
    const outageMaxMs = 1_500;
    const indexer = new BulkIndexer(transport, options({ retry: { maxRetries: 100, baseMs: 1, capMs: 2 }, outageMaxMs }));
    const ack = new ObjectAck();
    await indexer.add(doc(ack, 'w1'));
    ack.seal();
    const started = Date.now();
    await indexer.flush();
    const result = await ack.done;
    expect(result.failure?.code).toBe('opensearch-unavailable');
    expect(result.failure?.kind).toBe('retryable');
    expect(timeouts[0]).toBeUndefined(); // nothing held yet: the client's own timeout
    expect(timeouts.length).toBeGreaterThanOrEqual(2);
    for (const t of timeouts.slice(1)) {
      expect(t).toBeGreaterThanOrEqual(1_000); // never shorter than the floor
      expect(t).toBeLessThanOrEqual(outageMaxMs); // never longer than what is left of the limit
    }
    // Released about when the limit ran out, not a request timeout later.
    expect(Date.now() - started).toBeLessThan(outageMaxMs + 1_500);
  });

  it('once the outage limit has run out, a request gets the client timeout again, so a slow but working cluster can answer and end the outage', async () => {
    const timeouts: (number | undefined)[] = [];
    const transport: BulkTransport = {
      bulk(_body, count, options) {
        timeouts.push(options?.timeoutMs);
        if (timeouts.length === 1) return Promise.resolve({ ok: false, status: 0, message: 'ConnectionError: connect ECONNREFUSED' });
        // Cut short (the held probe): still down. Not cut: slow, but it writes.
        if (options?.timeoutMs !== undefined) return new Promise((resolve) => setTimeout(() => resolve({ ok: false, status: 0, message: 'TimeoutError' }), options.timeoutMs));
        return new Promise((resolve) => setTimeout(() => resolve({ ok: true, items: Array.from({ length: count }, () => ({ status: 201 })) }), 50));
      },
    };
    const indexer = new BulkIndexer(transport, options({ retry: { maxRetries: 100, baseMs: 1, capMs: 2 }, outageMaxMs: 200 }));
    const first = new ObjectAck();
    await indexer.add(doc(first, 'a1'));
    first.seal();
    await indexer.flush();
    expect((await first.done).failure?.code).toBe('opensearch-unavailable');
    // The limit has run out and no request has succeeded since: the outage is still on.
    const second = new ObjectAck();
    await indexer.add(doc(second, 'b1'));
    second.seal();
    await indexer.flush();
    expect(await second.done).toEqual({ indexed: 1, deadLettered: 0, failure: undefined });
    expect(timeouts).toEqual([undefined, 1_000, undefined]);
  });

  it('with outageMaxMs 0 an outage spends the retries like any failure', async () => {
    const os = new FakeOpenSearch(down);
    const indexer = new BulkIndexer(os, options({ retry: { maxRetries: 2, baseMs: 1, capMs: 2 }, outageMaxMs: 0 }));
    const ack = new ObjectAck();
    await indexer.add(doc(ack, 'z1'));
    ack.seal();
    await indexer.flush();
    expect((await ack.done).failure?.code).toBe('bulk-retries-exhausted');
    expect(os.requests.length).toBe(3);
  });
});

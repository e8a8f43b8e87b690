import { Readable } from 'node:stream';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import type { DecodeLimits, RawRecord } from '../../../src/decode/decode-object.js';
import { CorruptObjectError, DecodeLimitError } from '../../../src/decode/errors.js';
import { NonRetryableError } from '../../../src/errors.js';
import { chunksOf, decodeObject, deliveredCorpus, malformedCorpusFile, rng, splitAll, trackedReadable } from './helpers.js';

const limits: DecodeLimits = { maxDecompressedBytes: 1 << 30, maxCompressionRatio: 200, maxRecordBytes: 2 << 20 };

async function decodeAll(source: Parameters<typeof decodeObject>[0], options: DecodeLimits = limits) {
  const decoded = decodeObject(source, options);
  const records: RawRecord[] = [];
  let error: unknown;
  try {
    for await (const record of decoded) records.push(record);
  } catch (e) {
    error = e;
  }
  return { records, error, stats: decoded.stats };
}

function parsed(records: readonly RawRecord[]): unknown[] {
  return records.map((r) => JSON.parse(r.bytes.toString('utf8')) as unknown);
}

function streamOf(data: Buffer, maxChunk = 16 * 1024): Readable {
  return Readable.from(chunksOf(data, rng(data.length), maxChunk, true), { objectMode: false });
}

describe('decodeObject', () => {
  const corpus = deliveredCorpus();

  it('decodes every delivered corpus file into the records JSON.parse sees, at their byte offsets', async () => {
    let total = 0;
    for (const file of corpus) {
      const { records, error, stats } = await decodeAll(streamOf(file.gz, 2000));
      expect(error).toBeUndefined();
      expect(parsed(records)).toEqual((JSON.parse(file.json.toString('utf8')) as { Records: unknown[] }).Records);
      const wrong = records.filter((r, k) => r.ordinal !== k || !file.json.subarray(r.offset, r.offset + r.bytes.length).equals(r.bytes));
      expect(wrong).toEqual([]);
      expect(stats).toEqual({ gzip: true, compressedBytes: file.gz.length, decompressedBytes: file.json.length, records: records.length });
      total += records.length;
    }
    expect(total).toBe(1233);
  });

  it('decodes plain JSON', async () => {
    const file = corpus[3]!;
    const { records, error, stats } = await decodeAll(streamOf(file.json, 100));
    expect(error).toBeUndefined();
    expect(parsed(records)).toEqual((JSON.parse(file.json.toString('utf8')) as { Records: unknown[] }).Records);
    expect(stats.gzip).toBe(false);
  });

  it('can be iterated only once', async () => {
    const decoded = decodeObject(Readable.from([gzipSync('{"Records":[]}')]), limits);
    for await (const record of decoded) expect(record).toBeUndefined();
    expect(() => decoded[Symbol.asyncIterator]()).toThrow(/only once/);
  });

  it('validates the limits', () => {
    expect(() => decodeObject(Readable.from([]), { ...limits, maxRecordBytes: 0 })).toThrow(RangeError);
  });

  describe('hostile objects fail as NonRetryableError with an offset', () => {
    it.each([
      ['an empty object', '', 'truncated', 0],
      ['{}', '{}', 'not-cloudtrail', 1],
      ['[]', '[]', 'not-cloudtrail', 0],
      ['Records that is an object', '{"Records":{}}', 'not-cloudtrail', 11],
      ['trailing garbage', '{"Records":[{"a":1}]}garbage', 'corrupt-json', 21],
      ['a truncated document', '{"Records":[{"a":1},{"b":', 'truncated', 25],
    ])('%s (gzip and plain)', async (_label, text, code, offset) => {
      for (const data of [gzipSync(text), Buffer.from(text)]) {
        const { error } = await decodeAll(Readable.from([data]));
        expect(error).toBeInstanceOf(NonRetryableError);
        expect((error as NonRetryableError).code).toBe(code);
        expect((error as NonRetryableError).context.offset).toBe(offset);
      }
    });

    it('a record over maxRecordBytes or a non-object element costs only itself: the records after it come out', async () => {
      const text = `{"Records":[{"a":1},{"big":"${'x'.repeat(5000)}"},7,{"c":3}]}`;
      const { records, error } = await decodeAll(Readable.from([gzipSync(text)]), { ...limits, maxRecordBytes: 4096 });
      expect(error).toBeUndefined();
      expect(records.map((r) => [r.ordinal, r.offset, r.rejected?.code])).toEqual([
        [0, text.indexOf('{"a"'), undefined],
        [1, text.indexOf('{"big"'), 'record-too-large'],
        [2, text.indexOf('7'), 'record-not-object'],
        [3, text.indexOf('{"c"'), undefined],
      ]);
      expect(parsed(records.filter((r) => !r.rejected))).toEqual([{ a: 1 }, { c: 3 }]);
    });

    it('the malformed corpus file (a top-level array)', async () => {
      const { records, error } = await decodeAll(streamOf(gzipSync(malformedCorpusFile())));
      expect(records).toEqual([]);
      expect((error as CorruptObjectError).code).toBe('not-cloudtrail');
      expect((error as CorruptObjectError).context.offset).toBe(0);
    });

    it('the malformed corpus records as a CloudTrail file: the records before the stray brace are kept', async () => {
      const wrapped = Buffer.concat([Buffer.from('{"Records":'), malformedCorpusFile(), Buffer.from('}')]);
      const { records, error, stats } = await decodeAll(streamOf(gzipSync(wrapped)));
      expect(records).toHaveLength(2);
      expect((error as CorruptObjectError).code).toBe('corrupt-json');
      expect((error as CorruptObjectError).context.offset).toBe(wrapped.indexOf('}}},') + 1);
      expect(stats.records).toBe(2);
    });

    it('a truncated gzip file: every record before the cut is kept, even for a slow consumer, then corrupt-gzip', async () => {
      const file = corpus.find((f) => f.json.length > 200_000)!;
      const cut = file.gz.subarray(0, file.gz.length >> 1);
      // What zlib can recover from the cut file, and the whole records inside it.
      const recoverable = gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH }).length;
      const { records: all } = splitAll([file.json]);
      const before = all.filter((r) => r.offset + r.bytes.length <= recoverable).length;
      expect(before).toBeGreaterThan(10);

      const records: RawRecord[] = [];
      let error: unknown;
      try {
        for await (const record of decodeObject(streamOf(cut, 4096), limits)) {
          records.push(record);
          // Slower than zlib, so decompressed data is waiting in the stream when it fails.
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      } catch (e) {
        error = e;
      }
      expect((error as CorruptObjectError).code).toBe('corrupt-gzip');
      expect(records).toHaveLength(before);
      expect(records.map((r) => r.bytes)).toEqual(all.slice(0, before).map((r) => r.bytes));
    });

    it('a gzip bomb, without inflating it all', async () => {
      const spaces = gzipSync(Buffer.alloc(1 << 20, ' '), { level: 9 });
      const members = [gzipSync('{"Records":[{"a":1},'), ...Array.from({ length: 200 }, () => spaces), gzipSync('{"b":2}]}')];
      const { records, error, stats } = await decodeAll(streamOf(Buffer.concat(members)), { ...limits, maxCompressionRatio: 100 });
      expect((error as DecodeLimitError).code).toBe('compression-ratio-exceeded');
      expect(parsed(records)).toEqual([{ a: 1 }]);
      expect(stats.decompressedBytes).toBeLessThan(20 << 20);
    });
  });

  describe('source errors', () => {
    // A source error is retried as a whole, so records before it need not come out first.
    it('propagate unchanged', async () => {
      const file = corpus.find((f) => f.json.length > 200_000)!;
      const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      const chunks = chunksOf(file.gz, rng(11), 4096);
      async function* source(): AsyncGenerator<Buffer> {
        for (let k = 0; k < chunks.length >> 1; k++) {
          await new Promise((resolve) => setImmediate(resolve));
          yield chunks[k]!;
        }
        throw reset;
      }
      const { error, stats } = await decodeAll(source());
      expect(error).toBe(reset);
      expect(stats.compressedBytes).toBeGreaterThan(0);
    });
  });

  describe('lifecycle', () => {
    const big = bigObject();

    it('destroys the source when the consumer breaks early', async () => {
      const { stream, pulled } = trackedReadable(chunksOf(big.gz, rng(12), 16 * 1024));
      let seen = 0;
      for await (const record of decodeObject(stream, limits)) {
        expect(record.ordinal).toBe(seen);
        if (++seen === 3) break;
      }
      expect(stream.destroyed).toBe(true);
      expect(pulled()).toBeLessThan(big.gz.length);
    });

    it('destroys the source when the consumer throws', async () => {
      const { stream } = trackedReadable(chunksOf(big.gz, rng(13), 16 * 1024));
      const failure = new Error('sink failed');
      await expect(
        (async () => {
          for await (const record of decodeObject(stream, limits)) {
            if (record.ordinal === 5) throw failure;
          }
        })(),
      ).rejects.toBe(failure);
      expect(stream.destroyed).toBe(true);
    });

    it('reads the source only as fast as records are consumed (backpressure)', async () => {
      const { stream, pulled } = trackedReadable(chunksOf(big.gz, rng(14), 16 * 1024, true));
      const decoded = decodeObject(stream, limits);
      const iterator = decoded[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.done).toBe(false);
      // A stalled consumer: give the streams time to read ahead as far as they will.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const readAhead = pulled();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(pulled()).toBe(readAhead);
      // Bounded by the stream buffers (~16 KiB of zlib input, 64 KiB ahead of it,
      // one 256 KiB output chunk), not by the object size.
      expect(readAhead).toBeLessThan(512 * 1024);
      expect(big.gz.length).toBeGreaterThan(4 * readAhead);
      let count = 1;
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) count++;
      expect(count).toBe(big.records);
      expect(decoded.stats).toEqual({ gzip: true, compressedBytes: big.gz.length, decompressedBytes: big.json.length, records: big.records });
    });
  });
});

/** ~16 MB of corpus records in one CloudTrail file, gzip-compressed. */
function bigObject(): { gz: Buffer; json: Buffer; records: number } {
  const records = deliveredCorpus().flatMap((f) => (JSON.parse(f.json.toString('utf8')) as { Records: object[] }).Records);
  const parts: string[] = [];
  let size = 0;
  let n = 0;
  while (size < 16 << 20) {
    const text = JSON.stringify({ ...records[n % records.length], eventID: `synthetic-${n}` });
    parts.push(text);
    size += text.length;
    n++;
  }
  const json = Buffer.from(`{"Records":[${parts.join(',')}]}`);
  return { gz: gzipSync(json, { level: 1 }), json, records: n };
}

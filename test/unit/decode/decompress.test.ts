import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { decompress, GUNZIP_CHUNK_SIZE, newDecompressStats, type DecompressLimits } from '../../../src/decode/decompress.js';
import { CorruptObjectError, DecodeLimitError } from '../../../src/decode/errors.js';
import { chunksOf, deliveredCorpus, rng } from './helpers.js';

const roomy: DecompressLimits = { maxDecompressedBytes: 1 << 30, maxCompressionRatio: 1000 };

async function* from(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    await Promise.resolve();
    yield chunk;
  }
}

async function collect(source: AsyncIterable<Buffer>): Promise<{ data: Buffer; chunks: Buffer[]; error: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of source) chunks.push(chunk);
  } catch (error) {
    return { data: Buffer.concat(chunks), chunks, error };
  }
  return { data: Buffer.concat(chunks), chunks, error: undefined };
}

/** 1 MiB of JSON whitespace as one gzip member (~1 KB); members concatenate into a bomb. */
const megabyteOfSpaces = gzipSync(Buffer.alloc(1 << 20, ' '), { level: 9 });

function bomb(megabytes: number): Buffer[] {
  const members = [gzipSync('{"Records":[')];
  for (let k = 0; k < megabytes; k++) members.push(megabyteOfSpaces);
  members.push(gzipSync(']}'));
  return members;
}

describe('decompress', () => {
  const corpus = deliveredCorpus();

  it('gunzips every corpus file exactly, in any chunking, and counts bytes', async () => {
    const random = rng(7);
    for (const file of corpus) {
      const stats = newDecompressStats();
      const { data, error } = await collect(decompress(from(chunksOf(file.gz, random, 700)), roomy, stats));
      expect(error).toBeUndefined();
      expect(data.equals(file.json)).toBe(true);
      expect(stats).toEqual({ gzip: true, compressedBytes: file.gz.length, decompressedBytes: file.json.length });
    }
  });

  it('recognises the gzip magic split over 1-byte chunks', async () => {
    const file = corpus[0]!;
    const { data } = await collect(decompress(from(chunksOf(file.gz, rng(1), 1)), roomy));
    expect(data.equals(file.json)).toBe(true);
  });

  it('reads a Node stream source', async () => {
    const file = corpus[0]!;
    const { data } = await collect(decompress(Readable.from(chunksOf(file.gz, rng(2), 100)), roomy));
    expect(data.equals(file.json)).toBe(true);
  });

  it('passes plain JSON (with or without a BOM) through unchanged, without copying', async () => {
    for (const text of ['{"Records":[]}', '\ufeff{"Records":[]}', ' ', '{']) {
      const bytes = Buffer.from(text);
      const chunks = chunksOf(bytes, rng(3), 2);
      const stats = newDecompressStats();
      const out = await collect(decompress(from(chunks), roomy, stats));
      expect(out.data.equals(bytes)).toBe(true);
      expect(stats).toEqual({ gzip: false, compressedBytes: bytes.length, decompressedBytes: bytes.length });
      expect(out.chunks.slice(1).every((c, k) => c === chunks[k + 1])).toBe(true);
    }
  });

  it('accepts Uint8Array chunks that are not Buffers', async () => {
    const file = corpus[0]!;
    const plain = new Uint8Array(file.gz);
    const { data } = await collect(decompress(from([plain.subarray(0, 10), plain.subarray(10)]), roomy));
    expect(data.equals(file.json)).toBe(true);
  });

  it('yields nothing for an empty source', async () => {
    const stats = newDecompressStats();
    const { chunks, error } = await collect(decompress(from([]), roomy, stats));
    expect(error).toBeUndefined();
    expect(chunks).toEqual([]);
    expect(stats.gzip).toBe(false);
  });

  it('reads multi-member gzip whole, in large output chunks', async () => {
    const members = bomb(3);
    const { data, chunks } = await collect(decompress(from(members), roomy));
    expect(data.length).toBe('{"Records":['.length + 3 * (1 << 20) + 2);
    expect(data.subarray(0, 12).toString()).toBe('{"Records":[');
    expect(data.subarray(-2).toString()).toBe(']}');
    expect(Math.max(...chunks.map((c) => c.length))).toBe(GUNZIP_CHUNK_SIZE);
  });

  describe('corrupt gzip', () => {
    const file = corpus.find((f) => f.gz.length > 20_000)!;

    async function expectCorrupt(gz: Buffer, damagedData = false): Promise<CorruptObjectError> {
      const { data, error } = await collect(decompress(from(chunksOf(gz, rng(4), 1000)), roomy));
      expect(error).toBeInstanceOf(CorruptObjectError);
      const e = error as CorruptObjectError;
      expect(e.code).toBe('corrupt-gzip');
      expect(e.context.offset).toBe(data.length);
      expect(typeof e.context.compressedOffset).toBe('number');
      // What came out before the damage is the real content, unless the deflate
      // data itself is damaged: that inflates to garbage until the CRC check.
      if (!damagedData) expect(file.json.subarray(0, data.length).equals(data)).toBe(true);
      return e;
    }

    it('a truncated stream', async () => {
      const e = await expectCorrupt(file.gz.subarray(0, file.gz.length - 500));
      expect(e.context.zlibCode).toBe('Z_BUF_ERROR');
    });

    it('a bad header', async () => {
      const gz = Buffer.from(file.gz);
      gz[2] = 7; // compression method other than deflate
      await expectCorrupt(gz);
    });

    it('damaged deflate data', async () => {
      const gz = Buffer.from(file.gz);
      for (let k = 5000; k < 5100; k++) gz[k] = gz[k]! ^ 0xa5;
      await expectCorrupt(gz, true);
    });

    it('a wrong CRC', async () => {
      const gz = Buffer.from(file.gz);
      gz[gz.length - 8] = gz[gz.length - 8]! ^ 1;
      const e = await expectCorrupt(gz);
      expect(e.context.offset).toBe(file.json.length);
    });

    it('damaged data arriving in big chunks (zlib fails while the source waits for it to drain)', async () => {
      const json = Buffer.from(`{"Records":[${Array.from({ length: 3000 }, (_, k) => `{"eventID":"${k}","pad":"${k.toString(36).repeat(50)}"}`).join(',')}]}`);
      const gz = gzipSync(json);
      for (let k = 1000; k < 1100; k++) gz[k] = gz[k]! ^ 0x5a;
      const { error } = await collect(decompress(from(chunksOf(gz, rng(10), 256 * 1024)), roomy));
      expect(error).toBeInstanceOf(CorruptObjectError);
      expect((error as CorruptObjectError).code).toBe('corrupt-gzip');
    });

    it('trailing garbage after the gzip member', async () => {
      await expectCorrupt(Buffer.concat([file.gz, Buffer.from('garbage')]));
    });
  });

  describe('limits', () => {
    it('stops at maxDecompressedBytes without handing on the chunk that crosses it', async () => {
      const file = corpus.find((f) => f.json.length > 200_000)!;
      const limit = 100_000;
      const { data, error } = await collect(
        decompress(from([file.gz]), { maxDecompressedBytes: limit, maxCompressionRatio: 1000 }, newDecompressStats(), { chunkSize: 16 * 1024 }),
      );
      expect(error).toBeInstanceOf(DecodeLimitError);
      expect((error as DecodeLimitError).code).toBe('decompressed-too-large');
      expect(data.length).toBeLessThanOrEqual(limit);
      expect(data.length).toBeGreaterThan(limit - 16 * 1024);
    });

    it('applies maxDecompressedBytes to plain JSON too', async () => {
      const { error } = await collect(decompress(from([Buffer.alloc(600, ' '), Buffer.alloc(600, ' ')]), { maxDecompressedBytes: 1000, maxCompressionRatio: 10 }));
      expect((error as DecodeLimitError).code).toBe('decompressed-too-large');
    });

    it('stops a gzip bomb (200 MB of whitespace in ~200 KB) early on the compression ratio', async () => {
      const members = bomb(200);
      const compressed = members.reduce((n, m) => n + m.length, 0);
      expect(compressed).toBeLessThan(300_000);
      const stats = newDecompressStats();
      let biggest = 0;
      let error: unknown;
      try {
        // 16 KiB source chunks, as a network stream delivers them.
        for await (const chunk of decompress(from(chunksOf(Buffer.concat(members), rng(5), 16 * 1024)), { maxDecompressedBytes: 1 << 30, maxCompressionRatio: 100 }, stats)) {
          biggest = Math.max(biggest, chunk.length);
        }
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DecodeLimitError);
      expect((error as DecodeLimitError).code).toBe('compression-ratio-exceeded');
      expect((error as DecodeLimitError).context.ratio).toBeGreaterThan(100);
      // Stopped after a few MB of output, long before the 200 MB.
      expect(stats.decompressedBytes).toBeLessThan(20 << 20);
      expect(biggest).toBeLessThanOrEqual(GUNZIP_CHUNK_SIZE);
    });

    it('does not apply the ratio to the first MiB (a tiny file compresses absurdly)', async () => {
      const { data, error } = await collect(decompress(from([gzipSync(Buffer.alloc(1 << 20, ' '))]), { maxDecompressedBytes: 1 << 30, maxCompressionRatio: 2 }));
      expect(error).toBeUndefined();
      expect(data.length).toBe(1 << 20);
    });
  });

  describe('source failures', () => {
    const file = corpus.find((f) => f.gz.length > 20_000)!;

    async function* failing(chunks: readonly Buffer[], after: number, error: Error): AsyncGenerator<Buffer> {
      for (let k = 0; k < after; k++) {
        await Promise.resolve();
        yield chunks[k]!;
      }
      throw error;
    }

    it.each([
      ['mid-way through gzip', 5],
      ['before the first bytes', 0],
    ])('rethrows the source error unchanged (%s)', async (_label, after) => {
      const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      const { error } = await collect(decompress(failing(chunksOf(file.gz, rng(6), 1000), after, reset), roomy));
      expect(error).toBe(reset);
    });

    it('rethrows the source error unchanged (plain JSON)', async () => {
      const reset = new Error('socket hang up');
      const { data, error } = await collect(decompress(failing(chunksOf(file.json, rng(6), 1000), 3, reset), roomy));
      expect(error).toBe(reset);
      expect(data.length).toBeGreaterThan(0);
    });

    it('rethrows a Node stream error unchanged', async () => {
      const reset = new Error('aborted');
      const chunks = chunksOf(file.gz, rng(8), 1000);
      let k = 0;
      const stream = new Readable({
        read() {
          if (k === 4) this.destroy(reset);
          else this.push(chunks[k++]);
        },
      });
      const { error } = await collect(decompress(stream, roomy));
      expect(error).toBe(reset);
    });
  });

  describe('early exit', () => {
    it.each([['gzip', true], ['plain', false]])('destroys a stream source when the consumer breaks (%s)', async (_label, gzip) => {
      const file = deliveredCorpus().find((f) => f.json.length > 200_000)!;
      const stream = Readable.from(chunksOf(gzip ? file.gz : file.json, rng(9), 4096), { objectMode: false });
      for await (const chunk of decompress(stream, roomy, newDecompressStats(), { chunkSize: 16 * 1024 })) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
      expect(stream.destroyed).toBe(true);
    });

    it('ends an async-generator source when the consumer breaks', async () => {
      let finished = false;
      async function* source(): AsyncGenerator<Buffer> {
        try {
          for (;;) {
            await Promise.resolve();
            yield Buffer.from('{"Records":[');
          }
        } finally {
          finished = true;
        }
      }
      for await (const chunk of decompress(source(), roomy)) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(finished).toBe(true);
    });

    it('rejects a string source (an encoding was set) with a TypeError', async () => {
      const { error } = await collect(decompress(Readable.from(['{"Records":[]}']), roomy));
      expect(error).toBeInstanceOf(TypeError);
    });
  });
});

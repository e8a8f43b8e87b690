/**
 * Throughput and memory benchmark of the decode stage (not a jest test: jest's
 * VM context makes Buffer and Math calls many times slower than in production).
 *
 *   npx tsc --outDir /tmp/decode-bench --module nodenext --target es2022 --skipLibCheck --types node \
 *     test/unit/decode/bench/decode-bench.ts
 *   node /tmp/decode-bench/test/unit/decode/bench/decode-bench.js speed [MB=200]
 *   node /tmp/decode-bench/test/unit/decode/bench/decode-bench.js memory [MB=1024] [stallSeconds=0]
 *
 * Run from the repository root. The data is the corpus's records repeated with fresh eventIDs (cached in the
 * OS temp directory). Run each mode in its own process so RSS is its own.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzipSync } from 'node:zlib';
import type { DecodeLimits } from '../../../../src/decode/decode-object.js';
import { decodeObject } from '../helpers.js';
import { decompress, newDecompressStats } from '../../../../src/decode/decompress.js';
import { RecordSplitter, type RawRecord } from '../../../../src/decode/record-splitter.js';

// Resolved from the working directory: the compiled script runs from elsewhere.
const corpus = path.resolve('test/fixtures/corpus');
const MiB = 1024 * 1024;
const limits: DecodeLimits = { maxDecompressedBytes: 8192 * MiB, maxCompressionRatio: 200, maxRecordBytes: 2 * MiB };

function corpusRecords(): object[] {
  const records: object[] = [];
  const delivered = path.join(corpus, 'delivered');
  for (const source of readdirSync(delivered)) {
    for (const name of readdirSync(path.join(delivered, source))) {
      const file = JSON.parse(gunzipSync(readFileSync(path.join(delivered, source, name))).toString('utf8')) as { Records: object[] };
      records.push(...file.Records);
    }
  }
  for (const name of readdirSync(path.join(corpus, 'events'))) {
    for (const line of readFileSync(path.join(corpus, 'events', name), 'utf8').split('\n')) {
      if (line.trim() !== '') records.push(JSON.parse(line) as object);
    }
  }
  return records;
}

/** A gzip CloudTrail file of about `megabytes` decompressed, written as a stream. */
async function syntheticFile(megabytes: number): Promise<string> {
  const file = path.join(tmpdir(), `trailstream-decode-bench-${megabytes}MB.json.gz`);
  if (existsSync(file)) return file;
  const records = corpusRecords();
  const target = megabytes * MiB;
  async function* json(): AsyncGenerator<Buffer> {
    yield Buffer.from('{"Records":[');
    let size = 0;
    let batch: string[] = [];
    for (let n = 0; size < target; n++) {
      const text = (n === 0 ? '' : ',') + JSON.stringify({ ...records[n % records.length], eventID: randomUUID() });
      batch.push(text);
      size += Buffer.byteLength(text);
      if (batch.length === 1000) {
        yield Buffer.from(batch.join(''));
        batch = [];
      }
    }
    yield Buffer.from(`${batch.join('')}]}`);
  }
  await pipeline(Readable.from(json()), createGzip(), createWriteStream(`${file}.tmp`));
  renameSync(`${file}.tmp`, file);
  return file;
}

function best(runs: number, fn: () => void): number {
  let fastest = Infinity;
  for (let k = 0; k < runs; k++) {
    const started = performance.now();
    fn();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

async function bestAsync(runs: number, fn: () => Promise<void>): Promise<number> {
  let fastest = Infinity;
  for (let k = 0; k < runs; k++) {
    const started = performance.now();
    await fn();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

function rate(bytes: number, records: number, ms: number): string {
  const mbs = bytes / MiB / (ms / 1000);
  return `${ms.toFixed(0).padStart(6)} ms  ${mbs.toFixed(0).padStart(5)} MB/s  ${((records / ms) * 1000).toFixed(0).padStart(7)} records/s`;
}

function chunksOf(data: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) chunks.push(data.subarray(at, at + size));
  return chunks;
}

async function speed(megabytes: number): Promise<void> {
  const gz = readFileSync(await syntheticFile(megabytes));
  const json = gunzipSync(gz);
  const all: RawRecord[] = [];
  new RecordSplitter({ maxRecordBytes: limits.maxRecordBytes }).push(json, all);
  const n = all.length;
  console.log(`${(json.length / MiB).toFixed(0)} MB decompressed, ${(gz.length / MiB).toFixed(1)} MB gzip, ${n} records, ${Math.round(json.length / n)} bytes/record`);

  const decompressedChunks = chunksOf(json, 256 * 1024);
  const split = best(5, () => {
    const splitter = new RecordSplitter({ maxRecordBytes: limits.maxRecordBytes });
    const out: RawRecord[] = [];
    for (const chunk of decompressedChunks) {
      splitter.push(chunk, out);
      out.length = 0;
    }
    splitter.end();
  });
  console.log(`split only (256 KiB chunks)         ${rate(json.length, n, split)}`);

  const parse = best(3, () => {
    for (const record of all) JSON.parse(record.bytes.toString('utf8'));
  });
  console.log(`JSON.parse of each record            ${rate(json.length, n, parse)}`);
  console.log(`  split is ${(parse / split).toFixed(2)}x as fast as JSON.parse of the same records`);

  const compressedChunks = chunksOf(gz, 64 * 1024);
  for (const chunkSize of [16 * 1024, 256 * 1024]) {
    const ms = await bestAsync(3, async () => {
      for await (const chunk of decompress(Readable.from(compressedChunks), limits, newDecompressStats(), { chunkSize })) void chunk;
    });
    console.log(`gunzip, chunkSize ${String(chunkSize / 1024).padStart(3)} KiB           ${rate(json.length, n, ms)}`);
  }

  const decode = await bestAsync(3, async () => {
    for await (const record of decodeObject(Readable.from(compressedChunks), limits)) void record;
  });
  console.log(`decodeObject (gunzip + split)        ${rate(json.length, n, decode)}`);
  const full = await bestAsync(3, async () => {
    for await (const record of decodeObject(Readable.from(compressedChunks), limits)) JSON.parse(record.bytes.toString('utf8'));
  });
  console.log(`decodeObject + JSON.parse            ${rate(json.length, n, full)}`);
}

async function memory(megabytes: number, stallSeconds: number): Promise<void> {
  const file = await syntheticFile(megabytes);
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const source = createReadStream(file);
  const decoded = decodeObject(source, limits);
  const started = performance.now();
  let records = 0;
  for await (const record of decoded) {
    JSON.parse(record.bytes.toString('utf8'));
    records++;
    if (records === 1000 && stallSeconds > 0) {
      const readBefore = source.bytesRead;
      const rssBefore = process.memoryUsage().rss;
      await new Promise((resolve) => setTimeout(resolve, stallSeconds * 1000));
      console.log(
        `stalled ${stallSeconds} s after 1000 records: source read ${(readBefore / MiB).toFixed(2)} -> ${(source.bytesRead / MiB).toFixed(2)} MB, ` +
          `RSS ${(rssBefore / MiB).toFixed(0)} -> ${(process.memoryUsage().rss / MiB).toFixed(0)} MB`,
      );
    }
  }
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const ms = performance.now() - started;
  const { compressedBytes, decompressedBytes } = decoded.stats;
  console.log(
    `${(decompressedBytes / MiB).toFixed(0)} MB (${(compressedBytes / MiB).toFixed(0)} MB gzip), ${records} records in ${(ms / 1000).toFixed(1)} s ` +
      `(${((records / ms) * 1000).toFixed(0)} records/s incl. JSON.parse); RSS baseline ${(baseline / MiB).toFixed(0)} MB, peak ${(peak / MiB).toFixed(0)} MB`,
  );
}

const [mode = 'speed', a, b] = process.argv.slice(2);
if (mode === 'speed') await speed(Number(a ?? 200));
else if (mode === 'memory') await memory(Number(a ?? 1024), Number(b ?? 0));
else throw new Error(`unknown mode ${mode}; use speed or memory`);

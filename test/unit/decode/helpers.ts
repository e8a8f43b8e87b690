import { decodeObjectBatches, type ByteSource, type DecodeLimits, type DecodeStats } from '../../../src/decode/decode-object.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { RecordSplitter, type RawRecord } from '../../../src/decode/record-splitter.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const corpusDir = path.resolve(here, '../../fixtures/corpus');

export interface CorpusFile {
  readonly name: string;
  readonly gz: Buffer;
  readonly json: Buffer;
}

export function deliveredCorpus(): CorpusFile[] {
  const dir = path.join(corpusDir, 'delivered');
  const files: CorpusFile[] = [];
  for (const source of readdirSync(dir).sort()) {
    for (const name of readdirSync(path.join(dir, source)).sort()) {
      if (!name.endsWith('.json.gz')) continue;
      const gz = readFileSync(path.join(dir, source, name));
      files.push({ name, gz, json: gunzipSync(gz) });
    }
  }
  return files;
}

export function malformedCorpusFile(): Buffer {
  return readFileSync(path.join(corpusDir, 'malformed/opensearch-project__opensearch-catalog/samples-large.json'));
}

/**
 * Deterministic PRNG (xorshift32), so every fuzz case can be replayed from its
 * seed. Shifts and xors only: Math.imul is very slow inside jest's VM context.
 */
export function rng(seed: number): () => number {
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  // Nearby seeds start out correlated; a few rounds spread them.
  for (let k = 0; k < 8; k++) next();
  return next;
}

// Integer arithmetic instead of Math.floor / Math.min, which are very slow inside jest's VM context.
export function int(random: () => number, min: number, max: number): number {
  return min + ((random() * (max - min + 1)) | 0);
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[(random() * items.length) | 0]!;
}

/** Cuts `data` into chunks of 1..maxChunk bytes; views unless `copy` (distinct buffers, as a stream delivers them). */
export function chunksOf(data: Buffer, random: () => number, maxChunk: number, copy = false): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; ) {
    const wanted = int(random, 1, maxChunk);
    const size = wanted < data.length - at ? wanted : data.length - at;
    const view = data.subarray(at, at + size);
    chunks.push(copy ? Buffer.from(view) : view);
    at += size;
  }
  return chunks;
}

export interface SplitOutcome {
  readonly records: RawRecord[];
  readonly error: unknown;
}

/** Runs the splitter over the chunks and keeps whatever came out before a failure. */
export function splitAll(chunks: readonly Buffer[], maxRecordBytes = 64 * 1024 * 1024): SplitOutcome {
  const splitter = new RecordSplitter({ maxRecordBytes });
  const records: RawRecord[] = [];
  try {
    for (const chunk of chunks) splitter.push(chunk, records);
    splitter.end();
  } catch (error) {
    return { records, error };
  }
  return { records, error: undefined };
}

/** A byte source that records whether it was destroyed and how much was read. */
export function trackedReadable(chunks: readonly Buffer[]): { stream: Readable; pulled: () => number } {
  let next = 0;
  let pulledBytes = 0;
  const stream = new Readable({
    highWaterMark: 1,
    read() {
      const chunk = chunks[next++];
      if (chunk === undefined) {
        this.push(null);
        return;
      }
      pulledBytes += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, pulled: () => pulledBytes };
}

// ---------------------------------------------------------------------------
// Random CloudTrail-shaped JSON documents for the fuzz tests.

const STRING_PIECES = [
  'a', 'Z', '0', ' ', 'eventName', 'Records', '"', '\\', '/', '\\"', '"\\', '{', '}', '[', ']', ':', ',', '{"Records":[',
  '\n', '\t', '\r', '\u0001', '\u001f', 'é', '日本', '😀', '\u2028', '\u00a0', 'ü', '\ud83d\ude00x',
];

/** Longer than the splitter's byte-by-byte window, so its indexOf path runs too. */
const LONG_PIECES = ['L'.repeat(150), 'ab\\"/{'.repeat(40), `${'é日'.repeat(30)}${'x'.repeat(100)}`, '\\'.repeat(200)];

function randomString(random: () => number): string {
  let s = '';
  const n = int(random, 0, 8);
  for (let k = 0; k < n; k++) s += random() < 0.03 ? pick(random, LONG_PIECES) : pick(random, STRING_PIECES);
  return s;
}

function hex4(code: number): string {
  return code.toString(16).padStart(4, '0');
}

/** JSON-encodes a string choosing randomly among the valid spellings of each character. */
export function encodeString(random: () => number, s: string): string {
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const code = s.charCodeAt(k);
    const r = random();
    if (code >= 0xd800 && code <= 0xdbff && k + 1 < s.length) {
      // A surrogate pair is written whole: raw UTF-8, or both halves escaped.
      const low = s.charCodeAt(k + 1);
      out += r < 0.6 ? s.slice(k, k + 2) : `\\u${hex4(code)}\\u${hex4(low)}`;
      k++;
      continue;
    }
    const ch = s[k]!;
    if (ch === '"') out += r < 0.8 ? '\\"' : '\\u0022';
    else if (ch === '\\') out += r < 0.8 ? '\\\\' : '\\u005C';
    else if (ch === '/') out += r < 0.5 ? '\\/' : '/';
    else if (ch === '\n') out += r < 0.7 ? '\\n' : '\\u000a';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20) out += `\\u${hex4(code)}`;
    else if (code > 0x7e) out += r < 0.6 ? ch : `\\u${r < 0.8 ? hex4(code) : hex4(code).toUpperCase()}`;
    else out += r < 0.05 ? `\\u${hex4(code)}` : ch;
  }
  return `${out}"`;
}

const WHITESPACE = ['', '', '', ' ', '\n', '\t', '\r\n', '  ', ' \n\t '];

function ws(random: () => number): string {
  return pick(random, WHITESPACE);
}

const NUMBERS = ['0', '-1', '12345678901234', '3.25', '-0.5e-3', '1E+10', '6.02e23'];

function randomScalar(random: () => number): string {
  const r = random();
  if (r < 0.5) return encodeString(random, randomString(random));
  if (r < 0.75) return pick(random, NUMBERS);
  return pick(random, ['true', 'false', 'null']);
}

function randomValue(random: () => number, depth: number): string {
  const r = random();
  if (depth >= 4 || r < 0.55) return randomScalar(random);
  if (r < 0.8) return randomObject(random, depth + 1);
  const n = int(random, 0, 4);
  const items: string[] = [];
  for (let k = 0; k < n; k++) items.push(ws(random) + randomValue(random, depth + 1) + ws(random));
  return `[${items.join(',')}${n === 0 ? ws(random) : ''}]`;
}

function randomObject(random: () => number, depth: number): string {
  const n = int(random, 0, depth === 0 ? 6 : 4);
  const members: string[] = [];
  for (let k = 0; k < n; k++) {
    members.push(`${ws(random)}${encodeString(random, randomString(random) + k)}${ws(random)}:${ws(random)}${randomValue(random, depth)}${ws(random)}`);
  }
  return `{${members.join(',')}${n === 0 ? ws(random) : ''}}`;
}

/** A value for a top-level key other than Records: may itself hold a "Records" array deeper down. */
function decoyValue(random: () => number): string {
  if (random() < 0.3) return `{${ws(random)}"Records"${ws(random)}:${ws(random)}[${randomObject(random, 1)}]}`;
  if (random() < 0.3) return `[${randomObject(random, 1)},${ws(random)}[]]`;
  return randomValue(random, 1);
}

export interface FuzzDocument {
  readonly text: string;
  readonly bytes: Buffer;
  /** What JSON.parse says the records are. */
  readonly records: unknown[];
}

export function randomDocument(random: () => number): FuzzDocument {
  const records: string[] = [];
  const count = int(random, 0, 6);
  for (let k = 0; k < count; k++) records.push(ws(random) + randomObject(random, 0) + ws(random));
  const members: string[] = [];
  const before = int(random, 0, 2);
  const after = int(random, 0, 2);
  for (let k = 0; k < before; k++) members.push(`${ws(random)}"before${k}"${ws(random)}:${ws(random)}${decoyValue(random)}${ws(random)}`);
  const recordsKey = pick(random, ['"Records"', '"Records"', '"Records"', '"Rec\\u006frds"', '"\\u0052ecords"']);
  members.push(`${ws(random)}${recordsKey}${ws(random)}:${ws(random)}[${records.join(',')}${count === 0 ? ws(random) : ''}]${ws(random)}`);
  for (let k = 0; k < after; k++) members.push(`${ws(random)}"after${k}"${ws(random)}:${ws(random)}${decoyValue(random)}${ws(random)}`);
  const bom = random() < 0.1 ? '\ufeff' : '';
  const text = `${bom}${ws(random)}{${members.join(',')}}${ws(random)}`;
  const bytes = Buffer.from(text, 'utf8');
  const parsed = JSON.parse(bytes.toString('utf8').replace(/^\ufeff/, '')) as { Records: unknown[] };
  return { text, bytes, records: parsed.Records };
}

/**
 * The records of one object one by one (tests and the decode bench read them so); the product reads them in
 * batches, and this is that same function flattened, so the tests exercise what runs.
 */
export function decodeObject(source: ByteSource, limits: DecodeLimits): AsyncIterable<RawRecord> & { readonly stats: Readonly<DecodeStats> } {
  const batches = decodeObjectBatches(source, limits);
  return {
    stats: batches.stats,
    [Symbol.asyncIterator](): AsyncIterator<RawRecord> {
      const it = batches[Symbol.asyncIterator]();
      return (async function* flatten(): AsyncGenerator<RawRecord> {
        // for await hands an early exit (break, throw) on to the batches, which then destroy the source.
        for await (const batch of { [Symbol.asyncIterator]: () => it }) yield* batch;
      })();
    },
  };
}

import { CorruptObjectError } from '../../../src/decode/errors.js';
import { RecordSplitter, type RawRecord } from '../../../src/decode/record-splitter.js';
import { NonRetryableError } from '../../../src/errors.js';
import { chunksOf, deliveredCorpus, int, malformedCorpusFile, randomDocument, rng, splitAll } from './helpers.js';

function split(text: string | Buffer, chunkSize?: number, maxRecordBytes?: number) {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const chunks: Buffer[] = [];
  if (chunkSize === undefined) chunks.push(bytes);
  else for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(bytes.subarray(at, at + chunkSize));
  return splitAll(chunks, maxRecordBytes);
}

function parsedRecords(records: readonly RawRecord[]): unknown[] {
  return records.map((r) => JSON.parse(r.bytes.toString('utf8')) as unknown);
}

/** Checks ordinals, and that each record is exactly the bytes at its offset. */
function expectConsistent(records: readonly RawRecord[], whole: Buffer): void {
  // One expect per document: jest's expect is slow enough to dominate the fuzz tests.
  const wrong = records.filter((r, k) => r.ordinal !== k || !whole.subarray(r.offset, r.offset + r.bytes.length).equals(r.bytes));
  expect(wrong).toEqual([]);
}

function expectFailure(outcome: { error: unknown }, code: string, offset?: number): void {
  const error = outcome.error;
  expect(error).toBeInstanceOf(NonRetryableError);
  expect((error as NonRetryableError).code).toBe(code);
  if (offset !== undefined) expect((error as NonRetryableError).context.offset).toBe(offset);
}

describe('RecordSplitter on the delivered CloudTrail corpus', () => {
  const corpus = deliveredCorpus();

  it('has the corpus files', () => {
    expect(corpus.length).toBe(28);
  });

  it.each([
    ['one chunk', 0],
    ['1-byte chunks', 1],
    ['7-byte chunks', 7],
    ['random chunks up to 5000 bytes', 5000],
  ])('yields exactly the records JSON.parse sees (%s)', (_label, maxChunk) => {
    const random = rng(42);
    let total = 0;
    for (const file of corpus) {
      const expected = (JSON.parse(file.json.toString('utf8')) as { Records: unknown[] }).Records;
      const chunks = maxChunk === 0 ? [file.json] : chunksOf(file.json, random, maxChunk);
      const { records, error } = splitAll(chunks);
      expect(error).toBeUndefined();
      expect(parsedRecords(records)).toEqual(expected);
      expectConsistent(records, file.json);
      total += records.length;
    }
    expect(total).toBe(1233);
  }, 30_000);

  it('returns zero-copy views for records inside one chunk and copies for records that span chunks', () => {
    const file = corpus.find((f) => f.json.length > 100_000)!;
    const whole = splitAll([file.json]);
    expect(whole.records.every((r) => r.bytes.buffer === file.json.buffer)).toBe(true);
    const chunks = chunksOf(file.json, rng(1), 3000, true);
    const spanning = splitAll(chunks).records.filter((r) => !chunks.some((c) => c.buffer === r.bytes.buffer));
    expect(spanning.length).toBeGreaterThan(0);
  });
});

describe('RecordSplitter fuzzed against JSON.parse', () => {
  it('splits 3000 random documents at random chunk boundaries exactly as JSON.parse reads them', () => {
    let cases = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const random = rng(seed);
      const doc = randomDocument(random);
      const strategy = seed % 5;
      const chunks = strategy === 0 ? [doc.bytes] : chunksOf(doc.bytes, random, [0, 1, 3, 300, 2000][strategy]!);
      const { records, error } = splitAll(chunks);
      if (error !== undefined || records.length !== doc.records.length) {
        throw new Error(`seed ${seed}: ${String(error)}\n${doc.text}`);
      }
      // Compared as JSON text: same key order on both sides, and much faster than toEqual.
      expect(JSON.stringify(parsedRecords(records))).toBe(JSON.stringify(doc.records));
      expectConsistent(records, doc.bytes);
      cases++;
    }
    expect(cases).toBe(3000);
  }, 30_000);

  it('reports every truncation as `truncated`, after emitting only the records that were complete', () => {
    for (let seed = 1; seed <= 1000; seed++) {
      const random = rng(seed * 7919);
      const doc = randomDocument(random);
      const end = doc.bytes.lastIndexOf('}') + 1;
      const cut = int(random, 0, end - 1);
      const truncated = doc.bytes.subarray(0, cut);
      const { records, error } = splitAll(chunksOf(truncated, random, seed % 2 === 0 ? 1 : 64));
      expectFailure({ error }, 'truncated', cut);
      expect(parsedRecords(records)).toEqual(doc.records.slice(0, records.length));
      expectConsistent(records, doc.bytes);
    }
  }, 30_000);

  it('never fails with anything but a classified error on randomly damaged documents', () => {
    const damage = ['{', '}', '[', ']', '"', ':', ',', '\\', ' ', 'x', '1', '\u00e9'];
    for (let seed = 1; seed <= 1500; seed++) {
      const random = rng(seed * 104729);
      const doc = randomDocument(random);
      const text = Buffer.from(doc.bytes);
      const at = int(random, 0, text.length - 1);
      const damaged = Buffer.concat([text.subarray(0, at), Buffer.from(damage[seed % damage.length]!), text.subarray(at + 1)]);
      const { records, error } = splitAll(chunksOf(damaged, random, 16));
      if (error !== undefined) {
        expect(error).toBeInstanceOf(CorruptObjectError);
        expect(typeof (error as CorruptObjectError).context.offset).toBe('number');
      }
      expectConsistent(records, damaged);
      let reparsed: { Records?: unknown } | undefined;
      try {
        reparsed = JSON.parse(damaged.toString('utf8').replace(/^\ufeff/, '')) as { Records?: unknown };
      } catch {
        reparsed = undefined;
      }
      // Whenever the damaged text is still a valid CloudTrail file, the splitter must agree.
      const stillValid =
        reparsed !== undefined &&
        Array.isArray(reparsed.Records) &&
        reparsed.Records.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r));
      if (stillValid) {
        expect(error).toBeUndefined();
        expect(parsedRecords(records)).toEqual(reparsed!.Records);
      }
    }
  }, 30_000);
});

describe('RecordSplitter document shape', () => {
  it.each([
    ['{"Records":[]}', 0],
    ['{"Records":[{}]}', 1],
    ['\ufeff{"Records":[{"a":1}]}', 1],
    [' \r\n\t{ "Records" : [ { } , {"a":[1,{"b":"}"}]} ] } \n', 2],
    ['{"x":{"Records":[{"decoy":1}]},"Records":[{"real":1}],"y":[{"z":[]}]}', 1],
    ['{"Rec\\u006frds":[{"a":"b"}]}', 1],
  ])('accepts %j', (text, count) => {
    for (const chunkSize of [undefined, 1]) {
      const { records, error } = split(text, chunkSize);
      expect(error).toBeUndefined();
      expect(records).toHaveLength(count);
      expect(parsedRecords(records)).toEqual((JSON.parse(text.replace(/^\ufeff/, '')) as { Records: unknown[] }).Records);
    }
  });

  it('gives offsets in bytes (after a BOM and multi-byte characters)', () => {
    const text = '\ufeff{"é":"日本","Records":[{"a":"😀"},{"b":1}]}';
    const bytes = Buffer.from(text);
    const { records } = split(bytes, 1);
    expect(records.map((r) => r.offset)).toEqual([bytes.indexOf('{"a"'), bytes.indexOf('{"b"')]);
  });

  it.each([
    ['', 'truncated', 0],
    ['   \n', 'truncated', 4],
    ['\ufeff', 'truncated', 3],
    ['{', 'truncated', 1],
    ['{"Records":[{"a":"b"}', 'truncated', 21],
    ['{"Records":[{"a":"b\\', 'truncated', 20],
    ['{}', 'not-cloudtrail', 1],
    ['[]', 'not-cloudtrail', 0],
    ['"Records"', 'not-cloudtrail', 0],
    ['{"Records":{}}', 'not-cloudtrail', 11],
    ['{"Records":null}', 'not-cloudtrail', 11],
    ['{"Records":[{}],"Records":[]}', 'not-cloudtrail', 24],
    ['{"records":[{}]}', 'not-cloudtrail', 15],
    ['{"Records":[]} x', 'corrupt-json', 15],
    ['{"Records":[]}{"Records":[]}', 'corrupt-json', 14],
    ['{"Records":[]}}', 'corrupt-json', 14],
    ['{"Records":[{}}]}', 'corrupt-json', 14],
    ['{"Records":[{"a":[}]}', 'corrupt-json', 18],
    ['{"Records":[{"a" "b"}]}', 'corrupt-json', 17],
    ['{"Records":[{"a":1,}]}', 'corrupt-json', 19],
    ['{"Records":[{},]}', 'corrupt-json', 15],
    ['{"Records":[{}{}]}', 'corrupt-json', 14],
    ['{"Records":[{a:1}]}', 'corrupt-json', 13],
    ['\ufeff\ufeff{}', 'corrupt-json', 3],
    [Buffer.from([0xef, 0x7b, 0x7d]), 'corrupt-json', 1],
    [Buffer.from([0xef, 0xbb, 0x7b, 0x7d]), 'corrupt-json', 2],
  ])('rejects %p as %s at byte %d', (text, code, offset) => {
    for (const chunkSize of [undefined, 1, 3]) expectFailure(split(text, chunkSize), code, offset);
  });

  it('keeps the records before a corrupt point', () => {
    const outcome = split('{"Records":[{"a":1},{"b":2}}, {"c":3}]}', 5);
    expectFailure(outcome, 'corrupt-json', 27);
    expect(parsedRecords(outcome.records)).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('does not validate scalars inside records (the caller parses each record)', () => {
    const { records, error } = split('{"Records":[{"a":tru},{"b":1}]}');
    expect(error).toBeUndefined();
    expect(records.map((r) => r.bytes.toString())).toEqual(['{"a":tru}', '{"b":1}']);
  });

  it('rejects the malformed corpus file (a top-level array) at byte 0', () => {
    expectFailure(split(malformedCorpusFile()), 'not-cloudtrail', 0);
  });

  it('splits the malformed corpus records up to the stray brace when wrapped as a CloudTrail file', () => {
    const wrapped = Buffer.concat([Buffer.from('{"Records":'), malformedCorpusFile(), Buffer.from('}')]);
    const outcome = split(wrapped, 4096);
    const stray = wrapped.indexOf('}}},') + 1;
    expectFailure(outcome, 'corrupt-json', stray);
    expect(outcome.records).toHaveLength(2);
    expect(outcome.records[1]!.offset + outcome.records[1]!.bytes.length).toBe(stray);
  });
});

describe('RecordSplitter: an element that cannot be a record costs only itself', () => {
  const LIMIT = 1000;
  const huge = (n: number, filler = 'x'): string => JSON.stringify({ eventID: `huge-${n}`, eventTime: '2026-11-23T10:00:00Z', eventName: 'Big', pad: filler.repeat(3000) });
  /** Strings full of braces, brackets and escaped quotes: the scanner must not lose its place inside them. */
  const hostileString = '}{]["\\"\\\\\\"}}}]]';
  const hostileHuge = JSON.stringify({ eventName: 'Hostile', requestParameters: { s: hostileString.repeat(300) }, eventID: 'hostile-id' });

  /** Runs the splitter over `elements` as a Records array at every given chunk size, with the limit above. */
  function run(elements: readonly string[], chunkSize: number | undefined, options: { prefix?: number; separator?: string } = {}) {
    const text = `{"Records":[${elements.join(options.separator ?? ',')}]}`;
    const bytes = Buffer.from(text);
    const splitter = new RecordSplitter({ maxRecordBytes: LIMIT, ...(options.prefix === undefined ? {} : { rejectedPrefixBytes: options.prefix }) });
    const out: RawRecord[] = [];
    const size = chunkSize ?? bytes.length;
    for (let at = 0; at < bytes.length; at += size) splitter.push(bytes.subarray(at, at + size), out);
    splitter.end();
    return { out, bytes };
  }

  /** What each element must become: parsed object, or the rejection code. */
  function expected(elements: readonly string[]): unknown[] {
    return elements.map((e) => {
      const v = JSON.parse(e) as unknown;
      if (Buffer.byteLength(e) > LIMIT) return 'record-too-large';
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : 'record-not-object';
    });
  }

  function actual(out: readonly RawRecord[]): unknown[] {
    return out.map((r) => (r.rejected ? r.rejected.code : (JSON.parse(r.bytes.toString()) as unknown)));
  }

  const small = (n: number): string => JSON.stringify({ eventID: `e-${n}`, s: hostileString });

  it.each([
    ['at the start', [huge(1), small(1), small(2)]],
    ['in the middle', [small(1), huge(1), small(2)]],
    ['at the end', [small(1), small(2), huge(1)]],
    ['alone', [huge(1)]],
    ['several, back to back and apart', [huge(1), huge(2), small(1), huge(3), small(2), hostileHuge, small(3)]],
    ['with braces and escaped quotes in its strings', [small(1), hostileHuge, small(2)]],
    ['non-object elements', ['1', small(1), '-2.5e3', '"a string }{ with \\" braces"', 'null', 'true', 'false', '[]', '[{"a":"}"},[1,2]]', small(2)]],
    ['a huge array and a huge string', [JSON.stringify([huge(1)]), small(1), JSON.stringify(hostileString.repeat(200)), small(2)]],
  ])('%s: every other record comes out, in order, at every chunk size', (_label, elements) => {
    for (const chunkSize of [undefined, 1, 7, 100, 999, 1001, 4096]) {
      const { out, bytes } = run(elements, chunkSize);
      expect(actual(out)).toEqual(expected(elements));
      expect(out.map((r) => r.ordinal)).toEqual(elements.map((_, k) => k));
      // Offsets point at each element, and every kept byte is the element's own first bytes.
      const offsets: number[] = [];
      let at = '{"Records":['.length;
      for (const e of elements) {
        offsets.push(at);
        at += Buffer.byteLength(e) + 1;
      }
      expect(out.map((r) => r.offset)).toEqual(offsets);
      for (const r of out) expect(bytes.subarray(r.offset, r.offset + r.bytes.length).equals(r.bytes)).toBe(true);
    }
  });

  it('keeps a bounded prefix and tail of a huge record, with its size and a message naming the limit', () => {
    const record = huge(7);
    const { out } = run([small(1), record, small(2)], 64, { prefix: 100 });
    const rejected = out[1]!;
    expect(rejected.rejected?.code).toBe('record-too-large');
    expect(rejected.rejected?.size).toBe(Buffer.byteLength(record));
    expect(rejected.bytes.toString()).toBe(record.slice(0, 100));
    expect(rejected.rejected?.tail.toString()).toBe(record.slice(-Math.min(record.length, 4096)));
    expect(rejected.rejected?.message).toContain(`record 1 at byte ${'{"Records":['.length + small(1).length + 1} is ${Buffer.byteLength(record)} bytes, larger than the limit of 1000 (TRAILSTREAM_MAX_RECORD_BYTES)`);
    expect(rejected.rejected?.message).toMatch(/record 1 at byte \d+ is \d+ bytes, larger than the limit of 1000 \(TRAILSTREAM_MAX_RECORD_BYTES\)/);
  });

  it('describes a non-object element and keeps it whole (without surrounding whitespace) when small', () => {
    const { out } = run([small(1), '[1, 2]', '"x"', '42', 'null'], 3, { separator: ' \n, ' });
    expect(out.slice(1).map((r) => [r.bytes.toString(), r.rejected?.code, r.rejected?.message.replace(/ at byte \d+/, '')])).toEqual([
      ['[1, 2]', 'record-not-object', 'element 1 of "Records" is an array, not an object'],
      ['"x"', 'record-not-object', 'element 2 of "Records" is a string, not an object'],
      ['42', 'record-not-object', 'element 3 of "Records" is a number, not an object'],
      ['null', 'record-not-object', 'element 4 of "Records" is null, not an object'],
    ]);
    expect(out[4]!.rejected?.size).toBe(4);
  });

  it('accepts a record of exactly the limit and rejects one byte more', () => {
    const exact = JSON.stringify({ pad: 'x'.repeat(LIMIT - 10) });
    expect(Buffer.byteLength(exact)).toBe(LIMIT);
    const over = JSON.stringify({ pad: 'x'.repeat(LIMIT - 9) });
    const { out } = run([exact, over], 10);
    expect(out.map((r) => r.rejected?.code)).toEqual([undefined, 'record-too-large']);
  });

  it('never holds more than the limit (plus one chunk) of a record, however long it is', () => {
    const splitter = new RecordSplitter({ maxRecordBytes: LIMIT, rejectedPrefixBytes: 50 });
    const out: RawRecord[] = [];
    splitter.push(Buffer.from('{"Records":[{"a":"'), out);
    const filler = Buffer.alloc(1000, 'y');
    // 10 MB of one string, 1000 bytes at a time: nothing is buffered past the limit.
    for (let k = 0; k < 10_000; k++) splitter.push(filler, out);
    const held = splitter as unknown as { pieces: Buffer[]; head: Buffer; tail: Buffer };
    expect(held.pieces).toEqual([]);
    expect(held.head.length).toBe(50);
    expect(held.tail.length).toBeLessThanOrEqual(4096);
    splitter.push(Buffer.from('"},{"b":2}]}'), out);
    splitter.end();
    expect(out.map((r) => r.rejected?.code ?? r.bytes.toString())).toEqual(['record-too-large', '{"b":2}']);
    expect(out[0]!.rejected?.size).toBe('{"a":"'.length + 10_000_000 + 2);
  });

  it('still fails a file that is cut inside a huge record', () => {
    const text = `{"Records":[{"a":1},${huge(1)}`;
    const outcome = split(text.slice(0, -10), 100, LIMIT);
    expectFailure(outcome, 'truncated');
    expect(outcome.records.map((r) => r.rejected)).toEqual([undefined]);
  });

  it('fuzzed: random records, huge records and non-object elements at random chunk boundaries', () => {
    const hostile = ['1', '"}"', '"\\"{"', 'null', '[{"a":"]"}]', 'true', '-0.5'];
    for (let seed = 1; seed <= 300; seed++) {
      const random = rng(seed * 31);
      const doc = randomDocument(random);
      const elements: string[] = [];
      for (const r of doc.records) {
        if (random() < 0.2) elements.push(hostile[int(random, 0, hostile.length - 1)]!);
        if (random() < 0.1) elements.push(huge(seed, random() < 0.5 ? '}' : '\\"'));
        elements.push(JSON.stringify(r));
      }
      const { out } = run(elements, int(random, 1, 700));
      expect(actual(out)).toEqual(expected(elements));
    }
  }, 30_000);
});

import { CorruptObjectError, DecodeLimitError } from './errors.js';

/**
 * One element of the top-level `Records` array, as the bytes CloudTrail wrote.
 */
export interface RawRecord {
  /** 0-based position in the `Records` array. */
  readonly ordinal: number;
  /** Offset of the record's opening `{` in the decompressed stream (a BOM counts). */
  readonly offset: number;
  /**
   * The record's exact original bytes. Usually a view into the decompressed chunk
   * it came from (zero-copy), so it must not be mutated, and it keeps that whole
   * chunk (up to 256 KiB) alive: copy it if it is to be held for long on its own.
   */
  readonly bytes: Buffer;
}

export interface RecordSplitterOptions {
  /** A record longer than this fails the whole object with `record-too-large`. */
  readonly maxRecordBytes: number;
}

/*
 * Why a hand-written scanner instead of a streaming JSON library or JSON.parse of
 * the whole file:
 * - JSON.parse of the whole file needs the whole file (and its object graph) in
 *   memory; files reach hundreds of MB uncompressed.
 * - General streaming JSON parsers build values token by token in JS and run
 *   several times slower than JSON.parse, which would make them the bottleneck.
 * - We want each record's original bytes anyway (for offsets, for dead-lettering
 *   a single bad record verbatim, and to JSON.parse each record with the fast
 *   native parser).
 * So this only tracks enough structure to find where each record starts and
 * ends: strings (and their escapes), nesting, and the order of `:` `,` and
 * values. Numbers and literals are skipped, not validated; the caller's
 * JSON.parse of each record catches those, one record at a time.
 */

// Enums rather than module-level `const`s: V8 does not fold either into
// literals (isolatedModules keeps tsc from inlining const enums), but enum
// property loads measured faster than module constants in the scan loop.
const enum Byte {
  Quote = 0x22,
  Backslash = 0x5c,
  LBrace = 0x7b,
  RBrace = 0x7d,
  LBracket = 0x5b,
  RBracket = 0x5d,
  Comma = 0x2c,
  Colon = 0x3a,
  Space = 0x20,
  Tab = 0x09,
  Lf = 0x0a,
  Cr = 0x0d,
}

/** What the previous chunk ended inside of. */
const enum Mode {
  Struct,
  String,
  /** A backslash was the last byte; the next byte is escaped. */
  Escape,
  /** A number or literal. */
  Scalar,
}

/** What may come next between tokens. */
const enum Expect {
  Start,
  Bom1,
  Bom2,
  Top,
  KeyOrEnd,
  Key,
  Colon,
  Value,
  ValueOrEnd,
  CommaOrEnd,
  Eof,
}

/** Container kinds on the depth stack. */
const enum Container {
  Object = 1,
  Array = 2,
}

/** Progress through the top-level `Records` member. */
const enum Records {
  None,
  /** The key `Records` was just read at depth 1; its value comes next. */
  Pending,
  /** Inside the `Records` array; each element is a record. */
  In,
  Done,
}

// Depth numbering: the top-level object is depth 1, the Records array depth 2,
// so a record is the object that opens at depth 3 and closes back to depth 2.
const RECORDS_ARRAY_DEPTH = 2;

/** Bytes that can continue a number or literal; anything else ends it. */
const SCALAR_BYTE = new Uint8Array(256);
/** Bytes that can start a number or literal. */
const SCALAR_START = new Uint8Array(256);
for (const ch of '0123456789+-.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ') SCALAR_BYTE[ch.charCodeAt(0)] = 1;
for (const ch of '-0123456789tfn') SCALAR_START[ch.charCodeAt(0)] = 1;

/**
 * String bytes checked one by one before the rest of a string is searched
 * with indexOf (memchr). Most CloudTrail strings are shorter than this, and for
 * those the call overhead of indexOf costs more than the loop.
 */
const LONG_STRING = 128;

const RECORDS_KEY = Buffer.from('Records');
/** Longest spelling of "Records" as a JSON string body (all `\uXXXX` escapes). */
const MAX_RECORDS_KEY_BYTES = 6 * RECORDS_KEY.length;

/**
 * Splits a decompressed CloudTrail log file (`{"Records":[...]}`) into its
 * records as they stream in, without holding more than the current record.
 *
 * Feed chunks with {@link push} and call {@link end} after the last one. Both
 * throw a {@link CorruptObjectError} or {@link DecodeLimitError} (with the byte
 * offset in `context.offset`) when the file cannot be split; records found
 * before that point have already been appended to `out` and are valid.
 * After a failure every further call rethrows the same error.
 *
 * Chunks must not be modified after being pushed: records are views into them.
 */
export class RecordSplitter {
  private readonly maxRecordBytes: number;

  /** Stream offset of the current chunk's first byte (= bytes consumed before it). */
  private base = 0;
  private mode = Mode.Struct;
  private expect = Expect.Start;
  private depth = 0;
  private stack = new Uint8Array(64);
  private stringIsKey = false;
  private records = Records.None;
  private ordinal = 0;
  private failure: Error | undefined;

  // The record being collected, when it spans chunks.
  private inRecord = false;
  private recordOffset = 0;
  private pieces: Buffer[] = [];
  private piecesLength = 0;

  // Keys of the top-level object are collected to spot "Records"; nothing else is.
  private keyParts: Buffer[] = [];
  private keyLength = 0;
  private keyStart = 0;

  // Positions of the next quote / backslash in the current chunk, found by
  // indexOf for long strings and reused until passed, so that a long string
  // with many escapes is still searched only once.
  private nextQuote = -1;
  private nextBackslash = -1;

  constructor(options: RecordSplitterOptions) {
    if (!(options.maxRecordBytes > 0)) throw new RangeError('maxRecordBytes must be a positive number');
    this.maxRecordBytes = options.maxRecordBytes;
  }

  /** Records emitted so far. */
  get recordCount(): number {
    return this.ordinal;
  }

  /** Decompressed bytes consumed so far. */
  get bytesScanned(): number {
    return this.base;
  }

  /**
   * Scans `chunk` and appends every record that completes in it to `out`.
   */
  push(chunk: Buffer, out: RawRecord[]): void {
    if (this.failure !== undefined) throw this.failure;
    try {
      this.scan(chunk, out);
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
  }

  /** Declares the end of the stream; throws if the document is incomplete. */
  end(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.mode === Mode.Struct && this.expect === Expect.Eof) return;
    let reason: string;
    if (this.base === 0) reason = 'the object is empty';
    else if (this.expect <= Expect.Top && this.mode === Mode.Struct) reason = 'the object holds no JSON value';
    else reason = this.inRecord ? 'the stream ended inside a record' : 'the stream ended before the top-level object was closed';
    this.failure = new CorruptObjectError('truncated', `Truncated CloudTrail file: ${reason} (at byte ${this.base})`, {
      offset: this.base,
      recordsEmitted: this.ordinal,
      recordOffset: this.inRecord ? this.recordOffset : undefined,
    });
    throw this.failure;
  }

  private scan(chunk: Buffer, out: RawRecord[]): void {
    const n = chunk.length;
    const max = this.maxRecordBytes;
    let i = 0;
    let expect = this.expect;
    let depth = this.depth;
    let stack = this.stack;
    // Where the current record's bytes start in this chunk (0 when it began earlier).
    let recordStart = 0;
    this.nextQuote = -1;
    this.nextBackslash = -1;

    // Finish the token the previous chunk ended in.
    const resume = this.mode;
    this.mode = Mode.Struct;
    if (resume === Mode.Scalar) {
      while (i < n && SCALAR_BYTE[chunk[i]!] === 1) i++;
      if (i === n) this.mode = Mode.Scalar;
      else expect = Expect.CommaOrEnd;
    } else if (resume !== Mode.Struct) {
      const q = this.stringEnd(chunk, resume === Mode.Escape ? 1 : 0, n);
      if (q < 0) {
        i = n;
      } else {
        i = q + 1;
        if (this.stringIsKey) {
          if (depth === 1) this.topLevelKeyEnded(chunk, q);
          expect = Expect.Colon;
        } else {
          expect = Expect.CommaOrEnd;
        }
      }
    }

    // A UTF-8 byte order mark is tolerated at the very start only.
    while (expect <= Expect.Bom2 && i < n) {
      const c = chunk[i]!;
      if (expect === Expect.Start && c === 0xef) expect = Expect.Bom1;
      else if (expect === Expect.Bom1 && c === 0xbb) expect = Expect.Bom2;
      else if (expect === Expect.Bom2 && c === 0xbf) expect = Expect.Top;
      else if (expect === Expect.Start) {
        expect = Expect.Top;
        break;
      } else this.fail(expect, c, i, depth);
      i++;
    }

    // Tests are ordered by how often each byte occurs in CloudTrail files.
    while (i < n) {
      const c = chunk[i]!;

      if (c === Byte.Quote) {
        let isKey: boolean;
        if (expect === Expect.Key || expect === Expect.KeyOrEnd) {
          isKey = true;
          if (depth === 1) this.keyStart = i + 1;
        } else if (expect === Expect.Value || expect === Expect.ValueOrEnd) {
          isKey = false;
          if (depth <= RECORDS_ARRAY_DEPTH) this.checkShallowValue(c, depth, i);
        } else {
          this.fail(expect, c, i, depth);
        }
        this.stringIsKey = isKey;
        const q = this.stringEnd(chunk, i + 1, n);
        if (q < 0) {
          i = n;
          break;
        }
        i = q + 1;
        if (isKey) {
          if (depth === 1) this.topLevelKeyEnded(chunk, q);
          expect = Expect.Colon;
        } else {
          expect = Expect.CommaOrEnd;
        }
        continue;
      }

      if (c === Byte.Colon) {
        if (expect !== Expect.Colon) this.fail(expect, c, i, depth);
        expect = Expect.Value;
        i++;
        continue;
      }

      if (c === Byte.Comma) {
        if (expect !== Expect.CommaOrEnd) this.fail(expect, c, i, depth);
        expect = stack[depth] === Container.Object ? Expect.Key : Expect.Value;
        i++;
        continue;
      }

      if (c === Byte.RBrace || c === Byte.RBracket) {
        const kind = c === Byte.RBrace ? Container.Object : Container.Array;
        if (
          !(expect === Expect.CommaOrEnd || (kind === Container.Object ? expect === Expect.KeyOrEnd : expect === Expect.ValueOrEnd)) ||
          stack[depth] !== kind
        ) {
          this.fail(expect, c, i, depth);
        }
        depth--;
        i++;
        expect = Expect.CommaOrEnd;
        if (depth <= RECORDS_ARRAY_DEPTH) {
          if (this.inRecord && depth === RECORDS_ARRAY_DEPTH) {
            const size = this.piecesLength + i - recordStart;
            if (size > max) this.tooLarge(size);
            let bytes: Buffer;
            if (this.pieces.length === 0) {
              bytes = chunk.subarray(recordStart, i);
            } else {
              this.pieces.push(chunk.subarray(0, i));
              bytes = Buffer.concat(this.pieces, size);
              this.pieces = [];
              this.piecesLength = 0;
            }
            out.push({ ordinal: this.ordinal++, offset: this.recordOffset, bytes });
            this.inRecord = false;
          } else if (depth === 1 && this.records === Records.In) {
            this.records = Records.Done;
          } else if (depth === 0) {
            if (this.records !== Records.Done) {
              this.notCloudTrail('the top-level object has no "Records" array', i - 1);
            }
            expect = Expect.Eof;
          }
        }
        continue;
      }

      if (c === Byte.LBrace || c === Byte.LBracket) {
        if (!(expect === Expect.Value || expect === Expect.ValueOrEnd || expect === Expect.Top)) this.fail(expect, c, i, depth);
        if (depth <= RECORDS_ARRAY_DEPTH) {
          if (expect === Expect.Top && c !== Byte.LBrace) this.fail(expect, c, i, depth);
          if (this.checkShallowValue(c, depth, i)) {
            this.inRecord = true;
            this.recordOffset = this.base + i;
            recordStart = i;
          }
        }
        depth++;
        if (depth === stack.length) {
          const grown = new Uint8Array(stack.length * 2);
          grown.set(stack);
          stack = this.stack = grown;
        }
        if (c === Byte.LBrace) {
          stack[depth] = Container.Object;
          expect = Expect.KeyOrEnd;
        } else {
          stack[depth] = Container.Array;
          expect = Expect.ValueOrEnd;
        }
        i++;
        continue;
      }

      if (c === Byte.Space || c === Byte.Lf || c === Byte.Cr || c === Byte.Tab) {
        i++;
        continue;
      }

      if (SCALAR_START[c] === 1 && (expect === Expect.Value || expect === Expect.ValueOrEnd)) {
        if (depth <= RECORDS_ARRAY_DEPTH) this.checkShallowValue(c, depth, i);
        i++;
        while (i < n && SCALAR_BYTE[chunk[i]!] === 1) i++;
        if (i === n) {
          this.mode = Mode.Scalar;
          break;
        }
        expect = Expect.CommaOrEnd;
        continue;
      }

      this.fail(expect, c, i, depth);
    }

    if (this.inRecord) {
      const tail = n - recordStart;
      if (this.piecesLength + tail > max) this.tooLarge(this.piecesLength + tail);
      this.pieces.push(chunk.subarray(recordStart));
      this.piecesLength += tail;
    }
    // (Widened: TS cannot see that stringEnd() sets mode.)
    const ended = this.mode as Mode;
    if (depth === 1 && this.stringIsKey && (ended === Mode.String || ended === Mode.Escape)) {
      this.collectKeyPart(chunk.subarray(this.keyStart));
      this.keyStart = 0;
    }

    this.base += n;
    this.expect = expect;
    this.depth = depth;
  }

  /**
   * Finds the quote that closes the string whose body continues at `i`.
   * Returns its index, or -1 when the chunk ends first (then `mode` says
   * whether it ended inside the string or right after a backslash).
   */
  private stringEnd(chunk: Buffer, i: number, n: number): number {
    for (;;) {
      const stop = i + LONG_STRING < n ? i + LONG_STRING : n;
      // The hottest loop (84% of CloudTrail bytes are in strings): literals,
      // because V8 does not fold enum or module constants here (~10% slower).
      while (i < stop) {
        const c = chunk[i]!;
        if (c === 0x22 /* " */) return i;
        // Skip the escaped byte whatever it is: a `\uXXXX` tail never holds
        // `"` or `\` in valid JSON, and a bad escape fails the record's JSON.parse.
        i += c === 0x5c /* \ */ ? 2 : 1;
      }
      if (i >= n) {
        this.mode = i > n ? Mode.Escape : Mode.String;
        return -1;
      }
      if (this.nextQuote < i) {
        const q = chunk.indexOf(Byte.Quote, i);
        this.nextQuote = q < 0 ? n : q;
      }
      if (this.nextBackslash < i) {
        const b = chunk.indexOf(Byte.Backslash, i);
        this.nextBackslash = b < 0 ? n : b;
      }
      // Equal only when neither occurs again in this chunk.
      if (this.nextQuote <= this.nextBackslash) {
        if (this.nextQuote < n) return this.nextQuote;
        this.mode = Mode.String;
        return -1;
      }
      i = this.nextBackslash + 2;
    }
  }

  /**
   * Applies the CloudTrail shape to a value starting at depth <= 2, where it
   * matters: the value of `Records` must be an array and its elements objects.
   * Returns true when the value is a record.
   */
  private checkShallowValue(c: number, depth: number, i: number): boolean {
    if (depth === 1 && this.records === Records.Pending) {
      if (c !== Byte.LBracket) this.notCloudTrail('the "Records" member is not an array', i);
      this.records = Records.In;
      return false;
    }
    if (depth === RECORDS_ARRAY_DEPTH && this.records === Records.In) {
      if (c !== Byte.LBrace) this.notCloudTrail(`element ${this.ordinal} of "Records" is not an object`, i);
      return true;
    }
    return false;
  }

  private collectKeyPart(part: Buffer): void {
    // Copied (they are tiny) so a key does not pin a whole chunk.
    if (this.keyLength + part.length <= MAX_RECORDS_KEY_BYTES) this.keyParts.push(Buffer.from(part));
    this.keyLength += part.length;
  }

  private topLevelKeyEnded(chunk: Buffer, quoteIndex: number): void {
    this.collectKeyPart(chunk.subarray(this.keyStart, quoteIndex));
    const length = this.keyLength;
    const key = this.keyParts.length === 1 ? this.keyParts[0]! : Buffer.concat(this.keyParts);
    this.keyParts = [];
    this.keyLength = 0;
    if (length > MAX_RECORDS_KEY_BYTES) return;
    let isRecords = key.equals(RECORDS_KEY);
    if (!isRecords && key.includes(Byte.Backslash)) {
      // JSON.parse would read `"Rec\u006frds"` as Records, so must we.
      try {
        isRecords = JSON.parse(`"${key.toString('utf8')}"`) === 'Records';
      } catch {
        isRecords = false;
      }
    }
    if (!isRecords) return;
    if (this.records !== Records.None) this.notCloudTrail('the top-level object has more than one "Records" member', quoteIndex);
    this.records = Records.Pending;
  }

  private tooLarge(size: number): never {
    throw new DecodeLimitError(
      'record-too-large',
      `Record ${this.ordinal} at byte ${this.recordOffset} is larger than maxRecordBytes (${this.maxRecordBytes})`,
      { offset: this.recordOffset, ordinal: this.ordinal, limit: this.maxRecordBytes, bytesSeen: size },
    );
  }

  private notCloudTrail(reason: string, i: number): never {
    const offset = this.base + i;
    throw new CorruptObjectError('not-cloudtrail', `Not a CloudTrail log file: ${reason} (at byte ${offset})`, {
      offset,
      reason,
    });
  }

  private fail(expect: number, c: number, i: number, depth: number): never {
    const offset = this.base + i;
    if (expect === Expect.Top || expect === Expect.Start) {
      if (c === Byte.LBracket || c === Byte.Quote || SCALAR_START[c] === 1) {
        this.notCloudTrail('the top level is not an object', i);
      }
    }
    const shown = c >= 0x21 && c <= 0x7e ? `'${String.fromCharCode(c)}'` : `0x${c.toString(16).padStart(2, '0')}`;
    const reason = expect === Expect.Eof ? `trailing data ${shown} after the top-level object` : `unexpected ${shown} (expected ${EXPECTED[expect]})`;
    throw new CorruptObjectError('corrupt-json', `Corrupt JSON at byte ${offset}: ${reason}`, {
      offset,
      reason,
      depth,
      recordsEmitted: this.ordinal,
    });
  }
}

const EXPECTED: readonly string[] = [
  'a JSON object',
  'the rest of a byte order mark',
  'the rest of a byte order mark',
  'a JSON object',
  'a key or }',
  'a key',
  ':',
  'a value',
  'a value or ]',
  ', or a closing bracket',
  'the end of the data',
];

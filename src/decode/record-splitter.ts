import { CorruptObjectError } from './errors.js';

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
   * For a {@link RawRecord.rejected rejected} element: a copy of its first bytes only.
   */
  readonly bytes: Buffer;
  /** Set when the element cannot be a record; the caller dead-letters it alone and goes on. */
  readonly rejected?: RejectedElement;
}

/**
 * Why an element of `Records` was skipped instead of emitted: it is larger
 * than `maxRecordBytes` (only its first and last bytes were kept while the
 * scanner went through it), or it is valid JSON but not an object.
 */
export interface RejectedElement {
  readonly code: 'record-too-large' | 'record-not-object';
  readonly message: string;
  /** The element's full size in bytes. */
  readonly size: number;
  /** A copy of its last bytes (at most {@link REJECTED_TAIL_BYTES}): CloudTrail writes eventID after the large members. */
  readonly tail: Buffer;
}

export interface RecordSplitterOptions {
  /** A record longer than this is skipped and reported as rejected (`record-too-large`), never buffered whole. */
  readonly maxRecordBytes: number;
  /** How much of the start of a rejected element is kept (default {@link REJECTED_PREFIX_BYTES}, never more than maxRecordBytes). */
  readonly rejectedPrefixBytes?: number;
}

/** Default bytes kept of the start of a rejected element. */
export const REJECTED_PREFIX_BYTES = 64 * 1024;
/** Bytes kept of the end of a rejected element. */
export const REJECTED_TAIL_BYTES = 4 * 1024;

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
 * An element of `Records` that cannot be a record costs only itself: one over
 * `maxRecordBytes` is scanned to its end without being held (only a bounded
 * copy of its first and last bytes is kept), and one that is valid JSON but not
 * an object (a number, string, array, null…) is skipped too. Both come out in
 * order as a {@link RawRecord} with `rejected` set, and the records after them
 * are split as usual.
 *
 * Feed chunks with {@link push} and call {@link end} after the last one. Both
 * throw a {@link CorruptObjectError} (with the byte
 * offset in `context.offset`) when the file cannot be split; records found
 * before that point have already been appended to `out` and are valid.
 * After a failure every further call rethrows the same error.
 *
 * Chunks must not be modified after being pushed: records are views into them.
 */
export class RecordSplitter {
  private readonly maxRecordBytes: number;
  private readonly prefixBytes: number;

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
  /** The element being collected is an object (a record candidate), not another JSON value. */
  private elementIsObject = true;
  /** The element outgrew maxRecordBytes: it is scanned, not kept (only `head` and `tail`). */
  private oversize = false;
  private oversizeLength = 0;
  private head: Buffer = Buffer.alloc(0);
  private tail: Buffer = Buffer.alloc(0);

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
    this.prefixBytes = Math.min(options.rejectedPrefixBytes ?? REJECTED_PREFIX_BYTES, options.maxRecordBytes);
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
          if (depth <= RECORDS_ARRAY_DEPTH && this.checkShallowValue(c, depth, i)) recordStart = i;
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
        // A string or scalar element of Records ends here.
        if (depth === RECORDS_ARRAY_DEPTH && this.inRecord) this.finishRejected(chunk, recordStart, i, out);
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
        // A string or scalar element of Records ends at the array's closing bracket.
        if (depth === RECORDS_ARRAY_DEPTH && this.inRecord) this.finishRejected(chunk, recordStart, i, out);
        depth--;
        i++;
        expect = Expect.CommaOrEnd;
        if (depth <= RECORDS_ARRAY_DEPTH) {
          if (this.inRecord && depth === RECORDS_ARRAY_DEPTH) {
            const size = this.piecesLength + i - recordStart;
            if (size > max || this.oversize || !this.elementIsObject) {
              this.finishRejected(chunk, recordStart, i, out);
              continue;
            }
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
          if (this.checkShallowValue(c, depth, i)) recordStart = i;
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
        if (depth <= RECORDS_ARRAY_DEPTH && this.checkShallowValue(c, depth, i)) recordStart = i;
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
      const rest = chunk.subarray(recordStart);
      if (this.oversize) {
        this.oversizeLength += rest.length;
        this.tail = tailOf(this.tail, rest);
      } else if (this.piecesLength + rest.length > max) {
        // Too large to be a record: from here on it is only scanned, never held.
        this.pieces.push(rest);
        this.head = prefixOf(this.pieces, this.prefixBytes);
        this.tail = suffixOf(this.pieces);
        this.oversize = true;
        this.oversizeLength = this.piecesLength + rest.length;
        this.pieces = [];
        this.piecesLength = 0;
      } else {
        this.pieces.push(rest);
        this.piecesLength += rest.length;
      }
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
      // Any value starts an element; one that is not an object is rejected when it ends.
      this.inRecord = true;
      this.recordOffset = this.base + i;
      this.elementIsObject = c === Byte.LBrace;
      this.oversize = false;
      this.oversizeLength = 0;
      return true;
    }
    return false;
  }

  /**
   * Ends the current element at `end` (exclusive) as rejected: too large, or
   * not an object. Keeps a copy of its first and last bytes and goes on.
   */
  private finishRejected(chunk: Buffer, recordStart: number, end: number, out: RawRecord[]): void {
    const part = chunk.subarray(recordStart, end);
    let size: number;
    let head: Buffer;
    let tail: Buffer;
    if (this.oversize) {
      size = this.oversizeLength + part.length;
      head = this.head;
      tail = tailOf(this.tail, part);
    } else {
      this.pieces.push(part);
      size = this.piecesLength + part.length;
      head = prefixOf(this.pieces, this.prefixBytes);
      tail = suffixOf(this.pieces);
    }
    this.pieces = [];
    this.piecesLength = 0;
    this.head = Buffer.alloc(0);
    this.tail = Buffer.alloc(0);
    this.oversize = false;
    this.inRecord = false;
    const ordinal = this.ordinal++;
    const offset = this.recordOffset;
    if (!this.elementIsObject && size <= this.maxRecordBytes) {
      // Whitespace before the comma or bracket is not part of the value.
      let k = head.length;
      while (k > 0 && (head[k - 1] === Byte.Space || head[k - 1] === Byte.Lf || head[k - 1] === Byte.Cr || head[k - 1] === Byte.Tab)) k--;
      if (size === head.length) {
        size = k;
        head = head.subarray(0, k);
        tail = suffixOf([head]);
      }
    }
    const rejected: RejectedElement =
      size > this.maxRecordBytes
        ? {
            code: 'record-too-large',
            message: `record ${ordinal} at byte ${offset} is ${size} bytes, larger than the limit of ${this.maxRecordBytes} (TRAILSTREAM_MAX_RECORD_BYTES); only its first ${head.length} bytes are kept`,
            size,
            tail,
          }
        : {
            code: 'record-not-object',
            message: `element ${ordinal} of "Records" at byte ${offset} is ${describeValue(head[0])}, not an object`,
            size,
            tail,
          };
    out.push({ ordinal, offset, bytes: head, rejected });
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

/** A copy of the first `limit` bytes of `parts` joined (a copy, so no chunk is pinned). */
function prefixOf(parts: readonly Buffer[], limit: number): Buffer {
  const out: Buffer[] = [];
  let left = limit;
  for (const p of parts) {
    if (left <= 0) break;
    const take = p.length <= left ? p : p.subarray(0, left);
    out.push(take);
    left -= take.length;
  }
  return Buffer.from(Buffer.concat(out));
}

/** A copy of the last REJECTED_TAIL_BYTES of `parts` joined. */
function suffixOf(parts: readonly Buffer[]): Buffer {
  const out: Buffer[] = [];
  let left = REJECTED_TAIL_BYTES;
  for (let k = parts.length - 1; k >= 0 && left > 0; k--) {
    const p = parts[k]!;
    const take = p.length <= left ? p : p.subarray(p.length - left);
    out.unshift(take);
    left -= take.length;
  }
  return Buffer.from(Buffer.concat(out));
}

/** A copy of the last REJECTED_TAIL_BYTES of `previous` followed by `part`. */
function tailOf(previous: Buffer, part: Buffer): Buffer {
  if (part.length >= REJECTED_TAIL_BYTES) return Buffer.from(part.subarray(part.length - REJECTED_TAIL_BYTES));
  const joined = Buffer.concat([previous, part]);
  return Buffer.from(joined.subarray(Math.max(0, joined.length - REJECTED_TAIL_BYTES)));
}

function describeValue(first: number | undefined): string {
  switch (first) {
    case Byte.LBracket:
      return 'an array';
    case Byte.Quote:
      return 'a string';
    case 0x74: // t
    case 0x66: // f
      return 'a boolean';
    case 0x6e: // n
      return 'null';
    default:
      return 'a number';
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

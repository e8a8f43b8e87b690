/**
 * Seedable pseudo-random source for the demo generator.
 *
 * sfc32 is used instead of Math.random because output must be reproducible from
 * a seed (byte-identical files for the same options), and instead of mulberry32
 * because its 128-bit state does not cycle through short sequences when millions
 * of ids are drawn in one run.
 */

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
// AWS access key ids and unique principal ids use base32 (A-Z, 2-7).
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Murmur3's finalizer: a bijection on 32-bit integers, so distinct inputs never collide. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A fixed weighted choice, with cumulative weights computed once (hot paths pick from these per record). */
export class WeightedTable<T> {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) throw new RangeError('items and weights must be non-empty and of equal length');
    this.cumulative = new Float64Array(items.length);
    let sum = 0;
    for (let i = 0; i < items.length; i++) {
      sum += weights[i] ?? 0;
      this.cumulative[i] = sum;
    }
    this.total = sum;
  }

  pick(rng: Random): T {
    const r = rng.float() * this.total;
    const c = this.cumulative;
    for (let i = 0; i < c.length; i++) if (r < (c[i] as number)) return this.items[i] as T;
    return this.items[this.items.length - 1] as T;
  }
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Counter behind {@link uuid}; its bijective hash makes ids unique within a run, not just improbable to repeat. */
  private serial = 0;
  private readonly serialSalt: number;

  constructor(seed: number) {
    // splitmix-style expansion, so that nearby seeds (1, 2, 3) give unrelated streams.
    let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      return fmix32(s);
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
    this.serialSalt = next();
    // Discard the first outputs: sfc32 is weakly mixed right after seeding.
    for (let i = 0; i < 16; i++) this.u32();
  }

  /** Next unsigned 32-bit integer. */
  u32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = ((c << 21) | (c >>> 11)) + t;
    this.c |= 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [min, max] (inclusive). */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** Pick by weight; `weights` are parallel to `items` and need not sum to 1. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.float() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  }

  private chars(alphabet: string, n: number): string {
    let out = '';
    const len = alphabet.length;
    for (let i = 0; i < n; i++) out += alphabet[this.int(len)];
    return out;
  }

  alnum(n: number): string {
    return this.chars(ALNUM, n);
  }

  lowerAlnum(n: number): string {
    return this.chars(LOWER_ALNUM, n);
  }

  upperAlnum(n: number): string {
    return this.chars(UPPER_ALNUM, n);
  }

  base32(n: number): string {
    return this.chars(BASE32, n);
  }

  base64(n: number): string {
    return this.chars(BASE64, n);
  }

  hex(bytes: number): string {
    let out = '';
    for (let i = 0; i < bytes; i += 4) {
      const v = this.u32();
      out += HEX[v & 0xff];
      if (i + 1 < bytes) out += HEX[(v >>> 8) & 0xff];
      if (i + 2 < bytes) out += HEX[(v >>> 16) & 0xff];
      if (i + 3 < bytes) out += HEX[v >>> 24];
    }
    return out;
  }

  /**
   * Version-4-shaped UUID, unique within this Random's lifetime: the first 32
   * bits are a bijective hash of a counter, the other 90 bits are random.
   */
  uuid(): string {
    const w0 = fmix32((this.serial++ ^ this.serialSalt) >>> 0);
    const w1 = this.u32();
    const w2 = this.u32();
    const w3 = this.u32();
    return (
      HEX[w0 >>> 24]! +
      HEX[(w0 >>> 16) & 0xff]! +
      HEX[(w0 >>> 8) & 0xff]! +
      HEX[w0 & 0xff]! +
      '-' +
      HEX[w1 >>> 24]! +
      HEX[(w1 >>> 16) & 0xff]! +
      '-4' +
      HEX[(w1 >>> 8) & 0x0f]!.charAt(1) +
      HEX[w1 & 0xff]! +
      '-' +
      HEX[0x80 | ((w2 >>> 24) & 0x3f)]! +
      HEX[(w2 >>> 16) & 0xff]! +
      '-' +
      HEX[(w2 >>> 8) & 0xff]! +
      HEX[w2 & 0xff]! +
      HEX[w3 >>> 24]! +
      HEX[(w3 >>> 16) & 0xff]! +
      HEX[(w3 >>> 8) & 0xff]! +
      HEX[w3 & 0xff]!
    );
  }

  private blobPool = '';

  /**
   * Random base64 text of the given length (session tokens, x-amz-id-2), cut
   * from a pool drawn once: these values are long and opaque, and drawing
   * hundreds of characters per record would dominate generation time.
   */
  blob(length: number): string {
    if (this.blobPool.length === 0) this.blobPool = this.base64(16384);
    const start = this.int(this.blobPool.length - length);
    return this.blobPool.slice(start, start + length);
  }

  /** Shuffle in place (Fisher-Yates). */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i] as T;
      items[i] = items[j] as T;
      items[j] = t;
    }
    return items;
  }
}

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * A MaxMind DB (MMDB) reader that reads the file on demand instead of holding
 * it in memory. A lookup walks 32 (IPv4) to 128 (IPv6) search-tree nodes and
 * decodes one data record; both are read from the file in small blocks kept in
 * an LRU of bounded size, so an idle worker holds a few megabytes instead of
 * the whole database (the bundled DB-IP city files are 63 + 71 MB), and the
 * operating system's page cache shares the file between workers on a host.
 * Decoded records are cached by offset by the caller (many addresses share one
 * city record).
 *
 * Format: https://maxmind.github.io/MaxMind-DB/ (version 2).
 */
export interface MmdbMetadata {
  readonly binaryFormatMajorVersion: number;
  readonly databaseType: string;
  readonly ipVersion: number;
  readonly recordSize: number;
  readonly nodeCount: number;
  readonly buildEpoch: Date;
}

/** Bytes per cached block. Tree nodes are 6-8 bytes and a city record a few hundred. */
const BLOCK = 4096;
/** Blocks kept per database: 2 MiB. */
const DEFAULT_BLOCKS = 512;
const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');
/** The metadata section is at most 128 KiB from the end of the file (format spec). */
const METADATA_MAX = 128 * 1024;
const DATA_SEPARATOR = 16;

export class MmdbFormatError extends Error {
  override name = 'MmdbFormatError';
}

/** A file read in cached blocks; `pread` on a miss. */
class BlockFile {
  private readonly blocks = new Map<number, Buffer>();

  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly maxBlocks: number,
  ) {}

  private block(index: number): Buffer {
    const hit = this.blocks.get(index);
    if (hit !== undefined) {
      // Most recently used last: re-insert (Map keeps insertion order).
      this.blocks.delete(index);
      this.blocks.set(index, hit);
      return hit;
    }
    const start = index * BLOCK;
    const length = Math.min(BLOCK, this.size - start);
    if (length <= 0) throw new MmdbFormatError(`offset ${start} is past the end of the file (${this.size} bytes)`);
    const buf = Buffer.allocUnsafeSlow(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, start + done);
      if (n === 0) throw new MmdbFormatError(`the file ended at ${start + done} bytes, expected ${this.size}`);
      done += n;
    }
    if (this.blocks.size >= this.maxBlocks) {
      const oldest = this.blocks.keys().next().value as number;
      this.blocks.delete(oldest);
    }
    this.blocks.set(index, buf);
    return buf;
  }

  byte(offset: number): number {
    const b = this.block(Math.floor(offset / BLOCK));
    const v = b[offset % BLOCK];
    if (v === undefined) throw new MmdbFormatError(`offset ${offset} is past the end of the file`);
    return v;
  }

  /** `length` bytes from `offset`: a view of one block, or a copy when they span two. */
  bytes(offset: number, length: number): Buffer {
    const first = Math.floor(offset / BLOCK);
    const last = Math.floor((offset + length - 1) / BLOCK);
    if (length <= 0) return Buffer.alloc(0);
    if (first === last) {
      const at = offset - first * BLOCK;
      const b = this.block(first);
      if (at + length > b.length) throw new MmdbFormatError(`${length} bytes at ${offset} run past the end of the file`);
      return b.subarray(at, at + length);
    }
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    for (let i = first; i <= last; i++) {
      const b = this.block(i);
      const from = i === first ? offset - first * BLOCK : 0;
      const n = Math.min(b.length - from, length - done);
      b.copy(out, done, from, from + n);
      done += n;
    }
    if (done < length) throw new MmdbFormatError(`${length} bytes at ${offset} run past the end of the file`);
    return out;
  }

  uint(offset: number, length: number): number {
    const at = offset % BLOCK;
    let v = 0;
    if (at + length <= BLOCK) {
      // One block (nearly always): one cache lookup for all the bytes.
      const b = this.block((offset - at) / BLOCK);
      if (at + length > b.length) throw new MmdbFormatError(`${length} bytes at ${offset} run past the end of the file`);
      for (let i = 0; i < length; i++) v = v * 256 + (b[at + i] as number);
      return v;
    }
    for (let i = 0; i < length; i++) v = v * 256 + this.byte(offset + i);
    return v;
  }
}

interface Cursor {
  value: unknown;
  offset: number;
}

/** Decodes MMDB data-section values (maps, arrays, strings, numbers, pointers). */
class Decoder {
  constructor(
    private readonly file: BlockFile,
    /** File offset of the data section: pointers count from here. */
    private readonly base: number,
  ) {}

  decode(offset: number, depth = 0): Cursor {
    if (depth > 64) throw new MmdbFormatError('data nested deeper than 64 levels');
    const f = this.file;
    const ctrl = f.byte(offset++);
    let type = ctrl >> 5;
    if (type === 1) {
      // Pointer: the value is elsewhere; the cursor moves past the pointer only.
      const ss = (ctrl >> 3) & 3;
      let target: number;
      if (ss === 0) target = ((ctrl & 7) << 8) | f.byte(offset);
      else if (ss === 1) target = ((ctrl & 7) << 16) + f.uint(offset, 2) + 2048;
      else if (ss === 2) target = (ctrl & 7) * 16777216 + f.uint(offset, 3) + 526336;
      else target = f.uint(offset, 4);
      const value = this.decode(this.base + target, depth + 1).value;
      return { value, offset: offset + ss + 1 };
    }
    if (type === 0) {
      type = 7 + f.byte(offset++);
      if (type < 8) throw new MmdbFormatError(`invalid extended type at offset ${offset}`);
    }
    let size = ctrl & 0x1f;
    if (size === 29) size = 29 + f.byte(offset++);
    else if (size === 30) {
      size = 285 + f.uint(offset, 2);
      offset += 2;
    } else if (size === 31) {
      size = 65821 + f.uint(offset, 3);
      offset += 3;
    }
    switch (type) {
      case 2: // UTF-8 string
        return { value: f.bytes(offset, size).toString('utf8'), offset: offset + size };
      case 3: // double
        return { value: f.bytes(offset, 8).readDoubleBE(0), offset: offset + 8 };
      case 4: // bytes
        return { value: Buffer.from(f.bytes(offset, size)), offset: offset + size };
      case 5: // uint16
      case 6: // uint32
        if (size > 4) throw new MmdbFormatError(`unsigned integer of ${size} bytes at offset ${offset}`);
        return { value: f.uint(offset, size), offset: offset + size };
      case 7: {
        const map: Record<string, unknown> = {};
        for (let i = 0; i < size; i++) {
          const key = this.decode(offset, depth + 1);
          const value = this.decode(key.offset, depth + 1);
          map[String(key.value)] = value.value;
          offset = value.offset;
        }
        return { value: map, offset };
      }
      case 8: // int32
        if (size > 4) throw new MmdbFormatError(`int32 of ${size} bytes at offset ${offset}`);
        return { value: size === 4 ? f.bytes(offset, 4).readInt32BE(0) : f.uint(offset, size), offset: offset + size };
      case 9: // uint64
      case 10: {
        // uint128
        if (size > 16) throw new MmdbFormatError(`big unsigned integer of ${size} bytes at offset ${offset}`);
        let v = 0n;
        for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(f.byte(offset + i));
        return { value: v, offset: offset + size };
      }
      case 11: {
        const array = new Array<unknown>(size);
        for (let i = 0; i < size; i++) {
          const item = this.decode(offset, depth + 1);
          array[i] = item.value;
          offset = item.offset;
        }
        return { value: array, offset };
      }
      case 14: // boolean: the size is the value
        return { value: size !== 0, offset };
      case 15: // float
        return { value: f.bytes(offset, 4).readFloatBE(0), offset: offset + 4 };
      default:
        throw new MmdbFormatError(`unknown data type ${type} at offset ${offset - 1}`);
    }
  }
}

/** A value cache the reader consults by data offset (an LRU from the caller). */
export interface RecordCache {
  get(offset: number): unknown;
  set(offset: number, value: object): unknown;
}

export class MmdbFile {
  readonly metadata: MmdbMetadata;
  private readonly file: BlockFile;
  private readonly decoder: Decoder;
  private readonly nodeBytes: number;
  private readonly treeBytes: number;
  private readonly ipv4Start: number;
  private closed = false;

  /** Opens `path` and reads its metadata; throws (fs errors, or MmdbFormatError) when it is not a usable MMDB file. */
  constructor(
    path: string,
    private readonly cache?: RecordCache,
    maxBlocks = DEFAULT_BLOCKS,
  ) {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      this.file = new BlockFile(fd, size, maxBlocks);
      const tailStart = Math.max(0, size - METADATA_MAX);
      const tail = this.file.bytes(tailStart, size - tailStart);
      const at = tail.lastIndexOf(METADATA_MARKER);
      if (at < 0) throw new MmdbFormatError('no MaxMind DB metadata marker found');
      const metaStart = tailStart + at + METADATA_MARKER.length;
      const raw = new Decoder(this.file, metaStart).decode(metaStart).value as Record<string, unknown>;
      this.metadata = metadataOf(raw);
      this.nodeBytes = (this.metadata.recordSize * 2) / 8;
      this.treeBytes = this.metadata.nodeCount * this.nodeBytes;
      this.decoder = new Decoder(this.file, this.treeBytes + DATA_SEPARATOR);
      this.ipv4Start = this.metadata.ipVersion === 6 ? this.ipv4StartNode() : 0;
      this.fd = fd;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  private readonly fd: number;

  /** The record for an address given as its bytes (4 or 16), or undefined when the database has none. */
  getBytes(address: Uint8Array): unknown {
    if (this.closed) throw new Error('MmdbFile is closed');
    const { nodeCount } = this.metadata;
    if (address.length === 16 && this.metadata.ipVersion === 4) return undefined;
    const bits = address.length * 8;
    let node = address.length === 4 ? this.ipv4Start : 0;
    for (let depth = 0; depth < bits && node < nodeCount; depth++) {
      const bit = ((address[depth >> 3] as number) >> (7 - (depth & 7))) & 1;
      node = this.record(node, bit);
    }
    if (node <= nodeCount) return undefined;
    // The record value minus the node count is the offset in the data section plus 16 (the separator).
    const offset = node - nodeCount + this.treeBytes;
    const cached = this.cache?.get(offset);
    if (cached !== undefined) return cached;
    const value = this.decoder.decode(offset).value;
    if (value !== null && typeof value === 'object') this.cache?.set(offset, value);
    return value;
  }

  /** The record for an address in text form; undefined for an unknown or unparseable address. */
  get(ip: string): unknown {
    const bytes = parseIp(ip);
    return bytes === undefined ? undefined : this.getBytes(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private record(node: number, bit: number): number {
    const f = this.file;
    const at = node * this.nodeBytes;
    switch (this.metadata.recordSize) {
      case 24:
        return f.uint(at + bit * 3, 3);
      case 28: {
        const middle = f.byte(at + 3);
        return bit === 0 ? (middle >> 4) * 16777216 + f.uint(at, 3) : (middle & 0x0f) * 16777216 + f.uint(at + 4, 3);
      }
      default:
        return f.uint(at + bit * 4, 4);
    }
  }

  /** IPv4 addresses live under ::/96 in an IPv6 tree: the node after 96 zero bits. */
  private ipv4StartNode(): number {
    let node = 0;
    for (let i = 0; i < 96 && node < this.metadata.nodeCount; i++) node = this.record(node, 0);
    return node;
  }
}

function metadataOf(raw: Record<string, unknown>): MmdbMetadata {
  const num = (k: string): number => {
    const v = raw[k];
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    throw new MmdbFormatError(`metadata field ${k} is missing`);
  };
  const recordSize = num('record_size');
  if (recordSize !== 24 && recordSize !== 28 && recordSize !== 32) throw new MmdbFormatError(`unsupported record size ${recordSize}`);
  const major = num('binary_format_major_version');
  if (major !== 2) throw new MmdbFormatError(`unsupported format version ${major}`);
  return {
    binaryFormatMajorVersion: major,
    databaseType: typeof raw.database_type === 'string' ? raw.database_type : '',
    ipVersion: num('ip_version'),
    recordSize,
    nodeCount: num('node_count'),
    buildEpoch: new Date(num('build_epoch') * 1000),
  };
}

/** `1.2.3.4` → 4 bytes, an IPv6 address (with `::` and an optional dotted IPv4 tail) → 16 bytes. */
export function parseIp(ip: string): Uint8Array | undefined {
  if (!ip.includes(':')) return parseIpv4(ip);
  let text = ip;
  let tail: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) >= 0) {
    tail = parseIpv4(text.slice(lastColon + 1));
    if (!tail) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (halves.length === 1 && head.length !== 8) return undefined;
  if (groups < 0 || (halves.length === 2 && groups < 1)) return undefined;
  const all = [...head, ...new Array<string>(groups).fill('0'), ...rest];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i] as string;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

function parseIpv4(ip: string): Uint8Array | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

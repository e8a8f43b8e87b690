/**
 * A minimal MaxMind DB (MMDB v2) writer, so tests can build small databases
 * with exactly the records they need and read them through the real `maxmind`
 * reader: MaxMind's nested City and ASN layouts, and the flat DB-IP layout.
 * There is no redistributable ASN database to test with, and no MMDB writer
 * among our dependencies. Format: https://maxmind.github.io/MaxMind-DB/
 *
 * Supports what the tests need: 32-bit search-tree records, IPv4 or IPv6 trees
 * (IPv4 networks go to ::/96 in an IPv6 tree, where readers look for them),
 * and maps, arrays, UTF-8 strings, unsigned integers, doubles, booleans.
 */
export type MmdbValue = string | number | bigint | boolean | readonly MmdbValue[] | { readonly [key: string]: MmdbValue };

export interface MmdbNetwork {
  /** `1.2.3.0/24` or `2001:db8::/32`. */
  readonly cidr: string;
  readonly data: MmdbValue;
}

export interface MmdbSpec {
  readonly databaseType: string;
  readonly ipVersion: 4 | 6;
  readonly networks: readonly MmdbNetwork[];
  readonly buildEpoch?: number;
}

interface TreeNode {
  children: [Child, Child];
}
type Child = TreeNode | { readonly data: number } | null;

export function buildMmdb(spec: MmdbSpec): Buffer {
  const data = new DataSection();
  const root: TreeNode = { children: [null, null] };
  for (const network of spec.networks) {
    const bits = networkBits(network.cidr, spec.ipVersion);
    const offset = data.add(network.data);
    let node = root;
    for (let i = 0; i < bits.length - 1; i++) {
      const bit = bits[i] as 0 | 1;
      let next = node.children[bit];
      if (next === null) {
        next = { children: [null, null] };
        node.children[bit] = next;
      }
      if (!('children' in next)) throw new Error(`${network.cidr} overlaps a network that was added before`);
      node = next;
    }
    node.children[bits[bits.length - 1] as 0 | 1] = { data: offset };
  }

  const nodes: TreeNode[] = [];
  const index = new Map<TreeNode, number>();
  const queue: TreeNode[] = [root];
  while (queue.length > 0) {
    const node = queue.shift() as TreeNode;
    index.set(node, nodes.length);
    nodes.push(node);
    for (const child of node.children) if (child !== null && 'children' in child) queue.push(child);
  }
  const nodeCount = nodes.length;
  const tree = Buffer.alloc(nodeCount * 8);
  nodes.forEach((node, i) => {
    node.children.forEach((child, side) => {
      const value = child === null ? nodeCount : 'children' in child ? (index.get(child) as number) : nodeCount + 16 + child.data;
      tree.writeUInt32BE(value, i * 8 + side * 4);
    });
  });

  const metadata = encode({
    node_count: nodeCount,
    record_size: 32,
    ip_version: spec.ipVersion,
    database_type: spec.databaseType,
    languages: ['en'],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: BigInt(spec.buildEpoch ?? 1_700_000_000),
    description: { en: `test ${spec.databaseType}` },
  });
  const marker = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com', 'ascii')]);
  return Buffer.concat([tree, Buffer.alloc(16), data.bytes(), marker, metadata]);
}

class DataSection {
  private readonly parts: Buffer[] = [];
  private length = 0;

  add(value: MmdbValue): number {
    const offset = this.length;
    const bytes = encode(value);
    this.parts.push(bytes);
    this.length += bytes.length;
    return offset;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const enum Type {
  Utf8 = 2,
  Double = 3,
  Uint32 = 6,
  Map = 7,
  Uint64 = 9,
  Array = 11,
  Boolean = 14,
}

function encode(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([control(Type.Utf8, bytes.length), bytes]);
  }
  if (typeof value === 'boolean') return control(Type.Boolean, value ? 1 : 0);
  if (typeof value === 'bigint') {
    const bytes = unsignedBytes(value);
    return Buffer.concat([control(Type.Uint64, bytes.length), bytes]);
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value < 2 ** 32) {
      const bytes = unsignedBytes(BigInt(value));
      return Buffer.concat([control(Type.Uint32, bytes.length), bytes]);
    }
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value);
    return Buffer.concat([control(Type.Double, 8), bytes]);
  }
  if (Array.isArray(value)) {
    const items = value as readonly MmdbValue[];
    return Buffer.concat([control(Type.Array, items.length), ...items.map(encode)]);
  }
  const entries = Object.entries(value as { readonly [key: string]: MmdbValue });
  return Buffer.concat([control(Type.Map, entries.length), ...entries.flatMap(([k, v]) => [encode(k), encode(v)])]);
}

function unsignedBytes(value: bigint): Buffer {
  const out: number[] = [];
  for (let v = value; v > 0n; v >>= 8n) out.unshift(Number(v & 0xffn));
  return Buffer.from(out);
}

/** Control byte(s): type in the top 3 bits (types above 7 in a following byte), size in the low 5. */
function control(type: Type, size: number): Buffer {
  const head: number[] = [];
  let sizeBits: number;
  const extra: number[] = [];
  if (size < 29) sizeBits = size;
  else if (size < 285) {
    sizeBits = 29;
    extra.push(size - 29);
  } else if (size < 65_821) {
    sizeBits = 30;
    extra.push((size - 285) >> 8, (size - 285) & 0xff);
  } else {
    sizeBits = 31;
    const s = size - 65_821;
    extra.push((s >> 16) & 0xff, (s >> 8) & 0xff, s & 0xff);
  }
  if (type <= 7) head.push((type << 5) | sizeBits);
  else head.push(sizeBits, type - 7);
  return Buffer.from([...head, ...extra]);
}

function networkBits(cidr: string, ipVersion: 4 | 6): (0 | 1)[] {
  const [address = '', prefixText = ''] = cidr.split('/');
  const prefix = Number(prefixText);
  const bytes = address.includes(':') ? ipv6Bytes(address) : ipv4Bytes(address);
  let bits: (0 | 1)[] = [];
  for (const byte of bytes) for (let b = 7; b >= 0; b--) bits.push(((byte >> b) & 1) as 0 | 1);
  let length = prefix;
  if (bytes.length === 4 && ipVersion === 6) {
    bits = [...new Array<0>(96).fill(0), ...bits];
    length += 96;
  } else if (bytes.length === 16 && ipVersion === 4) {
    throw new Error(`${cidr}: an IPv4 database cannot hold IPv6 networks`);
  }
  return bits.slice(0, length);
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

function ipv6Bytes(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.flatMap((g) => {
    const v = parseInt(g, 16);
    return [v >> 8, v & 0xff];
  });
}

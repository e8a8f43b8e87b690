import { clientIpv4, clientIpv6, privateIpv4, sourceKind } from '../../../src/demo/network.js';
import { Random, WeightedTable } from '../../../src/demo/random.js';

describe('Random', () => {
  it('repeats its sequence for a seed and diverges for nearby seeds', () => {
    const draw = (seed: number): number[] => {
      const r = new Random(seed);
      return Array.from({ length: 8 }, () => r.u32());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(new Set([...draw(1), ...draw(2), ...draw(3)]).size).toBe(24);
  });

  it('draws integers and floats in range, roughly uniformly', () => {
    const r = new Random(5);
    const buckets = new Array<number>(10).fill(0);
    let outOfRange = 0;
    for (let i = 0; i < 100_000; i++) {
      const f = r.float();
      if (!(f >= 0 && f < 1)) outOfRange++;
      buckets[r.int(10)]! += 1;
    }
    expect(outOfRange).toBe(0);
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(600);
    const ranged = new Set(Array.from({ length: 1000 }, () => r.range(3, 5)));
    expect([...ranged].sort()).toEqual([3, 4, 5]);
  });

  it('makes unique version-4 UUIDs', () => {
    const r = new Random(9);
    const ids = Array.from({ length: 200_000 }, () => r.uuid());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toEqual([]);
  });

  it('picks by weight', () => {
    const r = new Random(3);
    const table = new WeightedTable(['a', 'b', 'c'], [1, 0, 3]);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 40_000; i++) counts[table.pick(r)]! += 1;
    expect(counts.b).toBe(0);
    expect((counts.c ?? 0) / (counts.a ?? 1)).toBeGreaterThan(2.7);
    expect((counts.c ?? 0) / (counts.a ?? 1)).toBeLessThan(3.3);
    expect(r.weighted(['x', 'y'], [0, 1])).toBe('y');
  });

  it('cuts blobs of the requested length from base64 text', () => {
    const r = new Random(4);
    for (const n of [1, 76, 600]) expect(r.blob(n)).toMatch(new RegExp(`^[A-Za-z0-9+/]{${n}}$`));
  });
});

describe('source addresses', () => {
  it('classifies what the generator produces', () => {
    const r = new Random(8);
    const kinds = new Set<string>();
    for (let i = 0; i < 500; i++) kinds.add(`${sourceKind(clientIpv4(r))} ${sourceKind(privateIpv4(r))} ${sourceKind(clientIpv6(r))}`);
    expect([...kinds]).toEqual(['public-v4 private-v4 ipv6']);
    expect(sourceKind('apigateway.amazonaws.com')).toBe('service');
    expect(sourceKind('AWS Internal')).toBe('aws-internal');
    expect(sourceKind('')).toBe('empty');
    expect(sourceKind('172.32.0.1')).toBe('public-v4');
  });

  it('never yields network or broadcast host parts for public addresses', () => {
    const r = new Random(2);
    const hostParts = new Set(Array.from({ length: 5000 }, () => Number(clientIpv4(r).split('.')[3])));
    expect(hostParts.has(0) || hostParts.has(255)).toBe(false);
  });
});

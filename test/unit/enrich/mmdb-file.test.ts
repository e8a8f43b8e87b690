import { readFileSync } from 'node:fs';
import { Reader, type Response } from 'maxmind';
import { defaultCityDbPaths } from '../../../src/enrich/geo.js';
import { MmdbFile, parseIp } from '../../../src/enrich/mmdb-file.js';

/** Deterministic spread of addresses over the whole space (xorshift32). */
function* addresses(count: number, family: 4 | 6): Generator<string> {
  let x = 0x2545f491;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; i < count; i++) {
    if (family === 4) {
      const v = next();
      yield `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
    } else {
      // Mostly 2000::/3 (where allocations are), some anywhere.
      const groups = Array.from({ length: 8 }, () => (next() & 0xffff).toString(16));
      if (i % 4 !== 0) groups[0] = (0x2000 + (next() & 0x1fff)).toString(16);
      yield groups.join(':');
    }
  }
}

describe('MmdbFile', () => {
  describe.each(defaultCityDbPaths().map((p) => [p.split('/').pop()!, p]))('%s', (_name, file) => {
    const whole = new Reader<Response>(readFileSync(file));
    const lazy = new MmdbFile(file, undefined, 16); // a tiny block cache: eviction is exercised too
    afterAll(() => lazy.close());

    it('reads the same metadata as the maxmind reader', () => {
      expect(lazy.metadata).toMatchObject({
        databaseType: whole.metadata.databaseType,
        ipVersion: whole.metadata.ipVersion,
        recordSize: whole.metadata.recordSize,
        nodeCount: whole.metadata.nodeCount,
      });
      expect(lazy.metadata.buildEpoch.getTime()).toBe(whole.metadata.buildEpoch.getTime());
    });

    it('finds the same record as the maxmind reader for every address', () => {
      const families: (4 | 6)[] = lazy.metadata.ipVersion === 6 ? [4, 6] : [4];
      let found = 0;
      for (const family of families) {
        for (const ip of addresses(3000, family)) {
          const expected = whole.get(ip);
          expect([ip, lazy.get(ip) ?? null]).toEqual([ip, expected ?? null]);
          if (expected) found++;
        }
      }
      expect(found).toBeGreaterThan(1000);
    });
  });

  it('caches decoded records by offset and hands the same object out again', () => {
    const cache = new Map<number, unknown>();
    const lazy = new MmdbFile(defaultCityDbPaths()[0]!, { get: (k) => cache.get(k), set: (k, v) => cache.set(k, v) });
    try {
      const a = lazy.get('8.8.8.8');
      expect(a).toBeDefined();
      expect(cache.size).toBe(1);
      expect(lazy.get('8.8.8.8')).toBe(a);
    } finally {
      lazy.close();
    }
  });

  it('refuses a file that is not an MMDB database', () => {
    expect(() => new MmdbFile(new URL(import.meta.url).pathname)).toThrow(/metadata marker/);
  });
});

describe('parseIp', () => {
  it.each([
    ['1.2.3.4', [1, 2, 3, 4]],
    ['255.255.255.255', [255, 255, 255, 255]],
    ['::1', [...new Array(15).fill(0), 1]],
    ['2001:db8::ff00:42:8329', [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29]],
    ['::ffff:192.0.2.1', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]],
    ['1:2:3:4:5:6:7:8', [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]],
  ])('%s', (ip, bytes) => {
    expect([...parseIp(ip)!]).toEqual(bytes);
  });

  it.each(['1.2.3', '1.2.3.256', '1.2.3.4.5', 'a.b.c.d', '1::2::3', '1:2:3:4:5:6:7', '12345::', '::ffff:1.2.3', ''])('rejects %j', (ip) => {
    expect(parseIp(ip)).toBeUndefined();
  });
});

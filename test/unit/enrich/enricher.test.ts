import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { enrichRecord, ENRICHMENT_KEYS } from '../../../src/enrich/enrich-record.js';
import { createEnricher, createEnricherSync, type Enricher } from '../../../src/enrich/enricher.js';
import { loadRules } from '../../../src/rules/load-rules.js';
import { GeoDatabaseError, type GeoLookup } from '../../../src/enrich/geo.js';
import type { CloudTrailRecord } from '../../../src/model/cloudtrail.js';
import { buildSource } from '../../../src/document/document.js';
import { MAPPINGS_DIR } from '../../../src/assets.js';
import { corpusRecord, corpusRecords, craftedCases } from './support/corpus.js';
import { assertNoDuplicateKeys } from './support/strict-json.js';

const here = path.dirname(fileURLToPath(import.meta.url));

let withGeo: Enricher;

beforeAll(async () => {
  // With the shipped detection rules, so the corpus-wide checks below cover rule.* and event.severity too.
  withGeo = await createEnricher({ geo: {}, detector: loadRules().matcher.detector() });
});

/** A real record with its source address replaced, to test each kind of address on real data. */
function withAddress(sourceIPAddress: unknown): CloudTrailRecord {
  const { record } = corpusRecord('IAM user call', (r) => r.userIdentity?.userName === 'bert-jan');
  return { ...record, sourceIPAddress: sourceIPAddress as string };
}

const allCrafted = (): CloudTrailRecord[] =>
  ['identities.json', 'apigateway-rest.json', 'apigateway-v2.json'].flatMap((f) => craftedCases(f).map((c) => c.record));

describe('Enricher', () => {
  it('enriches a real record: ECS fields and the trailstream namespace', () => {
    const { record } = corpusRecord('bert-jan via Terraform', (r) => r.userIdentity?.userName === 'bert-jan' && (r.userAgent ?? '').includes('Terraform/'));
    const e = withGeo.enrich(record);
    expect(e).toMatchObject({
      '@timestamp': record.eventTime,
      cloud: { provider: 'aws', account: { id: '123837392027' }, region: 'us-east-1' },
      event: { kind: 'event', action: record.eventName, provider: record.eventSource, outcome: 'success' },
      user: { id: 'AIDATFQR7NSC5AU2ZV3IE', name: 'bert-jan' },
      source: { address: '192.168.10.20', ip: '192.168.10.20' },
      user_agent: { original: record.userAgent },
      trailstream: {
        identity: { type: 'iam_user', principal: 'bert-jan', temporary_credentials: false },
        source: { kind: 'private' },
        user_agent: { tool: 'terraform' },
        read_only: record.readOnly,
        management: true,
      },
    });
    expect(e.source?.geo).toBeUndefined();
  });

  describe('source address kinds', () => {
    it('a public IPv4 address gets geo from the bundled database', () => {
      const e = withGeo.enrich(withAddress('8.8.8.8'));
      expect(e.source).toMatchObject({ address: '8.8.8.8', ip: '8.8.8.8', geo: { country_iso_code: 'US', country_name: 'United States' } });
      expect(e.trailstream?.source).toEqual({ kind: 'public' });
    });

    it('a public IPv6 address gets geo', () => {
      const e = withGeo.enrich(withAddress('2001:4860:4860::8888'));
      expect(e.source?.ip).toBe('2001:4860:4860::8888');
      expect(e.source?.geo?.country_iso_code).toMatch(/^[A-Z]{2}$/);
    });

    it.each([
      ['10.0.0.1', { address: '10.0.0.1', ip: '10.0.0.1' }, 'private'],
      ['fd00::1', { address: 'fd00::1', ip: 'fd00::1' }, 'private'],
      ['035.249.253.232', { address: '035.249.253.232' }, 'invalid'],
      ['HIDDEN_DUE_TO_SECURITY_REASONS', { address: 'HIDDEN_DUE_TO_SECURITY_REASONS' }, 'invalid'],
      ['apigateway.amazonaws.com', { address: 'apigateway.amazonaws.com', domain: 'apigateway.amazonaws.com' }, 'aws-service'],
      ['AWS Internal', { address: 'AWS Internal' }, 'aws-internal'],
    ])('%s: no geo, ip only when valid', (address, source, kind) => {
      const e = withGeo.enrich(withAddress(address));
      expect(e.source).toEqual(source);
      expect(e.trailstream?.source).toEqual({ kind });
    });

    it.each([[''], [null], [undefined]])('%j: no source object at all', (address) => {
      const e = withGeo.enrich(withAddress(address));
      expect(e.source).toBeUndefined();
      expect(e.trailstream?.source).toEqual({ kind: 'missing' });
    });
  });

  it('adds AS data from an ASN database, through the lookup interface', () => {
    const asn: GeoLookup = {
      lookup: (ip) => (ip === '81.2.69.160' ? { as: { number: 20712, organization: { name: 'Andrews & Arnold Ltd' } } } : undefined),
    };
    const e = createEnricherSync({ geo: asn }).enrich(withAddress('81.2.69.160'));
    expect(e.source).toEqual({ address: '81.2.69.160', ip: '81.2.69.160', as: { number: 20712, organization: { name: 'Andrews & Arnold Ltd' } } });
  });

  it('caches lookups per address', () => {
    let calls = 0;
    const geo: GeoLookup = {
      lookup: () => {
        calls++;
        return undefined;
      },
    };
    const enricher = createEnricherSync({ geo });
    for (let i = 0; i < 10; i++) enricher.enrich(withAddress('8.8.4.4'));
    expect(calls).toBe(1);
    expect(enricher.geoCacheStats()).toEqual({ hits: 9, misses: 1, size: 1 });
  });

  it('without geo: no databases, no geo fields, and enrichRecord is that enricher', async () => {
    const plain = await createEnricher({ geo: false });
    expect(plain.geoDatabases).toEqual([]);
    expect(plain.geoCacheStats()).toBeUndefined();
    const record = withAddress('8.8.8.8');
    expect(plain.enrich(record).source).toEqual({ address: '8.8.8.8', ip: '8.8.8.8' });
    expect(enrichRecord(record)).toEqual(plain.enrich(record));
  });

  it('reports the databases in use, with the DB-IP attribution', () => {
    expect(withGeo.geoDatabases.map((d) => d.attribution)).toEqual([expect.stringContaining('IP geolocation by DB-IP'), expect.stringContaining('IP geolocation by DB-IP')]);
  });

  it('fails at creation, not per record, when a database is missing', async () => {
    await expect(createEnricher({ geo: { cityDbPaths: ['/nonexistent/GeoLite2-City.mmdb'] } })).rejects.toThrow(GeoDatabaseError);
    await expect(createEnricher({ geo: { cityDbPaths: [], asnDbPaths: ['/nonexistent/GeoLite2-ASN.mmdb'] } })).rejects.toThrow(
      'geo-IP ASN database "/nonexistent/GeoLite2-ASN.mmdb" cannot be used: the file does not exist (ENOENT)',
    );
  });

  it('Insight events get no caller, address or tool fields', () => {
    const insight: CloudTrailRecord = {
      eventVersion: '1.08',
      eventTime: '2025-03-04T10:00:00Z',
      awsRegion: 'us-east-1',
      eventID: 'c5a7b6d4-0000-4000-8000-000000000001',
      eventType: 'AwsCloudTrailInsight',
      recipientAccountId: '210987654321',
      sharedEventID: 'c5a7b6d4-0000-4000-8000-000000000002',
      insightDetails: { state: 'Start', eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', insightType: 'ApiCallRateInsight' },
      eventCategory: 'Insight',
    };
    expect(withGeo.enrich(insight)).toEqual({
      '@timestamp': '2025-03-04T10:00:00Z',
      cloud: { provider: 'aws', account: { id: '210987654321' }, region: 'us-east-1' },
      event: { kind: 'alert' },
      trailstream: {},
    });
  });

  it('tags a record that matches detection rules: rule.* (arrays for several), event.severity and event.risk_score', () => {
    const tagging = createEnricherSync({ detector: loadRules().matcher.detector() });
    const rootLogin = corpusRecord('a root console login without MFA', (r) => r.eventName === 'ConsoleLogin' && r.userIdentity?.type === 'Root' && (r.additionalEventData as { MFAUsed?: string } | undefined)?.MFAUsed === 'No').record;
    const e = tagging.enrich(rootLogin);
    expect(e.rule).toEqual({
      id: ['cis-root-account-use', 'cis-console-signin-without-mfa'],
      name: ['Root account used', 'Console sign-in without MFA'],
      ruleset: ['cis-aws-foundations', 'cis-aws-foundations'],
      reference: ['https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html#cloudwatch-1', 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html#cloudwatch-3'],
      category: ['identity', 'authentication'],
    });
    expect(e.event).toMatchObject({ action: 'ConsoleLogin', severity: 3, risk_score: 73 });
    const plain = createEnricherSync().enrich(rootLogin);
    expect(plain.rule).toBeUndefined();
    expect(plain.event?.severity).toBeUndefined();
    const quiet = tagging.enrich({ ...rootLogin, userIdentity: { type: 'IAMUser' }, additionalEventData: { MFAUsed: 'Yes' } });
    expect(quiet.rule).toBeUndefined();
    expect(Object.keys(quiet.event ?? {})).not.toContain('severity');
  });

  it('never throws on broken records', () => {
    const broken: unknown[] = [
      {},
      { userIdentity: null, sourceIPAddress: 7, userAgent: 7, eventTime: 12, readOnly: 'maybe', requestParameters: [] },
      { userIdentity: 'Root', responseElements: 'null', eventSource: 'apigateway.amazonaws.com', resources: 'x' },
      { userIdentity: { type: 'AssumedRole', sessionContext: 'x' }, eventName: 7, errorCode: 0 },
      { eventSource: 'apigateway.amazonaws.com', requestParameters: { restApiId: null, createStageInput: 'x' }, responseElements: { self: [], id: 5 }, resources: [null, 3, { ARN: 5 }] },
    ];
    for (const record of broken) expect(() => withGeo.enrich(record as CloudTrailRecord)).not.toThrow();
  });
});

/** The target of a field the events template maps as an alias, else undefined. */
function aliasTarget(field: string): string | undefined {
  const template = JSON.parse(readFileSync(path.join(MAPPINGS_DIR, 'cloudtrail-events.template.json'), 'utf8')) as { template: { mappings: MappingNode } };
  let at: MappingNode | undefined = template.template.mappings;
  for (const part of field.split('.')) at = at?.properties?.[part];
  return at?.type === 'alias' ? at.path : undefined;
}

interface MappingNode {
  type?: string;
  path?: string;
  properties?: Record<string, MappingNode>;
}

/** Paths of every value in an enrichment: `trailstream.identity.type`, `source.geo.location`… */
function leaves(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(prefix.endsWith('.location') && 'lat' in value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
}

describe('every corpus record', () => {
  const corpus = corpusRecords();

  it('has the corpus it is meant to have', () => {
    expect(corpus.length).toBe(3440);
  });

  it('splices into a document that parses, has no duplicate keys, and keeps every original field untouched', () => {
    const problems: string[] = [];
    for (const { where, raw, record } of corpus) {
      const enrichment = withGeo.enrich(record);
      const built = buildSource(raw, record, enrichment);
      const text = built.source.toString('utf8');
      try {
        assertNoDuplicateKeys(text);
      } catch (e) {
        problems.push(`${where}: ${(e as Error).message}`);
        continue;
      }
      const doc = JSON.parse(text) as Record<string, unknown>;
      const original = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      // The sink moves values the mapping cannot take to trailstream.unindexed
      // and lists them; those fields are expected to differ.
      const { unindexed_fields: movedPaths = [], unindexed: _moved, ...ours } = (doc.trailstream ?? {}) as { unindexed_fields?: string[]; unindexed?: unknown };
      const moved = new Set(movedPaths.map((p) => p.split('.')[0]));
      for (const key of Object.keys(original)) {
        if (!moved.has(key) && JSON.stringify(doc[key]) !== JSON.stringify(original[key])) problems.push(`${where}: ${key} changed`);
      }
      // Every enriched value is in the document, or, where the template maps the
      // field as an alias of a CloudTrail field, that field holds the same value.
      const enriched = new Map<string, unknown>();
      leaves(enrichment, '', enriched);
      const stored = new Map<string, unknown>();
      leaves({ ...doc, trailstream: ours }, '', stored);
      for (const [field, value] of enriched) {
        const target = aliasTarget(field);
        // The one alias with a fallback: a record without recipientAccountId (none
        // from CloudTrail itself; a few hand-made ones in the corpus) has its
        // account in userIdentity.accountId only, which docs/fields.md says.
        const fallback = field === 'cloud.account.id' && !stored.has('recipientAccountId');
        const actual = fallback ? stored.get('userIdentity.accountId') : target === undefined ? stored.get(field) : stored.get(target);
        if (JSON.stringify(actual) !== JSON.stringify(value)) problems.push(`${where}: ${field} not as enriched${target ? ` (alias of ${target})` : ''}`);
        if (target !== undefined && stored.has(field)) problems.push(`${where}: ${field} is an alias but the document has a value for it`);
      }
      if (built.raw() !== raw.toString('utf8')) problems.push(`${where}: raw() is not the original`);
    }
    expect(problems).toEqual([]);
  });

  it('adds only ENRICHMENT_KEYS at the top, and no empty objects or undefined values', () => {
    const problems = new Set<string>();
    for (const { where, record } of corpus) {
      const enrichment = withGeo.enrich(record);
      for (const key of Object.keys(enrichment)) if (!ENRICHMENT_KEYS.includes(key)) problems.add(`${key} is not in ENRICHMENT_KEYS`);
      const walk = (value: unknown, at: string): void => {
        if (value === undefined) problems.add(`${where}: ${at} is undefined`);
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
          const keys = Object.keys(value);
          if (keys.length === 0 && at !== 'trailstream') problems.add(`${where}: ${at} is empty`);
          for (const k of keys) walk((value as Record<string, unknown>)[k], `${at}.${k}`);
        }
      };
      for (const [k, v] of Object.entries(enrichment)) walk(v, k);
    }
    expect([...problems]).toEqual([]);
  });

  it('covers every identity type and source kind the corpus has', () => {
    const types = new Set<string>();
    const kinds = new Set<string>();
    const tools = new Set<string>();
    for (const { record } of corpus) {
      const e = withGeo.enrich(record);
      types.add(e.trailstream?.identity?.type ?? '-');
      kinds.add(e.trailstream?.source?.kind ?? '-');
      tools.add(e.trailstream?.user_agent?.tool ?? '-');
    }
    expect([...types].sort()).toEqual(['assumed_role', 'aws_account', 'aws_service', 'federated_user', 'iam_user', 'missing', 'root', 'unknown']);
    expect([...kinds].sort()).toEqual(['aws-internal', 'aws-service', 'invalid', 'missing', 'private', 'public']);
    expect([...tools].sort()).toEqual(['-', 'aws-cli', 'aws-internal', 'aws-sdk-go', 'aws-sdk-java', 'aws-service', 'boto3', 'cloudformation', 'console', 'other', 'terraform']);
  });
});

describe('index templates', () => {
  type Mapping = { type?: string; path?: string; properties?: Record<string, Mapping>; ignore_above?: number };
  const propertiesOf = (file: string): Record<string, Mapping> =>
    (JSON.parse(readFileSync(path.resolve(here, '../../../mappings', file), 'utf8')) as { template: { mappings: { properties: Record<string, Mapping> } } }).template.mappings.properties;
  const find = (properties: Record<string, Mapping>, field: string): Mapping | undefined => {
    let at: Mapping | undefined = { properties };
    for (const part of field.split('.')) at = at?.properties?.[part];
    return at;
  };
  const expectedType = (field: string, value: unknown): string => {
    if (field === '@timestamp') return 'date';
    if (field === 'source.ip') return 'ip';
    if (field === 'source.geo.location') return 'geo_point';
    if (field === 'event.risk_score') return 'float';
    if (typeof value === 'boolean') return 'boolean';
    if (typeof value === 'number') return 'long';
    return 'keyword';
  };

  it.each(['cloudtrail-events.template.json', 'cloudtrail-insights.template.json'])('%s maps every field the enricher adds, with its type', (file) => {
    const properties = propertiesOf(file);
    const fields = new Map<string, unknown>();
    const records = [...corpusRecords().map((c) => c.record), ...allCrafted()];
    // Every field a MaxMind City + ASN pair can fill, which the bundled DB-IP data does not.
    const full: GeoLookup = {
      lookup: () => ({
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
        as: { number: 64500, organization: { name: 'Example' } },
      }),
    };
    const withAs = createEnricherSync({ geo: full });
    for (const record of records) {
      leaves(withGeo.enrich(record), '', fields);
      leaves(withAs.enrich(record), '', fields);
    }
    const problems: string[] = [];
    for (const [field, value] of fields) {
      const found = find(properties, field);
      // An alias answers with its target field: that one must have the type.
      const mapping = found?.type === 'alias' && found.path ? find(properties, found.path) : found;
      const expected = expectedType(field, Array.isArray(value) ? value[0] : value);
      if (!mapping) problems.push(`${field} is not mapped`);
      else if (mapping.type !== expected) problems.push(`${field} is mapped as ${mapping.type}, expected ${expected}`);
      else if (expected === 'keyword' && mapping.ignore_above === undefined) problems.push(`${field} has no ignore_above`);
    }
    expect(problems).toEqual([]);
  });
});

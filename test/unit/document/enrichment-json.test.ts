import { createEnricher, type Enricher } from '../../../src/enrich/enricher.js';
import type { Enrichment } from '../../../src/enrich/enrichment.js';
import { enrichmentJson, enrichmentWriter } from '../../../src/document/enrichment-json.js';
import { aliasTreeOf, eventTemplateShape, type AliasTree } from '../../../src/document/field-shapes.js';
import { loadRules } from '../../../src/rules/load-rules.js';
import { corpusRecords } from '../enrich/support/corpus.js';

/** What the writer must produce, the slow and obvious way: a deep copy without the alias paths, through JSON.stringify. */
function reference(value: unknown, aliases: AliasTree | undefined): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const below = aliases?.get(key);
    if (below === true) continue;
    const copy = reference(v, below === undefined ? undefined : below);
    if (copy !== null && typeof copy === 'object' && !Array.isArray(copy) && Object.keys(copy).length === 0) continue;
    out[key] = copy;
  }
  return out;
}

function expected(e: Enrichment, aliases: AliasTree | undefined): unknown {
  return JSON.parse(JSON.stringify(reference(e, aliases) ?? {})) as unknown;
}

const aliases = aliasTreeOf(eventTemplateShape());

describe('enrichment JSON', () => {
  let enricher: Enricher;
  beforeAll(async () => {
    // Geo-IP (the bundled databases) and the shipped rules: every member the enrichment can hold.
    enricher = await createEnricher({ geo: {}, detector: loadRules().matcher.detector() });
  });

  it('writes what JSON.stringify would, without the alias fields, for every record of the real corpus', () => {
    const records = corpusRecords();
    expect(records.length).toBeGreaterThan(1000);
    const seen = new Set<string>();
    for (const { where, record } of records) {
      const e = enricher.enrich(record);
      const json = enrichmentJson(e);
      const parsed = JSON.parse(json) as Record<string, unknown>;
      try {
        expect(parsed).toEqual(expected(e, aliases));
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}`);
      }
      for (const k of Object.keys(parsed)) seen.add(k);
      // A second write of the same enrichment (memoized parts) is the same text.
      expect(enrichmentJson(e)).toBe(json);
    }
    // The corpus exercises every top-level member, so the comparison above covers them all.
    expect([...seen].sort()).toEqual(['@timestamp', 'cloud', 'event', 'rule', 'source', 'trailstream', 'user']);
  });

  it('leaves out exactly the fields the template maps as aliases', () => {
    const e = enricher.enrich({
      eventTime: '2026-11-23T10:00:00Z',
      eventName: 'GetObject',
      eventSource: 's3.amazonaws.com',
      awsRegion: 'eu-west-1',
      recipientAccountId: '111122223333',
      sourceIPAddress: '81.2.69.160',
      userAgent: 'aws-cli/2.15.0',
      userIdentity: { type: 'IAMUser', accountId: '111122223333', accessKeyId: 'AKIAEXAMPLE', userName: 'alice' },
    });
    const doc = JSON.parse(enrichmentJson(e)) as Record<string, Record<string, unknown>>;
    expect(e.event?.action).toBe('GetObject');
    expect(doc.event).not.toHaveProperty('action');
    expect(doc.event).not.toHaveProperty('provider');
    expect(doc.cloud).toEqual({ provider: 'aws' });
    expect(doc.source).not.toHaveProperty('address');
    expect(doc.source?.ip).toBe('81.2.69.160');
    expect(doc).not.toHaveProperty('user_agent'); // only `original`, an alias: nothing left
    expect(doc.trailstream?.identity).not.toHaveProperty('account_id');
    expect(doc.trailstream?.identity).not.toHaveProperty('access_key_id');
    // Without an alias tree every member is written.
    const all = JSON.parse(enrichmentWriter(undefined)(e)) as Record<string, Record<string, unknown>>;
    expect(all.event?.action).toBe('GetObject');
    expect(all.user_agent).toEqual({ original: 'aws-cli/2.15.0' });
    expect(all).toEqual(JSON.parse(JSON.stringify(e)));
  });

  it('escapes strings as JSON.stringify does: quotes, backslashes, control characters, lone surrogates, non-ASCII', () => {
    const write = enrichmentWriter(undefined);
    for (const s of ['a"b', 'back\\slash', 'tab\there', 'nul\u0000', 'line\u2028sep', 'lone \ud800 surrogate', 'pair 🚀', '日本語', '</script>', '']) {
      const e: Enrichment = { user: { name: s }, trailstream: { identity: { type: 'iam_user', principal: s } } };
      const json = write(e);
      expect(json).toBe(JSON.stringify(e));
    }
  });

  it('writes numbers as JSON does, a non-finite one as null, and a value of an unexpected type as JSON.stringify would', () => {
    const write = enrichmentWriter(undefined);
    const cases: Enrichment[] = [
      { event: { kind: 'event', severity: 3, risk_score: 72.5 } },
      { event: { kind: 'event', severity: Number.NaN, risk_score: Infinity } },
      { event: { kind: 'event', severity: -0, risk_score: 1e21 } },
      // A number where a string is expected, an object where a boolean is: written, not dropped or broken.
      { user: { id: 42 as unknown as string }, trailstream: { read_only: { odd: true } as unknown as boolean } },
      { user: { id: undefined, name: 'x' } },
    ];
    for (const e of cases) expect(write(e)).toBe(JSON.stringify(e));
  });

  it('writes one rule as strings and several as arrays', () => {
    const write = enrichmentWriter(undefined);
    const one: Enrichment = { rule: Object.freeze({ id: 'a', name: 'A', ruleset: 'r', reference: 'https://x', category: 'c' }) };
    const two: Enrichment = {
      rule: Object.freeze({ id: ['a', 'b'], name: ['A', 'B "quoted"'], ruleset: ['r', 'r'], reference: ['u', 'v'], category: ['c', 'd'] }),
    };
    expect(write(one)).toBe(JSON.stringify(one));
    expect(write(two)).toBe(JSON.stringify(two));
  });

  it('remembers the JSON of a frozen object only: a mutable one is written afresh each time', () => {
    const write = enrichmentWriter(undefined);
    const geo = Object.freeze({ country_iso_code: 'DE', location: Object.freeze({ lat: 1, lon: 2 }) });
    const first = write({ source: { address: '1.2.3.4', geo } });
    expect(write({ source: { address: '5.6.7.8', geo } })).toBe(first.replace('1.2.3.4', '5.6.7.8'));
    const mutable: { country_iso_code: string } = { country_iso_code: 'DE' };
    expect(write({ source: { address: 'a', geo: mutable } })).toContain('"DE"');
    mutable.country_iso_code = 'FR';
    expect(write({ source: { address: 'a', geo: mutable } })).toContain('"FR"');
  });

  it('writes {} for an enrichment with nothing to write', () => {
    expect(enrichmentJson({})).toBe('{}');
    expect(enrichmentJson({ user_agent: { original: 'only an alias' } })).toBe('{}');
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CloudTrailRecord } from '../../../src/model/cloudtrail.js';
import { loadRules } from '../../../src/rules/load-rules.js';
import { corpusRecords } from '../enrich/support/corpus.js';

/**
 * Every shipped rule against real records: each matches at least one record
 * (from the corpus under test/fixtures/corpus, a full copy of the shared
 * corpus with its licenses, or built from AWS's documented form of the event:
 * test/fixtures/rules/cases.json says which) and misses its near misses — the
 * same record with a safe change. Then the count of every rule over the whole
 * corpus, so a change to a rule shows what it does to real data.
 */
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/rules');

interface NearMiss {
  readonly why: string;
  readonly set?: Record<string, unknown>;
  readonly unset?: readonly string[];
}
interface RuleCase {
  readonly rule: string;
  readonly source: string;
  readonly corpus?: string;
  readonly record?: CloudTrailRecord;
  readonly nearMisses: readonly NearMiss[];
}

const cases = JSON.parse(readFileSync(path.join(FIXTURES, 'cases.json'), 'utf8')) as RuleCase[];
const { matcher } = loadRules();
const idsOf = (record: CloudTrailRecord): string[] => matcher.matches(record).map((r) => r.id);

function recordOf(c: RuleCase): CloudTrailRecord {
  if (c.record) return c.record;
  const found = corpusRecords().find((r) => r.where === c.corpus);
  if (!found) throw new Error(`${c.rule}: no corpus record at ${c.corpus}`);
  return found.record;
}

/** A deep copy with dotted paths (numeric segments index arrays) set or removed. */
function changed(record: CloudTrailRecord, miss: NearMiss): CloudTrailRecord {
  const copy = structuredClone(record) as Record<string, unknown>;
  const walk = (p: string): [Record<string, unknown>, string] => {
    const segs = p.split('.');
    let o: Record<string, unknown> = copy;
    for (const s of segs.slice(0, -1)) {
      o[s] ??= {};
      o = o[s] as Record<string, unknown>;
    }
    return [o, segs[segs.length - 1]!];
  };
  for (const [p, v] of Object.entries(miss.set ?? {})) {
    const [o, k] = walk(p);
    o[k] = v;
  }
  for (const p of miss.unset ?? []) {
    const [o, k] = walk(p);
    delete o[k];
  }
  return copy as CloudTrailRecord;
}

describe('shipped rules', () => {
  it('cover the CIS monitoring controls and the API Gateway risks of issue 14', () => {
    const byRuleset = (name: string) => matcher.rules.filter((r) => r.ruleset === name).map((r) => r.id);
    expect(byRuleset('cis-aws-foundations')).toHaveLength(15);
    expect(byRuleset('apigateway')).toHaveLength(10);
    // Only root use and unauthorized calls can match any eventName; every other rule is indexed.
    expect(matcher.generalRuleCount).toBe(2);
  });

  it('every rule has a matching case', () => {
    const covered = new Set(cases.map((c) => c.rule));
    expect(matcher.rules.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  describe.each(cases.map((c, i) => [`${c.rule} #${i + 1} (${c.corpus ?? 'built'})`, c] as const))('%s', (_name, c) => {
    it('matches its record', () => {
      expect(idsOf(recordOf(c))).toContain(c.rule);
    });
    it.each(c.nearMisses.map((m) => [m.why, m] as const))('misses the near miss: %s', (_why, miss) => {
      expect(c.nearMisses.length).toBeGreaterThan(0);
      expect(idsOf(changed(recordOf(c), miss))).not.toContain(c.rule);
    });
  });

  it('match these counts over the whole corpus (3,440 real records)', () => {
    const records = corpusRecords();
    expect(records).toHaveLength(3440);
    const counts: Record<string, number> = Object.fromEntries(matcher.rules.map((r) => [r.id, 0]));
    let tagged = 0;
    for (const { record } of records) {
      const hits = idsOf(record);
      if (hits.length > 0) tagged++;
      for (const id of hits) counts[id]!++;
    }
    expect(counts).toEqual({
      'apigw-api-deleted': 0,
      'apigw-stage-deleted': 0,
      'apigw-authorizer-deleted': 0,
      'apigw-api-key-deleted': 0,
      'apigw-method-authorization-none': 0,
      'apigw-resource-policy-allows-any-principal': 0,
      'apigw-api-key-created': 0,
      'apigw-custom-domain-changed': 0,
      'apigw-logging-removed': 0,
      'apigw-waf-disassociated': 0,
      'cis-root-account-use': 38,
      'cis-unauthorized-api-calls': 529,
      'cis-console-signin-without-mfa': 42,
      'cis-iam-policy-changes': 54,
      'cis-cloudtrail-config-changes': 24,
      'cis-console-authentication-failures': 1,
      'cis-cmk-disabled-or-scheduled-deletion': 4,
      'cis-s3-bucket-policy-changes': 26,
      'cis-config-changes': 10,
      'cis-security-group-changes': 17,
      'cis-nacl-changes': 12,
      'cis-network-gateway-changes': 9,
      'cis-route-table-changes': 18,
      'cis-vpc-changes': 5,
      'cis-organizations-changes': 5,
    });
    expect(tagged).toBeGreaterThan(500);
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CloudTrailRecord } from '../../src/model/cloudtrail.js';
import { deliveredFiles } from './support/corpus.js';
import { countDocs, createTestPipeline, opensearch, putObject, refresh, ROOT, runCli, type TestPipeline } from './support/local-stack.js';

/**
 * Detections on the real local stack: `setup` loads the rules and says what it
 * did about alerting; the worker CLI indexes a CloudTrail file whose records
 * match rules, and those documents carry rule.* and event.severity under the
 * installed mapping; a bad rule file stops setup and the worker before they
 * touch anything.
 */
interface Case {
  readonly rule: string;
  readonly record?: CloudTrailRecord;
}

const builtRecords = (JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/rules/cases.json'), 'utf8')) as Case[]).filter((c) => c.record).map((c) => c.record!);
// A real delivered file: an IAM user in a lab account, with security group, VPC and gateway changes among its records.
const delivered = deliveredFiles().find((f) => f.records.some((r) => r.eventName === 'AttachInternetGateway'))!;

describe('detections at ingest', () => {
  let p: TestPipeline;

  beforeAll(async () => {
    p = await createTestPipeline('rules');
  });

  it('setup loads the rules and reports the alerting monitors (skipped without the Alerting plugin)', async () => {
    const setup = await runCli(['setup'], p.env);
    expect(setup.stderr).toBe('');
    expect(setup.code).toBe(0);
    expect(setup.stdout).toMatch(/^detection rules: 25 enabled from 2 files$/m);
    const plugins = (await opensearch().cat.plugins({ format: 'json' } as never)).body as { component: string }[];
    if (plugins.some((x) => x.component === 'opensearch-alerting')) {
      expect(setup.stdout).toMatch(/^alerting monitors: (created|4 already present)/m);
    } else {
      expect(setup.stdout).toMatch(/^alerting monitors: skipped: this cluster has no Alerting plugin/m);
    }
  });

  it('the worker tags matching records with rule.* and event.severity, and leaves the others untagged', async () => {
    const records = [...builtRecords, ...delivered.records];
    const key = `AWSLogs/123456789012/CloudTrail/us-east-1/2026/01/15/123456789012_CloudTrail_us-east-1_20260115T1000Z_rules.json.gz`;
    await putObject(p.bucket, key, gzipSync(JSON.stringify({ Records: records })));
    const run = await runCli(['worker', '--until-idle', '3'], p.env);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as { worker: Record<string, number> };
    expect(summary.worker.recordsIndexed).toBe(records.length);

    const index = `${p.indexPrefix}-*`;
    await refresh(index);
    expect(await countDocs(index)).toBe(records.length);

    // Every built API Gateway record (and the WAF one) is a finding of the rule it was built for.
    const built = await opensearch().search({
      index,
      body: { size: 100, query: { ids: { values: builtRecords.map((r) => r.eventID!) } }, _source: ['eventID', 'rule', 'event'] },
    } as never);
    const hits = (built.body as { hits: { hits: { _source: { eventID: string; rule?: { id: string | string[] }; event: { severity?: number; risk_score?: number } } }[] } }).hits.hits;
    expect(hits).toHaveLength(builtRecords.length);
    const cases = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/rules/cases.json'), 'utf8')) as Case[];
    for (const h of hits) {
      const expected = cases.find((c) => c.record?.eventID === h._source.eventID)!.rule;
      expect([h._source.rule?.id].flat()).toContain(expected);
      expect(h._source.event.severity).toEqual(expect.any(Number));
      expect(h._source.event.risk_score).toEqual(expect.any(Number));
    }

    // The mapping makes them searchable as keywords and numbers.
    const bySeverity = await opensearch().search({
      index,
      body: {
        size: 0,
        query: { bool: { filter: [{ term: { 'rule.ruleset': 'apigateway' } }, { range: { 'event.severity': { gte: 3 } } }] } },
        aggs: { rules: { terms: { field: 'rule.id', size: 50 } } },
      },
    } as never);
    const buckets = (bySeverity.body as unknown as { aggregations: { rules: { buckets: { key: string }[] } } }).aggregations.rules.buckets.map((b) => b.key);
    expect(buckets).toEqual(expect.arrayContaining(['apigw-api-deleted', 'apigw-logging-removed', 'apigw-waf-disassociated', 'apigw-resource-policy-allows-any-principal']));
    expect(buckets).not.toContain('apigw-api-key-created'); // low

    // The real delivered file: its network changes are findings, its reads are not.
    const gateway = delivered.records.find((r) => r.eventName === 'AttachInternetGateway')!;
    const read = delivered.records.find((r) => r.eventName === 'DescribeRouteTables' && r.errorCode === undefined)!;
    const docs = await opensearch().search({ index, body: { query: { ids: { values: [gateway.eventID!, read.eventID!] } } } } as never);
    const byId = new Map((docs.body as { hits: { hits: { _id: string; _source: Record<string, unknown> }[] } }).hits.hits.map((h) => [h._id, h._source]));
    expect(byId.get(gateway.eventID!)).toMatchObject({ rule: { id: 'cis-network-gateway-changes', ruleset: 'cis-aws-foundations', category: 'network' }, event: { severity: 2, risk_score: 47 } });
    expect(byId.get(read.eventID!)).not.toHaveProperty('rule');
    expect((byId.get(read.eventID!)!.event as Record<string, unknown>).severity).toBeUndefined();

    const mapping = (await opensearch().indices.getFieldMapping({ index, fields: ['rule.id', 'event.severity', 'event.risk_score'] } as never)).body as Record<
      string,
      { mappings: Record<string, { mapping: Record<string, { type: string }> }> }
    >;
    const fields = Object.values(mapping)[0]!.mappings;
    expect(fields['rule.id']!.mapping.id!.type).toBe('keyword');
    expect(fields['event.severity']!.mapping.severity!.type).toBe('long');
    expect(fields['event.risk_score']!.mapping.risk_score!.type).toBe('float');
  });

  it('a bad rule file stops setup and the worker at start, naming the file, the rule and the fault', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trailstream-rules-'));
    const file = path.join(dir, 'mine.json');
    writeFileSync(
      file,
      JSON.stringify({
        ruleset: 'mine',
        description: 'Mine.',
        rules: [{ id: 'my-rule', name: 'Mine', severity: 'high', category: 'custom', reference: 'https://example.com', condition: { field: 'eventName', startsWith: 'Stop' } }],
      }),
    );
    const env = { ...p.env, TRAILSTREAM_RULES_DIR: dir };
    for (const args of [['setup'], ['worker', '--until-idle', '1']]) {
      const run = await runCli(args, env);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(`rule file ${file}, rule "my-rule": condition: unknown operator "startsWith" on field "eventName"`);
      expect(run.stdout).not.toMatch(/index template|ready for trailstream/);
    }
  });
});

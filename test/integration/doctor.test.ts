import { createTestPipeline, runCli, uniqueName, type CliResult, type TestPipeline } from './support/local-stack.js';
import { setup } from './support/expectations.js';

interface Result {
  check: string;
  status: 'OK' | 'WARN' | 'FAIL' | 'SKIP';
  detail: string;
  fix?: string;
}

/** Distinctive secrets: whatever doctor prints, they must not be in it. */
const OPENSEARCH_PASSWORD = 'doctor-os-Pa55word-7f3a';

describe('trailstream doctor', () => {
  let p: TestPipeline;
  let healthy: Record<string, string>;

  const doctor = async (env: Record<string, string>, args: string[] = []): Promise<CliResult & { results: Result[] }> => {
    const run = await runCli(['doctor', '--json', '--timeout', '10', ...args], env);
    let parsed: { checks: Result[] };
    try {
      parsed = JSON.parse(run.stdout) as { checks: Result[] };
    } catch {
      throw new Error(`doctor printed no JSON (exit ${run.code})\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    }
    // No run, healthy or broken, may ever show a secret.
    for (const secret of [OPENSEARCH_PASSWORD, env.AWS_SECRET_ACCESS_KEY!]) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
    return { ...run, results: parsed.checks };
  };
  const find = (results: Result[], check: string): Result => {
    const r = results.find((x) => x.check === check);
    if (!r) throw new Error(`no ${check} in ${JSON.stringify(results)}`);
    return r;
  };

  beforeAll(async () => {
    p = await createTestPipeline('doctor');
    healthy = {
      ...p.env,
      // The test queue's default visibility is 60 s (local-stack.ts).
      TRAILSTREAM_VISIBILITY_TIMEOUT_SECONDS: '60',
      TRAILSTREAM_HEARTBEAT_INTERVAL_SECONDS: '20',
      // The local stack has no ISM plugin: say no lifecycle is wanted.
      TRAILSTREAM_RETENTION_DAYS: '0',
      // The local OpenSearch runs without the security plugin and ignores basic auth.
      OPENSEARCH_USERNAME: 'admin',
      OPENSEARCH_PASSWORD,
    };
    await setup(healthy);
  });

  it('a healthy configuration on the local stack: every check OK (Dashboards not configured), exit 0', async () => {
    const run = await doctor(healthy);
    expect(run.code).toBe(0);
    const notOk = run.results.filter((r) => r.status !== 'OK');
    expect(notOk).toEqual([{ check: 'dashboards', status: 'SKIP', detail: expect.stringContaining('OPENSEARCH_DASHBOARDS_URL is not set') }]);
    expect(run.results.map((r) => r.check)).toEqual([
      'config',
      'aws.credentials',
      'sqs.queue',
      'sqs.queue.visibility',
      'sqs.queue.redrive',
      'sqs.dlq',
      `s3.bucket ${p.bucket}`,
      'opensearch.reachable',
      'opensearch.version',
      'opensearch.health',
      'opensearch.plugins',
      'opensearch.templates',
      'dashboards',
      'geoip',
      'rules',
    ]);
    expect(find(run.results, 'opensearch.version').detail).toContain('2.19');
  });

  it('the text output: one line per check, a fix line under each WARN and FAIL, no secret', async () => {
    const run = await runCli(['doctor'], { ...healthy, TRAILSTREAM_RETENTION_DAYS: '90' });
    expect(run.code).toBe(0); // a warning is not a failure
    expect(run.stdout).toMatch(/^OK {4}config {2,}loaded/m);
    expect(run.stdout).toMatch(/^WARN {2}opensearch\.plugins +plugins: .*index-management \(ISM\) is missing.*\n {6,}fix: run trailstream prune --older-than 90 on a schedule.*install the opensearch-index-management plugin/m);
    expect(run.stdout).not.toContain(OPENSEARCH_PASSWORD);
  });

  const broken: [string, () => Record<string, string>, string, RegExp, RegExp][] = [
    ['a queue URL that does not exist', () => ({ ...healthy, TRAILSTREAM_QUEUE_URL: `${p.queueUrl}-nope` }), 'sqs.queue', /does not exist/, /TRAILSTREAM_QUEUE_URL/],
    ['a bucket that does not exist', () => ({ ...healthy, TRAILSTREAM_BUCKET: uniqueName('no-such-bucket') }), `s3.bucket`, /does not exist \(NoSuchBucket\)/, /TRAILSTREAM_ALLOWED_BUCKETS/],
    ['OpenSearch on a closed port', () => ({ ...healthy, OPENSEARCH_URL: 'http://127.0.0.1:1' }), 'opensearch.reachable', /not reachable/, /OPENSEARCH_URL/],
    ['templates not installed (a fresh prefix, no setup)', () => ({ ...healthy, TRAILSTREAM_INDEX_PREFIX: uniqueName('doctor-fresh'), TRAILSTREAM_DEAD_LETTER_INDEX: uniqueName('doctor-fresh-dl') }), 'opensearch.templates', /not installed/, /run trailstream setup/],
    ['a geo-IP database path that does not exist', () => ({ ...healthy, TRAILSTREAM_GEOIP_CITY_DB: '/nonexistent/GeoLite2-City.mmdb' }), 'geoip', /\/nonexistent\/GeoLite2-City\.mmdb/, /TRAILSTREAM_GEOIP_CITY_DB/],
    ['a disabled rule id that does not exist', () => ({ ...healthy, TRAILSTREAM_RULES_DISABLED: 'cis-no-such-rule' }), 'rules', /TRAILSTREAM_RULES_DISABLED names a rule that does not exist: cis-no-such-rule/, /setup and worker refuse to start/],
    ['an invalid configuration value', () => ({ ...healthy, TRAILSTREAM_BULK_MAX_DOCS: 'lots' }), 'config', /TRAILSTREAM_BULK_MAX_DOCS="lots"/, /docs\/configuration\.md/],
    ['an invalid secret value is not echoed', () => ({ ...healthy, OPENSEARCH_URL: `http://admin:${OPENSEARCH_PASSWORD}@127.0.0.1:9200` }), 'config', /OPENSEARCH_URL contains credentials/, /correct the variables/],
  ];

  it.each(broken)('%s: the right check fails with a fix line, exit 1', async (_what, env, check, detail, fix) => {
    const run = await doctor(env());
    expect(run.code).toBe(1);
    const failed = run.results.filter((r) => r.status === 'FAIL');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.check.startsWith(check)).toBe(true);
    expect(failed[0]!.detail).toMatch(detail);
    expect(failed[0]!.fix).toMatch(fix);
  });

  it('checks that need a failed one are skipped, the others still run', async () => {
    const run = await doctor({ ...healthy, OPENSEARCH_URL: 'http://127.0.0.1:1' });
    for (const c of ['opensearch.version', 'opensearch.health', 'opensearch.plugins', 'opensearch.templates']) {
      if (c === 'opensearch.version') {
        expect(run.results.some((r) => r.check === c)).toBe(false); // reported by the reachability check only when it answers
        continue;
      }
      expect(find(run.results, c)).toMatchObject({ status: 'SKIP', detail: 'not checked: opensearch.reachable did not pass' });
    }
    expect(find(run.results, 'sqs.queue').status).toBe('OK');
    expect(find(run.results, 'geoip').status).toBe('OK');
  });

  it('a DLQ holding messages and a queue without redrive policy are warnings that say what to do', async () => {
    const q = await createTestPipeline('doctor-w');
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    const { sqs } = await import('./support/local-stack.js');
    await sqs().send(new SendMessageCommand({ QueueUrl: q.dlqUrl, MessageBody: 'x' }));
    // The DLQ as the main queue: it has no redrive policy of its own.
    const run = await doctor({ ...healthy, TRAILSTREAM_QUEUE_URL: q.dlqUrl, TRAILSTREAM_DLQ_URL: q.dlqUrl });
    expect(run.code).toBe(0);
    expect(find(run.results, 'sqs.queue.redrive')).toMatchObject({ status: 'WARN', fix: expect.stringContaining('RedrivePolicy') });
    expect(find(run.results, 'sqs.dlq')).toMatchObject({ status: 'WARN', fix: expect.stringContaining('trailstream replay-dlq --dry-run') });
  });

  it('a queue that redrives to another queue than TRAILSTREAM_DLQ_URL is a warning naming both', async () => {
    const other = await createTestPipeline('doctor-r');
    const run = await doctor({ ...healthy, TRAILSTREAM_DLQ_URL: other.dlqUrl });
    expect(run.code).toBe(0);
    const redrive = find(run.results, 'sqs.queue.redrive');
    expect(redrive).toMatchObject({ status: 'WARN', fix: expect.stringContaining('TRAILSTREAM_DLQ_URL') });
    expect(JSON.stringify(redrive)).toContain(other.dlqUrl);
    // With the right DLQ the same check is OK (the healthy run above).
  });
});

import { encodeLogFile, generateLogFiles } from '../../src/demo/generator.js';
import { dayOf } from '../../src/model/event-time.js';
import { periodOfDay } from '../../src/model/index-period.js';
import { existingGranularities } from '../../src/sink/lifecycle-ages.js';
import { jsonHttp } from '../../src/sink/search-client.js';
import { createTestPipeline, opensearch, putObject, runCli, search, type TestPipeline } from './support/local-stack.js';
import { allDocs, expectExactlyOnce, runWorkerUntilDrained, setup } from './support/expectations.js';

const DAY = 86_400_000;
const dayName = (ms: number): string => dayOf(new Date(ms).toISOString())!;

/**
 * Index granularity and retention on the real local stack (which has no ISM
 * plugin, so `prune` is the lifecycle here): a worker with week granularity
 * writes week indices, and `prune` deletes exactly the expired indices of
 * several periods and granularities — never the current period's, the undated
 * or dead-letter index, or another prefix's.
 */
describe('index granularity and prune', () => {
  let p: TestPipeline;
  let env: Record<string, string>;

  const indices = async (): Promise<string[]> => {
    const res = await opensearch().transport.request({ method: 'GET', path: `/_cat/indices/${p.indexPrefix}*`, querystring: { format: 'json', h: 'index' } });
    return (res.body as { index: string }[]).map((r) => r.index).sort();
  };
  const create = async (name: string): Promise<void> => {
    await opensearch().transport.request({ method: 'PUT', path: `/${name}`, body: { settings: { number_of_replicas: 0 } } });
  };

  beforeAll(async () => {
    p = await createTestPipeline('retention');
    env = { ...p.env, TRAILSTREAM_INDEX_GRANULARITY: 'week', TRAILSTREAM_RETENTION_DAYS: '0' };
    await setup(env);
  });

  it('a worker with TRAILSTREAM_INDEX_GRANULARITY=week writes each record to its eventTime\'s ISO week index, exactly once', async () => {
    // Two files across a week boundary: Sunday 2026-05-10 23:55 and Monday 2026-05-11 00:00 UTC.
    const files = [
      ...generateLogFiles({ seed: 7, start: new Date(Date.UTC(2026, 4, 10, 23, 55)), files: 1, recordsPerFile: 50 }),
      ...generateLogFiles({ seed: 8, start: new Date(Date.UTC(2026, 4, 11, 0, 0)), files: 1, recordsPerFile: 50 }),
    ];
    for (const f of files) await putObject(p.bucket, f.key, encodeLogFile(f.records));
    const summary = await runWorkerUntilDrained(p, env);
    expect(summary.worker.recordsIndexed).toBe(100);
    const records = files.flatMap((f) => f.records);
    await expectExactlyOnce(p, records.map((r) => r.eventID!));
    const docs = await allDocs(`${p.indexPrefix}-*`);
    const byId = new Map(records.map((r) => [r.eventID!, r]));
    for (const d of docs) expect(d.index).toBe(`${p.indexPrefix}-${periodOfDay(dayOf(byId.get(d.id)!.eventTime)!, 'week')}`);
    expect(new Set(docs.map((d) => d.index))).toEqual(new Set([`${p.indexPrefix}-2026.w19`, `${p.indexPrefix}-2026.w20`]));
  });

  it('prune --older-than deletes whole expired indices of every granularity by the date in their name, and nothing else', async () => {
    const now = Date.now();
    const old = [
      `${p.indexPrefix}-${dayName(now - 40 * DAY)}`,
      `${p.indexPrefix}-${periodOfDay(dayName(now - 60 * DAY), 'week')}`,
      `${p.indexPrefix}-${periodOfDay(dayName(now - 100 * DAY), 'month')}`,
      `${p.indexPrefix}-insights-${dayName(now - 45 * DAY)}`,
    ];
    const kept = [
      `${p.indexPrefix}-${dayName(now)}`, // the current day
      `${p.indexPrefix}-${periodOfDay(dayName(now), 'week')}`, // the current week
      `${p.indexPrefix}-${periodOfDay(dayName(now), 'month')}`, // the current month
      `${p.indexPrefix}-${dayName(now - 10 * DAY)}`, // ended 9–10 days ago
      `${p.indexPrefix}-undated`,
      `${p.indexPrefix}-prod-${dayName(now - 400 * DAY)}`, // another installation's prefix
      `${p.indexPrefix}x-${dayName(now - 400 * DAY)}`,
      p.deadLetterIndex,
    ];
    for (const name of [...old, ...kept]) await create(name);
    // The worker's week indices of May 2026 (more than 30 days before this test can run) are expired too.
    const weekIndices = [`${p.indexPrefix}-2026.w19`, `${p.indexPrefix}-2026.w20`];
    const expired = [...old, ...weekIndices].sort();
    const before = await indices();

    const dry = await runCli(['prune', '--older-than', '30', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(await indices()).toEqual(before);
    const wouldDelete = dry.stdout.split('\n').filter((l) => l.startsWith('would delete')).map((l) => l.split(/\s+/)[2]).sort();
    expect(wouldDelete).toEqual(expired);
    expect(dry.stdout).toMatch(new RegExp(`dry run: ${expired.length} index\\(es\\) would be deleted`));

    const run = await runCli(['prune', '--older-than', '30'], env);
    expect(run.code).toBe(0);
    const deleted = run.stdout.split('\n').filter((l) => l.startsWith('deleted')).map((l) => l.split(/\s+/)[1]).sort();
    expect(deleted).toEqual(expired);
    expect(await indices()).toEqual(before.filter((n) => !expired.includes(n)));
    for (const name of kept) expect(await indices()).toContain(name);

    // A second run finds nothing more to delete.
    const again = await runCli(['prune', '--older-than', '30'], env);
    expect(again.stdout).toMatch(/^0 index\(es\) deleted/m);
  });

  it('reads the granularity of the existing indices from their names on the real engine (what keeps the lifecycle margin after a granularity change)', async () => {
    // A prefix of its own: a month index, a week (Insights) index, and names that are no period.
    const q = `${p.indexPrefix}gran`;
    for (const name of [`${q}-2025.03`, `${q}-insights-2025.w07`, `${q}-2025.02.30x`, `${q}-undated`]) await create(name);
    const http = jsonHttp(search());
    expect(await existingGranularities(http, q)).toEqual(['week', 'month']);
    await create(`${q}-2025.03.01`);
    expect(await existingGranularities(http, q)).toEqual(['day', 'week', 'month']);
    expect(await existingGranularities(http, `${q}none`)).toEqual([]);
    // setup on this cluster (no ISM) still succeeds with the granularity lowered to day, and says it has no lifecycle plugin.
    const run = await runCli(['setup'], { ...env, TRAILSTREAM_INDEX_GRANULARITY: 'day', TRAILSTREAM_RETENTION_DAYS: '90' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/lifecycle policy .*: skipped: this cluster has no Index State Management plugin/);
  });

  it('refuses --older-than below one day with a clear message', async () => {
    const run = await runCli(['prune', '--older-than', '0'], env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/--older-than.*whole number of days from 1/);
  });
});

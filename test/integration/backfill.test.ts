import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeLogFile, generateLogFiles } from '../../src/demo/generator.js';
import { deliveredFiles } from './support/corpus.js';
import { FaultProxy, type ProxyHandler } from './support/fault-proxy.js';
import { allDocs, deadLetterDocs, eventIndices, expectExactlyOnce, logLines, realAwsEndpointUrl, setup, spawnCli, waitFor, type LogLine, type RunningWorker } from './support/expectations.js';
import { countDocs, createTestPipeline, putObject, type CliResult, type TestPipeline } from './support/local-stack.js';

/**
 * `trailstream backfill` on the real stack: S3 objects laid out as CloudTrail
 * delivers them (several days across a month boundary, accounts, an
 * organization trail, regions), read without the queue. S3 is reached through
 * a pass-through proxy whose log shows exactly what was listed and fetched.
 */

const A = '111111111111';
const B = '222222222222';
const C = '333333333333'; // in an organization trail
const ORG = 'o-backfill01';
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'] as const;
const DAYS = ['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02'] as const;

interface PlacedFile {
  readonly key: string;
  readonly gz: Buffer;
  readonly ids: string[];
  readonly account: string;
  readonly region: string;
  /** Delivery time in the key, e.g. 2024-02-28T12:05Z. */
  readonly at: Date;
}

/** The 28 real delivered files, each placed once, spread over days, accounts, regions and times of day. */
function placeCorpus(): PlacedFile[] {
  return deliveredFiles().map((f, i) => {
    const account = [A, B, C][i % 3]!;
    const region = REGIONS[Math.floor(i / 3) % 3]!;
    const day = DAYS[i % DAYS.length]!;
    const hh = String((i * 5) % 24).padStart(2, '0');
    const stamp = `${day.replace(/-/g, '')}T${hh}05Z`;
    const root = account === C ? `AWSLogs/${ORG}/` : 'AWSLogs/';
    const key = `trail/${root}${account}/CloudTrail/${region}/${day.replace(/-/g, '/')}/${account}_CloudTrail_${region}_${stamp}_file${i}.json.gz`;
    return { key, gz: f.gz, ids: f.records.map((r) => r.eventID!), account, region, at: new Date(`${day}T${hh}:05:00Z`) };
  });
}

const SINCE = new Date('2024-02-28T12:00:00Z');
const UNTIL = new Date('2024-03-02T00:00:00Z');
const FILTER_ARGS = ['--since', '2024-02-28T12:00', '--until', '2024-03-02', '--account', `${A},${C}`, '--region', 'us-east-1', '--region', 'eu-west-1'];
const selected = (f: PlacedFile): boolean =>
  [A, C].includes(f.account) && ['us-east-1', 'eu-west-1'].includes(f.region) && f.at >= SINCE && f.at < UNTIL;

interface BackfillSummary {
  readonly backfill: Record<string, number>;
  readonly interrupted?: string;
  readonly peakRssMb: number;
}

function startBackfill(args: string[], env: Record<string, string>, cwd: string): RunningWorker {
  return spawnCli(['backfill', ...args], env, cwd);
}

async function backfill(args: string[], env: Record<string, string>, cwd: string): Promise<CliResult & { summary: BackfillSummary; logs: LogLine[] }> {
  const run = await startBackfill(args, env, cwd).exited;
  const line = run.stdout.trim().split('\n').pop() ?? '';
  let summary: BackfillSummary;
  try {
    summary = JSON.parse(line) as BackfillSummary;
  } catch {
    throw new Error(`backfill printed no summary (exit ${run.code})\nstdout: ${run.stdout.slice(-2000)}\nstderr: ${run.stderr.slice(-4000)}`);
  }
  return { ...run, summary, logs: logLines(run.stderr) };
}

/** Path-style requests of the proxy log: GetObject keys and ListObjectsV2 query parameters. */
function s3Requests(proxy: FaultProxy, bucket: string): { gets: string[]; lists: URLSearchParams[] } {
  const gets: string[] = [];
  const lists: URLSearchParams[] = [];
  for (const entry of proxy.log) {
    const url = new URL(entry.url, 'http://x');
    if (entry.method !== 'GET') continue;
    if (url.pathname === `/${bucket}` || url.pathname === `/${bucket}/`) {
      if (url.searchParams.get('list-type') === '2') lists.push(url.searchParams);
    } else if (url.pathname.startsWith(`/${bucket}/`)) {
      gets.push(decodeURIComponent(url.pathname.slice(bucket.length + 2)));
    }
  }
  return { gets, lists };
}

describe('backfill', () => {
  const placed = placeCorpus();
  const inRange = placed.filter(selected);
  const expectedIds = inRange.flatMap((f) => f.ids);
  let proxy: FaultProxy;
  let work: string;

  beforeAll(async () => {
    proxy = await FaultProxy.start(realAwsEndpointUrl());
    work = await mkdtemp(path.join(tmpdir(), 'trailstream-backfill-'));
  });
  afterAll(async () => {
    await proxy.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('the layout under test is meaningful: files on both sides of every filter', () => {
    expect(inRange.length).toBeGreaterThanOrEqual(4);
    expect(placed.length - inRange.length).toBeGreaterThanOrEqual(10);
    expect(placed.some((f) => !selected(f) && f.at < SINCE && [A, C].includes(f.account))).toBe(true);
    expect(placed.some((f) => !selected(f) && f.at >= UNTIL)).toBe(true);
    expect(placed.some((f) => f.region === 'ap-southeast-2' && f.at >= SINCE && f.at < UNTIL)).toBe(true);
    expect(placed.some((f) => f.account === B && f.at >= SINCE && f.at < UNTIL)).toBe(true);
    expect(inRange.some((f) => f.account === C)).toBe(true);
  });

  describe('from S3', () => {
    let p: TestPipeline;
    let env: Record<string, string>;
    const cwd = (): string => path.join(work, 's3');

    beforeAll(async () => {
      p = await createTestPipeline('backfill-s3');
      env = { ...p.env, AWS_ENDPOINT_URL: proxy.url, TRAILSTREAM_GEOIP_DISABLED: 'true' };
      await setup(env);
      for (const f of placed) await putObject(p.bucket, f.key, f.gz);
      // A digest file in range: never listed, never fetched.
      const digest = `trail/AWSLogs/${A}/CloudTrail-Digest/us-east-1/2024/02/29/${A}_CloudTrail-Digest_us-east-1_trail_us-east-1_20240229T0100Z.json.gz`;
      await putObject(p.bucket, digest, Buffer.from('{}'));
      await mkdir(cwd(), { recursive: true });
    });

    it('indexes exactly the records of the files in range, fetching no other object and listing only day folders', async () => {
      proxy.log.length = 0;
      const run = await backfill([`s3://${p.bucket}/trail`, ...FILTER_ARGS], env, cwd());
      expect(run.stderr).not.toMatch(/"level":"(error|fatal)"/);
      expect(run.code).toBe(0);
      expect(run.summary.backfill).toMatchObject({
        objectsListed: inRange.length,
        objectsProcessed: inRange.length,
        objectsFailed: 0,
        objectsAlreadyDone: 0,
        records: expectedIds.length,
        recordsIndexed: expectedIds.length,
        recordsDeadLettered: 0,
      });
      await expectExactlyOnce(p, expectedIds);
      expect(await deadLetterDocs(p)).toEqual([]);

      const { gets, lists } = s3Requests(proxy, p.bucket);
      expect(gets.sort()).toEqual(inRange.map((f) => f.key).sort());
      for (const q of lists) {
        const prefix = q.get('prefix') ?? '';
        // Either a Delimiter listing (one level of folders) or the listing of one day folder.
        if (q.get('delimiter') === '/') continue;
        expect(prefix).toMatch(/\/CloudTrail\/(us-east-1|eu-west-1)\/2024\/(02\/2[89]|02\/29|03\/01)\/$/);
        expect(prefix).toMatch(new RegExp(`/(${A}|${C})/`));
      }
      expect(lists.some((q) => (q.get('prefix') ?? '').includes('Digest'))).toBe(false);
    });

    it('a rerun of the completed backfill reads nothing (checkpoint); without the checkpoint it rewrites the same documents', async () => {
      const docsBefore = await countDocs(eventIndices(p));
      proxy.log.length = 0;
      const again = await backfill([`s3://${p.bucket}/trail`, ...FILTER_ARGS], env, cwd());
      expect(again.code).toBe(0);
      expect(again.summary.backfill).toMatchObject({ objectsListed: inRange.length, objectsAlreadyDone: inRange.length, objectsProcessed: 0, records: 0 });
      expect(s3Requests(proxy, p.bucket).gets).toEqual([]);

      const fresh = await backfill([`s3://${p.bucket}/trail`, ...FILTER_ARGS, '--no-checkpoint'], env, cwd());
      expect(fresh.code).toBe(0);
      expect(fresh.summary.backfill).toMatchObject({ objectsAlreadyDone: 0, objectsProcessed: inRange.length, recordsIndexed: expectedIds.length });
      expect(await countDocs(eventIndices(p))).toBe(docsBefore);
      await expectExactlyOnce(p, expectedIds);
    });

    it('refuses a bucket that is not allowed, a missing bucket and a reversed range, with exit 2 and what to do', async () => {
      const notAllowed = await startBackfill(['s3://someone-elses-bucket', '--since', '2024-01-01'], env, cwd()).exited;
      expect(notAllowed.code).toBe(2);
      expect(notAllowed.stderr).toMatch(/someone-elses-bucket is not on the allow-list.*TRAILSTREAM_ALLOWED_BUCKETS/);
      expect(notAllowed.stdout).toBe('');

      const missing = await startBackfill(['s3://no-such-bucket-backfill', '--since', '2024-01-01'], { ...env, TRAILSTREAM_ALLOWED_BUCKETS: 'no-such-bucket-backfill' }, cwd()).exited;
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/bucket no-such-bucket-backfill does not exist/);

      const reversed = await startBackfill([`s3://${p.bucket}`, '--since', '2024-03-01', '--until', '2024-02-01'], env, cwd()).exited;
      expect(reversed.code).toBe(2);
      expect(reversed.stderr).toMatch(/--since .* must be before --until/);

      const noDir = path.join(work, 'no-such-directory');
      const missingDir = await startBackfill([noDir], env, cwd()).exited;
      expect(missingDir.code).toBe(2);
      expect(missingDir.stderr).toContain(`${noDir} does not exist`);
    });
  });

  describe('from a local directory', () => {
    it('indexes exactly the files in range from a copy of the bucket, reports a corrupt file and exits 1', async () => {
      const p = await createTestPipeline('backfill-local');
      const env = { ...p.env, TRAILSTREAM_GEOIP_DISABLED: 'true' };
      await setup(env);
      const dir = path.join(work, 'copy');
      for (const f of placed) {
        await mkdir(path.dirname(path.join(dir, f.key)), { recursive: true });
        await writeFile(path.join(dir, f.key), f.gz);
      }
      const corruptKey = `trail/AWSLogs/${A}/CloudTrail/us-east-1/2024/02/29/${A}_CloudTrail_us-east-1_20240229T1000Z_corrupt.json.gz`;
      // A gzip header followed by bytes that are not deflate data: no record can come out of it.
      await writeFile(path.join(dir, corruptKey), Buffer.concat([gzipSync(Buffer.from('{"Records":[')).subarray(0, 10), Buffer.from('garbage that is not deflate')]));

      const run = await backfill([dir, ...FILTER_ARGS], env, work);
      expect(run.code).toBe(1);
      expect(run.summary.backfill).toMatchObject({
        objectsListed: inRange.length + 1,
        objectsProcessed: inRange.length,
        objectsFailed: 1,
        recordsDeadLettered: 0,
      });
      const failure = run.logs.find((l) => l.msg.startsWith('object failed'));
      expect(failure).toMatchObject({ key: corruptKey, kind: 'non-retryable' });
      expect(String(failure?.error)).not.toBe('');
      await expectExactlyOnce(p, expectedIds);
    });
  });

  describe('interrupted and resumed', () => {
    const FILES = 40;
    const generated = [...generateLogFiles({ seed: 613, start: new Date(Date.UTC(2025, 0, 31, 20, 0)), files: FILES, recordsPerFile: 800, accounts: [A], regions: ['us-east-1'] })];
    const ids = generated.flatMap((f) => f.records.map((r) => r.eventID!));

    /** GetObject answered slowly, so that the run is really in the middle when it is stopped. */
    const slowGets = (bucket: string): ProxyHandler => async (ex) => {
      const reply = await ex.forward();
      const isGet = ex.method === 'GET' && new URL(ex.url, 'http://x').pathname.startsWith(`/${bucket}/`);
      return isGet ? { ...reply, delayMs: 300 } : reply;
    };

    async function pipelineWithGenerated(name: string): Promise<{ p: TestPipeline; env: Record<string, string> }> {
      const p = await createTestPipeline(name);
      const env = {
        ...p.env,
        AWS_ENDPOINT_URL: proxy.url,
        TRAILSTREAM_GEOIP_DISABLED: 'true',
        TRAILSTREAM_OBJECT_CONCURRENCY: '2',
        TRAILSTREAM_BACKFILL_CHECKPOINT_SECONDS: '1',
        TRAILSTREAM_LOG_LEVEL: 'info',
      };
      await setup(env);
      for (const f of generated) await putObject(p.bucket, f.key, encodeLogFile(f.records));
      proxy.handler = slowGets(p.bucket);
      return { p, env };
    }

    afterEach(() => {
      proxy.handler = async (ex) => ex.forward();
    });

    const completedIn = (file: string): string[] => (JSON.parse(readFileSync(file, 'utf8')) as { completed: string[] }).completed;

    it.each(['SIGINT', 'SIGKILL'] as const)('after %s mid-run, the resumed run skips the checkpointed objects and every record is indexed exactly once', async (signal) => {
      const { p, env } = await pipelineWithGenerated(`backfill-${signal.toLowerCase()}`);
      const checkpoint = path.join(work, `${signal}.json`);
      const args = [`s3://${p.bucket}`, '--since', '2025-01-31', '--until', '2025-02-02', '--checkpoint', checkpoint];
      proxy.log.length = 0;
      const first = startBackfill(args, env, work);
      // Stopped once a few objects are checkpointed and many remain.
      await waitFor('some objects checkpointed', async () => existsSync(checkpoint) && completedIn(checkpoint).length >= 4, 120_000, 50);
      first.kill(signal);
      const stopped = await first.exited;
      const done = completedIn(checkpoint);
      expect(done.length).toBeGreaterThanOrEqual(4);
      expect(done.length).toBeLessThan(FILES);

      if (signal === 'SIGINT') {
        expect(stopped.code).toBe(130);
        const summary = JSON.parse(stopped.stdout.trim().split('\n').pop()!) as BackfillSummary;
        expect(summary.interrupted).toBe('SIGINT');
        // Everything processed was checkpointed, and nothing else.
        expect(summary.backfill.objectsProcessed).toBe(done.length);
        expect(summary.backfill.objectsProcessed! + summary.backfill.objectsAbandoned!).toBeLessThan(FILES);
      } else {
        expect(stopped.code).toBeNull();
        expect(stopped.stdout).toBe('');
      }
      // Each checkpointed object's records are all durable already.
      const byKey = new Map(generated.map((f) => [`s3://${p.bucket}/${f.key}`, f.records.map((r) => r.eventID!)]));
      const indexed = new Set((await allDocs(eventIndices(p))).map((d) => d.id));
      for (const id of done) expect(byKey.get(id)!.every((e) => indexed.has(e))).toBe(true);

      proxy.log.length = 0;
      const resumed = await backfill(args, env, work);
      expect(resumed.code).toBe(0);
      expect(resumed.summary.backfill).toMatchObject({ objectsListed: FILES, objectsAlreadyDone: done.length, objectsProcessed: FILES - done.length, objectsFailed: 0 });
      // The checkpointed objects were not read again.
      const fetched = new Set(s3Requests(proxy, p.bucket).gets.map((k) => `s3://${p.bucket}/${k}`));
      expect(done.filter((id) => fetched.has(id))).toEqual([]);
      expect(fetched.size).toBe(FILES - done.length);
      await expectExactlyOnce(p, ids);
      expect(completedIn(checkpoint).length).toBe(FILES);
    });
  });
});

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { LOCAL_BUCKET, LocalFileSource, walkLocal } from '../../../src/backfill/local-source.js';
import type { LayoutFilters } from '../../../src/backfill/source.js';
import { parseInstant } from '../../../src/backfill/time-range.js';
import { UserFacingError } from '../../../src/errors.js';
import { processObject, type ObjectPipelineDeps } from '../../../src/pipeline/process-object.js';
import { BulkIndexer } from '../../../src/sink/bulk-indexer.js';
import type { BulkResponse, BulkTransport } from '../../../src/sink/bulk-transport.js';
import { deliveredCorpus } from '../decode/helpers.js';

const A = '111111111111';
const B = '222222222222';
const none: LayoutFilters = { accounts: [], regions: [] };

async function keysOf(root: string, range: { since?: string; until?: string } = {}, filters = none): Promise<string[]> {
  const out: string[] = [];
  const r = {
    since: range.since === undefined ? undefined : parseInstant(range.since, ''),
    until: range.until === undefined ? undefined : parseInstant(range.until, ''),
  };
  for await (const f of walkLocal(root, r, filters)) out.push(f.key);
  return out;
}

describe('local backfill source', () => {
  let dir: string;
  const corpus = deliveredCorpus()[0]!;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'trailstream-local-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function put(rel: string, body: Buffer | string = corpus.gz): Promise<string> {
    const file = path.join(dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, body);
    return file;
  }

  it('walks a directory in name order with keys relative to it, filtering by layout or file name', async () => {
    const inLayout = `AWSLogs/${A}/CloudTrail/us-east-1/2024/05/01/${A}_CloudTrail_us-east-1_20240501T1000Z_a.json.gz`;
    const otherAccount = `AWSLogs/${B}/CloudTrail/us-east-1/2024/05/01/${B}_CloudTrail_us-east-1_20240501T1000Z_b.json.gz`;
    const late = `AWSLogs/${A}/CloudTrail/us-east-1/2024/05/02/${A}_CloudTrail_us-east-1_20240502T0000Z_c.json.gz`;
    const flat = `flat/${A}_CloudTrail_eu-west-1_20240501T2355Z_d.json.gz`;
    const anonymous = 'misc/export.json.gz';
    for (const k of [inLayout, otherAccount, late, flat, anonymous]) await put(k);

    expect(await keysOf(dir)).toEqual([inLayout, otherAccount, late, flat, anonymous].sort());
    expect(await keysOf(dir, { since: '2024-05-01', until: '2024-05-02' }, { accounts: [A], regions: [] })).toEqual([inLayout, flat]);
    expect(await keysOf(dir, {}, { accounts: [], regions: ['eu-west-1'] })).toEqual([flat]);
    // A file that names neither account, region nor time is only taken without filters.
    expect(await keysOf(dir, { since: '2000-01-01' })).not.toContain(anonymous);
  });

  it('takes a named file as it is, with its directory as root', async () => {
    const file = await put('x/whatever.json.gz');
    const found = [];
    for await (const f of walkLocal(file, { since: parseInstant('2030-01-01', ''), until: undefined }, { accounts: [A], regions: [] })) found.push(f);
    expect(found).toEqual([{ root: path.join(dir, 'x'), key: 'whatever.json.gz', path: file, size: corpus.gz.length }]);
  });

  it('a missing path is a user error naming it', async () => {
    const missing = path.join(dir, 'nope');
    await expect(keysOf(missing)).rejects.toThrow(UserFacingError);
    await expect(keysOf(missing)).rejects.toThrow(`${missing} does not exist`);
  });

  it('does not follow symbolic links to directories (no loops)', async () => {
    await put('a/file.json.gz');
    await symlink(dir, path.join(dir, 'a', 'loop'));
    expect(await keysOf(dir)).toEqual(['a/file.json.gz']);
  });

  function depsFor(root: string, limits = { maxDecompressedBytes: 1 << 30, maxCompressionRatio: 200, maxRecordBytes: 1 << 20 }) {
    const ids: string[] = [];
    const transport: BulkTransport = {
      async bulk(body: Buffer, itemCount: number): Promise<BulkResponse> {
        const lines = body.toString('utf8').trim().split('\n');
        for (let i = 0; i < lines.length; i += 2) ids.push((JSON.parse(lines[i]!) as { index: { _id: string } }).index._id);
        return { ok: true, items: Array.from({ length: itemCount }, () => ({ status: 201 })) };
      },
    };
    const indexer = new BulkIndexer(transport, {
      maxBytes: 1 << 20, bytesLimit: 2 << 20, maxDocs: 500, lingerMs: 1, concurrency: 1, maxBufferedBytes: 4 << 20,
      retry: { maxRetries: 0, baseMs: 1, capMs: 1 }, deadLetterIndex: 'dl',
    });
    const deps: ObjectPipelineDeps = {
      options: { allowList: [{ bucket: LOCAL_BUCKET, prefix: '' }], keyPattern: /\.json(\.gz)?$/, indexPrefix: 'ct', limits },
      objects: new LocalFileSource(root),
      indexer,
      logger: pino({ level: 'silent' }),
    };
    return { deps, ids };
  }

  it('streams a file through processObject: every record indexed under its eventID, bytes counted', async () => {
    await put('d/file.json.gz');
    const { deps, ids } = depsFor(path.join(dir, 'd'));
    const result = await processObject({ bucket: LOCAL_BUCKET, key: 'file.json.gz' }, deps);
    const expected = (JSON.parse(corpus.json.toString('utf8')) as { Records: { eventID: string }[] }).Records.map((r) => r.eventID);
    expect(result).toMatchObject({ outcome: 'done', records: expected.length, indexed: expected.length, compressedBytes: corpus.gz.length });
    expect(ids).toEqual(expected);
  });

  it('applies the same decode limits and failures as S3 objects', async () => {
    const bomb = gzipSync(Buffer.from(`{"Records":[{"eventID":"x","pad":"${'a'.repeat(2_000_000)}"}]}`));
    await put('d/bomb.json.gz', bomb);
    await put('d/corrupt.json.gz', Buffer.concat([corpus.gz.subarray(0, 40), Buffer.from('not gzip at all')]));
    const { deps } = depsFor(path.join(dir, 'd'), { maxDecompressedBytes: 1 << 30, maxCompressionRatio: 50, maxRecordBytes: 4 << 20 });
    const r1 = await processObject({ bucket: LOCAL_BUCKET, key: 'bomb.json.gz' }, deps);
    expect(r1.outcome).toBe('failed');
    expect(r1.error?.code).toBe('compression-ratio-exceeded');
    const r2 = await processObject({ bucket: LOCAL_BUCKET, key: 'corrupt.json.gz' }, deps);
    expect(r2.outcome).toBe('failed');
    expect(r2.error?.kind).toBe('non-retryable');
  });

  it('refuses keys that leave the root, and reports a vanished file as not found', async () => {
    await put('outside.json.gz');
    const source = new LocalFileSource(path.join(dir, 'root'));
    await expect(source.getObject(LOCAL_BUCKET, '../outside.json.gz')).rejects.toMatchObject({ code: 'object-not-found', kind: 'non-retryable' });
    await expect(source.getObject(LOCAL_BUCKET, 'gone.json.gz')).rejects.toMatchObject({ code: 'object-not-found', kind: 'non-retryable' });
    await mkdir(path.join(dir, 'root', 'sub.json.gz'), { recursive: true });
    await expect(source.getObject(LOCAL_BUCKET, 'sub.json.gz')).rejects.toMatchObject({ kind: 'non-retryable' });
  });
});

import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Checkpoint, defaultCheckpointPath, identityHash, type CheckpointIdentity } from '../../../src/backfill/checkpoint.js';
import { UserFacingError } from '../../../src/errors.js';

describe('backfill checkpoint', () => {
  let dir: string;
  const identity: CheckpointIdentity = { sources: ['s3://b/'], since: '2024-01-01T00:00:00.000Z', until: null, accounts: ['222222222222', '111111111111'], regions: [] };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'trailstream-checkpoint-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips the completed objects through an atomically replaced file', async () => {
    const file = path.join(dir, 'nested', 'cp.json');
    const cp = await Checkpoint.load(file, identity);
    expect(cp.size).toBe(0);
    cp.markDone('s3://b/k1');
    cp.markDone('s3://b/k 2 "quoted"');
    await Promise.all([cp.save(), cp.save()]);
    // Only the final file remains: the temporary one was renamed over it.
    expect(await readdir(path.dirname(file))).toEqual(['cp.json']);
    const again = await Checkpoint.load(file, { ...identity, accounts: ['111111111111', '222222222222'] });
    expect(again.has('s3://b/k1')).toBe(true);
    expect(again.has('s3://b/k 2 "quoted"')).toBe(true);
    expect(again.has('s3://b/k3')).toBe(false);
    expect(again.size).toBe(2);
  });

  it('writes nothing until an object is done', async () => {
    const file = path.join(dir, 'cp.json');
    await (await Checkpoint.load(file, identity)).save();
    expect(await readdir(dir)).toEqual([]);
  });

  it('derives the default file from the arguments, independent of filter order', () => {
    const a = defaultCheckpointPath('/work', identity);
    expect(a).toBe(path.join('/work', '.trailstream-backfill', `${identityHash(identity)}.json`));
    expect(defaultCheckpointPath('/work', { ...identity, accounts: [...identity.accounts].reverse() })).toBe(a);
    expect(defaultCheckpointPath('/work', { ...identity, since: null })).not.toBe(a);
  });

  it.each([
    ['not JSON', '{"version":1,"completed":["s3://b/k1"'],
    ['empty', ''],
    ['the wrong shape', JSON.stringify({ version: 1, identity, updatedAt: 'x', completed: 'all' })],
    ['another version', JSON.stringify({ version: 2, identity, updatedAt: 'x', completed: [] })],
    ['a JSON array', '[]'],
  ])('refuses a corrupt checkpoint (%s) with a message suggesting --restart', async (_what, text) => {
    const file = path.join(dir, 'cp.json');
    await writeFile(file, text);
    const error = await Checkpoint.load(file, identity).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/corrupt.*--restart/);
    // Nothing was overwritten.
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('refuses the checkpoint of a backfill with other arguments', async () => {
    const file = path.join(dir, 'cp.json');
    const cp = Checkpoint.fresh(file, identity);
    cp.markDone('s3://b/k1');
    await cp.save();
    await expect(Checkpoint.load(file, { ...identity, regions: ['us-east-1'] })).rejects.toThrow(/belongs to another backfill.*--restart/);
  });

  it('--restart starts empty and replaces a corrupt file on the first save', async () => {
    const file = path.join(dir, 'cp.json');
    await writeFile(file, 'garbage');
    const cp = Checkpoint.fresh(file, identity);
    expect(cp.has('s3://b/k1')).toBe(false);
    await cp.save();
    expect((await Checkpoint.load(file, identity)).size).toBe(0);
    cp.markDone('s3://b/k1');
    cp.saveSync();
    expect((await Checkpoint.load(file, identity)).has('s3://b/k1')).toBe(true);
  });
});

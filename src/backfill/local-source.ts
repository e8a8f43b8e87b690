import { createReadStream, type Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserFacingError } from '../errors.js';
import { classifyKey } from '../model/object-key.js';
import { NonRetryableError, RetryableError } from '../errors.js';
import type { ObjectGetter, S3ObjectStream } from '../source/s3/object-source.js';
import type { LayoutFilters } from './source.js';
import { fileInRange, fileTimeOf, type TimeRange } from './time-range.js';

/** The bucket name local files are given in the pipeline (document ids of records without an eventID, dead letters). */
export const LOCAL_BUCKET = 'local';

/**
 * Streams files from disk for processObject, like S3ObjectSource streams from
 * S3: the same decoder and limits apply. `key` is a path relative to `root`
 * and may not leave it.
 */
export class LocalFileSource implements ObjectGetter {
  constructor(private readonly root: string) {}

  async getObject(bucket: string, key: string): Promise<S3ObjectStream> {
    const file = path.resolve(this.root, key);
    const where = `${file}`;
    if (file !== this.root && !file.startsWith(this.root.endsWith(path.sep) ? this.root : this.root + path.sep)) {
      throw new NonRetryableError('object-not-found', `${key} is outside ${this.root}`, { bucket, key });
    }
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new NonRetryableError('object-not-found', `${where} does not exist (deleted while the backfill ran?)`, { bucket, key });
      if (code === 'EACCES' || code === 'EPERM') throw new NonRetryableError('object-unreadable', `${where} cannot be read (${code}): check its permissions`, { bucket, key });
      throw new RetryableError('file-error', `opening ${where} failed: ${(error as Error).message}`, { bucket, key }, { cause: error });
    }
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      throw new NonRetryableError('object-not-found', `${where} is not a regular file`, { bucket, key });
    }
    const contentLength = info.size;
    const stream = createReadStream('', { fd: handle, highWaterMark: 256 * 1024 });
    let received = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of stream) {
          received += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      } catch (error) {
        throw new RetryableError('file-error', `reading ${where} failed after ${received} bytes: ${(error as Error).message}`, { bucket, key, received }, { cause: error });
      } finally {
        stream.destroy();
      }
    }
    return { body: counted(), contentLength, received: () => received };
  }
}

/** One local file to process: its root (for LocalFileSource) and its key under that root. */
export interface LocalObject {
  readonly root: string;
  readonly key: string;
  readonly path: string;
  readonly size: number;
}

/**
 * The files of a local source. A file named on the command line is always
 * taken. A directory is walked recursively (symbolic links to directories are
 * not followed), in name order; each file's key is its path relative to the
 * directory, so a copy of a bucket (`aws s3 sync`) keeps the S3 keys. Files are
 * matched against the range and filters by their CloudTrail layout, or failing
 * that by their CloudTrail file name; a file that has neither is taken only
 * when no filter is given.
 */
export async function* walkLocal(
  target: string,
  range: { readonly since: Date | undefined; readonly until: Date | undefined },
  filters: LayoutFilters,
): AsyncGenerator<LocalObject> {
  const info = await statSource(target);
  if (info.isFile()) {
    yield { root: path.dirname(target), key: path.basename(target), path: target, size: info.size };
    return;
  }
  if (!info.isDirectory()) throw new UserFacingError(`${target} is neither a file nor a directory.`);
  const filtered = range.since !== undefined || range.until !== undefined || filters.accounts.length > 0 || filters.regions.length > 0;
  for await (const file of walkDirectory(target)) {
    const key = path.relative(target, file).split(path.sep).join('/');
    if (filtered && !matches(key, range, filters)) continue;
    const s = await stat(file).catch(() => undefined);
    if (!s?.isFile()) continue;
    yield { root: target, key, path: file, size: s.size };
  }
}

/** Checks a local source before anything starts: a missing path is a user error naming it. */
export async function statSource(target: string): Promise<Stats> {
  try {
    return await stat(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserFacingError(
      code === 'ENOENT' ? `${target} does not exist: give an existing directory or file, or s3://bucket/prefix.` : `${target} cannot be read (${code ?? (error as Error).message}).`,
    );
  }
}

async function* walkDirectory(dir: string): AsyncGenerator<string> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) yield* walkDirectory(full);
    else if (e.isFile() || e.isSymbolicLink()) yield full;
  }
}

const FILE_NAME = /^(\d{12})_CloudTrail(?:-Insight|-Digest)?_([a-z]{2}(?:-[a-z]+)+-\d{1,2})_(\d{4})(\d{2})(\d{2})T\d{4}Z/;

function matches(key: string, range: { since: Date | undefined; until: Date | undefined }, filters: LayoutFilters): boolean {
  const layout = classifyKey(key);
  let account: string;
  let region: string;
  let day: string;
  const fileName = key.slice(key.lastIndexOf('/') + 1);
  if (layout.kind !== 'other') {
    ({ account, region, date: day } = layout);
  } else {
    const m = FILE_NAME.exec(fileName);
    if (!m) return false;
    [account, region, day] = [m[1]!, m[2]!, `${m[3]}-${m[4]}-${m[5]}`];
  }
  if (filters.accounts.length > 0 && !filters.accounts.includes(account)) return false;
  if (filters.regions.length > 0 && !filters.regions.includes(region)) return false;
  const full: TimeRange = { since: range.since ?? new Date(0), until: range.until ?? new Date(8.64e15) };
  if (fileTimeOf(fileName) === undefined && !/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  return fileInRange(full, day, fileName);
}

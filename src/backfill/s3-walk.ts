import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { AllowedLocation } from '../config/config.js';
import { UserFacingError } from '../errors.js';
import { classifyKey } from '../model/object-key.js';
import { overlappingEntries, type LayoutFilters } from './source.js';
import { daysOf, fileInRange, startOfDay, type TimeRange } from './time-range.js';

/** The two listing calls the walk needs; tests fake them. */
export interface S3Lister {
  /** The "folders" directly under `prefix` (ListObjectsV2 with Delimiter "/"), each ending in "/". */
  folders(bucket: string, prefix: string): Promise<string[]>;
  /** Every key under `prefix`, page by page. */
  keys(bucket: string, prefix: string): AsyncIterable<ListedObject>;
}

export interface ListedObject {
  readonly key: string;
  readonly size: number;
}

export interface S3WalkOptions {
  readonly bucket: string;
  /** The source's key prefix: '' , the trail prefix before AWSLogs/, or down to AWSLogs/[o-id/][account/]. */
  readonly prefix: string;
  /** `since` undefined: from the first year found under each region folder. */
  readonly range: { readonly since: Date | undefined; readonly until: Date };
  readonly filters: LayoutFilters;
  readonly allowList: readonly AllowedLocation[];
}

const ORG = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
/** Log and Insights files; digest files hold no records and are never listed. */
const KINDS = ['CloudTrail', 'CloudTrail-Insight'] as const;

/**
 * Walks CloudTrail's key layout without listing the whole bucket:
 *
 *   [prefix/]AWSLogs/[o-orgid/]<account>/CloudTrail[-Insight]/<region>/YYYY/MM/DD/<file>
 *
 * Organization ids, accounts, kinds and regions are discovered with Delimiter
 * listings (one call each level; accounts and regions given as filters are
 * used as they are), then only the day folders of the range are listed, page
 * by page. Keys outside the range (by the file name's timestamp), outside the
 * layout, or in folders the allow-list does not cover are not yielded.
 */
export async function* walkS3(lister: S3Lister, options: S3WalkOptions): AsyncGenerator<ListedObject> {
  const { bucket, filters } = options;
  const { trailPrefix, org, account } = splitPrefix(options.prefix);
  const allowed = (prefix: string): boolean => overlappingEntries(options.allowList, bucket, prefix).length > 0;
  const awsLogs = `${trailPrefix}AWSLogs/`;

  // Roots: AWSLogs/ itself and AWSLogs/o-xxx/ for organization trails.
  const roots: { root: string; accounts: string[] | undefined }[] = [];
  if (org !== undefined) {
    roots.push({ root: `${awsLogs}${org}/`, accounts: undefined });
  } else if (account !== undefined) {
    roots.push({ root: awsLogs, accounts: undefined });
  } else {
    const top = await lister.folders(bucket, awsLogs);
    const found = top.map((f) => lastSegment(f));
    for (const o of found.filter((x) => ORG.test(x)).sort()) roots.push({ root: `${awsLogs}${o}/`, accounts: undefined });
    roots.unshift({ root: awsLogs, accounts: found.filter((x) => ACCOUNT.test(x)).sort() });
  }

  for (const { root, accounts: foundUnderRoot } of roots) {
    if (!allowed(root)) continue;
    let accounts: string[];
    if (account !== undefined) accounts = [account];
    else if (filters.accounts.length > 0) accounts = [...filters.accounts];
    else accounts = foundUnderRoot ?? (await lister.folders(bucket, root)).map(lastSegment).filter((x) => ACCOUNT.test(x)).sort();
    if (account !== undefined && filters.accounts.length > 0 && !filters.accounts.includes(account)) accounts = [];

    for (const acct of accounts) {
      const accountPrefix = `${root}${acct}/`;
      if (!allowed(accountPrefix)) continue;
      const kinds = new Set((await lister.folders(bucket, accountPrefix)).map(lastSegment));
      for (const kind of KINDS) {
        if (!kinds.has(kind)) continue;
        const kindPrefix = `${accountPrefix}${kind}/`;
        if (!allowed(kindPrefix)) continue;
        const regions =
          filters.regions.length > 0
            ? [...filters.regions]
            : (await lister.folders(bucket, kindPrefix)).map(lastSegment).filter((x) => REGION.test(x)).sort();
        for (const region of regions) {
          const regionPrefix = `${kindPrefix}${region}/`;
          if (!allowed(regionPrefix)) continue;
          const range = await resolveRange(lister, bucket, regionPrefix, options.range);
          if (!range) continue;
          for (const day of await existingDays(lister, bucket, regionPrefix, range)) {
            const dayPrefix = `${regionPrefix}${day}/`;
            if (!allowed(dayPrefix)) continue;
            for await (const object of lister.keys(bucket, dayPrefix)) {
              const info = classifyKey(object.key);
              if (info.kind === 'other' || info.kind === 'digest') continue;
              if (!fileInRange(range, info.date, info.fileName)) continue;
              yield object;
            }
          }
        }
      }
    }
  }
}

/** Ranges up to this many days list each day folder directly; longer ones are pruned first. */
const DIRECT_DAYS = 31;

/**
 * The `YYYY/MM/DD` folders of the range that exist under a region. A short
 * range lists its days directly (a day without files costs one empty
 * listing); a long one — years of history, or no `--since` — first lists the
 * year folders and the month folders of the range, then the day folders of
 * each month that exists, so sparse history costs one listing per month
 * instead of one per day.
 */
async function existingDays(lister: S3Lister, bucket: string, regionPrefix: string, range: TimeRange): Promise<string[]> {
  const days = daysOf(range);
  if (days.length <= DIRECT_DAYS) return days;
  const present = new Set<string>();
  const years = new Set(days.map((d) => d.slice(0, 4)));
  for (const year of (await lister.folders(bucket, regionPrefix)).map(lastSegment)) {
    if (!years.has(year)) continue;
    const months = new Set(days.filter((d) => d.startsWith(`${year}/`)).map((d) => d.slice(0, 7)));
    for (const month of (await lister.folders(bucket, `${regionPrefix}${year}/`)).map(lastSegment)) {
      if (!months.has(`${year}/${month}`)) continue;
      for (const day of (await lister.folders(bucket, `${regionPrefix}${year}/${month}/`)).map(lastSegment)) present.add(`${year}/${month}/${day}`);
    }
  }
  return days.filter((d) => present.has(d));
}

/** Without `--since`, the range starts on January 1st of the first year folder under the region. */
async function resolveRange(
  lister: S3Lister,
  bucket: string,
  regionPrefix: string,
  range: S3WalkOptions['range'],
): Promise<TimeRange | undefined> {
  if (range.since) return { since: range.since, until: range.until };
  const years = (await lister.folders(bucket, regionPrefix))
    .map(lastSegment)
    .filter((y) => /^\d{4}$/.test(y))
    .map(Number)
    .sort((a, b) => a - b);
  if (years.length === 0) return undefined;
  const since = startOfDay(new Date(Date.UTC(years[0]!, 0, 1)));
  return since < range.until ? { since, until: range.until } : undefined;
}

/**
 * Splits a source prefix into the trail's own prefix (before `AWSLogs/`) and
 * an organization id and/or account it may already name.
 */
export function splitPrefix(prefix: string): { trailPrefix: string; org: string | undefined; account: string | undefined } {
  const at = prefix.lastIndexOf('AWSLogs');
  const tail = at < 0 ? '' : prefix.slice(at + 'AWSLogs'.length);
  if (at < 0 || (at > 0 && prefix[at - 1] !== '/') || (tail !== '' && !tail.startsWith('/'))) {
    return { trailPrefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`, org: undefined, account: undefined };
  }
  const m = /^\/(?:(o-[a-z0-9]{10,32})\/?)?(?:(\d{12})\/?)?$/.exec(tail === '' ? '/' : tail);
  if (!m) {
    throw new UserFacingError(
      `the S3 prefix "${prefix}" goes deeper than AWSLogs/[o-orgid/][account/]: give the prefix up to there and narrow the rest with --account, --region, --since and --until.`,
    );
  }
  return { trailPrefix: prefix.slice(0, at), org: m[1], account: m[2] };
}

function lastSegment(folder: string): string {
  const parts = folder.split('/').filter((s) => s !== '');
  return parts[parts.length - 1] ?? '';
}

/** The real lister on S3. A missing bucket or a refused listing is a clear user error. */
export class S3ClientLister implements S3Lister {
  constructor(private readonly s3: S3Client) {}

  async folders(bucket: string, prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.list(bucket, prefix, '/', token);
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async *keys(bucket: string, prefix: string): AsyncGenerator<ListedObject> {
    let token: string | undefined;
    do {
      const page = await this.list(bucket, prefix, undefined, token);
      for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key, size: o.Size ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async list(bucket: string, prefix: string, delimiter: string | undefined, token: string | undefined) {
    try {
      return await this.s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ...(delimiter ? { Delimiter: delimiter } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NoSuchBucket') throw new UserFacingError(`bucket ${bucket} does not exist (s3://${bucket}): check the name and AWS_REGION.`);
      if (e.name === 'AccessDenied' || e.$metadata?.httpStatusCode === 403) {
        throw new UserFacingError(`listing s3://${bucket}/${prefix} was refused (AccessDenied): grant s3:ListBucket on ${bucket} to this role.`);
      }
      throw error;
    }
  }
}

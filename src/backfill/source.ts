import path from 'node:path';
import type { AllowedLocation } from '../config/config.js';
import { UserFacingError } from '../errors.js';

/** Where a backfill reads from: an S3 bucket (and key prefix), or local files. */
export type BackfillSource =
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 'local'; readonly path: string };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket[/prefix]` or a path (resolved against `cwd`). */
export function parseSource(arg: string, cwd: string): BackfillSource {
  if (/^s3:\/\//i.test(arg)) {
    const rest = arg.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+/, '');
    if (!BUCKET.test(bucket)) {
      throw new UserFacingError(`${JSON.stringify(arg)}: "${bucket}" is not a valid S3 bucket name; write s3://<bucket>[/<prefix>].`);
    }
    return { kind: 's3', bucket, prefix };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) {
    throw new UserFacingError(`${JSON.stringify(arg)}: only s3:// URLs and local paths can be backfilled.`);
  }
  return { kind: 'local', path: path.resolve(cwd, arg) };
}

/** The source as written in checkpoints and logs. */
export function describeSource(source: BackfillSource): string {
  return source.kind === 's3' ? `s3://${source.bucket}/${source.prefix}` : source.path;
}

/** Allow-list entries that could hold keys under `prefix` of `bucket` (one prefix contains the other). */
export function overlappingEntries(allowList: readonly AllowedLocation[], bucket: string, prefix: string): AllowedLocation[] {
  return allowList.filter((a) => a.bucket === bucket && (a.prefix.startsWith(prefix) || prefix.startsWith(a.prefix)));
}

/**
 * Refuses an S3 source the allow-list does not cover, before anything is
 * listed: the backfill reads only what the worker may read.
 */
export function assertAllowed(source: BackfillSource, allowList: readonly AllowedLocation[]): void {
  if (source.kind !== 's3') return;
  const { bucket, prefix } = source;
  const forBucket = allowList.filter((a) => a.bucket === bucket);
  if (forBucket.length === 0) {
    throw new UserFacingError(
      `s3://${bucket} is not on the allow-list: add "${bucket}" (or "${bucket}/<prefix>") to TRAILSTREAM_ALLOWED_BUCKETS to backfill from it` +
        (allowList.length === 0 ? ' (the list is empty: neither TRAILSTREAM_ALLOWED_BUCKETS nor TRAILSTREAM_BUCKET is set).' : ` (allowed now: ${allowList.map((a) => a.bucket + (a.prefix ? `/${a.prefix}` : '')).join(', ')}).`),
    );
  }
  if (overlappingEntries(allowList, bucket, prefix).length === 0) {
    throw new UserFacingError(
      `s3://${bucket}/${prefix} is outside the prefixes TRAILSTREAM_ALLOWED_BUCKETS allows in that bucket (${forBucket.map((a) => `${bucket}/${a.prefix}`).join(', ')}): backfill one of those, or extend TRAILSTREAM_ALLOWED_BUCKETS.`,
    );
  }
}

/** The `--account`/`--region` filters; empty means every one found. */
export interface LayoutFilters {
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/** Splits repeated and comma-separated values, validates, dedupes and sorts them. */
export function parseAccounts(values: readonly string[]): string[] {
  return parseList(values, ACCOUNT, '--account', 'a 12-digit AWS account id');
}

export function parseRegions(values: readonly string[]): string[] {
  return parseList(values, REGION, '--region', 'an AWS region name such as us-east-1');
}

function parseList(values: readonly string[], pattern: RegExp, flag: string, what: string): string[] {
  const out = new Set<string>();
  for (const v of values.flatMap((x) => x.split(','))) {
    const item = v.trim();
    if (item === '') continue;
    if (!pattern.test(item)) throw new UserFacingError(`${flag} ${JSON.stringify(item)} is not ${what}.`);
    out.add(item);
  }
  return [...out].sort();
}

import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { settings, type SettingSpec, type Settings } from './settings.js';

type ValueOf<S> = S extends SettingSpec<infer T> ? T : never;

type RawConfig = { readonly [K in keyof Settings]: ValueOf<Settings[K]> };

/** How trailstream authenticates to OpenSearch, after defaults are applied. */
export type OpenSearchAuthMode = 'none' | 'basic' | 'sigv4';

/** The validated, frozen configuration. Built once by the composition root. */
export type Config = Omit<RawConfig, 'opensearchAuth' | 'opensearchAwsRegion'> & {
  /** OPENSEARCH_AUTH, or its default: `basic` when credentials are given, else `none`. */
  readonly opensearchAuth: OpenSearchAuthMode;
  /** OPENSEARCH_AWS_REGION, or AWS_REGION. */
  readonly opensearchAwsRegion: string;
  /** Allow-list entries parsed from TRAILSTREAM_ALLOWED_BUCKETS (or TRAILSTREAM_BUCKET). */
  readonly allowList: readonly AllowedLocation[];
};

export interface AllowedLocation {
  readonly bucket: string;
  readonly prefix: string;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Reads the configuration from the environment, and from a JSON file named by
 * TRAILSTREAM_CONFIG_FILE whose keys are the same variable names (the
 * environment wins). Every problem is collected and reported at once, each
 * naming the variable, what was wrong and the accepted form.
 */
export function loadConfig(env: Environment): Config {
  const source = { ...readConfigFile(env), ...definedOnly(env) };
  const problems: string[] = [];
  const values: Record<string, unknown> = {};

  for (const [name, spec] of Object.entries(settings) as [keyof Settings, SettingSpec<unknown>][]) {
    const raw = source[spec.env] ?? spec.default;
    const parsed = (spec.schema as z.ZodType<unknown>).safeParse(raw === '' ? undefined : raw);
    if (parsed.success) {
      values[name] = parsed.data;
    } else {
      const shown = spec.secret ? '(hidden)' : JSON.stringify(spec.urlWithCredentials && raw !== undefined ? withoutUserInfoInList(raw) : raw);
      const why = parsed.error.issues.map((i) => i.message).join('; ');
      problems.push(`${spec.env}=${shown}: ${why}. ${spec.description}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(formatProblems(problems));

  const raw = values as RawConfig;
  problems.push(...crossFieldProblems(raw));
  const allowList = parseAllowList(raw.allowedBuckets ?? (raw.bucket ? [raw.bucket] : []), problems);
  if (problems.length > 0) throw new ConfigError(formatProblems(problems));

  return Object.freeze({
    ...raw,
    opensearchAuth: raw.opensearchAuth ?? (hasBasicCredentials(raw) ? 'basic' : 'none'),
    opensearchAwsRegion: raw.opensearchAwsRegion ?? raw.awsRegion,
    allowList: Object.freeze(allowList),
  });
}

/** Hides everything between the scheme and the last "@" of a string that may be a URL with user:password, valid or not. */
function withoutUserInfo(raw: string): string {
  const at = raw.lastIndexOf('@');
  if (at < 0) return raw;
  const scheme = raw.indexOf('://');
  const start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
  return `${raw.slice(0, start)}[redacted]${raw.slice(at)}`;
}

/** A comma-separated list of such URLs, each without its user info. */
function withoutUserInfoInList(raw: string): string {
  return raw.split(',').map(withoutUserInfo).join(',');
}

function urlHasCredentials(url: string): boolean {
  const u = new URL(url);
  return u.username !== '' || u.password !== '';
}

function urlsHaveCredentials(urls: readonly string[]): boolean {
  return urls.some(urlHasCredentials);
}

function hasBasicCredentials(c: RawConfig): boolean {
  return Boolean(c.opensearchUsername || c.opensearchPassword) || urlsHaveCredentials(c.opensearchUrls);
}

/** The OpenSearch authentication rules: one way to authenticate, complete, and nothing that contradicts it. */
function authProblems(c: RawConfig): string[] {
  const out: string[] = [];
  const inUrl = urlsHaveCredentials(c.opensearchUrls);
  const separate = Boolean(c.opensearchUsername || c.opensearchPassword);
  if (inUrl && new Set(c.opensearchUrls.map((u) => { const x = new URL(u); return `${x.username}:${x.password}`; })).size > 1) {
    out.push('OPENSEARCH_URL lists several nodes with different credentials in them: one client authenticates to every node the same way. Put the same user:password in each URL, or none and use OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD.');
  }
  if (new Set(c.opensearchUrls.map((u) => new URL(u).protocol)).size > 1) {
    out.push('OPENSEARCH_URL mixes http and https nodes: use the same scheme for every node of the cluster.');
  }
  if (inUrl && separate) {
    out.push('OPENSEARCH_URL contains credentials and OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD are set too: use one or the other.');
  }
  if (Boolean(c.opensearchUsername) !== Boolean(c.opensearchPassword)) {
    out.push('OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD must be set together.');
  }
  switch (c.opensearchAuth) {
    case 'basic':
      if (!inUrl && !separate) {
        out.push('OPENSEARCH_AUTH=basic needs OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD (or user:password in OPENSEARCH_URL).');
      }
      break;
    case 'none':
      if (inUrl || separate) {
        out.push('OPENSEARCH_AUTH=none but OpenSearch credentials are set (OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD or user:password in OPENSEARCH_URL): set OPENSEARCH_AUTH=basic, or remove the credentials.');
      }
      break;
    case 'sigv4':
      if (inUrl || separate) {
        out.push('OPENSEARCH_AUTH=sigv4 signs requests with AWS credentials; OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD and user:password in OPENSEARCH_URL must not be set with it. Remove them (AWS credentials come from the standard chain: environment, profile, web identity, container or instance role).');
      }
      break;
    case undefined:
      break;
  }
  if (c.opensearchAuth === 'sigv4' && c.dashboardsUrl) {
    out.push(
      'OPENSEARCH_DASHBOARDS_URL is set with OPENSEARCH_AUTH=sigv4: `setup` imports dashboards with basic credentials only and cannot sign requests to Dashboards. Unset it and import dashboards/trailstream.ndjson in Dashboards (Dashboards Management > Saved objects > Import); see docs/amazon-opensearch-service.md.',
    );
  }
  if (c.opensearchSniff && c.opensearchAuth === 'sigv4') {
    out.push('OPENSEARCH_SNIFF=true with OPENSEARCH_AUTH=sigv4: Amazon OpenSearch Service and Serverless do not let clients reach the nodes they would discover, so requests would fail. Unset OPENSEARCH_SNIFF and give the domain endpoint in OPENSEARCH_URL.');
  }
  if (c.opensearchAwsService === 'aoss' && c.opensearchAuth !== 'sigv4') {
    out.push('OPENSEARCH_AWS_SERVICE=aoss (OpenSearch Serverless) accepts only SigV4-signed requests: set OPENSEARCH_AUTH=sigv4.');
  }
  return out;
}

/** Rules that involve more than one setting. Messages say exactly what to change. */
function crossFieldProblems(c: RawConfig): string[] {
  const out: string[] = [...authProblems(c)];
  if (c.heartbeatIntervalSeconds >= c.visibilityTimeoutSeconds) {
    out.push(
      `TRAILSTREAM_HEARTBEAT_INTERVAL_SECONDS (${c.heartbeatIntervalSeconds}) must be less than TRAILSTREAM_VISIBILITY_TIMEOUT_SECONDS (${c.visibilityTimeoutSeconds}), or messages become visible to other workers between heartbeats; a third of the timeout is a good value.`,
    );
  }
  if (c.maxVisibilitySeconds < c.visibilityTimeoutSeconds) {
    out.push(
      `TRAILSTREAM_MAX_VISIBILITY_SECONDS (${c.maxVisibilitySeconds}) must be at least TRAILSTREAM_VISIBILITY_TIMEOUT_SECONDS (${c.visibilityTimeoutSeconds}).`,
    );
  }
  if (c.outageMaxSeconds >= c.maxVisibilitySeconds) {
    out.push(
      `TRAILSTREAM_OUTAGE_MAX_SECONDS (${c.outageMaxSeconds}) must be less than TRAILSTREAM_MAX_VISIBILITY_SECONDS (${c.maxVisibilitySeconds}): the heartbeat stops keeping a held message invisible after that, and another worker would take it over while this one still holds its records.`,
    );
  }
  if (c.bulkMaxBytes > c.bulkBytesLimit) {
    out.push(
      `TRAILSTREAM_BULK_MAX_BYTES (${c.bulkMaxBytes}) must not exceed TRAILSTREAM_BULK_BYTES_LIMIT (${c.bulkBytesLimit}); lower the first or raise the limit if your cluster accepts larger requests.`,
    );
  }
  if (c.maxRecordBytes >= c.bulkBytesLimit) {
    out.push(
      `TRAILSTREAM_MAX_RECORD_BYTES (${c.maxRecordBytes}) must be less than TRAILSTREAM_BULK_BYTES_LIMIT (${c.bulkBytesLimit}), or a single record could never be sent.`,
    );
  }
  if (c.maxBufferedBytes < c.bulkMaxBytes * 2) {
    out.push(
      `TRAILSTREAM_MAX_BUFFERED_BYTES (${c.maxBufferedBytes}) must be at least twice TRAILSTREAM_BULK_MAX_BYTES (${c.bulkMaxBytes}) so one request can fill while another is in flight.`,
    );
  }
  if (c.warmAfterDays !== undefined && c.retentionDays > 0 && c.warmAfterDays >= c.retentionDays) {
    out.push(
      `TRAILSTREAM_WARM_AFTER_DAYS (${c.warmAfterDays}) must be less than TRAILSTREAM_RETENTION_DAYS (${c.retentionDays}), or indices would be deleted before they turn warm.`,
    );
  }
  return out;
}

function parseAllowList(entries: readonly string[], problems: string[]): AllowedLocation[] {
  const out: AllowedLocation[] = [];
  for (const entry of entries) {
    const cleaned = entry.replace(/^s3:\/\//, '');
    const slash = cleaned.indexOf('/');
    const bucket = slash < 0 ? cleaned : cleaned.slice(0, slash);
    const prefix = slash < 0 ? '' : cleaned.slice(slash + 1);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      problems.push(
        `TRAILSTREAM_ALLOWED_BUCKETS entry "${entry}": "${bucket}" is not a valid S3 bucket name (3–63 lowercase letters, digits, "." or "-").`,
      );
      continue;
    }
    out.push({ bucket, prefix });
  }
  return out;
}

function readConfigFile(env: Environment): Record<string, string> {
  const file = env.TRAILSTREAM_CONFIG_FILE;
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `TRAILSTREAM_CONFIG_FILE=${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Check the path and permissions, or unset the variable.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`TRAILSTREAM_CONFIG_FILE=${file}: not valid JSON (${(e as Error).message}).`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(
      `TRAILSTREAM_CONFIG_FILE=${file}: must hold a JSON object whose keys are variable names, e.g. {"TRAILSTREAM_BULK_MAX_BYTES": "5242880"}.`,
    );
  }
  const known = new Set(Object.values(settings).map((s) => s.env));
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!known.has(key)) {
      throw new ConfigError(`TRAILSTREAM_CONFIG_FILE=${file}: unknown setting "${key}". See docs/configuration.md for the names.`);
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
    else throw new ConfigError(`TRAILSTREAM_CONFIG_FILE=${file}: "${key}" must be a string, number or boolean.`);
  }
  return out;
}

function definedOnly(env: Environment): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function formatProblems(problems: string[]): string {
  return `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
}

/** True when the object location is on the allow-list. */
export function isAllowed(allowList: readonly AllowedLocation[], bucket: string, key: string): boolean {
  return allowList.some((a) => a.bucket === bucket && key.startsWith(a.prefix));
}

/** Names of settings whose values are secrets; used for log redaction. */
export const secretSettingNames: readonly string[] = Object.entries(settings)
  .filter(([, s]) => (s as SettingSpec<unknown>).secret)
  .map(([name]) => name);

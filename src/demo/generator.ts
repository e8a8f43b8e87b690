/**
 * Deterministic, seedable generator of CloudTrail log files as CloudTrail
 * delivers them to S3: one gzip'd `{"Records":[…]}` object per account, region
 * and 5-minute window, under
 * `AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<account>_CloudTrail_<region>_<yyyymmddThhmmZ>_<16 alnum>.json.gz`.
 *
 * Used by the demo, the tests and the benchmark, so it must be reproducible
 * (same seed and options → byte-identical output; nothing reads the clock or
 * Math.random) and fast (the benchmark generates hundreds of MB).
 */
import { gzipSync } from 'node:zlib';
import type { CloudTrailRecord, CloudTrailUserIdentity } from '../model/cloudtrail.js';
import { buildAccount, DEFAULT_ACCOUNTS, type AccountModel } from './accounts.js';
import { ApiGatewayWorld, type SessionSource } from './apigateway-events.js';
import { isoSeconds, type BoundCall, type Persona, type Session, type StreamContext } from './event-model.js';
import { Random } from './random.js';
import { ServiceWorld } from './service-events.js';
import { openSession } from './sessions.js';

export interface GeneratorOptions {
  seed: number;
  /** Time of the first file; floored to a 5-minute boundary, as CloudTrail's windows are. */
  start: Date;
  files: number;
  recordsPerFile: number | { min: number; max: number };
  /** 12-digit account ids; default: three invented accounts. */
  accounts?: string[];
  /** Default: us-east-1, eu-west-1, ap-southeast-2. */
  regions?: string[];
  /** Key prefix before `AWSLogs/` (the trail's S3 key prefix), with or without a trailing slash. */
  keyPrefix?: string;
  /** Share of event slots given to API Gateway (default 0.465; sign-in and AssumeRole events that open sessions come on top, so ~45% of records). */
  apiGatewayShare?: number;
}

export interface GeneratedLogFile {
  key: string;
  account: string;
  region: string;
  /** Start of the file's 5-minute window; every record's eventTime is inside it. */
  windowStart: Date;
  records: CloudTrailRecord[];
}

export const DEFAULT_REGIONS: readonly string[] = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

/**
 * What `npm run demo` generates (src/demo/run-demo.ts): 60 files from one
 * seed, so its findings (docs/rules.md) are the same on every machine and a
 * test can check the findings dashboard will have data.
 */
export const DEMO_RUN: GeneratorOptions = Object.freeze({
  seed: 20261124,
  start: new Date(Date.UTC(2026, 10, 23, 8, 0, 0)),
  files: 60,
  recordsPerFile: Object.freeze({ min: 20, max: 120 }),
});
const WINDOW_MS = 5 * 60_000;

/** eventVersion per source: the versions services currently write (1.08 to 1.10). */
const EVENT_VERSIONS: Readonly<Record<string, string>> = {
  'apigateway.amazonaws.com': '1.09',
  'ec2.amazonaws.com': '1.10',
  's3.amazonaws.com': '1.10',
  'signin.amazonaws.com': '1.09',
  'logs.amazonaws.com': '1.09',
  'cloudformation.amazonaws.com': '1.10',
};

const TLS13 = 'TLSv1.3';
const TLS13_CIPHER = 'TLS_AES_128_GCM_SHA256';
const TLS12 = 'TLSv1.2';
const TLS12_CIPHER = 'ECDHE-RSA-AES128-GCM-SHA256';

function validate(o: GeneratorOptions): void {
  if (!Number.isFinite(o.seed)) throw new RangeError('seed must be a finite number');
  if (!(o.start instanceof Date) || Number.isNaN(o.start.getTime())) throw new RangeError('start must be a valid Date');
  if (!Number.isInteger(o.files) || o.files < 0) throw new RangeError('files must be a non-negative integer');
  const r = o.recordsPerFile;
  if (typeof r === 'number') {
    if (!Number.isInteger(r) || r < 1) throw new RangeError('recordsPerFile must be a positive integer');
  } else if (!Number.isInteger(r.min) || !Number.isInteger(r.max) || r.min < 1 || r.max < r.min) {
    throw new RangeError('recordsPerFile must be {min, max} with 1 <= min <= max');
  }
  for (const a of o.accounts ?? []) if (!/^\d{12}$/.test(a)) throw new RangeError(`account id must be 12 digits: ${a}`);
  for (const region of o.regions ?? []) if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new RangeError(`not a region name: ${region}`);
  if (o.accounts?.length === 0) throw new RangeError('accounts must not be empty');
  if (o.regions?.length === 0) throw new RangeError('regions must not be empty');
  if (o.apiGatewayShare !== undefined && !(o.apiGatewayShare >= 0 && o.apiGatewayShare <= 1)) throw new RangeError('apiGatewayShare must be in [0, 1]');
}

/** One account and region: its own clock, API Gateway state, resources and open sessions. */
class Stream implements SessionSource {
  readonly ctx: StreamContext;
  readonly apigw: ApiGatewayWorld;
  readonly services: ServiceWorld;
  readonly pending: BoundCall[] = [];
  private readonly pools = new Map<Persona, Session[]>();
  windows = 0;
  private readonly hosts = new Map<string, string>();

  constructor(rng: Random, account: AccountModel, org: readonly AccountModel[], region: string, now: number) {
    this.ctx = { rng, account, org, region, now };
    this.apigw = new ApiGatewayWorld(this.ctx);
    this.services = new ServiceWorld(this.ctx, () => this.apigw.someApiId());
  }

  /** Reuse a live session of this persona most of the time; new ones queue the events that opened them. */
  get(persona: Persona): Session {
    const { rng, now } = this.ctx;
    let pool = this.pools.get(persona);
    if (!pool) {
      pool = [];
      this.pools.set(persona, pool);
    }
    for (let i = pool.length - 1; i >= 0; i--) if ((pool[i] as Session).expiresAt <= now) pool.splice(i, 1);
    if (pool.length > 0 && (pool.length >= 3 || rng.chance(0.85))) return rng.pick(pool);
    const { session, preamble } = openSession(this.ctx, persona);
    for (const p of preamble) this.pending.push(p);
    pool.push(session);
    return session;
  }

  host(source: string, name: string): string {
    const key = source === 'sso.amazonaws.com' && name === 'CreateToken' ? 'oidc' : source;
    let h = this.hosts.get(key);
    if (h === undefined) {
      const region = this.ctx.region;
      const prefix = source.slice(0, source.indexOf('.'));
      h =
        key === 'oidc'
          ? `oidc.${region}.amazonaws.com`
          : prefix === 'iam'
            ? 'iam.amazonaws.com'
            : prefix === 'sso'
              ? `portal.sso.${region}.amazonaws.com`
              : `${prefix}.${region}.amazonaws.com`;
      this.hosts.set(key, h);
    }
    return h;
  }
}

/** Build the CloudTrail record for a bound call at the stream's current time. Keys are in CloudTrail's order. */
function toRecord(st: Stream, bc: BoundCall): CloudTrailRecord {
  const { ctx } = st;
  const { rng } = ctx;
  const s = bc.session;
  const c = bc.call;
  const version = EVENT_VERSIONS[c.source] ?? '1.08';
  const rec: CloudTrailRecord = { eventVersion: version };
  const identity: CloudTrailUserIdentity | undefined = s.identity();
  if (identity) rec.userIdentity = identity;
  rec.eventTime = isoSeconds(ctx.now);
  rec.eventSource = c.source;
  rec.eventName = c.name;
  rec.awsRegion = c.global ? 'us-east-1' : ctx.region;
  const source = s.human && rng.chance(0.006) ? '' : s.sourceIPAddress;
  rec.sourceIPAddress = source;
  rec.userAgent = s.client.userAgent(c.sdkKey ?? c.source, c.name);
  if (c.errorCode !== undefined) rec.errorCode = c.errorCode;
  if (c.errorMessage !== undefined) rec.errorMessage = c.errorMessage;
  rec.requestParameters = c.request;
  rec.responseElements = c.response;
  if (c.additionalEventData) rec.additionalEventData = c.additionalEventData;
  if (c.requestIdStyle !== 'none') rec.requestID = c.requestIdStyle === 's3' ? rng.upperAlnum(16) : rng.uuid();
  rec.eventID = rng.uuid();
  rec.readOnly = c.readOnly;
  if (c.resources) rec.resources = c.resources;
  rec.eventType = c.eventType ?? 'AwsApiCall';
  if (c.apiVersion) rec.apiVersion = c.apiVersion;
  rec.managementEvent = true;
  rec.recipientAccountId = ctx.account.id;
  if (c.sharedEventID) rec.sharedEventID = rng.uuid();
  const direct = source !== 'AWS Internal' && !source.endsWith('.amazonaws.com');
  if (s.vpcEndpointId && direct) {
    rec.vpcEndpointId = s.vpcEndpointId;
    if (version !== '1.08') rec.vpcEndpointAccountId = ctx.account.id;
  }
  if (c.serviceEventDetails) rec.serviceEventDetails = c.serviceEventDetails;
  rec.eventCategory = 'Management';
  const kind = s.client.kind;
  if (direct && kind !== 'console-internal' && kind !== 'service' && kind !== 'cloudformation' && rec.eventType !== 'AwsServiceEvent') {
    const tls13 = s.client.tls13;
    rec.tlsDetails = {
      tlsVersion: tls13 ? TLS13 : TLS12,
      cipherSuite: tls13 ? TLS13_CIPHER : TLS12_CIPHER,
      clientProvidedHostHeader: c.host ?? st.host(c.source, c.name),
    };
  }
  if (s.console && rec.eventType === 'AwsApiCall') rec.sessionCredentialFromConsole = 'true';
  return rec;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function fileKey(prefix: string, account: string, region: string, t: Date, suffix: string): string {
  const y = t.getUTCFullYear();
  const mo = pad2(t.getUTCMonth() + 1);
  const d = pad2(t.getUTCDate());
  const stamp = `${y}${mo}${d}T${pad2(t.getUTCHours())}${pad2(t.getUTCMinutes())}Z`;
  return `${prefix}AWSLogs/${account}/CloudTrail/${region}/${y}/${mo}/${d}/${account}_CloudTrail_${region}_${stamp}_${suffix}.json.gz`;
}

/**
 * Generate `files` CloudTrail log files. Files rotate over (account, region)
 * streams; each stream's files advance in 5-minute steps from `start`.
 * Lazily evaluated: records of a file exist only while the caller holds it.
 */
export function generateLogFiles(options: GeneratorOptions): Generator<GeneratedLogFile, void, void> {
  validate(options);
  return run(options);
}

function* run(options: GeneratorOptions): Generator<GeneratedLogFile, void, void> {
  const rng = new Random(options.seed);
  const accountIds = options.accounts ?? DEFAULT_ACCOUNTS;
  const regions = options.regions ?? DEFAULT_REGIONS;
  const prefix = options.keyPrefix ? options.keyPrefix.replace(/\/+$/, '') + '/' : '';
  const share = options.apiGatewayShare ?? 0.465;
  const start = Math.floor(options.start.getTime() / WINDOW_MS) * WINDOW_MS;
  const ssoRegion = regions[0] as string;
  const identityStoreId = 'd-' + rng.hex(5);
  const org = accountIds.map((id) => buildAccount(rng, id, ssoRegion, accountIds[0] as string, identityStoreId));
  const streams: Stream[] = [];
  for (const account of org) for (const region of regions) streams.push(new Stream(rng, account, org, region, start));
  const per = options.recordsPerFile;
  const offsets = new Int32Array(typeof per === 'number' ? per : per.max);

  for (let i = 0; i < options.files; i++) {
    const st = streams[i % streams.length] as Stream;
    const windowStart = start + st.windows * WINDOW_MS;
    st.windows++;
    const n = typeof per === 'number' ? per : rng.range(per.min, per.max);
    // Whole seconds inside the window, ascending, so that multi-step activity stays causal.
    const slot = offsets.subarray(0, n);
    for (let j = 0; j < n; j++) slot[j] = rng.int(300);
    slot.sort();
    const records: CloudTrailRecord[] = new Array<CloudTrailRecord>(n);
    for (let j = 0; j < n; j++) {
      st.ctx.now = windowStart + (slot[j] as number) * 1000;
      let bc = st.pending.shift();
      if (!bc) {
        bc = rng.chance(share) ? st.apigw.next(st) : st.services.next(st);
        // A new session queued the events that opened it; those come first.
        if (st.pending.length > 0) {
          st.pending.push(bc);
          bc = st.pending.shift() as BoundCall;
        }
      }
      records[j] = toRecord(st, bc);
    }
    // CloudTrail does not sort records within a file.
    for (let j = 0; j + 1 < n; j++) {
      if (rng.chance(0.2)) {
        const t = records[j] as CloudTrailRecord;
        records[j] = records[j + 1] as CloudTrailRecord;
        records[j + 1] = t;
      }
    }
    const windowDate = new Date(windowStart);
    yield {
      key: fileKey(prefix, st.ctx.account.id, st.ctx.region, windowDate, rng.alnum(16)),
      account: st.ctx.account.id,
      region: st.ctx.region,
      windowStart: windowDate,
      records,
    };
  }
}

/** The JSON text of a log file exactly as CloudTrail writes it: compact `{"Records":[…]}` and a final newline. */
export function serializeLogFile(records: readonly CloudTrailRecord[]): string {
  return '{"Records":' + JSON.stringify(records) + '}\n';
}

export interface EncodeOptions {
  /** zlib level; CloudTrail's own files are level 9, the default 6 is ~3x faster and ~3% larger. */
  level?: number;
}

/**
 * Gzip of {@link serializeLogFile}. The gzip header is normalised (no name,
 * mtime 0, OS = Unix) like CloudTrail's, so bytes do not depend on the host.
 */
export function encodeLogFile(records: readonly CloudTrailRecord[], options: EncodeOptions = {}): Buffer {
  const gz = gzipSync(serializeLogFile(records), { level: options.level ?? 6 });
  gz[9] = 3;
  return gz;
}

/**
 * Source addresses for generated events.
 *
 * Public addresses are drawn from blocks that are actually routed and belong to
 * large clouds and ISPs, so that geo/ASN enrichment downstream has something to
 * resolve; a few come from the MaxMind GeoIP2/GeoLite2 *test* databases (which
 * OpenSearch and Elasticsearch use in their own geoip tests), so enrichment can
 * be asserted offline. RFC 5737 / RFC 3849 documentation ranges are used only
 * rarely: they resolve to nothing, and real CloudTrail never shows them.
 */
import type { Random } from './random.js';

interface V4Block {
  /** First address of the block as an unsigned 32-bit integer. */
  base: number;
  size: number;
  weight: number;
}

function v4(cidr: string, weight: number): V4Block {
  const [addr, bits] = cidr.split('/');
  const parts = (addr ?? '').split('.').map(Number);
  const base = (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
  return { base, size: 2 ** (32 - Number(bits)), weight };
}

function formatV4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/** Where people and CI runners call AWS from: office/home ISPs and other clouds. */
const CLIENT_V4: readonly V4Block[] = [
  v4('73.0.0.0/8', 8), // Comcast (US residential)
  v4('217.224.0.0/11', 4), // Deutsche Telekom
  v4('86.128.0.0/10', 4), // BT (UK)
  v4('90.0.0.0/9', 3), // Orange (FR)
  v4('126.0.0.0/8', 3), // SoftBank (JP)
  v4('1.120.0.0/13', 3), // Telstra (AU)
  v4('20.40.0.0/13', 6), // Microsoft Azure (GitHub-hosted runners)
  v4('34.64.0.0/10', 4), // Google Cloud
  v4('81.2.69.0/24', 2), // MaxMind test DB: London, GB
  v4('216.160.83.56/29', 2), // MaxMind test DB: Milton, US
  v4('89.160.20.112/28', 2), // MaxMind test DB: Linköping, SE
  v4('175.16.199.0/24', 1), // MaxMind test DB: Changchun, CN
  v4('2.125.160.216/29', 1), // MaxMind test DB: Boxford, GB
  v4('203.0.113.0/24', 0.3), // RFC 5737 TEST-NET-3
  v4('198.51.100.0/24', 0.3), // RFC 5737 TEST-NET-2
];
const CLIENT_V4_WEIGHTS = CLIENT_V4.map((b) => b.weight);

/** Amazon-owned EC2/Lambda egress blocks, per region where known, for workloads running in AWS. */
const AWS_V4: Readonly<Record<string, readonly V4Block[]>> = {
  'us-east-1': [v4('3.208.0.0/12', 1), v4('54.144.0.0/12', 1), v4('52.0.0.0/15', 1)],
  'us-west-2': [v4('34.208.0.0/12', 1), v4('54.184.0.0/13', 1)],
  'eu-west-1': [v4('34.240.0.0/13', 1), v4('52.208.0.0/13', 1), v4('54.72.0.0/15', 1)],
  'eu-central-1': [v4('3.120.0.0/14', 1), v4('18.184.0.0/15', 1)],
  'ap-southeast-2': [v4('13.236.0.0/14', 1), v4('3.104.0.0/14', 1)],
  'ap-northeast-1': [v4('13.112.0.0/14', 1), v4('54.238.0.0/16', 1)],
};
const AWS_V4_FALLBACK: readonly V4Block[] = [v4('3.0.0.0/9', 1), v4('18.128.0.0/9', 1)];

function inBlock(rng: Random, b: V4Block): string {
  // Skip network (.0) and broadcast (.255) host parts, which never originate calls.
  let n = (b.base + rng.int(b.size)) >>> 0;
  if (b.size > 2 && ((n & 0xff) === 0 || (n & 0xff) === 255)) n = ((n & ~0xff) | (1 + rng.int(254))) >>> 0;
  return formatV4(n);
}

export function clientIpv4(rng: Random): string {
  return inBlock(rng, rng.weighted(CLIENT_V4, CLIENT_V4_WEIGHTS));
}

const RUNNERS_V4: readonly V4Block[] = [v4('20.40.0.0/13', 1), v4('4.148.0.0/16', 1), v4('172.176.0.0/14', 1)];

/** GitHub-hosted runners egress from Microsoft Azure address space. */
export function runnerIpv4(rng: Random): string {
  return inBlock(rng, rng.pick(RUNNERS_V4));
}

export function awsIpv4(rng: Random, region: string): string {
  return inBlock(rng, rng.pick(AWS_V4[region] ?? AWS_V4_FALLBACK));
}

export function privateIpv4(rng: Random): string {
  switch (rng.int(3)) {
    case 0:
      return `10.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
    case 1:
      return `172.${16 + rng.int(16)}.${rng.int(256)}.${1 + rng.int(254)}`;
    default:
      return `192.168.${rng.int(256)}.${1 + rng.int(254)}`;
  }
}

/** First two groups of IPv6 allocations; the remaining groups are random. */
const CLIENT_V6_PREFIXES: readonly (readonly number[])[] = [
  [0x2601, 0x0644], // Comcast (2601::/20)
  [0x2003, 0x00e0], // Deutsche Telekom (2003::/19)
  [0x2a01, 0xcb08], // Orange FR (2a01:cb00::/23)
  [0x2600, 0x1f18], // AWS us-east-1 (dual-stack VPC egress)
  [0x2001, 0x4860], // Google
  [0x2001, 0x0db8], // RFC 3849 documentation
];
const CLIENT_V6_WEIGHTS = [5, 3, 2, 3, 1, 0.3];

export function clientIpv6(rng: Random): string {
  const prefix = rng.weighted(CLIENT_V6_PREFIXES, CLIENT_V6_WEIGHTS);
  const groups: string[] = prefix.map((g) => g.toString(16));
  // Residential interface ids are random 64-bit values; keep groups non-zero so
  // the text form is already canonical (no "::" compression needed).
  while (groups.length < 8) groups.push((1 + rng.int(0x7fff)).toString(16));
  return groups.join(':');
}

/** The kinds of `sourceIPAddress` values CloudTrail writes. */
export type SourceKind = 'public-v4' | 'private-v4' | 'ipv6' | 'service' | 'aws-internal' | 'empty';

/** Classify a sourceIPAddress the way the generator produces them (for tests and reports). */
export function sourceKind(value: string | null | undefined): SourceKind | 'other' {
  if (value === '') return 'empty';
  if (value == null) return 'other';
  if (value === 'AWS Internal') return 'aws-internal';
  if (value.endsWith('.amazonaws.com')) return 'service';
  if (value.includes(':')) return 'ipv6';
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(value);
  if (!m) return 'other';
  const a = Number(m[1]);
  const b = Number(m[2]);
  if (a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168)) return 'private-v4';
  return 'public-v4';
}

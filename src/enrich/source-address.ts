import { isIPv6 } from 'node:net';
import type { SourceKind } from './enrichment.js';

/**
 * What `sourceIPAddress` holds. CloudTrail puts more than addresses there: the
 * host name of the AWS service that made the call (`apigateway.amazonaws.com`),
 * `AWS Internal`, an empty string, nothing at all, and — in published and
 * redacted data — junk such as `HIDDEN_DUE_TO_SECURITY_REASONS` or octets with
 * leading zeros (`035.249.253.232`). Only a valid address may fill an `ip`-typed
 * field: OpenSearch would otherwise drop the value (or the whole document
 * without `ignore_malformed`), and a leading-zero octet is read as octal by some
 * parsers and as decimal by others, so it names no address reliably.
 */
export interface SourceAddress {
  readonly kind: SourceKind;
  /** The original value, when it is a non-empty string. */
  readonly address?: string;
  /** The address for the `ip` field; set only for kinds `public` and `private`. */
  readonly ip?: string;
  /**
   * What to look up in a geo-IP database and its family: the address itself,
   * or the IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`).
   */
  readonly lookup?: { readonly ip: string; readonly family: 4 | 6 };
  /** The service host name, for kind `aws-service`. */
  readonly domain?: string;
}

const MISSING: SourceAddress = Object.freeze({ kind: 'missing' });

// Service principals end in amazonaws.com (amazonaws.com.cn in the China
// partition); anything else that is not an address is not CloudTrail's doing.
const SERVICE_HOST = /^[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/;

export function classifySourceAddress(value: unknown): SourceAddress {
  if (value === undefined || value === null || value === '') return MISSING;
  if (typeof value !== 'string') return { kind: 'invalid' };
  const v4 = ipv4Value(value, 0);
  if (v4 >= 0) {
    return { kind: isPublicIPv4(v4) ? 'public' : 'private', address: value, ip: value, lookup: { ip: value, family: 4 } };
  }
  if (value.includes(':')) return classifyIPv6(value);
  if (value === 'AWS Internal') return { kind: 'aws-internal', address: value };
  if (value.trim() === '') return MISSING;
  if (SERVICE_HOST.test(value)) return { kind: 'aws-service', address: value, domain: value };
  return { kind: 'invalid', address: value };
}

function classifyIPv6(value: string): SourceAddress {
  // Zone ids (`fe80::1%eth0`) pass isIPv6 but not an `ip` field.
  if (!isIPv6(value) || value.includes('%')) return { kind: 'invalid', address: value };
  const mapped = mappedIPv4(value);
  if (mapped !== undefined) {
    const v4 = ipv4Value(mapped, 0);
    return { kind: isPublicIPv4(v4) ? 'public' : 'private', address: value, ip: value, lookup: { ip: mapped, family: 4 } };
  }
  return { kind: isPublicIPv6(value) ? 'public' : 'private', address: value, ip: value, lookup: { ip: value, family: 6 } };
}

/**
 * Strict dotted-quad IPv4 to its 32-bit value, or -1: exactly four decimal
 * octets, no leading zeros, no signs or spaces. Hand-written because it runs
 * for every record, and it yields the number the range checks need.
 */
export function ipv4Value(s: string, from: number): number {
  const end = s.length;
  const len = end - from;
  if (len < 7 || len > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let first = 0;
  let parts = 0;
  for (let i = from; i <= end; i++) {
    const c = i < end ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || (digits > 1 && first === 0x30)) return -1;
      parts++;
      if (parts > 4) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits === 0) first = c;
      digits++;
      octet = octet * 10 + (c - 0x30);
      if (digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  return parts === 4 ? value : -1;
}

/** Publicly routable: not private, shared, loopback, link-local, documentation, benchmark, multicast or reserved space. */
export function isPublicIPv4(value: number): boolean {
  const a = value >>> 24;
  const b = (value >>> 16) & 0xff;
  const c = (value >>> 8) & 0xff;
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 100 && (b & 0xc0) === 64) return false; // 100.64.0.0/10 carrier-grade NAT
  if (a === 169 && b === 254) return false;
  if (a === 172 && (b & 0xf0) === 16) return false;
  if (a === 192 && (b === 168 || (b === 0 && (c === 0 || c === 2)))) return false;
  if (a === 198 && ((b & 0xfe) === 18 || (b === 51 && c === 100))) return false;
  if (a === 203 && b === 0 && c === 113) return false;
  return true;
}

/**
 * Only global unicast (2000::/3) is public, less the documentation prefixes
 * 2001:db8::/32 and 3fff::/20; the rest is unspecified, loopback, unique-local,
 * link-local, multicast or reserved. Expects a valid address without a zone.
 */
export function isPublicIPv6(value: string): boolean {
  const h0 = hextetAt(value, 0);
  if (h0 < 0x2000 || h0 > 0x3fff) return false;
  const colon = value.indexOf(':');
  const h1 = value.charCodeAt(colon + 1) === 0x3a ? 0 : hextetAt(value, colon + 1);
  if (h0 === 0x2001 && h1 === 0x0db8) return false;
  if (h0 === 0x3fff && h1 < 0x1000) return false;
  return true;
}

function hextetAt(s: string, from: number): number {
  let v = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (c >= 0x30 && c <= 0x39) v = v * 16 + (c - 0x30);
    else if (c >= 0x61 && c <= 0x66) v = v * 16 + (c - 0x61 + 10);
    else break;
  }
  return v;
}

/** The dotted IPv4 address of an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`), if it is one. */
function mappedIPv4(value: string): string | undefined {
  if (value.length < 14 || value.charCodeAt(0) !== 0x3a || value.charCodeAt(1) !== 0x3a) return undefined;
  if (value.slice(2, 7).toLowerCase() !== 'ffff:') return undefined;
  const rest = value.slice(7);
  return ipv4Value(rest, 0) >= 0 ? rest : undefined;
}

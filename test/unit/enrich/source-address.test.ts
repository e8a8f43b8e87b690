import { classifySourceAddress, ipv4Value, isPublicIPv4, isPublicIPv6 } from '../../../src/enrich/source-address.js';
import { corpusRecord } from './support/corpus.js';

describe('classifySourceAddress', () => {
  describe('real corpus records', () => {
    it.each([
      ['a public IPv4 address', (ip: string) => ip === '18.236.253.47', 'public'],
      ['a private IPv4 address', (ip: string) => ip === '192.168.10.20', 'private'],
      ['an AWS service host name', (ip: string) => ip === 'apigateway.amazonaws.com' || ip === 'config.amazonaws.com', 'aws-service'],
      ['AWS Internal', (ip: string) => ip === 'AWS Internal', 'aws-internal'],
      ['a leading-zero octet', (ip: string) => ip === '035.249.253.232', 'invalid'],
      ['a masked address', (ip: string) => ip === '30.*.0.210', 'invalid'],
    ])('%s', (_what, match, kind) => {
      const { record } = corpusRecord(String(_what), (r) => typeof r.sourceIPAddress === 'string' && match(r.sourceIPAddress));
      expect(classifySourceAddress(record.sourceIPAddress).kind).toBe(kind);
    });

    it('a record without sourceIPAddress', () => {
      const { record } = corpusRecord('no sourceIPAddress', (r) => !('sourceIPAddress' in r));
      expect(classifySourceAddress(record.sourceIPAddress)).toEqual({ kind: 'missing' });
    });
  });

  it('fills ip only for valid addresses and keeps the original string', () => {
    expect(classifySourceAddress('8.8.8.8')).toEqual({ kind: 'public', address: '8.8.8.8', ip: '8.8.8.8', lookup: { ip: '8.8.8.8', family: 4 } });
    expect(classifySourceAddress('035.249.253.232')).toEqual({ kind: 'invalid', address: '035.249.253.232' });
    expect(classifySourceAddress('HIDDEN_DUE_TO_SECURITY_REASONS')).toEqual({ kind: 'invalid', address: 'HIDDEN_DUE_TO_SECURITY_REASONS' });
    expect(classifySourceAddress('apigateway.amazonaws.com')).toEqual({
      kind: 'aws-service',
      address: 'apigateway.amazonaws.com',
      domain: 'apigateway.amazonaws.com',
    });
    expect(classifySourceAddress('AWS Internal')).toEqual({ kind: 'aws-internal', address: 'AWS Internal' });
  });

  it.each([
    ['', 'missing'],
    ['   ', 'missing'],
    [null, 'missing'],
    [undefined, 'missing'],
    [42, 'invalid'],
    ['035.249.253.232', 'invalid'],
    ['253.252.51.07', 'invalid'],
    ['1.2.3', 'invalid'],
    ['1.2.3.4.5', 'invalid'],
    ['256.1.1.1', 'invalid'],
    [' 8.8.8.8', 'invalid'],
    ['8.8.8.8 ', 'invalid'],
    ['1..2.3', 'invalid'],
    ['redacted', 'invalid'],
    ['<Attacker source IP>', 'invalid'],
    ['example.com', 'invalid'],
    ['evil.amazonaws.com.attacker.net', 'invalid'],
    ['fe80::1%eth0', 'invalid'],
    ['2001:db8::g', 'invalid'],
    ['0.0.0.0', 'private'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'private'],
    ['127.0.0.1', 'private'],
    ['169.254.169.254', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['192.0.2.10', 'private'],
    ['198.18.0.1', 'private'],
    ['198.51.100.23', 'private'],
    ['203.0.113.50', 'private'],
    ['224.0.0.1', 'private'],
    ['255.255.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['1.1.1.1', 'public'],
    ['52.95.110.1', 'public'],
    ['::', 'private'],
    ['::1', 'private'],
    ['fe80::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['ff02::1', 'private'],
    ['2001:db8::1', 'private'],
    ['2001:DB8::1', 'private'],
    ['3fff::1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['2001:4860:4860::8888', 'public'],
    ['2A00:1450:4001:82A::200E', 'public'],
    ['2600:1f18:4ce7:b400::1', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['s3.amazonaws.com', 'aws-service'],
    ['elasticmapreduce.amazonaws.com.cn', 'aws-service'],
  ])('%j is %s', (value, kind) => {
    expect(classifySourceAddress(value).kind).toBe(kind);
  });

  it('looks up the IPv4 address inside an IPv4-mapped IPv6 address, but reports the original', () => {
    expect(classifySourceAddress('::ffff:8.8.8.8')).toEqual({
      kind: 'public',
      address: '::ffff:8.8.8.8',
      ip: '::ffff:8.8.8.8',
      lookup: { ip: '8.8.8.8', family: 4 },
    });
  });

  it('looks IPv6 addresses up as IPv6', () => {
    expect(classifySourceAddress('2001:4860:4860::8888').lookup).toEqual({ ip: '2001:4860:4860::8888', family: 6 });
  });
});

describe('address helpers', () => {
  it('parses strict dotted quads', () => {
    expect(ipv4Value('0.0.0.0', 0)).toBe(0);
    expect(ipv4Value('255.255.255.255', 0)).toBe(0xffffffff);
    expect(ipv4Value('1.2.3.4', 0)).toBe(0x01020304);
    expect(ipv4Value('01.2.3.4', 0)).toBe(-1);
    expect(ipv4Value('1.2.3.04', 0)).toBe(-1);
    expect(ipv4Value('1.2.3.4a', 0)).toBe(-1);
    expect(ipv4Value('1.2.3.1000', 0)).toBe(-1);
  });

  it('tells public from non-public ranges at their edges', () => {
    expect(isPublicIPv4(ipv4Value('9.255.255.255', 0))).toBe(true);
    expect(isPublicIPv4(ipv4Value('11.0.0.0', 0))).toBe(true);
    expect(isPublicIPv4(ipv4Value('100.63.255.255', 0))).toBe(true);
    expect(isPublicIPv4(ipv4Value('100.127.255.255', 0))).toBe(false);
    expect(isPublicIPv4(ipv4Value('172.15.255.255', 0))).toBe(true);
    expect(isPublicIPv4(ipv4Value('198.17.255.255', 0))).toBe(true);
    expect(isPublicIPv4(ipv4Value('198.19.255.255', 0))).toBe(false);
    expect(isPublicIPv4(ipv4Value('198.20.0.0', 0))).toBe(true);
    expect(isPublicIPv4(ipv4Value('223.255.255.255', 0))).toBe(true);
    expect(isPublicIPv6('1fff::1')).toBe(false);
    expect(isPublicIPv6('2000::1')).toBe(true);
    expect(isPublicIPv6('3ffe::1')).toBe(true);
    expect(isPublicIPv6('3fff:1000::1')).toBe(true);
    expect(isPublicIPv6('4000::1')).toBe(false);
  });
});

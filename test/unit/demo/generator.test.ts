import { gunzipSync } from 'node:zlib';
import { jest } from '@jest/globals';
import type { CloudTrailRecord } from '../../../src/model/cloudtrail.js';
import { encodeLogFile, generateLogFiles, serializeLogFile, type GeneratedLogFile, type GeneratorOptions } from '../../../src/demo/generator.js';
import { sourceKind } from '../../../src/demo/network.js';

const START = new Date('2025-03-14T09:00:00Z');
const KEY_RE =
  /^(?:(.+)\/)?AWSLogs\/(\d{12})\/CloudTrail\/([a-z]{2}(?:-[a-z]+)+-\d)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8})T(\d{4})Z_[A-Za-z0-9]{16}\.json\.gz$/;
const EVENT_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function files(options: Partial<GeneratorOptions> & { files: number }): GeneratedLogFile[] {
  return [...generateLogFiles({ seed: 7, start: START, recordsPerFile: { min: 40, max: 80 }, ...options })];
}

function params(r: CloudTrailRecord): Record<string, unknown> {
  return r.requestParameters !== null && typeof r.requestParameters === 'object' ? r.requestParameters : {};
}

const isApigw = (r: CloudTrailRecord): boolean => r.eventSource === 'apigateway.amazonaws.com';
/** v2 (HTTP/WebSocket) requests name `apiId`; calls on the API collection exist only in v2. */
const V2_COLLECTION = new Set(['CreateApi', 'GetApis']);
const isV2 = (r: CloudTrailRecord): boolean => isApigw(r) && ('apiId' in params(r) || V2_COLLECTION.has(r.eventName as string));

// Generated once and shared: a modest set for coverage, a larger one for the API Gateway mix.
const modest = files({ files: 36, seed: 11 });
const modestRecords = modest.flatMap((f) => f.records);
const large = files({ files: 180, seed: 12, recordsPerFile: { min: 60, max: 140 } });
const largeRecords = large.flatMap((f) => f.records);

describe('determinism', () => {
  const opts = { seed: 99, start: START, files: 12, recordsPerFile: { min: 10, max: 60 } };
  const encode = (o: GeneratorOptions): Buffer[] => [...generateLogFiles(o)].flatMap((f) => [Buffer.from(f.key), encodeLogFile(f.records)]);

  it('produces byte-identical files for the same seed and options', () => {
    const a = encode(opts);
    const b = encode(opts);
    expect(Buffer.concat(a).equals(Buffer.concat(b))).toBe(true);
  });

  it('produces different files for another seed', () => {
    const a = [...generateLogFiles(opts)];
    const b = [...generateLogFiles({ ...opts, seed: 100 })];
    expect(a.map((f) => f.key)).not.toEqual(b.map((f) => f.key));
    expect(serializeLogFile(a[0]?.records ?? [])).not.toEqual(serializeLogFile(b[0]?.records ?? []));
  });

  it('does not depend on the wall clock or Math.random', () => {
    const random = jest.spyOn(Math, 'random');
    const now = jest.spyOn(Date, 'now');
    [...generateLogFiles(opts)];
    expect(random).not.toHaveBeenCalled();
    expect(now).not.toHaveBeenCalled();
    random.mockRestore();
    now.mockRestore();
  });
});

describe('log file layout', () => {
  it('names files as CloudTrail does and puts record times inside the 5-minute window', () => {
    const problems: string[] = [];
    for (const f of modest) {
      const m = KEY_RE.exec(f.key);
      expect(m).not.toBeNull();
      const [, , account, region, yyyy, mm, dd, account2, region2, stamp, hhmm] = m as RegExpExecArray;
      expect([account, account2, region, region2]).toEqual([f.account, f.account, f.region, f.region]);
      expect(stamp).toBe(`${yyyy}${mm}${dd}`);
      const windowStart = Date.parse(`${yyyy}-${mm}-${dd}T${hhmm?.slice(0, 2)}:${hhmm?.slice(2)}:00Z`);
      expect(windowStart).toBe(f.windowStart.getTime());
      expect(windowStart % 300_000).toBe(0);
      for (const r of f.records) {
        const t = Date.parse(r.eventTime as string);
        if (!EVENT_TIME_RE.test(r.eventTime as string)) problems.push(`eventTime format ${r.eventTime}`);
        if (!(t >= windowStart && t < windowStart + 300_000)) problems.push(`${r.eventTime} outside ${f.key}`);
        if (r.recipientAccountId !== f.account) problems.push(`recipient ${r.recipientAccountId} in ${f.key}`);
        // Global services (IAM) are delivered with the us-east-1 files only.
        if (r.awsRegion !== f.region) problems.push(`region ${r.awsRegion} in ${f.key}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('advances each (account, region) stream in 5-minute steps and spreads over accounts and regions', () => {
    const byStream = new Map<string, number[]>();
    for (const f of modest) {
      const k = `${f.account}/${f.region}`;
      byStream.set(k, [...(byStream.get(k) ?? []), f.windowStart.getTime()]);
    }
    expect(byStream.size).toBe(9);
    for (const times of byStream.values()) {
      expect(times[0]).toBe(START.getTime());
      times.forEach((t, i) => expect(t).toBe(START.getTime() + i * 300_000));
    }
  });

  it('honours keyPrefix, accounts, regions and a fixed record count', () => {
    const out = [...generateLogFiles({ seed: 1, start: new Date('2025-12-31T23:58:10Z'), files: 4, recordsPerFile: 25, keyPrefix: 'org/trail/', accounts: ['000011112222'], regions: ['eu-central-1', 'us-west-2'] })];
    expect(out.map((f) => f.key.slice(0, 47))).toEqual([
      'org/trail/AWSLogs/000011112222/CloudTrail/eu-ce',
      'org/trail/AWSLogs/000011112222/CloudTrail/us-we',
      'org/trail/AWSLogs/000011112222/CloudTrail/eu-ce',
      'org/trail/AWSLogs/000011112222/CloudTrail/us-we',
    ]);
    // 23:58:10 floors to 23:55; the second window of each stream crosses into the new year.
    expect(out[0]?.key).toContain('/2025/12/31/000011112222_CloudTrail_eu-central-1_20251231T2355Z_');
    expect(out[2]?.key).toContain('/2026/01/01/000011112222_CloudTrail_eu-central-1_20260101T0000Z_');
    for (const f of out) expect(f.records).toHaveLength(25);
  });

  it('rejects invalid options', () => {
    const base = { seed: 1, start: START, files: 1, recordsPerFile: 1 };
    expect(() => generateLogFiles({ ...base, files: -1 })).toThrow(RangeError);
    expect(() => generateLogFiles({ ...base, recordsPerFile: { min: 5, max: 2 } })).toThrow(RangeError);
    expect(() => generateLogFiles({ ...base, accounts: ['123'] })).toThrow(RangeError);
    expect(() => generateLogFiles({ ...base, start: new Date('nope') })).toThrow(RangeError);
  });
});

describe('encoding', () => {
  it('gzips {"Records":[...]} with a normalised header, like CloudTrail', () => {
    const f = modest[0] as GeneratedLogFile;
    const gz = encodeLogFile(f.records);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, gz[8], 3]);
    const text = gunzipSync(gz).toString('utf8');
    expect(text.startsWith('{"Records":[{"eventVersion":"1.')).toBe(true);
    expect(text.endsWith(']}\n')).toBe(true);
    const parsed = JSON.parse(text) as { Records: CloudTrailRecord[] };
    expect(Object.keys(parsed)).toEqual(['Records']);
    expect(parsed.Records).toEqual(f.records);
    expect(gunzipSync(encodeLogFile(f.records, { level: 9 })).toString('utf8')).toBe(text);
  });

  it('averages about 1.5 KB per record', () => {
    let bytes = 0;
    for (const f of large) bytes += Buffer.byteLength(serializeLogFile(f.records)) - 13;
    const avg = bytes / largeRecords.length;
    expect(avg).toBeGreaterThan(1200);
    expect(avg).toBeLessThan(1900);
  });
});

describe('record shapes', () => {
  it('uses unique UUID-shaped eventIDs and requestIDs', () => {
    const eventIds = largeRecords.map((r) => r.eventID as string);
    expect(eventIds.filter((id) => !UUID_RE.test(id))).toEqual([]);
    expect(new Set(eventIds).size).toBe(largeRecords.length);
    const requestIds = largeRecords.map((r) => r.requestID).filter((x): x is string => typeof x === 'string');
    expect(new Set(requestIds).size).toBe(requestIds.length);
    // S3 writes 16-character request ids, other services UUIDs.
    expect(requestIds.filter((id) => !UUID_RE.test(id) && !/^[A-Z0-9]{16}$/.test(id))).toEqual([]);
  });

  it('writes the fields CloudTrail writes, in its order', () => {
    const order = ['eventVersion', 'userIdentity', 'eventTime', 'eventSource', 'eventName', 'awsRegion', 'sourceIPAddress', 'userAgent', 'errorCode', 'errorMessage', 'requestParameters', 'responseElements', 'additionalEventData', 'requestID', 'eventID', 'readOnly', 'resources', 'eventType', 'apiVersion', 'managementEvent', 'recipientAccountId', 'sharedEventID', 'vpcEndpointId', 'vpcEndpointAccountId', 'serviceEventDetails', 'eventCategory', 'tlsDetails', 'sessionCredentialFromConsole'];
    const problems: string[] = [];
    for (const r of modestRecords) {
      const keys = Object.keys(r);
      const positions = keys.map((k) => order.indexOf(k));
      if (positions.includes(-1) || positions.some((p, i) => i > 0 && p < (positions[i - 1] as number))) problems.push(`key order ${keys.join(',')}`);
      if (r.eventCategory !== 'Management' || r.managementEvent !== true || typeof r.readOnly !== 'boolean') problems.push(`flags of ${r.eventID}`);
      if (!['1.08', '1.09', '1.10'].includes(r.eventVersion as string)) problems.push(`eventVersion ${r.eventVersion}`);
      if (r.errorCode && typeof r.errorMessage !== 'string') problems.push(`errorCode without message in ${r.eventID}`);
    }
    expect(problems).toEqual([]);
    expect(new Set(modestRecords.map((r) => r.eventVersion))).toEqual(new Set(['1.08', '1.09', '1.10']));
  });

  it('covers every userIdentity type, identity-less service events and their details', () => {
    const types = new Set(modestRecords.map((r) => (r.userIdentity ? (r.userIdentity.type ?? '(no type)') : '(none)')));
    for (const t of ['Root', 'IAMUser', 'AssumedRole', 'Role', 'FederatedUser', 'AWSAccount', 'AWSService', 'SAMLUser', 'WebIdentityUser', 'IdentityCenterUser', 'Directory', 'Unknown', '(no type)', '(none)']) {
      expect([t, types.has(t)]).toEqual([t, true]);
    }
    const assumed = modestRecords.filter((r) => r.userIdentity?.type === 'AssumedRole');
    for (const r of assumed) {
      expect(r.userIdentity?.sessionContext?.sessionIssuer?.type).toBe('Role');
      expect(['true', 'false']).toContain(r.userIdentity?.sessionContext?.attributes?.mfaAuthenticated);
    }
    for (const r of modestRecords.filter((x) => x.userIdentity?.type === 'AWSService')) expect(r.userIdentity?.invokedBy).toMatch(/\.amazonaws\.com$/);
    for (const r of modestRecords.filter((x) => x.userIdentity?.type === 'IdentityCenterUser')) {
      expect(r.userIdentity?.onBehalfOf?.userId).toBeTruthy();
      expect(r.userIdentity?.onBehalfOf?.identityStoreArn).toMatch(/^arn:aws:identitystore::\d{12}:identitystore\/d-[0-9a-f]{10}$/);
    }
    for (const r of modestRecords.filter((x) => !x.userIdentity || !x.userIdentity.type)) expect(r.eventType).toBe('AwsServiceEvent');
  });

  it('covers every kind of source address', () => {
    const kinds = new Set(modestRecords.map((r) => sourceKind(r.sourceIPAddress)));
    for (const k of ['public-v4', 'private-v4', 'ipv6', 'service', 'aws-internal', 'empty']) expect([k, kinds.has(k as never)]).toEqual([k, true]);
    expect(kinds.has('other')).toBe(false);
    const addresses = modestRecords.map((r) => r.sourceIPAddress ?? '');
    expect(addresses.some((a) => a.startsWith('10.'))).toBe(true);
    expect(addresses.some((a) => /^172\.(1[6-9]|2\d|3[01])\./.test(a))).toBe(true);
    expect(addresses.some((a) => a.startsWith('192.168.'))).toBe(true);
    expect(addresses).toContain('apigateway.amazonaws.com');
    expect(addresses).toContain('cloudformation.amazonaws.com');
  });

  it('covers the clients people and tools use', () => {
    const agents = modestRecords.map((r) => r.userAgent ?? '');
    const expected: [string, RegExp][] = [
      ['console internal', /^AWS Internal$/],
      ['console via signin', /^signin\.amazonaws\.com$/],
      ['browser', /^Mozilla\/5\.0 \(/],
      ['aws-cli', /^aws-cli\/2\.\d+\.\d+ /],
      ['boto3', /^Boto3\/1\.\d+\.\d+ .*Botocore\/1\.\d+\.\d+/],
      ['sdk-js v3', /^aws-sdk-js\/3\.\d+\.\d+ /],
      ['sdk-go v2', /^aws-sdk-go-v2\/1\.\d+\.\d+ /],
      ['sdk-java', /^aws-sdk-java\/[12]\./],
      ['terraform', /^APN\/1\.0 HashiCorp\/1\.0 Terraform\/1\.\d+\.\d+ \(\+https:\/\/www\.terraform\.io\) terraform-provider-aws\/5\.\d+\.\d+ /],
      ['cloudformation', /^cloudformation\.amazonaws\.com$/],
    ];
    for (const [name, re] of expected) expect([name, agents.some((a) => re.test(a))]).toEqual([name, true]);
  });

  it('covers event types, sign-ins, read-only and mutating calls, errors and console sessions', () => {
    const eventTypes = new Set(modestRecords.map((r) => r.eventType));
    expect([...eventTypes].sort()).toEqual(['AwsApiCall', 'AwsConsoleSignIn', 'AwsServiceEvent']);
    const logins = modestRecords.filter((r) => r.eventName === 'ConsoleLogin');
    expect(logins.some((r) => JSON.stringify(r.responseElements) === '{"ConsoleLogin":"Success"}')).toBe(true);
    const failures = logins.filter((r) => JSON.stringify(r.responseElements) === '{"ConsoleLogin":"Failure"}');
    expect(failures.length).toBeGreaterThan(0);
    for (const r of failures) expect(r.errorMessage).toBe('Failed authentication');
    expect(modestRecords.some((r) => r.readOnly)).toBe(true);
    expect(modestRecords.some((r) => !r.readOnly)).toBe(true);
    expect(modestRecords.some((r) => r.sessionCredentialFromConsole === 'true')).toBe(true);
    expect(modestRecords.some((r) => r.tlsDetails?.clientProvidedHostHeader)).toBe(true);
    expect(modestRecords.some((r) => (r.resources?.length ?? 0) > 0)).toBe(true);
    const errors = new Set(largeRecords.map((r) => r.errorCode).filter(Boolean));
    for (const e of ['AccessDenied', 'NotFoundException', 'TooManyRequestsException', 'BadRequestException', 'ConflictException', 'Client.UnauthorizedOperation']) {
      expect([e, errors.has(e)]).toEqual([e, true]);
    }
    const services = new Set(largeRecords.map((r) => r.eventSource));
    for (const s of ['sts', 'iam', 's3', 'ec2', 'lambda', 'signin', 'kms', 'cloudformation', 'logs']) expect(services.has(`${s}.amazonaws.com`)).toBe(true);
  });
});

describe('API Gateway activity', () => {
  const apigw = largeRecords.filter(isApigw);

  it('makes up 40-50% of records', () => {
    const share = apigw.length / largeRecords.length;
    expect(share).toBeGreaterThanOrEqual(0.4);
    expect(share).toBeLessThanOrEqual(0.5);
  });

  it('includes every REST (v1) and HTTP/WebSocket (v2) management call', () => {
    const v1 = new Set(apigw.filter((r) => !isV2(r)).map((r) => r.eventName));
    const v2 = new Set(apigw.filter(isV2).map((r) => r.eventName));
    for (const name of [
      'CreateRestApi', 'GetRestApis', 'GetRestApi', 'GetResource', 'GetResources', 'CreateResource', 'PutMethod', 'PutIntegration', 'PutMethodResponse',
      'CreateDeployment', 'CreateStage', 'UpdateStage', 'DeleteStage', 'CreateApiKey', 'CreateUsagePlan', 'CreateUsagePlanKey', 'CreateAuthorizer',
      'UpdateRestApi', 'DeleteRestApi', 'CreateDomainName', 'CreateBasePathMapping',
    ]) {
      expect([name, v1.has(name)]).toEqual([name, true]);
    }
    for (const name of ['CreateApi', 'CreateRoute', 'CreateIntegration', 'CreateStage', 'CreateDeployment', 'UpdateApi', 'DeleteApi', 'GetApis']) {
      expect([name, v2.has(name)]).toEqual([name, true]);
    }
    const protocols = new Set(apigw.filter((r) => r.eventName === 'CreateApi').map((r) => params(r).protocolType));
    expect(protocols).toEqual(new Set(['HTTP', 'WEBSOCKET']));
    const routeKeys = new Set(apigw.filter((r) => r.eventName === 'CreateRoute').map((r) => params(r).routeKey));
    expect(routeKeys.has('GET /items')).toBe(true);
    expect(routeKeys.has('$connect')).toBe(true);
  });

  it('records request parameters as CloudTrail does', () => {
    const getResource = apigw.filter((r) => r.eventName === 'GetResource');
    expect(getResource.length).toBeGreaterThan(0);
    for (const r of getResource) {
      expect(Object.keys(params(r)).sort()).toEqual(['resourceId', 'restApiId', 'template']);
      expect(params(r).template).toBe(false);
      expect(r.responseElements).toBeNull();
      expect(r.readOnly).toBe(true);
    }
    const wrapped: Record<string, string> = {
      CreateRestApi: 'createRestApiInput',
      CreateResource: 'createResourceInput',
      PutMethod: 'putMethodInput',
      PutIntegration: 'putIntegrationInput',
      CreateUsagePlan: 'createUsagePlanInput',
      CreateDomainName: 'createDomainNameInput',
    };
    const problems: string[] = [];
    for (const r of apigw.filter((x) => !isV2(x))) {
      const p = params(r);
      if (p.template !== false) problems.push(`${r.eventName} without template:false`);
      const wrapper = r.eventName === 'CreateDeployment' ? 'createDeploymentInput' : wrapped[r.eventName as string];
      if (wrapper && p[wrapper] === undefined) problems.push(`${r.eventName} without ${wrapper}`);
      if ((r.eventName === 'PutMethod' || r.eventName === 'PutIntegration') && Object.keys(p).slice(0, 3).join() !== 'restApiId,resourceId,httpMethod') problems.push(`${r.eventName} path parameters`);
    }
    expect(problems).toEqual([]);
    expect(apigw.filter(isV2).filter((r) => 'template' in params(r))).toEqual([]);
    const created = apigw.find((r) => r.eventName === 'CreateRestApi' && !r.errorCode);
    const response = created?.responseElements as Record<string, unknown>;
    expect(response.self).toEqual({ restApiId: response.id, template: false });
    expect(response.resourceCreate).toEqual({ restApiId: response.id, parentId: response.rootResourceId, template: false });
  });

  it('keeps ids consistent over time within each account and region', () => {
    // Per stream, in time order: what was created, and when it was deleted.
    const byStream = new Map<string, CloudTrailRecord[]>();
    for (const f of large) {
      const list = byStream.get(`${f.account}/${f.region}`) ?? [];
      list.push(...f.records.filter(isApigw));
      byStream.set(`${f.account}/${f.region}`, list);
    }
    let checkedReferences = 0;
    const problems: string[] = [];
    for (const records of byStream.values()) {
      records.sort((a, b) => Date.parse(a.eventTime as string) - Date.parse(b.eventTime as string));
      const createdAt = new Map<string, number>();
      const deletedAt = new Map<string, number>();
      const resources = new Set<string>();
      for (const r of records) {
        if (r.errorCode) continue;
        const t = Date.parse(r.eventTime as string);
        const p = params(r);
        const res = (r.responseElements ?? {}) as Record<string, unknown>;
        if (r.eventName === 'CreateRestApi') createdAt.set(res.id as string, t);
        if (r.eventName === 'CreateApi') createdAt.set(res.apiId as string, t);
        if (r.eventName === 'CreateResource') resources.add(`${p.restApiId as string}/${res.id as string}`);
        if (r.eventName === 'DeleteRestApi') deletedAt.set(p.restApiId as string, t);
        if (r.eventName === 'DeleteApi') deletedAt.set(p.apiId as string, t);
      }
      for (const r of records) {
        const p = params(r);
        const id = (p.restApiId ?? p.apiId) as string | undefined;
        if (!id || r.eventName === 'CreateRestApi' || r.eventName === 'CreateApi') continue;
        const t = Date.parse(r.eventTime as string);
        const created = createdAt.get(id);
        if (created !== undefined) {
          if (t < created) problems.push(`${r.eventName} on ${id} before it was created`);
          checkedReferences++;
        }
        const deleted = deletedAt.get(id);
        if (deleted !== undefined && t > deleted && r.errorCode !== 'NotFoundException') problems.push(`${r.eventName} on ${id} after it was deleted`);
        if (created !== undefined && (r.eventName === 'PutMethod' || r.eventName === 'PutIntegration') && !r.errorCode && !resources.has(`${id}/${p.resourceId as string}`)) {
          problems.push(`${r.eventName} on unknown resource ${id}/${p.resourceId as string}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checkedReferences).toBeGreaterThan(500);
  });
});

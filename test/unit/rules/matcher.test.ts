import type { CloudTrailRecord } from '../../../src/model/cloudtrail.js';
import { compileCondition, requiredEventNames, type Condition } from '../../../src/rules/condition.js';
import { compileRules } from '../../../src/rules/load-rules.js';
import { RuleMatcher } from '../../../src/rules/matcher.js';

const test = (condition: unknown, record: unknown): boolean => compileCondition(condition)(record);

describe('conditions', () => {
  const r = { eventName: 'UpdateStage', errorCode: 'Client.UnauthorizedOperation', userIdentity: { type: 'Root' }, resources: [{ ARN: 'arn:a' }, { ARN: 'arn:b' }] };

  it('equals, in, prefix, suffix, contains, matches', () => {
    expect(test({ field: 'eventName', equals: 'UpdateStage' }, r)).toBe(true);
    expect(test({ field: 'eventName', equals: 'updatestage' }, r)).toBe(false);
    expect(test({ field: 'eventName', in: ['A', 'UpdateStage'] }, r)).toBe(true);
    expect(test({ field: 'errorCode', prefix: 'Client.' }, r)).toBe(true);
    expect(test({ field: 'errorCode', suffix: 'UnauthorizedOperation' }, r)).toBe(true);
    expect(test({ field: 'errorCode', contains: 'Unauthorized' }, r)).toBe(true);
    expect(test({ field: 'errorCode', matches: '^Client\\.' }, r)).toBe(true);
    expect(test({ field: 'errorCode', prefix: 'Server.' }, r)).toBe(false);
  });

  it('exists and not: absent and null are "not there", and not holds on absent fields', () => {
    expect(test({ field: 'userIdentity.invokedBy', exists: false }, r)).toBe(true);
    expect(test({ field: 'userIdentity.type', exists: true }, r)).toBe(true);
    expect(test({ field: 'requestParameters.x', exists: true }, { requestParameters: null })).toBe(false);
    expect(test({ not: { field: 'additionalEventData.MFAUsed', equals: 'Yes' } }, r)).toBe(true);
    expect(test({ not: { field: 'additionalEventData.MFAUsed', equals: 'Yes' } }, { additionalEventData: { MFAUsed: 'Yes' } })).toBe(false);
  });

  it('a path through an array holds when one element does; some keeps op, path and value on one element', () => {
    expect(test({ field: 'resources.ARN', equals: 'arn:b' }, r)).toBe(true);
    const ops = { requestParameters: { p: [{ op: 'replace', path: '/a', value: 'OFF' }, { op: 'remove', path: '/b' }] } };
    // Across elements, all of these hold somewhere...
    expect(test({ all: [{ field: 'requestParameters.p.op', equals: 'remove' }, { field: 'requestParameters.p.path', equals: '/a' }] }, ops)).toBe(true);
    // ...but no single element removes /a.
    expect(test({ field: 'requestParameters.p', some: { all: [{ field: 'op', equals: 'remove' }, { field: 'path', equals: '/a' }] } }, ops)).toBe(false);
    expect(test({ field: 'requestParameters.p', some: { all: [{ field: 'op', equals: 'remove' }, { field: 'path', equals: '/b' }] } }, ops)).toBe(true);
    expect(test({ field: 'requestParameters.p', some: { field: 'op', exists: true } }, { requestParameters: { p: 'not a list' } })).toBe(false);
  });

  it('never throws on odd records', () => {
    const c = { all: [{ field: 'requestParameters.a.b', equals: 1 }, { field: 'userIdentity.type', prefix: 'R' }] };
    for (const odd of [{}, { requestParameters: '{"a":{"b":1}}' }, { requestParameters: [1, null] }, { userIdentity: 5 }]) expect(test(c, odd)).toBe(false);
  });

  it('finds the eventNames a condition requires, or none', () => {
    const names = (c: Condition) => (requiredEventNames(c) ? [...requiredEventNames(c)!].sort() : undefined);
    expect(names({ all: [{ field: 'eventSource', equals: 's' }, { field: 'eventName', in: ['B', 'A'] }] })).toEqual(['A', 'B']);
    expect(names({ any: [{ field: 'eventName', equals: 'A' }, { all: [{ field: 'eventName', equals: 'B' }] }] })).toEqual(['A', 'B']);
    expect(names({ any: [{ field: 'eventName', equals: 'A' }, { field: 'errorCode', exists: true }] })).toBeUndefined();
    expect(names({ not: { field: 'eventName', equals: 'A' } })).toBeUndefined();
  });
});

describe('RuleMatcher', () => {
  const file = (rules: unknown[]) => ({ file: 'test.json', content: { ruleset: 'test', description: 'Test.', rules } }) as Parameters<typeof compileRules>[0][number];
  const rule = (id: string, severity: string, condition: unknown, risk_score?: number) => ({ id, name: id.toUpperCase(), severity, category: `c-${id}`, reference: `https://example.com/${id}`, condition, ...(risk_score ? { risk_score } : {}) });
  const matcher = new RuleMatcher(
    compileRules([
      file([
        rule('root', 'high', { field: 'userIdentity.type', equals: 'Root' }),
        rule('stop', 'critical', { field: 'eventName', equals: 'StopLogging' }, 95),
        rule('denied', 'low', { field: 'errorCode', prefix: 'AccessDenied' }),
      ]),
    ]),
  );

  it('tags one match with plain strings, severity and default risk score', () => {
    expect(matcher.match({ eventName: 'StopLogging' } as CloudTrailRecord)).toEqual({
      rule: { id: 'stop', name: 'STOP', ruleset: 'test', reference: 'https://example.com/stop', category: 'c-stop' },
      severity: 4,
      riskScore: 95,
    });
    expect(matcher.match({ eventName: 'GetObject', errorCode: 'AccessDeniedException' })?.riskScore).toBe(21);
  });

  it('tags several matches with arrays in rule order, and the highest severity and risk score', () => {
    expect(matcher.match({ eventName: 'StopLogging', errorCode: 'AccessDenied', userIdentity: { type: 'Root' } })).toEqual({
      rule: {
        id: ['root', 'stop', 'denied'],
        name: ['ROOT', 'STOP', 'DENIED'],
        ruleset: ['test', 'test', 'test'],
        reference: ['https://example.com/root', 'https://example.com/stop', 'https://example.com/denied'],
        category: ['c-root', 'c-stop', 'c-denied'],
      },
      severity: 4,
      riskScore: 95,
    });
  });

  it('returns undefined when nothing matches, and tests indexed rules only for their eventName', () => {
    expect(matcher.match({ eventName: 'GetObject' })).toBeUndefined();
    expect(matcher.generalRuleCount).toBe(2);
  });
});

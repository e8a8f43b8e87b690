import { buildSource } from '../../../src/document/document.js';
import { eventTemplateShape, relocate, shapeOf, unindexablePaths } from '../../../src/document/field-shapes.js';
import type { CloudTrailRecord } from '../../../src/model/cloudtrail.js';

const shape = eventTemplateShape();
const paths = (r: Record<string, unknown>, long = true): string[] => unindexablePaths(r, shape, long);

describe('unindexablePaths against the event template', () => {
  it('accepts ordinary CloudTrail shapes', () => {
    expect(
      paths({
        eventName: 'CreateStage',
        readOnly: false,
        userIdentity: { type: 'IAMUser', sessionContext: { attributes: { mfaAuthenticated: 'true' } } },
        requestParameters: { restApiId: 'a1', tags: [{ k: 'v' }], nested: { list: [1, 2] } },
        responseElements: null,
        resources: [{ ARN: 'arn:aws:apigateway:us-east-1::/restapis/a1', type: 'AWS::ApiGateway::RestApi' }],
        additionalEventData: [{ a: 1 }],
        unknownNewField: { anything: ['goes', { here: 1 }] },
      }),
    ).toEqual([]);
  });

  it('reports a list of strings where resources are objects (corpus: panther-labs)', () => {
    expect(paths({ resources: ["{'accountId': '111122223333'}"] })).toEqual(['resources']);
  });

  it('reports JSON strings and scalar lists in flat_object fields', () => {
    expect(paths({ requestParameters: '{"a":1}', responseElements: ['x'], serviceEventDetails: 42 })).toEqual([
      'requestParameters',
      'responseElements',
      'serviceEventDetails',
    ]);
  });

  it('reports the deepest mapped object, not the whole userIdentity', () => {
    expect(paths({ userIdentity: { type: 'Root', sessionContext: 'oops', onBehalfOf: { userId: { nested: true } } } })).toEqual([
      'userIdentity.sessionContext',
      'userIdentity.onBehalfOf.userId',
    ]);
  });

  it('reports an object where a keyword is mapped', () => {
    expect(paths({ eventName: { not: 'a name' }, awsRegion: ['us-east-1', { x: 1 }] })).toEqual(['eventName', 'awsRegion']);
  });

  it('reports flat_object values longer than one Lucene term, only when asked to look', () => {
    const big = { requestParameters: { policyDocument: 'x'.repeat(40_000) } };
    expect(paths(big)).toEqual(['requestParameters']);
    expect(paths(big, false)).toEqual([]);
    expect(paths({ requestParameters: { [`k${'y'.repeat(33_000)}`]: 'v' } })).toEqual(['requestParameters']);
    expect(paths({ requestParameters: { policyDocument: 'x'.repeat(32_000) } })).toEqual([]);
  });

  it('ignores fields the template keeps out of the index', () => {
    const s = shapeOf({ off: { type: 'object', enabled: false }, on: { type: 'keyword' } });
    expect(unindexablePaths({ off: 'anything', on: 'x' }, s, true)).toEqual([]);
  });
});

describe('relocate', () => {
  it('moves values without touching the input', () => {
    const record = { a: 1, userIdentity: { type: 'Root', sessionContext: 'oops' } };
    const { rest, moved } = relocate(record, ['userIdentity.sessionContext']);
    expect(rest).toEqual({ a: 1, userIdentity: { type: 'Root' } });
    expect(moved).toEqual({ 'userIdentity.sessionContext': 'oops' });
    expect(record.userIdentity.sessionContext).toBe('oops');
  });
});

describe('buildSource with unindexable values', () => {
  it('moves them under trailstream.unindexed and keeps the original for dead letters', () => {
    const record = { eventName: 'X', resources: ['a string'], requestParameters: { ok: true } } as unknown as CloudTrailRecord;
    const raw = Buffer.from(JSON.stringify(record));
    const built = buildSource(raw, record, { '@timestamp': '2024-01-01T00:00:00Z' });
    const doc = JSON.parse(built.source.toString('utf8')) as Record<string, unknown>;
    expect(doc.resources).toBeUndefined();
    expect(doc.requestParameters).toEqual({ ok: true });
    expect(doc['@timestamp']).toBe('2024-01-01T00:00:00Z');
    expect(doc.trailstream).toEqual({ unindexed: { resources: ['a string'] }, unindexed_fields: ['resources'] });
    expect(built.raw()).toBe(raw.toString('utf8'));
  });

  it('keeps enrichment the record already had under trailstream', () => {
    const record = { requestParameters: 'str' } as unknown as CloudTrailRecord;
    const enrichment = { trailstream: { read_only: true } } as unknown as Parameters<typeof buildSource>[2];
    const doc = JSON.parse(buildSource(Buffer.from(JSON.stringify(record)), record, enrichment).source.toString('utf8')) as {
      trailstream: Record<string, unknown>;
    };
    expect(doc.trailstream).toEqual({ read_only: true, unindexed: { requestParameters: 'str' }, unindexed_fields: ['requestParameters'] });
  });

  it('leaves well-formed records byte for byte', () => {
    const record = { eventName: 'GetRestApis', requestParameters: { a: 1 } } as unknown as CloudTrailRecord;
    const raw = Buffer.from(JSON.stringify(record));
    const built = buildSource(raw, record, {});
    expect(built.source.equals(raw)).toBe(true);
  });
});

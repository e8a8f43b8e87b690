import { enrichRecord } from '../../../src/enrich/enrich-record.js';
import { dayOf } from '../../../src/model/event-time.js';
import { indexNameFor } from '../../../src/document/index-name.js';
import { objectTarget, recordDocument } from '../../../src/document/record-document.js';

const KEY = 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/23/111122223333_CloudTrail_us-east-1_20261123T0000Z_abc.json.gz';

describe('recordDocument index names', () => {
  it('gives every record of an object the index of its own eventTime day, whatever the order and form of the times', () => {
    const times: unknown[] = [
      '2026-11-23T10:00:00Z',
      '2026-11-23T23:59:59Z',
      '2026-11-24T00:00:00Z', // the day changes mid-file
      '2026-11-23T12:00:00Z', // and back
      '2026-11-24 01:00:00', // not canonical: parsed, not taken from the last day
      '2026-11-25T01:00:00.123Z', // milliseconds
      '2026-11-23T10:00:00+02:00', // an offset: 08:00 UTC, same day, but must not be matched by its prefix alone
      '2026-11-22T23:30:00-01:00', // 00:30 UTC on the 23rd
      undefined, // the delivery day from the key
      'garbage',
      '2026-11-23T09:00:00Z',
    ];
    const target = objectTarget(KEY);
    times.forEach((eventTime, ordinal) => {
      const record = { eventVersion: '1.09', eventID: `id-${ordinal}`, ...(eventTime === undefined ? {} : { eventTime }) };
      const built = recordDocument(Buffer.from(JSON.stringify(record)), { bucket: 'b', key: KEY, ordinal }, target, 'cloudtrail', enrichRecord);
      if (!built.ok) throw new Error('expected a document');
      const expected = indexNameFor('cloudtrail', 'events', dayOf(eventTime) ?? '2026.11.23');
      expect({ eventTime, index: built.index }).toEqual({ eventTime, index: expected });
    });
  });

  it('reports eventTimeMs only for a parseable eventTime', () => {
    const target = objectTarget(KEY);
    const doc = (eventTime: unknown) => recordDocument(Buffer.from(JSON.stringify({ eventID: 'x', eventTime })), { bucket: 'b', key: KEY, ordinal: 0 }, target, 'cloudtrail', enrichRecord);
    const good = doc('2026-11-23T10:00:00Z');
    const bad = doc('not a time');
    expect(good.ok && good.eventTimeMs).toBe(Date.UTC(2026, 10, 23, 10));
    expect(bad.ok && bad.eventTimeMs).toBeUndefined();
  });
});

import { enrichRecord } from '../../../src/enrich/enrich-record.js';
import { RecordSplitter, type RawRecord } from '../../../src/decode/record-splitter.js';
import { buildSource } from '../../../src/document/document.js';
import { enrichmentJson } from '../../../src/document/enrichment-json.js';
import type { CloudTrailRecord } from '../../../src/model/cloudtrail.js';
import { assertNoDuplicateKeys } from '../enrich/support/strict-json.js';

/** The records of a CloudTrail file as the worker's splitter yields them (its exact bytes). */
function split(file: string): RawRecord[] {
  const out: RawRecord[] = [];
  const splitter = new RecordSplitter({ maxRecordBytes: 1 << 20 });
  splitter.push(Buffer.from(file, 'utf8'), out);
  splitter.end();
  return out;
}

function build(raw: Buffer): { text: string; doc: Record<string, unknown>; rawText: string; record: CloudTrailRecord } {
  const record = JSON.parse(raw.toString('utf8')) as CloudTrailRecord;
  const built = buildSource(raw, record, enrichRecord(record));
  const text = built.source.toString('utf8');
  return { text, doc: JSON.parse(text) as Record<string, unknown>, rawText: built.raw(), record };
}

/** A spliced document is the record's bytes up to its closing brace, then the enrichment's members. */
function expectSpliced(raw: Buffer, text: string): void {
  const body = raw.subarray(0, raw.length - 1);
  const source = Buffer.from(text, 'utf8');
  expect(source.subarray(0, body.length).equals(body)).toBe(true);
  const record = JSON.parse(raw.toString('utf8')) as CloudTrailRecord;
  expect(source.subarray(body.length).toString('utf8')).toBe(`,${enrichmentJson(enrichRecord(record)).slice(1)}`);
}

const BASE = '"eventVersion":"1.09","eventTime":"2026-11-23T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.9","recipientAccountId":"111122223333"';

describe('splicing the enrichment into the record bytes', () => {
  it('keeps non-ASCII text byte for byte', () => {
    const [r] = split(`{"Records":[{${BASE},"userAgent":"Mozilla/5.0 (Mac) — 日本語 🚀","requestParameters":{"key":"façade/ñandú.txt"}}]}`);
    const { text, doc, rawText } = build(r!.bytes);
    expectSpliced(r!.bytes, text);
    expect(doc.userAgent).toBe('Mozilla/5.0 (Mac) — 日本語 🚀');
    expect((doc.requestParameters as { key: string }).key).toBe('façade/ñandú.txt');
    expect(rawText).toBe(r!.bytes.toString('utf8'));
  });

  it('keeps escapes as CloudTrail wrote them (\\u, \\", \\\\, \\/)', () => {
    const escaped = String.raw`"errorMessage":"Caf\u00e9 \"quoted\" back\\slash a\/b \ud83d\ude80 tab\t"`;
    const [r] = split(`{"Records":[{${BASE},${escaped}}]}`);
    const { text, doc } = build(r!.bytes);
    expectSpliced(r!.bytes, text);
    expect(text).toContain(escaped);
    expect(doc.errorMessage).toBe('Café "quoted" back\\slash a/b 🚀 tab\t');
  });

  it('keeps numbers beyond double precision exactly as written', () => {
    const [r] = split(`{"Records":[{${BASE},"requestParameters":{"big":123456789012345678901234567890,"exp":1E+400,"neg":-0.000000000000000000001}}]}`);
    const { text } = build(r!.bytes);
    expectSpliced(r!.bytes, text);
    // Re-serializing would have printed 1.2345678901234568e+29 and Infinity → null.
    expect(text).toContain('"big":123456789012345678901234567890,"exp":1E+400,"neg":-0.000000000000000000001');
  });

  it('splices records with odd whitespace inside and around the Records elements', () => {
    const file = `{ "Records" : [\r\n\t{ ${BASE} ,\n "eventID" : "a" \t\r\n}  ,\n\n{\t}\t, {${BASE},"eventID":"c"}\n]\n}\n`;
    const records = split(file);
    expect(records.map((r) => r.bytes.toString('utf8')[0] + r.bytes.toString('utf8').slice(-1))).toEqual(['{}', '{}', '{}']);
    for (const r of records) {
      const { text, doc, rawText } = build(r.bytes);
      assertNoDuplicateKeys(text);
      expect(rawText).toBe(r.bytes.toString('utf8'));
      expect(doc.trailstream).toBeDefined();
    }
    expectSpliced(records[0]!.bytes, build(records[0]!.bytes).text);
    // An empty record gets the enrichment without a leading comma.
    expect(build(records[1]!.bytes).text.startsWith('{\t"')).toBe(true);
  });

  it('never writes a value for a field the template maps as an alias', () => {
    const [r] = split(`{"Records":[{${BASE},"userAgent":"aws-cli/2.15.0","userIdentity":{"type":"IAMUser","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE","invokedBy":"s3.amazonaws.com"}}]}`);
    const { doc, record } = build(r!.bytes);
    const enrichment = enrichRecord(record);
    // The enricher still computes them (rules and callers may use them)…
    expect(enrichment.event?.action).toBe('GetObject');
    expect(enrichment.user_agent?.original).toBe('aws-cli/2.15.0');
    // …but the document leaves them to the aliases.
    expect(doc.event).not.toHaveProperty('action');
    expect(doc.event).not.toHaveProperty('provider');
    expect(doc.cloud).toEqual({ provider: 'aws' });
    expect(doc).not.toHaveProperty('user_agent');
    expect(doc.source).not.toHaveProperty('address');
    expect((doc.trailstream as { identity: object }).identity).not.toHaveProperty('account_id');
    expect((doc.trailstream as { identity: object }).identity).not.toHaveProperty('access_key_id');
    expect((doc.trailstream as { identity: object }).identity).not.toHaveProperty('invoked_by');
    expect(doc.source).toHaveProperty('ip', '203.0.113.9');
  });

  it('re-serializes a record with a value the mapping cannot take, and only then', () => {
    const [r] = split(`{"Records":[{${BASE},"resources":["arn:aws:s3:::b"],"requestParameters":{"big":123456789012345678901234567890}}]}`);
    const { text, doc, rawText } = build(r!.bytes);
    expect(text.startsWith(r!.bytes.subarray(0, r!.bytes.length - 1).toString('utf8'))).toBe(false);
    const ts = doc.trailstream as { unindexed: Record<string, unknown>; unindexed_fields: string[] };
    expect(ts.unindexed_fields).toEqual(['resources']);
    expect(ts.unindexed).toEqual({ resources: ['arn:aws:s3:::b'] });
    expect(doc).not.toHaveProperty('resources');
    // The original stays recoverable byte for byte (dead letters, replays).
    expect(rawText).toBe(r!.bytes.toString('utf8'));
  });

  it('moves a record’s own value at an alias path instead of sending it', () => {
    const [r] = split(`{"Records":[{${BASE},"event":{"action":"mine","kind":"x"}}]}`);
    const { text, doc } = build(r!.bytes);
    assertNoDuplicateKeys(text);
    const ts = doc.trailstream as { unindexed: Record<string, unknown>; unindexed_fields: string[] };
    expect(ts.unindexed_fields).toEqual(['event.action']);
    expect(ts.unindexed).toEqual({ 'event.action': 'mine' });
    expect(doc.event).not.toHaveProperty('action');
  });

  it('keeps duplicate keys of the record as written, and never adds one', () => {
    // JSON.parse keeps the last value; the enrichment is computed from it.
    const [r] = split(`{"Records":[{${BASE},"errorCode":"A","errorCode":"B"}]}`);
    const { text, doc } = build(r!.bytes);
    expectSpliced(r!.bytes, text);
    expect(text).toContain('"errorCode":"A","errorCode":"B"');
    expect((doc.event as { outcome: string }).outcome).toBe('failure');
    // A duplicated name of ours is resolved by re-serializing: one `cloud`, the enrichment's.
    const [ours] = split(`{"Records":[{${BASE},"cloud":{"x":1},"cloud":{"y":2}}]}`);
    const built = build(ours!.bytes);
    assertNoDuplicateKeys(built.text);
    expect(built.doc.cloud).toEqual({ provider: 'aws' });
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { RecordSplitter, type RawRecord } from '../../../../src/decode/record-splitter.js';
import type { CloudTrailRecord } from '../../../../src/model/cloudtrail.js';

/** The repository root, found upwards so that a compiled copy (the benchmark's) finds the fixtures too. */
function repositoryRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'test/fixtures/corpus'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('test/fixtures/corpus not found above this file');
    dir = parent;
  }
  return dir;
}

const root = repositoryRoot();
export const corpusDir = path.join(root, 'test/fixtures/corpus');
export const enrichFixturesDir = path.join(root, 'test/fixtures/enrich');

/** One real record: its original bytes, as the pipeline sees them, and where it comes from. */
export interface CorpusRecord {
  readonly where: string;
  readonly raw: Buffer;
  readonly record: CloudTrailRecord;
}

let cached: CorpusRecord[] | undefined;

/** Every record of test/fixtures/corpus: NDJSON lines and the records of the delivered log files. */
export function corpusRecords(): readonly CorpusRecord[] {
  if (cached) return cached;
  const out: CorpusRecord[] = [];
  const events = path.join(corpusDir, 'events');
  for (const file of readdirSync(events).sort()) {
    const lines = readFileSync(path.join(events, file)).toString('utf8').split('\n');
    lines.forEach((line, n) => {
      if (line.trim() === '') return;
      out.push({ where: `events/${file}:${n + 1}`, raw: Buffer.from(line, 'utf8'), record: JSON.parse(line) as CloudTrailRecord });
    });
  }
  const delivered = path.join(corpusDir, 'delivered');
  for (const source of readdirSync(delivered).sort()) {
    for (const file of readdirSync(path.join(delivered, source)).sort()) {
      const json = gunzipSync(readFileSync(path.join(delivered, source, file)));
      const splitter = new RecordSplitter({ maxRecordBytes: 64 << 20 });
      const records: RawRecord[] = [];
      splitter.push(json, records);
      splitter.end();
      for (const r of records) {
        out.push({ where: `delivered/${source}/${file}#${r.ordinal}`, raw: r.bytes, record: JSON.parse(r.bytes.toString('utf8')) as CloudTrailRecord });
      }
    }
  }
  cached = out;
  return out;
}

/** The first corpus record that matches, or a failure that says what was looked for. */
export function corpusRecord(description: string, predicate: (record: CloudTrailRecord) => boolean): CorpusRecord {
  const found = corpusRecords().find((r) => predicate(r.record));
  if (!found) throw new Error(`no corpus record: ${description}`);
  return found;
}

/** A crafted fixture: a JSON array of `{ "case": "...", "record": {...} }`. */
export interface CraftedCase {
  readonly case: string;
  readonly record: CloudTrailRecord;
}

export function craftedCases(file: string): readonly CraftedCase[] {
  return JSON.parse(readFileSync(path.join(enrichFixturesDir, file), 'utf8')) as CraftedCase[];
}

export function craftedCase(file: string, name: string): CloudTrailRecord {
  const found = craftedCases(file).find((c) => c.case === name);
  if (!found) throw new Error(`${file} has no case "${name}"`);
  return found.record;
}

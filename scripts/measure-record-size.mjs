#!/usr/bin/env node
// Measures what one CloudTrail record costs on disk in OpenSearch (docs/operations.md, "Sizing"):
// indexes the real records of test/fixtures/corpus and generated demo records with
// `trailstream backfill` (the same document builder as the worker), force-merges each index to
// one segment, and prints primary store bytes / documents from _cat/indices.
//
//   npm run build && eval "$(npm run -s stack -- env)" && node scripts/measure-record-size.mjs [demoRecords] [corpusCopies]
//
// The corpus is small (~2,200 records): it is indexed `corpusCopies` times (default 30), each copy
// with its own eventIDs, so the per-index fixed cost does not dominate.
//
// Uses the index prefixes measure-corpus and measure-demo (deleted first and again at the end).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { generateLogFiles, encodeLogFile } = await import(path.join(root, 'dist/demo/generator.js'));
const url = process.env.OPENSEARCH_URL;
if (!url) throw new Error('OPENSEARCH_URL is not set: eval "$(npm run -s stack -- env)"');
const demoRecords = Number(process.argv[2] ?? 100_000);
const corpusCopies = Number(process.argv[3] ?? 30);

async function os(method, p, body) {
  const res = await fetch(`${url}${p}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok && res.status !== 404) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const work = mkdtempSync(path.join(tmpdir(), 'trailstream-measure-'));
const key = (account, day, n) => `AWSLogs/${account}/CloudTrail/us-east-1/${day.replaceAll('-', '/')}/${account}_CloudTrail_us-east-1_${day.replaceAll('-', '')}T0000Z_${String(n).padStart(16, '0')}.json.gz`;

// 1. The corpus: real records from public datasets (events/*.ndjson and the delivered files).
const corpusDir = path.join(work, 'corpus');
let corpusRecords = 0;
const eventsDir = path.join(root, 'test/fixtures/corpus/events');
let n = 0;
for (const f of readdirSync(eventsDir)) {
  const lines = readFileSync(path.join(eventsDir, f), 'utf8').split('\n').filter(Boolean);
  for (let copy = 0; copy < corpusCopies; copy++) {
    const records = lines.map((l) => JSON.parse(l)).map((r) => (typeof r.eventID === 'string' ? { ...r, eventID: `${r.eventID}-${copy}` } : r));
    for (let i = 0; i < records.length; i += 200) {
      const file = path.join(corpusDir, key('111122223333', '2024-01-01', n++));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, gzipSync('{"Records":' + JSON.stringify(records.slice(i, i + 200)) + '}'));
    }
    corpusRecords += records.length;
  }
}

// 2. Generated demo records (the demo's event mix).
const demoDir = path.join(work, 'demo');
let demoCount = 0;
for (const f of demoRecords <= 0 ? [] : generateLogFiles({ seed: 11, start: new Date(Date.UTC(2026, 10, 1)), files: Math.ceil(demoRecords / 500), recordsPerFile: 500 })) {
  const file = path.join(demoDir, f.key);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, encodeLogFile(f.records));
  demoCount += f.records.length;
}

const rows = [];
for (const [prefix, dir] of [['measure-corpus', corpusDir], ...(demoCount > 0 ? [['measure-demo', demoDir]] : [])]) {
  await os('DELETE', `/${prefix}-*`);
  const env = { ...process.env, TRAILSTREAM_INDEX_PREFIX: prefix, TRAILSTREAM_DEAD_LETTER_INDEX: `${prefix}-dead-letter`, TRAILSTREAM_INDEX_GRANULARITY: 'month', TRAILSTREAM_INDEX_REPLICAS: '0', TRAILSTREAM_RETENTION_DAYS: '0', TRAILSTREAM_LOG_LEVEL: 'warn' };
  execFileSync(process.execPath, [path.join(root, 'dist/cli/main.js'), 'setup'], { env, stdio: 'inherit' });
  execFileSync(process.execPath, [path.join(root, 'dist/cli/main.js'), 'backfill', dir], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  await os('POST', `/${prefix}-*/_refresh`);
  await os('POST', `/${prefix}-*/_forcemerge?max_num_segments=1`);
  await os('POST', `/${prefix}-*/_refresh`);
  const cat = await os('GET', `/_cat/indices/${prefix}-*?format=json&bytes=b&h=index,docs.count,pri.store.size`);
  const docs = cat.filter((r) => !r.index.endsWith('dead-letter')).reduce((s, r) => s + Number(r['docs.count']), 0);
  const bytes = cat.filter((r) => !r.index.endsWith('dead-letter')).reduce((s, r) => s + Number(r['pri.store.size']), 0);
  const raw = readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.json.gz')).reduce((s, f) => s + execFileSync('gzip', ['-dc', path.join(dir, String(f))]).length, 0);
  rows.push({ data: prefix.replace('measure-', ''), indices: cat.filter((r) => !r.index.endsWith('dead-letter')).length, records: prefix === 'measure-corpus' ? corpusRecords : demoCount, documents: docs, rawJsonBytesPerRecord: Math.round(raw / (prefix === 'measure-corpus' ? corpusRecords : demoCount)), primaryBytes: bytes, bytesPerDocument: Math.round(bytes / docs) });
  await os('DELETE', `/${prefix}-*`);
  await os('DELETE', `/_index_template/trailstream-${prefix}-events`);
  await os('DELETE', `/_index_template/trailstream-${prefix}-insights`);
  await os('DELETE', `/_index_template/${prefix}-dead-letter`);
}
rmSync(work, { recursive: true, force: true });
console.table(rows);

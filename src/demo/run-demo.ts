import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import PQueue from 'p-queue';
import { createContext } from '../cli/context.js';
import { DEMO_RUN, encodeLogFile, generateLogFiles } from './generator.js';

/**
 * The demo's two steps around the worker (see scripts/demo.sh):
 *   upload  — puts generated CloudTrail files and a few real delivered ones in
 *             the bucket, so S3 sends the notifications to SQS as in production;
 *   summary — prints what landed in OpenSearch and a query to paste.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REAL_FILES_DIR = path.join(ROOT, 'test/fixtures/corpus/delivered/invictus-ir__aws_dataset');
const REAL_FILES = 4;

async function upload(): Promise<void> {
  const ctx = createContext();
  const bucket = ctx.config.bucket;
  if (!bucket) throw new Error('TRAILSTREAM_BUCKET is not set (eval "$(npm run -s stack -- env)")');
  const s3 = ctx.s3();
  const queue = new PQueue({ concurrency: 8 });
  let objects = 0;
  let records = 0;
  let bytes = 0;
  const put = (key: string, body: Buffer): Promise<void> =>
    queue.add(async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json', ContentEncoding: 'gzip' }));
      objects++;
      bytes += body.length;
    });

  const pending: Promise<void>[] = [];
  for (const file of generateLogFiles(DEMO_RUN)) {
    records += file.records.length;
    pending.push(put(file.key, encodeLogFile(file.records)));
  }
  if (existsSync(REAL_FILES_DIR)) {
    // Real files delivered by CloudTrail (MIT, invictus-ir/aws_dataset), under the key CloudTrail gave them.
    for (const name of readdirSync(REAL_FILES_DIR).filter((f) => f.endsWith('.json.gz')).sort().slice(0, REAL_FILES)) {
      const m = /^(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T/.exec(name);
      if (!m) continue;
      const gz = readFileSync(path.join(REAL_FILES_DIR, name));
      records += (JSON.parse((await import('node:zlib')).gunzipSync(gz).toString('utf8')) as { Records: unknown[] }).Records.length;
      pending.push(put(`AWSLogs/${m[1]}/CloudTrail/${m[2]}/${m[3]}/${m[4]}/${m[5]}/${name}`, gz));
    }
  }
  await Promise.all(pending);
  process.stdout.write(`uploaded ${objects} CloudTrail files (${records} records, ${(bytes / 1024).toFixed(0)} KiB gzipped) to s3://${bucket}\n`);
}

interface Bucket {
  key: string;
  doc_count: number;
}

async function summary(): Promise<void> {
  const ctx = createContext();
  const os = ctx.opensearch();
  const pattern = `${ctx.config.indexPrefix}-*`;
  await os.indices.refresh({ index: pattern } as never);
  const counts = await os.cat.indices({ index: pattern, format: 'json', h: 'index,docs.count', s: 'index' } as never);
  const rows = counts.body as { index: string; 'docs.count': string }[];
  const total = rows.reduce((n, r) => n + Number(r['docs.count']), 0);
  const aggs = await os.search({
    index: pattern,
    body: {
      size: 0,
      aggs: {
        apigw: {
          filter: { term: { eventSource: 'apigateway.amazonaws.com' } },
          aggs: { actions: { terms: { field: 'eventName', size: 10 } } },
        },
        outcome: { terms: { field: 'event.outcome' } },
        findings: { terms: { field: 'rule.id', size: 30 } },
        tagged: { filter: { exists: { field: 'rule.id' } } },
      },
    },
  } as never);
  const a = (
    aggs.body as unknown as {
      aggregations: { apigw: { doc_count: number; actions: { buckets: Bucket[] } }; outcome: { buckets: Bucket[] }; findings: { buckets: Bucket[] }; tagged: { doc_count: number } };
    }
  ).aggregations;
  let deadLetters = 0;
  try {
    deadLetters = ((await os.count({ index: ctx.config.deadLetterIndex } as never)).body as { count: number }).count;
  } catch {
    deadLetters = 0;
  }
  const out: string[] = [];
  out.push('', `Documents in OpenSearch: ${total} (dead-lettered records: ${deadLetters})`);
  for (const r of rows) out.push(`  ${r.index.padEnd(32)} ${r['docs.count'].padStart(7)}`);
  out.push('', `API Gateway events: ${a.apigw.doc_count}; top actions:`);
  for (const b of a.apigw.actions.buckets) out.push(`  ${b.key.padEnd(32)} ${String(b.doc_count).padStart(7)}`);
  out.push('', `Outcomes: ${a.outcome.buckets.map((b) => `${b.key} ${b.doc_count}`).join(', ')}`);
  out.push('', `Findings (records a detection rule matched, docs/rules.md): ${a.tagged.doc_count}; by rule:`);
  for (const b of a.findings.buckets) out.push(`  ${b.key.padEnd(44)} ${String(b.doc_count).padStart(7)}`);
  out.push(
    '',
    'Try it yourself (API Gateway changes by who made them):',
    `  curl -s '${new URL(ctx.config.opensearchUrls[0]!).origin}/${pattern}/_search?pretty' -H 'content-type: application/json' -d '{"size":0,"query":{"bool":{"filter":[{"term":{"eventSource":"apigateway.amazonaws.com"}},{"term":{"readOnly":"false"}}]}},"aggs":{"who":{"terms":{"field":"userIdentity.arn"},"aggs":{"what":{"terms":{"field":"eventName"}}}}}}'`,
    '',
  );
  process.stdout.write(out.join('\n'));
}

const command = process.argv[2];
const run = command === 'upload' ? upload : command === 'summary' ? summary : undefined;
if (!run) {
  process.stderr.write('usage: node dist/demo/run-demo.js upload|summary\n');
  process.exitCode = 2;
} else {
  run().catch((error: unknown) => {
    process.stderr.write(`demo ${command}: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}

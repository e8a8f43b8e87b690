import type { Results } from './main.js';
import type { Summary } from './stats.js';

interface Line {
  readonly row: string;
  readonly what: string;
  readonly value: string;
  readonly spread: string;
  readonly target: string;
  readonly met: string;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits: number): string => n.toFixed(digits);

function spread(s: Summary | undefined, format: (n: number) => string): string {
  if (!s || s.runs.length < 2) return s ? '1 run' : '';
  return `${format(s.min)} – ${format(s.max)} (${s.runs.length} runs)`;
}

const verdict = (ok: boolean): string => (ok ? 'yes' : 'NO');

function lines(r: Results): Line[] {
  const out: Line[] = [];
  const d = r.details;
  if (r.floorRecordsPerSec !== undefined && d.oneCore) {
    const parts = r.floorParts;
    const total = parts ? parts.gunzipMs + parts.splitMs + parts.parseMs : 0;
    const share = (ms: number): string => `${Math.round((ms / total) * 100)}%`;
    out.push({
      row: '1',
      what: 'floor: gunzip + split + JSON.parse, 1 core',
      value: `${int(r.floorRecordsPerSec)} rec/s, ${fixed(r.floorMiBPerSec!, 0)} MiB/s`,
      spread: spread(d.oneCore.floor, int),
      target: parts ? `(gunzip ${share(parts.gunzipMs)}, split ${share(parts.splitMs)}, parse ${share(parts.parseMs)})` : '',
      met: '',
    });
    out.push({
      row: '2',
      what: 'trailstream decode → enrich → bulk bodies, 1 core',
      value: `${int(r.pipelineRecordsPerSec!)} rec/s, ${fixed(r.pipelineMiBPerSec!, 0)} MiB/s`,
      spread: spread(d.oneCore.pipeline, int),
      target: '≥ 50,000 rec/s',
      met: verdict(r.pipelineRecordsPerSec! >= 50_000),
    });
    out.push({
      row: '',
      what: 'trailstream time / floor time',
      value: `${fixed(r.pipelineToFloorTimeRatio!, 2)}×`,
      spread: spread(d.oneCore.pipelineToFloor, (n) => fixed(n, 2)),
      target: '≤ 1.5× (aim 1.3×)',
      met: verdict(r.pipelineToFloorTimeRatio! <= 1.5),
    });
    if (r.rulesToPipelineTimeRatio !== undefined) {
      out.push({
        row: '',
        what: 'detection rule matcher alone / trailstream time (25 shipped rules)',
        value: `${fixed(r.rulesToPipelineTimeRatio * 100, 1)}%`,
        spread: spread(d.oneCore.rulesToPipeline, (n) => `${fixed(n * 100, 1)}%`),
        target: '≤ 5%',
        met: verdict(r.rulesToPipelineTimeRatio <= 0.05),
      });
    }
    out.push({
      row: '3',
      what: 'naive: whole file JSON.parse, map, helper-style bodies',
      value: `${int(r.naiveRecordsPerSec!)} rec/s`,
      spread: spread(d.oneCore.naive, int),
      target: '',
      met: '',
    });
    out.push({
      row: '',
      what: 'naive time / trailstream time',
      value: `${fixed(r.naiveToPipelineTimeRatio!, 2)}×`,
      spread: spread(d.oneCore.naiveToPipeline, (n) => fixed(n, 2)),
      target: '> 1× (naive slower)',
      met: verdict(r.naiveToPipelineTimeRatio! > 1),
    });
  }
  if (r.scaling2Workers !== undefined) {
    out.push({
      row: '4',
      what: 'scaling: 2 worker processes vs 1 (same data)',
      value: `${fixed(r.scaling2Workers, 2)}×`,
      spread: spread(d.scaling, (n) => fixed(n, 2)),
      target: '≥ 1.8×',
      met: verdict(r.scaling2Workers >= 1.8),
    });
  }
  if (r.endToEndToRawBulkRatio !== undefined && d.endToEnd) {
    out.push({
      row: '5',
      what: 'end to end: S3 → SQS → worker → OpenSearch',
      value: `${int(r.endToEndDocsPerSec!)} docs/s`,
      spread: spread(d.endToEnd.endToEnd, int),
      target: '',
      met: '',
    });
    out.push({
      row: '',
      what: 'same bodies straight to _bulk (same size, concurrency)',
      value: `${int(r.rawBulkDocsPerSec!)} docs/s`,
      spread: spread(d.endToEnd.rawBulk, int),
      target: '',
      met: '',
    });
    out.push({
      row: '',
      what: 'end to end / raw _bulk',
      value: `${fixed(r.endToEndToRawBulkRatio, 2)}×`,
      spread: spread(d.endToEnd.ratio, (n) => fixed(n, 2)),
      target: '≥ 0.9×',
      met: verdict(r.endToEndToRawBulkRatio >= 0.9),
    });
    if (r.endToEndWorkerCores !== undefined) {
      out.push({
        row: '',
        what: 'CPU the worker used meanwhile (cores, of the same 2)',
        value: `${fixed(r.endToEndWorkerCores, 2)} cores`,
        spread: '',
        target: '',
        met: '',
      });
    }
  }
  if (d.endToEnd) {
    const e = d.endToEnd;
    if (r.workerCpuUsPerRecord !== undefined) {
      out.push({ row: '', what: 'worker CPU per record (user + system)', value: `${fixed(r.workerCpuUsPerRecord, 1)} µs`, spread: spread(e.workerCpuUsPerRecord, (n) => fixed(n, 1)), target: '', met: '' });
    }
    if (r.opensearchCpuSecondsPer100k !== undefined) {
      out.push({ row: '', what: 'OpenSearch CPU per 100,000 records (/proc)', value: `${fixed(r.opensearchCpuSecondsPer100k, 1)} s`, spread: spread(e.opensearchCpuSecondsPer100k, (n) => fixed(n, 1)), target: '', met: '' });
    }
    if (r.storeBytesPerRecord !== undefined) {
      out.push({ row: '', what: 'primary store per record (refreshed, merged to 1 segment)', value: `${int(r.storeBytesPerRecord)} B`, spread: spread(e.storeBytesPerRecord, int), target: '', met: '' });
    }
    if (r.bulkBytesPerRecord !== undefined) {
      out.push({ row: '', what: '_bulk body bytes per record (action line + document)', value: `${int(r.bulkBytesPerRecord)} B`, spread: '', target: '', met: '' });
    }
  }
  if (r.peakRssMb100MB !== undefined && r.rssObjectMiB && d.rss) {
    const label = (mib: number): string => (mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`);
    out.push({
      row: '6',
      what: `worker peak RSS, one ${label(r.rssObjectMiB.small)} object`,
      value: `${int(r.peakRssMb100MB)} MiB`,
      spread: spread(d.rss.small, int),
      target: '≤ 230 MiB',
      met: verdict(r.peakRssMb100MB <= 230),
    });
    out.push({
      row: '',
      what: `worker peak RSS, one ${label(r.rssObjectMiB.large)} object`,
      value: `${int(r.peakRssMb1GB!)} MiB (+${int(r.peakRssMb1GB! - r.peakRssMb100MB)})`,
      spread: spread(d.rss.large, int),
      target: '≤ 230 MiB',
      met: verdict(r.peakRssMb1GB! <= 230),
    });
    if (r.peakRssMb100MBNoGeoIp !== undefined && r.peakRssMb1GBNoGeoIp !== undefined) {
      out.push({
        row: '',
        what: `same two objects without the geo-IP databases`,
        value: `${int(r.peakRssMb100MBNoGeoIp)} / ${int(r.peakRssMb1GBNoGeoIp)} MiB`,
        spread: '1 run each',
        target: '≤ 250 MiB',
        met: verdict(Math.max(r.peakRssMb100MBNoGeoIp, r.peakRssMb1GBNoGeoIp) <= 250),
      });
    }
  }
  if (r.smallObjectsPerSec !== undefined && d.smallObjects) {
    out.push({
      row: '7',
      what: 'small objects (~50 records) S3 → SQS → OpenSearch',
      value: `${fixed(r.smallObjectsPerSec, 1)} objects/s`,
      spread: spread(d.smallObjects.objectsPerSec, (n) => fixed(n, 1)),
      target: `(uploads: ${fixed(r.smallObjectsUploadPerSec!, 0)} objects/s)`,
      met: '',
    });
    out.push({
      row: '',
      what: `upload → searchable p50 / p99 (refresh ${r.settings.refreshInterval})`,
      value: `${int(r.uploadToSearchableP50Ms!)} / ${int(r.uploadToSearchableP99Ms!)} ms`,
      spread: d.smallObjects.p99.runs.length > 1 ? `p99 ${spread(d.smallObjects.p99, int)}` : '1 run',
      target: '',
      met: '',
    });
  }
  return out;
}

const HEADERS: Line = { row: '#', what: 'measurement', value: 'median', spread: 'spread (min – max)', target: 'target', met: 'met' };
const COLUMNS: (keyof Line)[] = ['row', 'what', 'value', 'spread', 'target', 'met'];

function headline(r: Results): string {
  const c = r.corpus;
  const sizes = r.profile === 'full' ? '' : ` — ${r.profile.toUpperCase()} PROFILE: reduced sizes (corpus ${c.megabytes} MB, row 6 objects ${r.rssObjectMiB ? `${r.rssObjectMiB.small} and ${r.rssObjectMiB.large} MiB` : 'n/a'}), not comparable to a full run`;
  return (
    `trailstream benchmark, ${r.profile} profile${sizes}\n` +
    `corpus: ${c.objects} objects, ${int(c.records)} records, ${c.megabytes} MB uncompressed (${c.bytesPerRecord} B/record), ${c.gzipMegabytes} MB gzip`
  );
}

export function renderTable(r: Results): string {
  const all = [HEADERS, ...lines(r)];
  const width = Object.fromEntries(COLUMNS.map((k) => [k, Math.max(...all.map((l) => l[k].length))])) as Record<keyof Line, number>;
  const text = all.map((l) => COLUMNS.map((k) => l[k].padEnd(width[k])).join('  ').trimEnd());
  text.splice(1, 0, COLUMNS.map((k) => '-'.repeat(width[k])).join('  '));
  const m = r.machine;
  return `${headline(r)}\nmachine: ${m.cores} × ${m.cpu}, node ${m.node}${m.opensearch ? `, OpenSearch ${m.opensearch}` : ''}, load ${m.loadAverageAtStart.join(' ')} → ${(m.loadAverageAtEnd ?? []).join(' ')}\n\n${text.join('\n')}`;
}

function markdownTable(r: Results): string {
  const row = (l: Line): string => `| ${COLUMNS.map((k) => l[k].replace(/\|/g, '\\|')).join(' | ')} |`;
  return [row(HEADERS), `|${COLUMNS.map(() => '---').join('|')}|`, ...lines(r).map(row)].join('\n');
}

export function renderMarkdown(r: Results): string {
  const m = r.machine;
  const c = r.corpus;
  return `# trailstream benchmarks

Written by \`npm run bench\` (issue 7); \`npm run bench -- --quick\` runs a reduced version in under three
minutes and writes to \`.bench/\` instead. Every figure is the median of the runs shown; each ratio is the
median of ratios taken within one round, so that background load affects both sides alike.

- **Date:** ${m.date}
- **Profile:** ${r.profile}${r.profile === 'full' ? '' : ' (reduced sizes: not comparable to a full run)'}
- **Machine:** ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB RAM, ${m.os}; load average ${m.loadAverageAtStart.join(' / ')} at start, ${(m.loadAverageAtEnd ?? []).join(' / ')} at end
- **Versions:** trailstream ${m.trailstream} (commit ${m.commit}), Node ${m.node} (V8 ${m.v8}, zlib ${m.zlib}), OpenSearch ${m.opensearch ?? 'n/a'}${m.opensearchHeap ? ` (heap ${m.opensearchHeap})` : ''}, moto ${m.moto ?? 'n/a'}
- **Corpus:** ${c.objects} generated CloudTrail files (demo generator, fixed seed), ${int(c.records)} records, ${c.megabytes} MB uncompressed (${c.bytesPerRecord} B/record), ${c.gzipMegabytes} MB gzip
- **One-core rows** ${m.pinnedToCore ? 'ran in child processes pinned with `taskset -c 0`' : 'ran unpinned (no taskset)'}; OpenSearch indices had ${r.settings.replicas} replicas and refresh interval ${r.settings.refreshInterval}

${markdownTable(r)}

## What each row measures

1. **Floor** — per object: \`zlib.gunzipSync\` (1 MiB output chunks), \`RecordSplitter\` over the whole
   buffer, \`JSON.parse\` of every record; no output. The least work any correct consumer must do.
2. **trailstream, one core** — \`processObject\` (the worker's per-object path) over the objects held in
   memory and handed over in 64 KiB chunks as S3 bodies are: streaming gunzip, split, \`JSON.parse\`,
   enrichment, document and id, index name, \`BulkIndexer\` building \`_bulk\` bodies with the default
   settings (5 MiB bodies, 2 in flight, 8 objects at once) into a transport that accepts and discards them.
3. **Naive** — read the whole object, \`gunzipSync\`, \`JSON.parse\` of the whole file, map each record to
   \`{...record, ...enrichment}\`, then build bodies as the client's \`helpers.bulk\` does (serialize the
   action and the document per record, flush every 5 MB, \`ndserialize\`, encode).
4. **Scaling** — row 2's path over the whole corpus in one process on core 0, then the corpus split in
   two by size over two processes on cores 0 and 1, started together; ratio of wall times.
5. **End to end** — the corpus uploaded to a fresh bucket that notifies a fresh queue; \`trailstream
   worker\` (the CLI, default settings) timed from its "worker started" log line until the queue is
   empty (every record durable, every message deleted). Compared with sending the very bodies the
   worker builds straight to \`_bulk\` with the same body size and concurrency (2). Fresh indices each
   run, deleted afterwards. OpenSearch runs on the same two cores, so it is the bottleneck either way.
6. **Memory** — the worker CLI indexing one object (the corpus's records repeated, with unique ids)
   into OpenSearch; peak RSS as the worker reports it (\`getrusage\` maxRSS).
7. **Small objects** — a running worker; objects of ~50 records (the corpus cut in slices) uploaded
   8 at a time; a search by \`_id\` every 200 ms records when all records of each object are
   searchable. objects/s = objects / (first upload → last searchable).

## Why some targets are not met on this machine

- **Row 2 (≥ 50,000 records/s and ≤ 1.5× the floor).** Beyond the floor's gunzip + split + parse,
  the pipeline enriches each record (about 1.4 µs warm), serializes the enrichment (~1.2 KB per
  record, the single largest added cost, ~3 µs) and writes it into the spliced document, builds
  the document's id, index and action line, and keeps each 5 MiB bulk body's documents alive
  until the body is sent, which V8 pays for in garbage collection (about 15% of the pipeline's
  CPU in profiles). The timed pass is the first over the corpus after a short warm-up; a
  long-running worker settles ~10% faster (51–52k records/s in repeated passes on this machine).
  Splicing instead of re-serializing is what keeps it ahead of the naive path (row 3).
- **Row 5 (≥ 0.9× raw \`_bulk\`).** The worker, OpenSearch and the S3/SQS emulator share the same
  two cores. Every core-second the worker spends (the "CPU the worker used" line) is taken from
  OpenSearch, which needs both cores to reach the raw \`_bulk\` figure; even a worker running at
  the floor's speed would leave at most ~0.95×. With the worker on its own machine, as in
  production, one worker core outruns this OpenSearch node several times over (row 2 vs row 5).
- **Row 6 (≤ 250 MiB).** Memory is flat whatever the object size (compare the two objects), but
  the default DB-IP geo databases (63 + 71 MB files) are held in memory by the \`maxmind\` reader,
  ~130 MB of resident memory before the first record; the "without the geo-IP databases" line
  shows the pipeline's own footprint.
- **Row 7.** Uploads, downloads and queue traffic all go through one moto process (Python) on the
  same two cores, and moto's \`ReceiveMessage\` scans the whole queue: measured on this machine it
  takes ~3 ms on an empty queue and ~425 ms with 1,000 messages waiting. With the backlog this row
  builds, the worker is bound by receive latency (10 messages per call), not by its own work: 200
  pre-uploaded small objects drain at 50–80 objects/s, 1,000 at ~30/s, speeding up as the queue
  empties. Amazon SQS answers a receive in tens of milliseconds whatever the depth.
`;
}

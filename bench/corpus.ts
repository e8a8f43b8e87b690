/**
 * The benchmark's data: one deterministic corpus of generated CloudTrail files
 * (the demo generator's mix, gzipped as CloudTrail delivers them), cached under
 * .bench/corpus, and the derived objects that some rows need (one large object,
 * many small ones), all built from the corpus's own records so that every row
 * measures the same data.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzipSync } from 'node:zlib';
import { encodeLogFile, generateLogFiles, serializeLogFile } from '../src/demo/generator.js';
import type { CloudTrailRecord } from '../src/model/cloudtrail.js';
import { CORPUS_DIR, ROOT } from './paths.js';

/** Bump when the layout or the derivation rules below change, to invalidate caches. */
const CORPUS_FORMAT = 1;
const SEED = 20261124;
const START = new Date(Date.UTC(2026, 10, 23, 0, 0, 0));
const MiB = 1024 * 1024;

export interface CorpusSpec {
  /** Uncompressed size to reach (the last file may overshoot). */
  readonly megabytes: number;
  readonly recordsPerFile: { readonly min: number; readonly max: number };
}

export interface CorpusObject {
  readonly key: string;
  /** File name inside the corpus folder. */
  readonly file: string;
  readonly records: number;
  /** Uncompressed bytes. */
  readonly bytes: number;
  readonly gzBytes: number;
}

export interface Corpus {
  readonly dir: string;
  readonly id: string;
  readonly objects: readonly CorpusObject[];
  readonly records: number;
  readonly bytes: number;
  readonly gzBytes: number;
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Changes whenever the generator's sources change, so a stale cache is never measured. */
function generatorFingerprint(): string {
  const hash = createHash('sha256');
  const demo = path.join(ROOT, 'src/demo');
  for (const name of readdirSync(demo).filter((f) => f.endsWith('.ts')).sort()) {
    hash.update(name).update(readFileSync(path.join(demo, name)));
  }
  return hash.digest('hex');
}

function corpusId(spec: CorpusSpec): string {
  const hash = createHash('sha256')
    .update(JSON.stringify({ CORPUS_FORMAT, SEED, start: START.toISOString(), spec }))
    .update(generatorFingerprint())
    .digest('hex')
    .slice(0, 12);
  return `corpus-${spec.megabytes}MiB-${hash}`;
}

/** Builds `dir` through a temporary folder renamed at the end, so a cache is either complete or absent. */
function buildAtomically(dir: string, build: (tmp: string) => void | Promise<void>): Promise<void> | void {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const finish = (): void => {
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  };
  const result = build(tmp);
  if (result instanceof Promise) return result.then(finish);
  finish();
}

/** The corpus for `spec`, generated on first use and read from the cache afterwards. */
export function loadCorpus(spec: CorpusSpec): Corpus {
  const id = corpusId(spec);
  const dir = path.join(CORPUS_DIR, id);
  const manifest = path.join(dir, 'manifest.json');
  if (!existsSync(manifest)) {
    const started = performance.now();
    log(`generating corpus ${id} (${spec.megabytes} MiB uncompressed; cached for later runs)`);
    void buildAtomically(dir, (tmp) => generate(spec, tmp));
    log(`corpus generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return openCorpus(dir);
}

/** A corpus already on disk (child processes get its folder). */
export function openCorpus(dir: string): Corpus {
  const objects = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as CorpusObject[];
  return {
    dir,
    id: path.basename(dir),
    objects,
    records: objects.reduce((n, o) => n + o.records, 0),
    bytes: objects.reduce((n, o) => n + o.bytes, 0),
    gzBytes: objects.reduce((n, o) => n + o.gzBytes, 0),
  };
}

function generate(spec: CorpusSpec, dir: string): void {
  const objects: CorpusObject[] = [];
  let total = 0;
  const target = spec.megabytes * MiB;
  // `files` is only an upper bound: the generator's output does not depend on it.
  const files = generateLogFiles({ seed: SEED, start: START, files: 1_000_000, recordsPerFile: spec.recordsPerFile });
  for (const f of files) {
    const bytes = Buffer.byteLength(serializeLogFile(f.records));
    const gz = encodeLogFile(f.records);
    const file = `${String(objects.length).padStart(5, '0')}.json.gz`;
    writeFileSync(path.join(dir, file), gz);
    objects.push({ key: f.key, file, records: f.records.length, bytes, gzBytes: gz.length });
    total += bytes;
    if (total >= target) break;
  }
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(objects));
}

/** Splits the objects into `parts` shares of about equal uncompressed size (greedy, largest first); keeps corpus order inside a share. */
export function share(objects: readonly CorpusObject[], part: number, parts: number): CorpusObject[] {
  const load = new Array<number>(parts).fill(0);
  const owner = new Map<CorpusObject, number>();
  for (const o of [...objects].sort((a, b) => b.bytes - a.bytes)) {
    let lightest = 0;
    for (let p = 1; p < parts; p++) if (load[p]! < load[lightest]!) lightest = p;
    owner.set(o, lightest);
    load[lightest]! += o.bytes;
  }
  return objects.filter((o) => owner.get(o) === part);
}

export function readObject(corpus: Corpus, object: CorpusObject): Buffer {
  return readFileSync(path.join(corpus.dir, object.file));
}

/** The corpus's records in order, file by file. */
function* corpusRecords(corpus: Corpus): Generator<{ object: CorpusObject; records: CloudTrailRecord[] }> {
  for (const object of corpus.objects) {
    const file = JSON.parse(gunzipSync(readObject(corpus, object)).toString('utf8')) as { Records: CloudTrailRecord[] };
    yield { object, records: file.Records };
  }
}

export interface LargeObject {
  readonly path: string;
  readonly key: string;
  readonly records: number;
  readonly bytes: number;
  readonly gzBytes: number;
}

/**
 * One CloudTrail file of about `megabytes` uncompressed: the corpus's records
 * in order, repeated as often as needed; repetition k > 0 rewrites the first 8
 * hex digits of each eventID to k, so every document id stays unique.
 */
export async function largeObject(corpus: Corpus, megabytes: number): Promise<LargeObject> {
  const dir = path.join(corpus.dir, `large-${megabytes}MiB`);
  const meta = path.join(dir, 'object.json');
  if (!existsSync(meta)) {
    const started = performance.now();
    log(`building a ${megabytes} MiB object from the corpus (cached for later runs)`);
    await buildAtomically(dir, async (tmp) => {
      const target = megabytes * MiB;
      let bytes = 0;
      let records = 0;
      async function* text(): AsyncGenerator<Buffer> {
        const head = Buffer.from('{"Records":[');
        bytes += head.length;
        yield head;
        for (let k = 0; bytes < target; k++) {
          const prefix = k.toString(16).padStart(8, '0');
          for (const { records: batch } of corpusRecords(corpus)) {
            const parts: string[] = [];
            for (const r of batch) {
              if (k > 0 && typeof r.eventID === 'string') r.eventID = prefix + r.eventID.slice(8);
              parts.push((records === 0 && parts.length === 0 ? '' : ',') + JSON.stringify(r));
            }
            const chunk = Buffer.from(parts.join(''));
            records += parts.length;
            bytes += chunk.length;
            yield chunk;
            if (bytes >= target) break;
          }
        }
        const tail = Buffer.from(']}\n');
        bytes += tail.length;
        yield tail;
      }
      const file = path.join(tmp, 'object.json.gz');
      await pipeline(Readable.from(text()), createGzip({ level: 6 }), createWriteStream(file));
      const gzBytes = readFileSync(file).length;
      const object: LargeObject = {
        path: path.join(dir, 'object.json.gz'),
        key: `AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/23/111122223333_CloudTrail_us-east-1_20261123T0000Z_large${megabytes}MiB.json.gz`,
        records,
        bytes,
        gzBytes,
      };
      writeFileSync(path.join(tmp, 'object.json'), JSON.stringify(object));
    });
    log(`large object built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return JSON.parse(readFileSync(meta, 'utf8')) as LargeObject;
}

export interface SmallObject {
  readonly key: string;
  readonly file: string;
  readonly eventIds: readonly string[];
}

export interface SmallObjects {
  readonly dir: string;
  readonly objects: readonly SmallObject[];
  readonly records: number;
}

/**
 * `count` small CloudTrail files of `perObject` records (fewer for the last
 * slice of a corpus file): the corpus files cut in order, each slice keeping
 * its file's key with a part number.
 */
export function smallObjects(corpus: Corpus, count: number, perObject: number): SmallObjects {
  const dir = path.join(corpus.dir, `small-${count}x${perObject}`);
  const manifest = path.join(dir, 'manifest.json');
  if (!existsSync(manifest)) {
    log(`cutting ${count} objects of ~${perObject} records from the corpus (cached for later runs)`);
    void buildAtomically(dir, (tmp) => {
      const objects: SmallObject[] = [];
      outer: for (const { object, records } of corpusRecords(corpus)) {
        for (let at = 0, part = 0; at < records.length; at += perObject, part++) {
          const slice = records.slice(at, at + perObject);
          const file = `${String(objects.length).padStart(5, '0')}.json.gz`;
          writeFileSync(path.join(tmp, file), encodeLogFile(slice));
          const key = object.key.replace(/\.json\.gz$/, `-part${String(part).padStart(3, '0')}.json.gz`);
          objects.push({ key, file, eventIds: slice.map((r) => String(r.eventID)) });
          if (objects.length === count) break outer;
        }
      }
      if (objects.length < count) throw new Error(`the corpus holds only ${objects.length} slices of ${perObject} records; ${count} are needed`);
      writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(objects));
    });
  }
  const objects = JSON.parse(readFileSync(manifest, 'utf8')) as SmallObject[];
  return { dir, objects, records: objects.reduce((n, o) => n + o.eventIds.length, 0) };
}

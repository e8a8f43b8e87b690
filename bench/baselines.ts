/**
 * The two references trailstream's path is compared with, over the same
 * in-memory objects:
 *
 * - the floor: the least work any correct implementation must do — gunzip,
 *   find each record, JSON.parse it — with no output;
 * - the naive pipeline: what one writes first — read the whole object,
 *   JSON.parse the whole file, map each record to an enriched copy, and build
 *   `_bulk` bodies the way the OpenSearch client's `helpers.bulk` does
 *   (serialize action and document per record, ndjson-join each ~5 MB batch).
 */
import { gunzipSync } from 'node:zlib';
import { Serializer } from '@opensearch-project/opensearch';
import { RecordSplitter, type RawRecord } from '../src/decode/record-splitter.js';
import type { CloudTrailRecord } from '../src/model/cloudtrail.js';
import { dayOf } from '../src/model/event-time.js';
import { indexNameFor } from '../src/document/index-name.js';
import type { Enricher } from './enrichment.js';
import { SOURCE_CHUNK_BYTES, type InMemoryObject } from './pipeline-run.js';

/** Output chunk of the floor's one-shot gunzip: large, so the floor is not slowed by buffer handling. */
const FLOOR_GUNZIP_CHUNK = 1024 * 1024;
const MAX_RECORD_BYTES = 2 * 1024 * 1024;

export interface FloorParts {
  gunzipMs: number;
  splitMs: number;
  parseMs: number;
  records: number;
}

/** Keeps results reachable so no step can be optimised away. */
let sink: unknown;

export function runFloor(objects: readonly InMemoryObject[]): FloorParts {
  const parts: FloorParts = { gunzipMs: 0, splitMs: 0, parseMs: 0, records: 0 };
  const out: RawRecord[] = [];
  for (const object of objects) {
    const t0 = performance.now();
    const json = gunzipSync(object.gz, { chunkSize: FLOOR_GUNZIP_CHUNK });
    const t1 = performance.now();
    const splitter = new RecordSplitter({ maxRecordBytes: MAX_RECORD_BYTES });
    splitter.push(json, out);
    splitter.end();
    const t2 = performance.now();
    for (let k = 0; k < out.length; k++) sink = JSON.parse(out[k]!.bytes.toString('utf8'));
    const t3 = performance.now();
    parts.gunzipMs += t1 - t0;
    parts.splitMs += t2 - t1;
    parts.parseMs += t3 - t2;
    parts.records += out.length;
    out.length = 0;
  }
  return parts;
}

/** The client's own `_bulk` flush threshold (helpers.bulk `flushBytes`). */
const HELPER_FLUSH_BYTES = 5_000_000;

export interface NaiveRun {
  records: number;
  bodies: number;
  bytes: number;
}

export function runNaive(objects: readonly InMemoryObject[], enricher: Enricher, indexPrefix: string): NaiveRun {
  const serializer = new Serializer();
  const run: NaiveRun = { records: 0, bodies: 0, bytes: 0 };
  const bulkBody: string[] = [];
  let chunkBytes = 0;
  const send = (): void => {
    // What the client's transport does with a helper batch before writing it to the socket.
    const body = Buffer.from(serializer.ndserialize(bulkBody));
    run.bodies++;
    run.bytes += body.length;
    sink = body;
    bulkBody.length = 0;
    chunkBytes = 0;
  };
  for (const object of objects) {
    // "Read the whole object": the response body collected into one buffer, as its chunks arrive.
    const chunks: Buffer[] = [];
    for (let at = 0; at < object.gz.length; at += SOURCE_CHUNK_BYTES) chunks.push(object.gz.subarray(at, at + SOURCE_CHUNK_BYTES));
    const file = JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8')) as { Records: CloudTrailRecord[] };
    const documents = file.Records.map((record) => ({ ...record, ...enricher.enrich(record) }));
    for (const doc of documents) {
      const action = serializer.serialize({
        index: { _index: indexNameFor(indexPrefix, 'events', dayOf(doc.eventTime)), _id: doc.eventID },
      });
      const payload = serializer.serialize(doc);
      chunkBytes += Buffer.byteLength(action) + Buffer.byteLength(payload);
      bulkBody.push(action, payload);
      if (chunkBytes >= HELPER_FLUSH_BYTES) send();
    }
    run.records += documents.length;
  }
  if (bulkBody.length > 0) send();
  return run;
}

export function keepAlive(): unknown {
  return sink;
}

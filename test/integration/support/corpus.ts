import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { CloudTrailRecord } from '../../../src/model/cloudtrail.js';
import { ROOT } from './local-stack.js';

export const DELIVERED_DIR = path.join(ROOT, 'test/fixtures/corpus/delivered/invictus-ir__aws_dataset');

/** The real delivered CloudTrail files (MIT, invictus-ir/aws_dataset; see the corpus README). */
export function deliveredFiles(): { name: string; gz: Buffer; records: CloudTrailRecord[] }[] {
  return readdirSync(DELIVERED_DIR)
    .filter((f) => f.endsWith('.json.gz'))
    .sort()
    .map((name) => {
      const gz = readFileSync(path.join(DELIVERED_DIR, name));
      const records = (JSON.parse(gunzipSync(gz).toString('utf8')) as { Records: CloudTrailRecord[] }).Records;
      return { name, gz, records };
    });
}

/** Where CloudTrail would deliver a file of this name: AWSLogs/<account>/CloudTrail/<region>/<y>/<m>/<d>/<name>. */
export function cloudTrailKey(fileName: string): string {
  const m = /^(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T/.exec(fileName);
  if (!m) throw new Error(`not a CloudTrail file name: ${fileName}`);
  return `AWSLogs/${m[1]}/CloudTrail/${m[2]}/${m[3]}/${m[4]}/${m[5]}/${fileName}`;
}

import { deliveredFiles, cloudTrailKey } from './support/corpus.js';
import {
  countDocs,
  createTestPipeline,
  search,
  putObject,
  queueDepth,
  runCli,
  type TestPipeline,
} from './support/local-stack.js';

/**
 * The first end-to-end slice, against the real local stack: a real delivered
 * CloudTrail file goes into S3, S3 notifies SQS, the worker CLI indexes it,
 * and exactly its records are searchable under their eventIDs.
 */
describe('S3 → SQS → worker → OpenSearch', () => {
  let p: TestPipeline;
  // The file with the most records keeps the test meaningful and quick.
  const file = deliveredFiles().sort((a, b) => b.records.length - a.records.length)[0]!;
  const key = cloudTrailKey(file.name);
  const ids = new Set(file.records.map((r) => r.eventID));

  beforeAll(async () => {
    p = await createTestPipeline('e2e');
    const setup = await runCli(['setup'], p.env);
    expect(setup.stderr).toBe('');
    expect(setup.code).toBe(0);
  });

  async function indexAndCheck(): Promise<void> {
    await putObject(p.bucket, key, file.gz);
    const run = await runCli(['worker', '--until-idle', '3'], p.env);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as { worker: Record<string, number> };
    // S3 also sends an s3:TestEvent when the notification is configured: acknowledged, not an error.
    expect(summary.worker.objectsProcessed).toBe(1);
    expect(summary.worker.messagesDeadLettered).toBe(0);
    expect(summary.worker.messagesRetried).toBe(0);
    expect(summary.worker.recordsIndexed).toBe(file.records.length);

    expect(await countDocs(`${p.indexPrefix}-*`)).toBe(ids.size);
    const found = await search().request({
      method: 'POST',
      path: '/_mget',
      body: { docs: file.records.map((r) => ({ _index: `${p.indexPrefix}-${r.eventTime!.slice(0, 10).replace(/-/g, '.')}`, _id: r.eventID })) },
    });
    const docs = (found.body as { docs: { found: boolean; _id: string; _source?: { eventName?: string } }[] }).docs;
    expect(docs.filter((d) => d.found)).toHaveLength(file.records.length);
    // The original fields are untouched and the enrichment is there.
    const first = docs[0]!._source as Record<string, unknown>;
    expect(first.eventName).toBe(file.records[0]!.eventName);
    expect(first['@timestamp']).toBe(file.records[0]!.eventTime);

    expect(await queueDepth(p.queueUrl)).toBe(0);
    expect(await queueDepth(p.dlqUrl)).toBe(0);
    expect(await countDocs(p.deadLetterIndex)).toBe(0);
  }

  it('indexes exactly the records of a delivered file, with eventIDs as ids, and deletes the message', async () => {
    await indexAndCheck();
  });

  it('indexes the same file again without duplicating anything', async () => {
    await indexAndCheck();
    const versions = await search().request({
      method: 'POST',
      path: `/${p.indexPrefix}-*/_search`,
      body: { size: 1, version: true, query: { ids: { values: [file.records[0]!.eventID!] } } },
    });
    const hit = (versions.body as { hits: { hits: { _version: number }[] } }).hits.hits[0]!;
    expect(hit._version).toBe(2);
  });
});

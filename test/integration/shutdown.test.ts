import { spawn } from 'node:child_process';
import { encodeLogFile, generateLogFiles } from '../../src/demo/generator.js';
import {
  CLI,
  countDocs,
  createTestPipeline,
  putObject,
  queueDepth,
  type TestPipeline,
} from './support/local-stack.js';

/**
 * SIGTERM/SIGINT: the worker stops receiving, lets in-flight work finish
 * within the grace period, flushes, and exits 0; what cannot finish in time is
 * released (visibility 0) so another worker takes it over at once.
 */
describe('graceful shutdown', () => {
  const RECORDS = 60_000;
  const file = [...generateLogFiles({ seed: 7, start: new Date(Date.UTC(2026, 10, 20, 10, 0)), files: 1, recordsPerFile: RECORDS })][0]!;
  const body = encodeLogFile(file.records);
  const distinctIds = new Set(file.records.map((r) => r.eventID)).size;

  async function startWorkerAndSignalMidFile(p: TestPipeline, env: Record<string, string>, signal: NodeJS.Signals) {
    const child = spawn(process.execPath, [CLI, 'worker'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Signal once the file is partly indexed: mid-file, not before or after.
    const deadline = Date.now() + 120_000;
    let seen = 0;
    while (Date.now() < deadline) {
      // A count that lands while the worker's first daily index is still being
      // created fails (its shards are not started yet): that only means "not yet".
      seen = await countDocs(`${p.indexPrefix}-*`).catch(() => 0);
      if (seen > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(distinctIds);
    child.kill(signal);
    const code = await exited;
    return { code, stdout, stderr };
  }

  it('on SIGTERM finishes the file in progress within the grace period, deletes its message and exits 0', async () => {
    const p = await createTestPipeline('sigterm');
    await putObject(p.bucket, file.key, body);
    const env = { ...p.env, TRAILSTREAM_SHUTDOWN_GRACE_SECONDS: '120', TRAILSTREAM_INDEX_REFRESH_INTERVAL: '200ms' };
    await (await import('./support/local-stack.js')).runCli(['setup'], env);
    const run = await startWorkerAndSignalMidFile(p, env, 'SIGTERM');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as { worker: Record<string, number> };
    expect(summary.worker.objectsProcessed).toBe(1);
    expect(summary.worker.messagesReleased).toBe(0);
    expect(await countDocs(`${p.indexPrefix}-*`)).toBe(distinctIds);
    expect(await queueDepth(p.queueUrl)).toBe(0);
  });

  it('on SIGINT with no grace left releases the unfinished message, which the next worker completes at once', async () => {
    const p = await createTestPipeline('sigint');
    await putObject(p.bucket, file.key, body);
    // A long visibility timeout: if the message were not released, the next worker could not see it for 10 minutes.
    const env = {
      ...p.env,
      TRAILSTREAM_SHUTDOWN_GRACE_SECONDS: '0',
      TRAILSTREAM_VISIBILITY_TIMEOUT_SECONDS: '600',
      TRAILSTREAM_HEARTBEAT_INTERVAL_SECONDS: '60',
      TRAILSTREAM_INDEX_REFRESH_INTERVAL: '200ms',
    };
    const { runCli } = await import('./support/local-stack.js');
    await runCli(['setup'], env);
    const first = await startWorkerAndSignalMidFile(p, env, 'SIGINT');
    expect(first.code).toBe(0);
    const s1 = JSON.parse(first.stdout.trim().split('\n').pop()!) as { worker: Record<string, number> };
    if (s1.worker.messagesReleased !== 1) console.log(first.stdout, first.stderr);
    expect(s1.worker.messagesReleased).toBe(1);
    expect(s1.worker.messagesDeleted).toBeLessThanOrEqual(1); // the s3:TestEvent, if it came first

    const started = Date.now();
    const second = await runCli(['worker', '--until-idle', '3'], env);
    expect(second.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(120_000);
    const s2 = JSON.parse(second.stdout.trim().split('\n').pop()!) as { worker: Record<string, number> };
    if (s2.worker.objectsProcessed !== 1) console.log(second.stdout, second.stderr);
    expect(s2.worker.objectsProcessed).toBe(1);
    expect(await countDocs(`${p.indexPrefix}-*`)).toBe(distinctIds);
    expect(await queueDepth(p.queueUrl)).toBe(0);
    expect(await queueDepth(p.dlqUrl)).toBe(0);
  });
});

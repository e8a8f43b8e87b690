import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScript, type CliResult } from './support/local-stack.js';

/**
 * Keeps `npm run bench` from rotting: builds the benchmark (into its own folder,
 * so a benchmark running at the same time keeps its build) and runs every row
 * on tiny data against the local stack. The figures mean nothing at this size;
 * only that each one is produced is checked.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUILD = path.join(ROOT, '.bench/smoke-build');

const KEYS = [
  'floorRecordsPerSec',
  'pipelineRecordsPerSec',
  'pipelineToFloorTimeRatio',
  'naiveToPipelineTimeRatio',
  'rulesToPipelineTimeRatio',
  'scaling2Workers',
  'endToEndToRawBulkRatio',
  'peakRssMb100MB',
  'peakRssMb1GB',
  'smallObjectsPerSec',
  'uploadToSearchableP50Ms',
  'uploadToSearchableP99Ms',
  // Cost per record (issue 13).
  'workerCpuUsPerRecord',
  'opensearchCpuSecondsPer100k',
  'storeBytesPerRecord',
  'bulkBytesPerRecord',
] as const;

function runBench(args: string[]): Promise<CliResult> {
  return runScript(path.join(BUILD, 'bench/main.js'), args, process.env, 20 * 60_000);
}

describe('npm run bench (smoke profile)', () => {
  it('produces every figure of the issue as a positive, finite number in one JSON object', async () => {
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'bench/tsconfig.json', '--outDir', BUILD, '--tsBuildInfoFile', path.join(BUILD, 'tsconfig.tsbuildinfo')],
      { cwd: ROOT, stdio: 'inherit' },
    );
    const run = await runBench(['--smoke', '--json']);
    if (run.code !== 0) throw new Error(`bench exited with ${run.code}:\n${run.stderr.slice(-3000)}`);

    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const results = JSON.parse(lines[0]!) as Record<string, unknown>;
    for (const key of KEYS) {
      const value = results[key];
      expect({ key, type: typeof value }).toEqual({ key, type: 'number' });
      expect({ key, ok: Number.isFinite(value) && (value as number) > 0 }).toEqual({ key, ok: true });
    }
    expect(results.nodeVersion).toBe(process.version);
    expect(results.profile).toBe('smoke');
    expect(results.quick).toBe(true);
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SAVED_OBJECTS_FILE } from '../../src/cli/setup.js';
import { importSavedObjects } from '../../src/dashboards/import.js';
import { parseNdjson } from '../../src/dashboards/saved-object.js';
import { dashboardPlans } from '../../scripts/check-dashboards/plan.js';
import { bulkIndex, demoEnricher, demoRecords } from './support/demo-documents.js';
import { countDocs, createTestPipeline, opensearch, ROOT, runCli, runScript, type CliResult } from './support/local-stack.js';

/**
 * npm run check:dashboards against a real OpenSearch Dashboards, on the demo's
 * data (generated records, the shipped detection rules' findings).
 * Runs only where a Dashboards is reachable and talks to the test stack's
 * OpenSearch: OPENSEARCH_DASHBOARDS_URL, else the one ../shared/osd/osd.sh
 * runs on 127.0.0.1:${OSD_PORT:-5601}. Anywhere else it is skipped, saying why.
 */
const SHARED_OSD = path.resolve(ROOT, '../shared/osd/osd.sh');
const CHECK = path.join(ROOT, '.check/build/scripts/check-dashboards/main.js');

async function dashboardsToCheck(): Promise<{ url: string } | { skip: string }> {
  const url = process.env.OPENSEARCH_DASHBOARDS_URL ?? (existsSync(SHARED_OSD) ? `http://127.0.0.1:${process.env.OSD_PORT ?? '5601'}` : undefined);
  if (!url) return { skip: `OPENSEARCH_DASHBOARDS_URL is not set and ${SHARED_OSD} is absent` };
  const get = async (p: string, init?: RequestInit): Promise<unknown> => {
    const res = await fetch(`${url.replace(/\/+$/, '')}/${p}`, { ...init, signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`${p}: ${res.status}`);
    return res.json();
  };
  try {
    await get('api/status');
  } catch (e) {
    return { skip: `no OpenSearch Dashboards reachable at ${url} (${(e as Error).message}); start one with ../shared/osd/osd.sh start (see dashboards/README.md)` };
  }
  const theirs = (await get('api/console/proxy?path=%2F&method=GET', { method: 'POST', headers: { 'osd-xsrf': 'true' } }).catch(() => ({}))) as { cluster_uuid?: string };
  const ours = ((await opensearch().info()).body as { cluster_uuid: string }).cluster_uuid;
  if (theirs.cluster_uuid !== ours) {
    return { skip: `OpenSearch Dashboards at ${url} talks to another OpenSearch than the test stack's (${process.env.OPENSEARCH_URL}); start it with OPENSEARCH_URL=${process.env.OPENSEARCH_URL}` };
  }
  return { url };
}

const target = await dashboardsToCheck();
if ('skip' in target) process.stdout.write(`dashboards-check.test.ts: skipped: ${target.skip}\n`);
const maybe = 'url' in target ? it : it.skip;

function runCheck(args: string[], env: Record<string, string>): Promise<CliResult> {
  return runScript(CHECK, args, { ...process.env, ...env }, 10 * 60_000);
}

describe('npm run check:dashboards on a real OpenSearch Dashboards', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  maybe(
    'imports through setup, renders every panel of every dashboard on the demo data, and writes a screenshot of each',
    async () => {
      if (!('url' in target)) return;
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'scripts/check-dashboards/tsconfig.json'], { cwd: ROOT });
      const p = await createTestPipeline('osdcheck');
      const shots = mkdtempSync(path.join(tmpdir(), 'trailstream-osdcheck-'));
      cleanup.push(async () => {
        rmSync(shots, { recursive: true, force: true });
        await opensearch().indices.delete({ index: `${p.indexPrefix}-*`, allow_no_indices: true, ignore_unavailable: true } as never).catch(() => undefined);
        // Leave the Dashboards as a default install: index patterns titled for the default prefix again.
        await importSavedObjects({ url: target.url }, parseNdjson(readFileSync(SAVED_OBJECTS_FILE, 'utf8')));
      });

      // The index templates first (the check's own setup run then imports the dashboards).
      const setup = await runCli(['setup'], p.env);
      expect([setup.code, setup.stderr]).toEqual([0, '']);
      const records = demoRecords({ seed: 20261124, start: new Date('2026-11-23T08:00:00Z'), files: 60 });
      const items = await bulkIndex(p.indexPrefix, records, demoEnricher());
      expect(items.filter((i) => i.index.error)).toEqual([]);
      await countDocs(`${p.indexPrefix}-*`);

      const run = await runCheck(['--screenshots', shots], { ...p.env, OPENSEARCH_DASHBOARDS_URL: target.url });
      const why = `${run.stdout}\n${run.stderr}`;
      expect([run.code, why]).toEqual([0, why]);
      expect(run.stdout).toMatch(/setup: dashboards: .*created/);
      expect(run.stdout).toContain(`over ${p.indexPrefix}-*`);

      const plans = dashboardPlans(parseNdjson(readFileSync(SAVED_OBJECTS_FILE, 'utf8')));
      const rows = run.stdout.split('\n');
      for (const d of plans) {
        for (const panel of d.panels) {
          const row = rows.find((l) => l.startsWith(`  ${panel.title} `) && l.includes(panel.kind === 'search' ? ' search ' : ` ${panel.visType} `));
          expect([panel.title, row?.match(/\s(ok|skipped)(?:\s|$)/)?.[1]]).toEqual([panel.title, panel.visType === 'tile_map' ? expect.stringMatching(/ok|skipped/) : 'ok']);
        }
      }
      const total = plans.reduce((n, d) => n + d.panels.length, 0);
      expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^3 dashboards, ${total} panels: \\d+ ok, \\d+ skipped, 0 failed$`)));

      const pngs = readdirSync(shots).sort();
      expect(pngs).toEqual(plans.map((d) => `dashboard-${d.id.replace(/^trailstream-dashboard-/, '')}.png`).sort());
      for (const f of pngs) {
        const png = readFileSync(path.join(shots, f));
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        expect([f, png.readUInt32BE(16) >= 1000, png.readUInt32BE(20) >= 600]).toEqual([f, true, true]);
      }
    },
    900_000,
  );
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { IDS } from '../../src/dashboards/catalog.js';
import { parseNdjson } from '../../src/dashboards/saved-object.js';
import { CheckSetupError, dashboardsVersion, dataTimeRange, hasGeoModule, indexPatternTitle, type DashboardsEndpoint, type TimeRange } from './dashboards-api.js';
import { dashboardPlans } from './plan.js';
import { launchChromium, renderDashboard } from './render.js';
import { failed, renderReport, verdictOf, type DashboardVerdict } from './verdict.js';

/**
 * npm run check:dashboards — imports trailstream's saved objects into the
 * OpenSearch Dashboards at OPENSEARCH_DASHBOARDS_URL (through `trailstream
 * setup`), opens every dashboard in headless Chromium over the data's time
 * range and fails on any panel that errors, stays empty or never renders.
 * Exit 0: every panel rendered (or was skipped for a module the cluster
 * lacks); 1: some panel failed; 2: the check could not run.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const SAVED_OBJECTS = path.join(ROOT, 'dashboards/trailstream.ndjson');
const CLI = path.join(ROOT, 'dist/cli/main.js');

const USAGE = `usage: npm run check:dashboards -- [options]
  --url URL           OpenSearch Dashboards (default: $OPENSEARCH_DASHBOARDS_URL)
  --from ISO --to ISO time range to open the dashboards over (default: the data's latest 30 days)
  --screenshots DIR   where to write one PNG per dashboard (default: docs/images); --no-screenshots for none
  --no-setup          do not import first (trailstream setup)
  --chromium PATH     Chromium binary (default: $CHROMIUM_PATH or /usr/bin/chromium)
  --timeout SECONDS   per dashboard (default: 120)`;

function fail(message: string): never {
  process.stderr.write(`check:dashboards: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      screenshots: { type: 'string' },
      'no-screenshots': { type: 'boolean' },
      'no-setup': { type: 'boolean' },
      chromium: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const url = values.url ?? process.env.OPENSEARCH_DASHBOARDS_URL;
  if (!url) fail(`OPENSEARCH_DASHBOARDS_URL is not set: point it (or --url) at an OpenSearch Dashboards; ../shared/osd/osd.sh start runs one on http://127.0.0.1:5601 (see dashboards/README.md)\n${USAGE}`);
  const chromiumPath = values.chromium ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) fail(`no Chromium at ${chromiumPath}: install it (apt-get install -y chromium fonts-liberation) or pass --chromium / CHROMIUM_PATH`);
  if ((values.from === undefined) !== (values.to === undefined)) fail('give both --from and --to, or neither');
  const timeoutMs = Number(values.timeout ?? 120) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) fail(`--timeout must be a number of seconds, got ${values.timeout}`);
  const screenshotDir = values['no-screenshots'] ? undefined : path.resolve(values.screenshots ?? path.join(ROOT, 'docs/images'));

  const endpoint: DashboardsEndpoint = {
    url,
    ...(process.env.OPENSEARCH_USERNAME ? { username: process.env.OPENSEARCH_USERNAME, password: process.env.OPENSEARCH_PASSWORD ?? '' } : {}),
  };
  const version = await dashboardsVersion(endpoint);
  process.stdout.write(`OpenSearch Dashboards ${version} at ${url}\n`);

  if (!values['no-setup']) {
    if (!existsSync(CLI)) fail(`${CLI} is missing: run npm run build first`);
    const setup = spawnSync(process.execPath, [CLI, 'setup'], { env: { ...process.env, OPENSEARCH_DASHBOARDS_URL: url }, encoding: 'utf8' });
    process.stdout.write(`${setup.stdout.trimEnd().replace(/^/gm, '  setup: ')}\n`);
    if (setup.status !== 0) fail(`trailstream setup failed (exit ${setup.status}):\n${setup.stderr}`);
  }

  const plans = dashboardPlans(parseNdjson(readFileSync(SAVED_OBJECTS, 'utf8')));
  const pattern = await indexPatternTitle(endpoint, IDS.events);
  const time: TimeRange = values.from && values.to ? { from: values.from, to: values.to } : await dataTimeRange(endpoint, pattern);
  const geoModule = await hasGeoModule(endpoint);
  process.stdout.write(
    `time range ${time.from} .. ${time.to} over ${pattern}; geo module: ${geoModule === undefined ? 'unknown (console proxy not available)' : geoModule ? 'yes' : 'no'}\n`,
  );

  if (screenshotDir) mkdirSync(screenshotDir, { recursive: true });
  const chromium = await launchChromium(chromiumPath);
  const results: DashboardVerdict[] = [];
  try {
    for (const plan of plans) {
      const file = screenshotDir ? path.join(screenshotDir, `dashboard-${plan.id.replace(/^trailstream-dashboard-/, '')}.png`) : undefined;
      const r = await renderDashboard(chromium, endpoint, plan, time, { timeoutMs, ...(file ? { screenshot: file } : {}) });
      const panels = plan.panels.map((p) => verdictOf(p, r.observations.get(p.panelIndex), { geoModule }));
      results.push({ dashboard: plan, panels, ...(file ? { screenshot: path.relative(process.cwd(), file) } : {}) });
      if (panels.some(failed) && r.toasts.length > 0) process.stdout.write(`${plan.title}: Dashboards said: ${r.toasts.join(' | ').slice(0, 500)}\n`);
    }
  } finally {
    await chromium.close();
  }
  process.stdout.write(renderReport(results));
  return results.some((d) => d.panels.some(failed)) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof CheckSetupError) fail(e.message);
    process.stderr.write(`check:dashboards: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(2);
  },
);

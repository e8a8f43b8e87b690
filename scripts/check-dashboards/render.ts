import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { DashboardsEndpoint, TimeRange } from './dashboards-api.js';
import type { DashboardPlan } from './plan.js';
import { settled, type PanelObservation } from './verdict.js';

/** Chromium flags: no sandbox (root, containers), no GPU, and nothing that calls out to the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const VIEWPORT_WIDTH = 1400;

export interface Chromium {
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, removed again on close. */
export async function launchChromium(executablePath: string): Promise<Chromium> {
  const profile = mkdtempSync(path.join(tmpdir(), 'trailstream-check-chromium-'));
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`],
    // Tall enough for the longest dashboard, so every panel renders at its final size before it is judged.
    defaultViewport: { width: VIEWPORT_WIDTH, height: 3200 },
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Rison string: single-quoted, with ' and ! escaped by ! */
const rison = (s: string): string => `'${s.replace(/!/g, '!!').replace(/'/g, "!'")}'`;

export function dashboardUrl(base: string, id: string, time: TimeRange): string {
  return `${base.replace(/\/+$/, '')}/app/dashboards#/view/${encodeURIComponent(id)}?_g=(filters:!(),time:(from:${rison(time.from)},to:${rison(time.to)}))`;
}

/**
 * Runs in the page: one observation per dashboard panel. Kept as a string so
 * the check compiles without DOM types; see verdict.ts for the fields.
 */
const OBSERVE = `(() => {
  const out = [];
  for (const panel of document.querySelectorAll('[data-test-subj="embeddablePanel"]')) {
    const text = (el) => (el && el.textContent ? el.textContent.trim() : '');
    const errors = [];
    for (const e of panel.querySelectorAll('.embPanel__error, [data-test-subj="embeddableStackError"]')) errors.push(text(e) || 'error');
    if (panel.querySelector('[data-test-subj="embeddableErrorLabel"]')) errors.push(text(panel.querySelector('[data-test-subj="embeddableErrorMessage"]')) || 'error badge on the panel');
    let noResults = false;
    for (const e of panel.querySelectorAll('.visError')) {
      const t = text(e);
      if (/No results found/i.test(t)) noResults = true; else errors.push(t || 'visualization error');
    }
    const map = panel.querySelector('.leaflet-container');
    out.push({
      panelIndex: panel.getAttribute('data-test-embeddable-id') || '',
      title: text(panel.querySelector('[data-test-subj="dashboardPanelTitle"]')),
      renderComplete: panel.getAttribute('data-render-complete') === 'true' || panel.querySelector('[data-render-complete="true"]') !== null,
      loading: panel.querySelector('.embPanel__content[data-loading]') !== null,
      errors,
      noResults,
      mapMarkers: map ? map.querySelectorAll('path.leaflet-interactive, .leaflet-marker-icon').length : undefined,
    });
  }
  return out;
})()`;

async function observe(page: Page): Promise<Map<string, PanelObservation>> {
  const list = (await page.evaluate(OBSERVE)) as PanelObservation[];
  return new Map(list.map((o) => [o.panelIndex, o]));
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface RenderResult {
  readonly observations: ReadonlyMap<string, PanelObservation>;
  /** Toast messages Dashboards showed (request errors land there too). */
  readonly toasts: readonly string[];
}

/**
 * Opens one dashboard over a time range and waits until every panel has
 * settled (rendered, errored or empty) and stayed so for a second, or until the
 * timeout; then optionally writes a screenshot of the dashboard without the
 * page header.
 */
export async function renderDashboard(
  chromium: Chromium,
  endpoint: DashboardsEndpoint,
  plan: DashboardPlan,
  time: TimeRange,
  options: { timeoutMs: number; screenshot?: string },
): Promise<RenderResult> {
  const page = await chromium.browser.newPage();
  try {
    if (endpoint.username) await page.authenticate({ username: endpoint.username, password: endpoint.password ?? '' });
    await page.goto(dashboardUrl(endpoint.url, plan.id, time), { waitUntil: 'domcontentloaded', timeout: options.timeoutMs });
    const deadline = Date.now() + options.timeoutMs;
    let stableSince = 0;
    let observations = new Map<string, PanelObservation>();
    while (Date.now() < deadline) {
      observations = await observe(page);
      const done = plan.panels.every((p) => settled(observations.get(p.panelIndex)));
      if (done) {
        stableSince ||= Date.now();
        if (Date.now() - stableSince >= 1000) break;
      } else stableSince = 0;
      await delay(250);
    }
    const toasts = (await page.evaluate(
      `Array.from(document.querySelectorAll('.euiToast')).map((t) => (t.textContent || '').trim()).filter(Boolean)`,
    )) as string[];
    if (options.screenshot) await screenshot(page, options.screenshot);
    return { observations, toasts };
  } finally {
    await page.close().catch(() => undefined);
  }
}

/** The dashboard viewport only: the header (another vendor's logo in some builds) and the query bar are left out. */
async function screenshot(page: Page, file: string): Promise<void> {
  const box = (await page.evaluate(`(() => {
    const v = document.querySelector('.dshDashboardViewport-withMargins, .dshDashboardViewport');
    if (!v) return null;
    const r = v.getBoundingClientRect();
    return { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: v.scrollHeight };
  })()`)) as { x: number; y: number; width: number; height: number } | null;
  if (!box) throw new Error('the dashboard viewport is not on the page; cannot take a screenshot');
  const needed = Math.ceil(box.y + box.height + 20);
  if (needed > (page.viewport()?.height ?? 0)) {
    await page.setViewport({ width: VIEWPORT_WIDTH, height: needed });
    await delay(2000);
  }
  await page.screenshot({ path: file as `${string}.png`, clip: { x: box.x, y: box.y, width: box.width, height: box.height }, captureBeyondViewport: true });
}

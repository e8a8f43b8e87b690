import { readFileSync } from 'node:fs';
import { IDS } from '../../../src/dashboards/catalog.js';
import { parseNdjson } from '../../../src/dashboards/saved-object.js';
import { SAVED_OBJECTS_FILE } from '../../../src/cli/setup.js';
import { dashboardPlans, type PanelPlan } from '../../../scripts/check-dashboards/plan.js';
import { dashboardUrl } from '../../../scripts/check-dashboards/render.js';
import { failed, renderReport, settled, verdictOf, type PanelObservation } from '../../../scripts/check-dashboards/verdict.js';

const plans = dashboardPlans(parseNdjson(readFileSync(SAVED_OBJECTS_FILE, 'utf8')));
const panel = (over: Partial<PanelPlan> = {}): PanelPlan => ({ panelIndex: '1', objectId: 'x', title: 'A table', kind: 'visualization', visType: 'table', ...over });
const seen = (over: Partial<PanelObservation> = {}): PanelObservation => ({
  panelIndex: '1',
  title: 'A table',
  renderComplete: true,
  loading: false,
  errors: [],
  noResults: false,
  ...over,
});

describe('check:dashboards plan', () => {
  it('lists every shipped dashboard with its panels in layout order, by the embeddable id Dashboards gives them', () => {
    expect(plans.map((p) => p.id)).toEqual([IDS.apiGatewayDashboard, IDS.auditDashboard, IDS.findingsDashboard]);
    for (const p of plans) {
      expect(p.panels.map((x) => x.panelIndex)).toEqual(p.panels.map((_, i) => String(i + 1)));
      for (const x of p.panels) expect(x.kind === 'search' ? x.visType : typeof x.visType).toEqual(x.kind === 'search' ? undefined : 'string');
    }
    const audit = plans.find((p) => p.id === IDS.auditDashboard);
    expect(audit?.panels.filter((x) => x.visType === 'tile_map').map((x) => x.title)).toEqual(['Where calls came from']);
    expect(plans.find((p) => p.id === IDS.findingsDashboard)?.panels.at(-1)).toMatchObject({ kind: 'search', title: 'Findings' });
  });

  it('opens a dashboard over the time range given in the URL (rison-quoted)', () => {
    expect(dashboardUrl('http://osd:5601/base/', 'trailstream-dashboard-audit', { from: '2026-11-23T08:00:00.000Z', to: "it's!" })).toBe(
      "http://osd:5601/base/app/dashboards#/view/trailstream-dashboard-audit?_g=(filters:!(),time:(from:'2026-11-23T08:00:00.000Z',to:'it!'s!!'))",
    );
  });
});

describe('check:dashboards verdicts', () => {
  const cluster = { geoModule: true };

  it('passes a rendered panel and fails one that errors, stays empty, never renders or is missing', () => {
    expect(verdictOf(panel(), seen(), cluster).status).toBe('ok');
    expect(verdictOf(panel(), seen({ errors: ['Error: field [x] not found'] }), cluster)).toMatchObject({ status: 'error', detail: 'Error: field [x] not found' });
    expect(verdictOf(panel(), seen({ noResults: true }), cluster).status).toBe('empty');
    expect(verdictOf(panel(), seen({ renderComplete: false }), cluster).status).toBe('not rendered');
    expect(verdictOf(panel(), seen({ loading: true }), cluster).status).toBe('not rendered');
    expect(verdictOf(panel(), undefined, cluster).status).toBe('missing');
    // an error wins over the render-complete flag vislib also sets on errors
    expect(verdictOf(panel(), seen({ errors: ['boom'], noResults: true }), cluster).status).toBe('error');
  });

  it('skips a coordinate map only where the cluster lacks the geo module, and fails a map without markers', () => {
    const map = panel({ visType: 'tile_map', title: 'Map' });
    expect(verdictOf(map, seen({ errors: ['unknown aggregation type [geohash_grid]'] }), { geoModule: false }).status).toBe('skipped');
    expect(verdictOf(map, seen({ errors: ['unknown aggregation type [geohash_grid]'] }), { geoModule: undefined }).status).toBe('error');
    expect(verdictOf(map, seen({ mapMarkers: 0 }), cluster).status).toBe('empty');
    expect(verdictOf(map, seen({ mapMarkers: 12 }), cluster)).toMatchObject({ status: 'ok', detail: '12 markers' });
    expect(verdictOf(panel({ visType: 'table' }), seen(), { geoModule: false }).status).toBe('ok');
  });

  it('lets a markdown panel pass without data, not a data panel', () => {
    expect(verdictOf(panel({ visType: 'markdown' }), seen({ noResults: true }), cluster).status).toBe('ok');
    expect(verdictOf(panel({ kind: 'search', visType: undefined }), seen({ noResults: true }), cluster).status).toBe('empty');
  });

  it('waits while a panel loads or has not rendered', () => {
    expect(settled(undefined)).toBe(false);
    expect(settled(seen({ renderComplete: false }))).toBe(false);
    expect(settled(seen({ loading: true }))).toBe(false);
    expect(settled(seen({ renderComplete: false, noResults: true }))).toBe(true);
    expect(settled(seen({ renderComplete: false, errors: ['x'] }))).toBe(true);
    expect(settled(seen())).toBe(true);
  });

  it('prints a per-dashboard, per-panel table and a summary that counts failures', () => {
    const d = plans[0];
    if (!d) throw new Error('no dashboard');
    const verdicts = d.panels.map((p, i) => verdictOf(p, seen({ panelIndex: p.panelIndex, noResults: i === 1 }), cluster));
    expect(verdicts.filter(failed)).toHaveLength(1);
    const text = renderReport([{ dashboard: d, panels: verdicts, screenshot: 'docs/images/x.png' }]);
    expect(text).toContain(`${d.title} (${d.id})  screenshot: docs/images/x.png`);
    for (const p of d.panels) expect(text).toContain(p.title);
    expect(text).toMatch(new RegExp(`${d.panels[1]?.title}\\s+\\S+\\s+empty\\s+No results found`));
    expect(text.trimEnd().split('\n').at(-1)).toBe(`1 dashboards, ${d.panels.length} panels: ${d.panels.length - 1} ok, 0 skipped, 1 failed (1 empty)`);
  });
});

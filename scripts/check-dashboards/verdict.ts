import { needsGeoModule, showsNoData, type DashboardPlan, type PanelPlan } from './plan.js';

/** What the browser saw of one panel (see render.ts). */
export interface PanelObservation {
  readonly panelIndex: string;
  /** The panel's title as the page shows it. */
  readonly title: string;
  /** Some element in the panel says `data-render-complete="true"`. */
  readonly renderComplete: boolean;
  /** The panel's content is marked `data-loading`. */
  readonly loading: boolean;
  /** Error texts (`.embPanel__error`, the panel's error badge, `.visError` other than "No results found"). */
  readonly errors: readonly string[];
  /** The panel shows "No results found". */
  readonly noResults: boolean;
  /** Markers drawn on a coordinate map (undefined for other panels). */
  readonly mapMarkers?: number;
}

export type Status = 'ok' | 'skipped' | 'error' | 'empty' | 'not rendered' | 'missing';

export interface PanelVerdict {
  readonly panel: PanelPlan;
  readonly status: Status;
  readonly detail: string;
}

export interface ClusterFacts {
  /** Whether the cluster behind Dashboards runs `geohash_grid` (the `geo` module); undefined when unknown. */
  readonly geoModule: boolean | undefined;
}

/** Whether a panel has finished: rendered, or showing an error or "No results found". */
export function settled(o: PanelObservation | undefined): boolean {
  if (!o) return false;
  return o.errors.length > 0 || o.noResults || (o.renderComplete && !o.loading);
}

export function verdictOf(panel: PanelPlan, o: PanelObservation | undefined, cluster: ClusterFacts): PanelVerdict {
  const v = (status: Status, detail: string): PanelVerdict => ({ panel, status, detail });
  if (needsGeoModule(panel) && cluster.geoModule === false) {
    return v('skipped', 'needs the geo module (geohash_grid), which this cluster lacks');
  }
  if (!o) return v('missing', 'the panel is not on the page');
  if (o.errors.length > 0) return v('error', o.errors.join(' | ').replace(/\s+/g, ' ').slice(0, 200));
  if (o.noResults && !showsNoData(panel)) return v('empty', 'No results found');
  if (!o.renderComplete || o.loading) return v('not rendered', 'no data-render-complete="true" before the timeout');
  if (o.mapMarkers === 0) return v('empty', 'the map shows no markers');
  return v('ok', o.mapMarkers !== undefined ? `${o.mapMarkers} markers` : '');
}

export interface DashboardVerdict {
  readonly dashboard: DashboardPlan;
  readonly panels: readonly PanelVerdict[];
  readonly screenshot?: string;
}

export const failed = (p: PanelVerdict): boolean => p.status !== 'ok' && p.status !== 'skipped';

/** A per-dashboard, per-panel table, one line per panel, then a summary line. */
export function renderReport(results: readonly DashboardVerdict[]): string {
  const lines: string[] = [];
  for (const d of results) {
    lines.push('', `${d.dashboard.title} (${d.dashboard.id})${d.screenshot ? `  screenshot: ${d.screenshot}` : ''}`);
    const width = Math.max(...d.panels.map((p) => p.panel.title.length), 5);
    lines.push(`  ${'panel'.padEnd(width)}  ${'kind'.padEnd(14)}  ${'status'.padEnd(12)}  detail`);
    for (const p of d.panels) {
      const kind = p.panel.kind === 'search' ? 'search' : (p.panel.visType ?? 'visualization');
      lines.push(`  ${p.panel.title.padEnd(width)}  ${kind.padEnd(14)}  ${p.status.padEnd(12)}  ${p.detail}`.trimEnd());
    }
  }
  const all = results.flatMap((d) => d.panels);
  const count = (s: Status): number => all.filter((p) => p.status === s).length;
  const bad = all.filter(failed).length;
  lines.push(
    '',
    `${results.length} dashboards, ${all.length} panels: ${count('ok')} ok, ${count('skipped')} skipped, ${bad} failed` +
      (bad > 0 ? ` (${(['error', 'empty', 'not rendered', 'missing'] as const).filter((s) => count(s) > 0).map((s) => `${count(s)} ${s}`).join(', ')})` : ''),
  );
  return lines.join('\n') + '\n';
}

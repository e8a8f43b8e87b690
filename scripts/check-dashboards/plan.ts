import type { SavedObject } from '../../src/dashboards/saved-object.js';

/**
 * What the check expects to see: every dashboard of the saved-objects file and,
 * per panel, the embeddable id Dashboards gives it (its `panelIndex`), its
 * title and what it is.
 */
export interface PanelPlan {
  /** The panel's `panelIndex`, which Dashboards uses as the embeddable id in the page (`data-test-embeddable-id`). */
  readonly panelIndex: string;
  readonly objectId: string;
  readonly title: string;
  readonly kind: 'search' | 'visualization';
  /** Visualization type (`table`, `tile_map`, `markdown`…); undefined for saved searches. */
  readonly visType?: string;
}

export interface DashboardPlan {
  readonly id: string;
  readonly title: string;
  readonly panels: readonly PanelPlan[];
}

interface PanelJson {
  panelIndex: string;
  panelRefName: string;
}

export function dashboardPlans(objects: readonly SavedObject[]): DashboardPlan[] {
  const byId = new Map(objects.map((o) => [o.id, o]));
  return objects
    .filter((o) => o.type === 'dashboard')
    .map((d) => {
      const panels = (JSON.parse(String(d.attributes.panelsJSON)) as PanelJson[]).map((p): PanelPlan => {
        const ref = d.references.find((r) => r.name === p.panelRefName);
        const target = ref ? byId.get(ref.id) : undefined;
        if (!ref || !target || (target.type !== 'search' && target.type !== 'visualization')) {
          throw new Error(`dashboard ${d.id}: panel ${p.panelIndex} (${p.panelRefName}) does not resolve to a saved search or visualization`);
        }
        const visType = target.type === 'visualization' ? (JSON.parse(String(target.attributes.visState)) as { type: string }).type : undefined;
        return { panelIndex: p.panelIndex, objectId: target.id, title: String(target.attributes.title), kind: target.type, ...(visType ? { visType } : {}) };
      });
      return { id: d.id, title: String(d.attributes.title), panels };
    });
}

/** Panels whose aggregation (`geohash_grid`) lives in OpenSearch's `geo` module. */
export const needsGeoModule = (p: PanelPlan): boolean => p.visType === 'tile_map';

/** Panels that show text, not data: rendered is all they must be. */
export const showsNoData = (p: PanelPlan): boolean => p.visType === 'markdown';

import { TEMPLATE_FILES, renderTemplates, type RenderedTemplate, type TemplateSettings } from '../templates.js';

/**
 * The index templates for Elasticsearch, made from the same mappings/ files as
 * OpenSearch's so both engines index the same fields. What differs:
 *
 * - `flat_object` (OpenSearch) is `flattened` in Elasticsearch: the same idea,
 *   one keyword-like field per leaf, searchable as `field.leaf:value`.
 * - the lifecycle: OpenSearch's ISM policy attaches itself to new indices
 *   (its `ism_template`); an ILM policy is named by the index setting
 *   `index.lifecycle.name` instead, so with ILM the event and Insights
 *   templates carry that setting. ISM leaves `<prefix>-undated` alone (its age
 *   says nothing about its records); here a template of its own, of higher
 *   priority and without the setting, does the same.
 *   Without ILM (the minimal distribution) the templates carry no lifecycle
 *   setting, which Elasticsearch would refuse as unknown.
 */
export function elasticsearchTemplates(config: TemplateSettings, lifecyclePolicy?: string): RenderedTemplate[] {
  const out: RenderedTemplate[] = [];
  for (const t of renderTemplates(config)) {
    const body = flatObjectToFlattened(t.body) as Record<string, unknown>;
    if (lifecyclePolicy && t.file !== TEMPLATE_FILES.deadLetter) {
      out.push({ ...t, body: withLifecycle(body, lifecyclePolicy) });
      if (t.file === TEMPLATE_FILES.events) {
        const undated = structuredClone(body) as { index_patterns: string[]; priority: number };
        undated.index_patterns = [`${config.indexPrefix}-undated`];
        undated.priority = 150;
        out.push({ name: `${t.name}-undated`, file: t.file, body: undated as unknown as Record<string, unknown> });
      }
    } else {
      out.push({ ...t, body });
    }
  }
  return out;
}

/** Every `"type": "flat_object"` of a mapping becomes `"type": "flattened"`. */
export function flatObjectToFlattened(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(flatObjectToFlattened);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'type' && v === 'flat_object' ? 'flattened' : flatObjectToFlattened(v);
  return out;
}

function withLifecycle(body: Record<string, unknown>, policy: string): Record<string, unknown> {
  const copy = structuredClone(body) as { template: { settings: { index: Record<string, unknown> } } };
  copy.template.settings.index.lifecycle = { name: policy };
  return copy as unknown as Record<string, unknown>;
}

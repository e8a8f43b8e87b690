import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { MAPPINGS_DIR } from '../assets.js';
import { canonical } from '../canonical-json.js';
import { statusOf, type SearchClient } from './search-client.js';

/** `mappings/` sits three levels above this file both in `src/` and in `dist/`. */

export interface TemplateSpec {
  readonly name: string;
  readonly file: string;
}

export const TEMPLATE_FILES = {
  events: 'cloudtrail-events.template.json',
  insights: 'cloudtrail-insights.template.json',
  deadLetter: 'dead-letter.template.json',
} as const;

/**
 * The index templates for one configuration. Their names derive from the
 * index prefix (and the dead-letter index name), so installations with
 * different prefixes on one cluster — and the tests, which use a prefix each —
 * never overwrite each other's templates. The default configuration keeps the
 * names `trailstream-cloudtrail-events`, `trailstream-cloudtrail-insights` and
 * `trailstream-dead-letter`.
 */
export function templateSpecs(config: Pick<Config, 'indexPrefix' | 'deadLetterIndex'>): TemplateSpec[] {
  return [
    { name: `trailstream-${config.indexPrefix}-events`, file: TEMPLATE_FILES.events },
    { name: `trailstream-${config.indexPrefix}-insights`, file: TEMPLATE_FILES.insights },
    { name: config.deadLetterIndex, file: TEMPLATE_FILES.deadLetter },
  ];
}

export type TemplateSettings = Pick<Config, 'indexPrefix' | 'deadLetterIndex' | 'numberOfShards' | 'numberOfReplicas' | 'refreshInterval'>;

/** Reads a template file and fills in the configured names and index settings. */
export function renderTemplate(file: string, config: TemplateSettings): Record<string, unknown> {
  return renderMappingFile(file, {
    INDEX_PREFIX: config.indexPrefix,
    DEAD_LETTER_INDEX: config.deadLetterIndex,
    SHARDS: String(config.numberOfShards),
    REPLICAS: String(config.numberOfReplicas),
    REFRESH_INTERVAL: config.refreshInterval,
  });
}

/** Reads a JSON file of mappings/ and fills its `${NAME}` placeholders; an unknown placeholder is an error. */
export function renderMappingFile(file: string, values: Readonly<Record<string, string>>): Record<string, unknown> {
  const text = readFileSync(path.join(MAPPINGS_DIR, file), 'utf8');
  const filled = text.replace(/\$\{([A-Z_]+)\}/g, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`${file}: unknown placeholder ${whole}`);
    return v;
  });
  return JSON.parse(filled) as Record<string, unknown>;
}

/** A template ready to install: its name and body for the target engine. */
export interface RenderedTemplate {
  readonly name: string;
  /** Which file of mappings/ it comes from. */
  readonly file: string;
  readonly body: Record<string, unknown>;
}

/** The templates as mappings/ holds them, which is what OpenSearch takes; sink/elasticsearch adapts them for Elasticsearch. */
export function renderTemplates(config: TemplateSettings): RenderedTemplate[] {
  return templateSpecs(config).map((t) => ({ name: t.name, file: t.file, body: renderTemplate(t.file, config) }));
}

export type TemplateChange = { name: string; change: 'created' | 'updated' | 'unchanged' };

async function installedTemplate(client: SearchClient, name: string, requestTimeout?: number): Promise<unknown> {
  try {
    const res = await client.request(
      { method: 'GET', path: `/_index_template/${encodeURIComponent(name)}` },
      requestTimeout !== undefined ? { requestTimeout } : {},
    );
    return (res.body as { index_templates?: { index_template: unknown }[] }).index_templates?.[0]?.index_template;
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
    return undefined;
  }
}

/**
 * Installs or updates the index templates. Idempotent: a template whose body is
 * already what we would write is left alone and reported as unchanged.
 */
export async function installTemplates(client: SearchClient, templates: readonly RenderedTemplate[]): Promise<TemplateChange[]> {
  const out: TemplateChange[] = [];
  for (const t of templates) {
    const body = t.body;
    const existing = await installedTemplate(client, t.name);
    if (existing && sameTemplate(existing, body)) {
      out.push({ name: t.name, change: 'unchanged' });
      continue;
    }
    await client.request({ method: 'PUT', path: `/_index_template/${encodeURIComponent(t.name)}`, body });
    out.push({ name: t.name, change: existing ? 'updated' : 'created' });
  }
  return out;
}

/** Both engines echo settings back as strings and nested; compare by a normalised JSON form. */
function sameTemplate(existing: unknown, wanted: Record<string, unknown>): boolean {
  return canonical(normaliseSettings(existing)) === canonical(normaliseSettings(wanted));
}

function normaliseSettings(t: unknown): unknown {
  const out = JSON.parse(JSON.stringify(t), (_k, v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v)) as Record<string, unknown>;
  // The engines echo an empty `composed_of` we never sent.
  if (Array.isArray(out.composed_of) && out.composed_of.length === 0) delete out.composed_of;
  // Elasticsearch 9 adds when the template was written.
  for (const k of ['created_date', 'created_date_millis', 'modified_date', 'modified_date_millis']) delete out[k];
  return out;
}

export type TemplateState = { name: string; state: 'current' | 'outdated' | 'missing' };

/** Compares the installed templates with what `setup` would install (read only; used by `doctor`). */
export async function templateStates(client: SearchClient, templates: readonly RenderedTemplate[], options: { requestTimeout?: number } = {}): Promise<TemplateState[]> {
  const out: TemplateState[] = [];
  for (const t of templates) {
    const existing = await installedTemplate(client, t.name, options.requestTimeout);
    out.push({ name: t.name, state: !existing ? 'missing' : sameTemplate(existing, t.body) ? 'current' : 'outdated' });
  }
  return out;
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import type { Config } from '../../config/config.js';
import { MAPPINGS_DIR } from '../../assets.js';
import { canonical } from '../../canonical-json.js';

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

/** The templates of the default configuration (prefix `cloudtrail`), for tools that install their own copies. */
export const TEMPLATES: readonly TemplateSpec[] = templateSpecs({ indexPrefix: 'cloudtrail', deadLetterIndex: 'trailstream-dead-letter' });

type TemplateSettings = Pick<Config, 'indexPrefix' | 'deadLetterIndex' | 'numberOfShards' | 'numberOfReplicas' | 'refreshInterval'>;

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

export type TemplateChange = { name: string; change: 'created' | 'updated' | 'unchanged' };

/**
 * Installs or updates the index templates. Idempotent: a template whose body is
 * already what we would write is left alone and reported as unchanged.
 */
export async function installTemplates(client: Client, config: TemplateSettings): Promise<TemplateChange[]> {
  const out: TemplateChange[] = [];
  for (const t of templateSpecs(config)) {
    const body = renderTemplate(t.file, config);
    let existing: unknown;
    try {
      const res = await client.indices.getIndexTemplate({ name: t.name });
      existing = (res.body as { index_templates?: { index_template: unknown }[] }).index_templates?.[0]?.index_template;
    } catch (error) {
      if ((error as { meta?: { statusCode?: number } }).meta?.statusCode !== 404) throw error;
    }
    if (existing && sameTemplate(existing, body)) {
      out.push({ name: t.name, change: 'unchanged' });
      continue;
    }
    await client.indices.putIndexTemplate({ name: t.name, body: body as never });
    out.push({ name: t.name, change: existing ? 'updated' : 'created' });
  }
  return out;
}

/** OpenSearch echoes settings back as strings and nested; compare by a normalised JSON form. */
function sameTemplate(existing: unknown, wanted: Record<string, unknown>): boolean {
  return canonical(normaliseSettings(existing)) === canonical(normaliseSettings(wanted));
}

function normaliseSettings(t: unknown): unknown {
  const out = JSON.parse(JSON.stringify(t), (_k, v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v)) as Record<string, unknown>;
  // OpenSearch echoes an empty `composed_of` we never sent.
  if (Array.isArray(out.composed_of) && out.composed_of.length === 0) delete out.composed_of;
  return out;
}

export type TemplateState = { name: string; state: 'current' | 'outdated' | 'missing' };

/** Compares the installed templates with what `setup` would install (read only; used by `doctor`). */
export async function templateStates(client: Client, config: TemplateSettings, options: { requestTimeout?: number } = {}): Promise<TemplateState[]> {
  const out: TemplateState[] = [];
  for (const t of templateSpecs(config)) {
    let existing: unknown;
    try {
      const res = await client.indices.getIndexTemplate({ name: t.name }, options);
      existing = (res.body as { index_templates?: { index_template: unknown }[] }).index_templates?.[0]?.index_template;
    } catch (error) {
      if ((error as { meta?: { statusCode?: number } }).meta?.statusCode !== 404) throw error;
    }
    out.push({ name: t.name, state: !existing ? 'missing' : sameTemplate(existing, renderTemplate(t.file, config)) ? 'current' : 'outdated' });
  }
  return out;
}

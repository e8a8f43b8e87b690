import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MAPPINGS_DIR } from '../../../src/assets.js';

interface Prop {
  type?: string;
  properties?: Record<string, Prop>;
  fields?: Record<string, Prop>;
  enabled?: boolean;
  index?: boolean;
  doc_values?: boolean;
  /** The target of a field alias. */
  path?: string;
}

/** The mapped type of a dotted field in a template; `flat_object` for paths under one. Undefined when not mapped. */
export function fieldType(templateFile: string, field: string): string | undefined {
  const template = JSON.parse(readFileSync(path.join(MAPPINGS_DIR, templateFile), 'utf8')) as {
    template: { mappings: { properties: Record<string, Prop> } };
  };
  if (field === '_id' || field === '_index') return 'keyword';
  let props: Record<string, Prop> | undefined = template.template.mappings.properties;
  const parts = field.split('.');
  for (let i = 0; i < parts.length; i++) {
    const p: Prop | undefined = props?.[parts[i] as string];
    if (!p) return undefined;
    if (p.type === 'flat_object') return 'flat_object';
    // An alias answers queries and aggregations with its target field.
    if (i === parts.length - 1 && p.type === 'alias' && p.path !== undefined) return fieldType(templateFile, p.path);
    if (i === parts.length - 1) return p.enabled === false ? undefined : (p.type ?? 'object');
    if (p.fields && parts.length === i + 2 && p.fields[parts[i + 1] as string]) return p.fields[parts[i + 1] as string]?.type;
    props = p.properties;
  }
  return undefined;
}

const AGGREGATABLE = new Set(['keyword', 'ip', 'long', 'integer', 'short', 'byte', 'double', 'float', 'date', 'boolean']);

/** Whether a field of this type can back the given Dashboards aggregation. */
export function aggregatableFor(type: string | undefined, agg: string): boolean {
  if (type === undefined) return false;
  if (agg === 'geohash_grid' || agg === 'geotile_grid') return type === 'geo_point';
  if (agg === 'date_histogram') return type === 'date';
  return AGGREGATABLE.has(type);
}

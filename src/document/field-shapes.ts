import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MAPPINGS_DIR } from '../assets.js';

/**
 * What the index template accepts at each mapped path, reduced to what decides
 * whether OpenSearch would refuse a document:
 *
 * - `object`: a mapped object (`properties`); takes null, an object, or an array of those;
 * - `flat`: a `flat_object`; takes the same, and no string, key or `path=value`
 *   term longer than Lucene's 32,766-byte limit (flat_object has no `ignore_above`);
 * - `leaf`: keyword, text, date, long…; takes scalars and arrays of scalars, never an object;
 * - `alias`: a field alias (`cloud.region` → `awsRegion`); takes no value at all — OpenSearch
 *   refuses a document that writes to an alias, so the enrichment never sends one and a
 *   record that brings its own value there has it moved like any other unindexable value.
 *
 * Values of unmapped paths (`dynamic: false`) are never looked at by OpenSearch.
 */
export type FieldShape =
  | { readonly kind: 'object'; readonly properties: ReadonlyMap<string, FieldShape> }
  | { readonly kind: 'flat' }
  | { readonly kind: 'leaf' }
  | { readonly kind: 'alias' };

/** Lucene refuses a term longer than this many UTF-8 bytes, and with it the whole document. */
export const MAX_TERM_BYTES = 32766;

interface MappingProperty {
  type?: string;
  properties?: Record<string, MappingProperty>;
  enabled?: boolean;
}

/** Builds the shape tree from a template's `mappings.properties`. */
export function shapeOf(properties: Record<string, MappingProperty>): FieldShape {
  const out = new Map<string, FieldShape>();
  for (const [name, p] of Object.entries(properties)) {
    if (p.enabled === false) continue; // kept in _source, never parsed: anything goes
    if (p.type === 'flat_object') out.set(name, { kind: 'flat' });
    else if (p.type === 'alias') out.set(name, ALIAS);
    else if (p.properties && (p.type === undefined || p.type === 'object')) out.set(name, shapeOf(p.properties));
    else out.set(name, { kind: 'leaf' });
  }
  return { kind: 'object', properties: out };
}

const ALIAS: FieldShape = Object.freeze({ kind: 'alias' });

let eventShape: FieldShape | undefined;

/**
 * The shape of the CloudTrail event template (`mappings/cloudtrail-events.template.json`),
 * read once. The Insights template maps the same CloudTrail fields.
 */
export function eventTemplateShape(): FieldShape {
  if (!eventShape) {
    const text = readFileSync(path.join(MAPPINGS_DIR, 'cloudtrail-events.template.json'), 'utf8');
    const template = JSON.parse(text) as { template: { mappings: { properties: Record<string, MappingProperty> } } };
    eventShape = shapeOf(template.template.mappings.properties);
  }
  return eventShape;
}

/**
 * Dotted paths of the record's values that the mapping cannot take: a string
 * where an object is mapped (`"resources":["{…}"]`), an object where a keyword
 * is mapped, a JSON string or a list of strings in a `flat_object`, or a
 * `flat_object` holding a string too long for one term. The deepest mapped
 * object that holds a problem is reported, so one odd sub-field does not take
 * the rest of, say, `userIdentity` out of the index; inside an array the whole
 * array is reported, since one element cannot be moved on its own.
 *
 * `mayHoldImmenseTerms` is false when the record is too short to contain a
 * 32 KiB string, which skips the only walk that is not bounded by the mapped
 * fields.
 */
export function unindexablePaths(record: Record<string, unknown>, shape: FieldShape, mayHoldImmenseTerms: boolean): string[] {
  const out: string[] = [];
  if (shape.kind === 'object') visitObject(record, shape, '', mayHoldImmenseTerms, out);
  return out;
}

/*
 * Hot path: this runs on every record. It walks the record's own keys (a
 * CloudTrail record has about twenty) rather than every mapped field, and it
 * builds a dotted path only for a value that is actually reported.
 */
function visitObject(
  value: Record<string, unknown>,
  shape: Extract<FieldShape, { kind: 'object' }>,
  prefix: string,
  long: boolean,
  out: string[],
): void {
  const properties = shape.properties;
  for (const name in value) {
    const child = properties.get(name);
    if (child === undefined || !Object.prototype.hasOwnProperty.call(value, name)) continue;
    const v = value[name];
    if (v === null || v === undefined) continue;
    check(v, child, prefix, name, long, out);
  }
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function check(v: unknown, shape: FieldShape, prefix: string, name: string, long: boolean, out: string[]): void {
  switch (shape.kind) {
    case 'alias':
      out.push(join(prefix, name));
      return;
    case 'leaf':
      if (typeof v !== 'object') return;
      if (Array.isArray(v) ? v.some((x) => x !== null && typeof x === 'object') : v !== null) out.push(join(prefix, name));
      return;
    case 'flat':
      if (!objectsOnly(v)) out.push(join(prefix, name));
      else if (long && hasImmenseTerm(v, join(prefix, name))) out.push(join(prefix, name));
      return;
    case 'object': {
      if (!objectsOnly(v)) {
        out.push(join(prefix, name));
        return;
      }
      const p = join(prefix, name);
      if (!Array.isArray(v)) {
        visitObject(v as Record<string, unknown>, shape, p, long, out);
        return;
      }
      const inner: string[] = [];
      for (const item of flatten(v)) if (item !== null) visitObject(item as Record<string, unknown>, shape, p, long, inner);
      if (inner.length > 0) out.push(p);
    }
  }
}

/**
 * The alias paths of a shape as a tree: `true` marks an alias, a map the
 * aliases below that object. Empty when the shape has none.
 */
export type AliasTree = ReadonlyMap<string, AliasTree | true>;

export function aliasTreeOf(shape: FieldShape): AliasTree {
  const out = new Map<string, AliasTree | true>();
  if (shape.kind !== 'object') return out;
  for (const [name, child] of shape.properties) {
    if (child.kind === 'alias') out.set(name, true);
    else if (child.kind === 'object') {
      const below = aliasTreeOf(child);
      if (below.size > 0) out.set(name, below);
    }
  }
  return out;
}

/**
 * A copy of the record without the values at `paths` (copying only the
 * objects on the way), and those values by path. The record is not changed.
 */
export function relocate(record: Record<string, unknown>, paths: readonly string[]): { rest: Record<string, unknown>; moved: Record<string, unknown> } {
  const rest: Record<string, unknown> = { ...record };
  const moved: Record<string, unknown> = {};
  for (const p of paths) {
    const parts = p.split('.');
    let parent = rest;
    for (const part of parts.slice(0, -1)) {
      const copy = { ...(parent[part] as Record<string, unknown>) };
      parent[part] = copy;
      parent = copy;
    }
    const last = parts[parts.length - 1] as string;
    moved[p] = parent[last];
    delete parent[last];
  }
  return { rest, moved };
}

/** null, a plain object, or an array (of arrays) of those: what object and flat_object fields take. */
function objectsOnly(v: unknown): boolean {
  if (v === null) return true;
  if (Array.isArray(v)) return v.every(objectsOnly);
  return typeof v === 'object';
}

function flatten(v: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of v) {
    if (Array.isArray(x)) out.push(...flatten(x));
    else out.push(x);
  }
  return out;
}

/**
 * flat_object indexes every leaf as the terms `value`, `path` and
 * `field.path=value`; any of them over 32,766 bytes makes Lucene refuse the document.
 */
function hasImmenseTerm(v: unknown, p: string): boolean {
  if (typeof v === 'string') return Buffer.byteLength(p) + 1 + Buffer.byteLength(v) > MAX_TERM_BYTES;
  if (Array.isArray(v)) return v.some((x) => hasImmenseTerm(x, p));
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) if (hasImmenseTerm(x, `${p}.${k}`)) return true;
    return false;
  }
  return false;
}

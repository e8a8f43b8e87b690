/**
 * Shared by the deploy tests: the worker's settings table (read from
 * src/config/settings.ts when the tests run, so a renamed or added setting is
 * seen at once), the chart's rendered manifests and JSON Schema validation.
 */
import { readdirSync } from 'node:fs';
import { Ajv2019, type ErrorObject } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse, parseAllDocuments } from 'yaml';
import { settings } from '../../../src/config/settings.js';
import { readRepoFile, repoPath } from '../packaging/repo.js';

export { readRepoFile, repoPath };

interface SettingLike {
  readonly env: string;
  readonly default?: string;
  readonly secret?: boolean;
}

/** Every setting of the table, whatever names the code gives them. */
export const SETTINGS: readonly SettingLike[] = Object.values(settings as Record<string, SettingLike>);
export const SETTING_NAMES: readonly string[] = SETTINGS.map((s) => s.env);
export const SECRET_SETTING_NAMES: readonly string[] = SETTINGS.filter((s) => s.secret === true).map((s) => s.env);

export function settingByEnv(env: string): SettingLike {
  const s = SETTINGS.find((x) => x.env === env);
  if (!s) throw new Error(`${env} is not a setting in src/config/settings.ts`);
  return s;
}

/** The worker's default of an integer setting, as a number. */
export function intDefault(env: string): number {
  const d = settingByEnv(env).default;
  if (d === undefined || !/^\d+$/.test(d)) throw new Error(`${env} has no integer default (${String(d)})`);
  return Number(d);
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Obj = { [key: string]: Json };

export function asObj(v: Json | undefined, what: string): Obj {
  if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what} is not an object`);
  return v;
}

export function asArr(v: Json | undefined, what: string): Json[] {
  if (!Array.isArray(v)) throw new Error(`${what} is not a list`);
  return v;
}

/** A value at a dotted path ("spec.template.spec"), or undefined. */
export function at(v: Json | undefined, dotted: string): Json | undefined {
  let cur: Json | undefined = v;
  for (const k of dotted.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

export interface Manifest {
  readonly kind: string;
  readonly name: string;
  readonly doc: Obj;
}

export const RENDERED_DIR = 'test/fixtures/deploy/rendered';
export const CHART_DIR = 'deploy/helm/trailstream';

/** The chart's test cases: one rendered file per values file in the chart's ci/ folder. */
export function renderedCases(): string[] {
  return readdirSync(repoPath(`${CHART_DIR}/ci`))
    .filter((f) => f.endsWith('-values.yaml'))
    .map((f) => f.slice(0, -'-values.yaml'.length))
    .sort();
}

export function loadRendered(name: string): Manifest[] {
  return parseAllDocuments(readRepoFile(`${RENDERED_DIR}/${name}.yaml`))
    .map((d) => d.toJS() as Json)
    .filter((d): d is Obj => d !== null && typeof d === 'object' && !Array.isArray(d))
    .map((doc) => ({ kind: String(doc.kind), name: String(at(doc, 'metadata.name')), doc }));
}

export function loadCaseValues(name: string): Obj {
  return asObj(parse(readRepoFile(`${CHART_DIR}/ci/${name}-values.yaml`)) as Json, `${name}-values.yaml`);
}

export function loadYaml(relative: string): Obj {
  return asObj(parse(readRepoFile(relative)) as Json, relative);
}

export function loadJson(relative: string): Obj {
  return asObj(JSON.parse(readRepoFile(relative)) as Json, relative);
}

/** Validates with a draft 2019-09 or 2020-12 schema (its $schema says which); returns readable errors (empty when valid). */
export function schemaErrors(schemaFile: string, value: Json): string[] {
  const schema = loadJson(schemaFile);
  const options = { allErrors: true, strict: false };
  const ajv = String(schema.$schema).includes('2020-12') ? new Ajv2020(options) : new Ajv2019(options);
  const validate = ajv.compile(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

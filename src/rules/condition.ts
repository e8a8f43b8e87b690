/**
 * A rule's condition: a small tree of tests over record paths, written as data
 * (docs/rules.md, "Writing rules"). Leaves name a `field` (a dotted path) and
 * exactly one operator; `all`, `any` and `not` combine them; `some` applies a
 * condition to the elements of an array (API Gateway's patchOperations), so
 * that `op`, `path` and `value` are tested on the same element.
 *
 * A path that meets an array on its way tests every element and holds when one
 * does ("any element"), the way CloudTrail's lists are usually queried.
 */
export type Scalar = string | number | boolean;

export type Condition =
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition }
  | { readonly field: string; readonly equals: Scalar }
  | { readonly field: string; readonly in: readonly Scalar[] }
  | { readonly field: string; readonly prefix: string }
  | { readonly field: string; readonly suffix: string }
  | { readonly field: string; readonly contains: string }
  | { readonly field: string; readonly matches: string }
  | { readonly field: string; readonly exists: boolean }
  | { readonly field: string; readonly some: Condition };

/** Leaf operators, in the order docs list them. */
export const OPERATORS = ['equals', 'in', 'prefix', 'suffix', 'contains', 'matches', 'exists', 'some'] as const;
export const COMBINATORS = ['all', 'any', 'not'] as const;

/**
 * Where a rule may look. Top-level fields every CloudTrail record has, and the
 * free-form objects below them; anything else is a typo until proven otherwise.
 */
const TOP_LEVEL_FIELDS = new Set([
  'eventVersion',
  'eventTime',
  'eventSource',
  'eventName',
  'eventType',
  'eventCategory',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'readOnly',
  'managementEvent',
  'recipientAccountId',
  'sharedEventID',
  'vpcEndpointId',
  'apiVersion',
]);
const OBJECT_FIELDS = new Set([
  'userIdentity',
  'requestParameters',
  'responseElements',
  'additionalEventData',
  'serviceEventDetails',
  'tlsDetails',
  'resources',
  'insightDetails',
]);

/** A rule's condition is wrong: `where` is the JSON path inside the condition (`condition.all[1]`). */
export class ConditionError extends Error {
  constructor(
    readonly where: string,
    readonly fault: string,
  ) {
    super(`${where}: ${fault}`);
    this.name = 'ConditionError';
  }
}

export type Predicate = (value: unknown) => boolean;

/**
 * Checks a condition from a rule file and compiles it into a predicate over a
 * record (or, inside `some`, over an array element). Throws a ConditionError
 * naming the place and the fault: an unknown operator, a bad path, a wrong
 * operand, a regular expression that does not compile.
 */
export function compileCondition(raw: unknown, where = 'condition', relative = false): Predicate {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConditionError(where, 'must be an object such as {"field": "eventName", "equals": "ConsoleLogin"}');
  const keys = Object.keys(raw);
  const o = raw as Record<string, unknown>;
  if (!('field' in o)) {
    if (keys.length !== 1) throw new ConditionError(where, `needs exactly one of ${COMBINATORS.map((c) => `"${c}"`).join(', ')} or a "field" with an operator; found ${describeKeys(keys)}`);
    const key = keys[0]!;
    if (key === 'all' || key === 'any') {
      const list = o[key];
      if (!Array.isArray(list) || list.length === 0) throw new ConditionError(`${where}.${key}`, 'must be a non-empty list of conditions');
      const parts = list.map((c, i) => compileCondition(c, `${where}.${key}[${i}]`, relative));
      return key === 'all' ? allOf(parts) : anyOf(parts);
    }
    if (key === 'not') {
      const inner = compileCondition(o.not, `${where}.not`, relative);
      return (v) => !inner(v);
    }
    throw new ConditionError(where, `unknown operator "${key}" (combinators: ${COMBINATORS.join(', ')}; leaf operators need a "field": ${OPERATORS.join(', ')})`);
  }
  const field = o.field;
  if (typeof field !== 'string') throw new ConditionError(`${where}.field`, 'must be a string path such as "requestParameters.bucketName"');
  const segments = checkPath(field, `${where}.field`, relative);
  const ops = keys.filter((k) => k !== 'field');
  const unknown = ops.filter((k) => !(OPERATORS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new ConditionError(where, `unknown operator "${unknown[0]}" on field "${field}" (known: ${OPERATORS.join(', ')})`);
  if (ops.length !== 1) throw new ConditionError(where, `field "${field}" needs exactly one operator (${OPERATORS.join(', ')}); found ${describeKeys(ops)}`);
  const op = ops[0] as (typeof OPERATORS)[number];
  const operand = o[op];
  const at = `${where}.${op}`;
  switch (op) {
    case 'equals': {
      const expected = scalar(operand, at);
      return path(segments, (v) => v === expected);
    }
    case 'in': {
      if (!Array.isArray(operand) || operand.length === 0) throw new ConditionError(at, 'must be a non-empty list of strings, numbers or booleans');
      const set = new Set(operand.map((x, i) => scalar(x, `${at}[${i}]`)));
      return path(segments, (v) => set.has(v as Scalar));
    }
    case 'prefix': {
      const s = text(operand, at);
      return path(segments, (v) => typeof v === 'string' && v.startsWith(s));
    }
    case 'suffix': {
      const s = text(operand, at);
      return path(segments, (v) => typeof v === 'string' && v.endsWith(s));
    }
    case 'contains': {
      const s = text(operand, at);
      return path(segments, (v) => typeof v === 'string' && v.includes(s));
    }
    case 'matches': {
      const source = text(operand, at);
      let re: RegExp;
      try {
        re = new RegExp(source);
      } catch (e) {
        throw new ConditionError(at, `not a valid regular expression (${(e as Error).message})`);
      }
      return path(segments, (v) => typeof v === 'string' && re.test(v));
    }
    case 'exists': {
      if (typeof operand !== 'boolean') throw new ConditionError(at, 'must be true or false');
      const present = path(segments, (v) => v !== undefined && v !== null);
      return operand ? present : (v) => !present(v);
    }
    case 'some': {
      const inner = compileCondition(operand, at, true);
      return path(segments, (v) => Array.isArray(v) && v.some(inner), true);
    }
  }
}

/*
 * Resolves the path one segment at a time and applies `test` at the end. An
 * array met on the way is searched element by element; an array at the end is
 * too, unless the operator wants the array itself (`some`).
 */
function path(segments: readonly string[], test: Predicate, wholeArray = false): Predicate {
  const n = segments.length;
  const walk = (value: unknown, i: number): boolean => {
    if (i === n) {
      if (!wholeArray && Array.isArray(value)) return value.some(test);
      return test(value);
    }
    if (value === null || typeof value !== 'object') return test(undefined);
    if (Array.isArray(value)) return value.some((e) => walk(e, i));
    return walk((value as Record<string, unknown>)[segments[i]!], i + 1);
  };
  if (n === 1) {
    // The common cases, a top-level field and one level below it, without the walk.
    const key = segments[0]!;
    return (record) => {
      const v = record !== null && typeof record === 'object' ? (record as Record<string, unknown>)[key] : undefined;
      if (!wholeArray && Array.isArray(v)) return v.some(test);
      return test(v);
    };
  }
  if (n === 2) {
    const [outer, inner] = segments as [string, string];
    return (record) => {
      const o = record !== null && typeof record === 'object' ? (record as Record<string, unknown>)[outer] : undefined;
      if (o === null || typeof o !== 'object') return test(undefined);
      if (Array.isArray(o)) return walk(o, 1);
      const v = (o as Record<string, unknown>)[inner];
      if (!wholeArray && Array.isArray(v)) return v.some(test);
      return test(v);
    };
  }
  return (record) => walk(record, 0);
}

function allOf(parts: readonly Predicate[]): Predicate {
  if (parts.length === 1) return parts[0]!;
  return (v) => {
    for (const p of parts) if (!p(v)) return false;
    return true;
  };
}

function anyOf(parts: readonly Predicate[]): Predicate {
  if (parts.length === 1) return parts[0]!;
  return (v) => {
    for (const p of parts) if (p(v)) return true;
    return false;
  };
}

function checkPath(field: string, where: string, relative: boolean): string[] {
  const segments = field.split('.');
  if (field === '' || segments.some((s) => s === '')) throw new ConditionError(where, `"${field}" is not a dotted path (empty segment)`);
  if (relative) return segments;
  const root = segments[0]!;
  if (TOP_LEVEL_FIELDS.has(root)) {
    if (segments.length > 1) throw new ConditionError(where, `"${field}": ${root} is a plain value, it has no fields below it`);
    return segments;
  }
  if (OBJECT_FIELDS.has(root)) return segments;
  throw new ConditionError(
    where,
    `"${field}" is not a CloudTrail record path: it must start with one of ${[...TOP_LEVEL_FIELDS, ...OBJECT_FIELDS].join(', ')} (paths are case-sensitive)`,
  );
}

function scalar(v: unknown, where: string): Scalar {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new ConditionError(where, 'must be a string, number or boolean');
}

function text(v: unknown, where: string): string {
  if (typeof v === 'string' && v.length > 0) return v;
  throw new ConditionError(where, 'must be a non-empty string');
}

function describeKeys(keys: readonly string[]): string {
  return keys.length === 0 ? 'none' : keys.map((k) => `"${k}"`).join(', ');
}

/**
 * The eventNames a condition can only match, when it says so at its top
 * (an `eventName` equals/in leaf, directly or in an `all`, or in every branch
 * of an `any`); undefined when it can match any event. The matcher indexes
 * rules by these, so most records test no rule at all.
 */
export function requiredEventNames(c: Condition): ReadonlySet<string> | undefined {
  if ('field' in c) {
    if (c.field !== 'eventName') return undefined;
    if ('equals' in c && typeof c.equals === 'string') return new Set([c.equals]);
    if ('in' in c && c.in.every((x) => typeof x === 'string')) return new Set(c.in as readonly string[]);
    return undefined;
  }
  if ('all' in c) {
    let best: ReadonlySet<string> | undefined;
    for (const part of c.all) {
      const names = requiredEventNames(part);
      if (names !== undefined && (best === undefined || names.size < best.size)) best = names;
    }
    return best;
  }
  if ('any' in c) {
    const union = new Set<string>();
    for (const part of c.any) {
      const names = requiredEventNames(part);
      if (names === undefined) return undefined;
      for (const n of names) union.add(n);
    }
    return union;
  }
  return undefined;
}

/** The condition as one line of text, for docs/rules.md and error messages. */
export function describeCondition(c: Condition): string {
  if ('all' in c) return c.all.map((p) => wrap(p, describeCondition(p))).join(' AND ');
  if ('any' in c) return c.any.map((p) => wrap(p, describeCondition(p))).join(' OR ');
  if ('not' in c) return `NOT ${wrap(c.not, describeCondition(c.not))}`;
  const f = c.field;
  if ('equals' in c) return `${f} = ${JSON.stringify(c.equals)}`;
  if ('in' in c) return `${f} IN (${c.in.map((x) => JSON.stringify(x)).join(', ')})`;
  if ('prefix' in c) return `${f} starts with ${JSON.stringify(c.prefix)}`;
  if ('suffix' in c) return `${f} ends with ${JSON.stringify(c.suffix)}`;
  if ('contains' in c) return `${f} contains ${JSON.stringify(c.contains)}`;
  if ('matches' in c) return `${f} matches /${c.matches}/`;
  if ('exists' in c) return c.exists ? `${f} exists` : `${f} does not exist`;
  return `some element of ${f} has (${describeCondition(c.some)})`;
}

function wrap(c: Condition, text: string): string {
  return 'all' in c || 'any' in c ? `(${text})` : text;
}

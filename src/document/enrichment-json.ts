import type {
  ApiGatewayFields,
  AsFields,
  CloudFields,
  Enrichment,
  EventFields,
  GeoFields,
  IdentityFields,
  IssuerFields,
  SourceFields,
  TrailstreamFields,
  UserAgentFields,
  UserFields,
} from '../enrich/enrichment.js';
import type { RuleFields } from '../model/detection.js';
import { aliasTreeOf, eventTemplateShape, type AliasTree } from './field-shapes.js';

/*
 * The enrichment as JSON, written by hand. Why not JSON.stringify: on the hot
 * path it was the largest single cost after parsing the record itself — about
 * 5 µs of the ~17 µs a record took to become a document on Node 20, for ~60
 * short keys and values — because it rediscovers the shape of every object and
 * checks every key for characters to escape. This writer knows the shape: the
 * member names are written once, here, as ready-made `"name":` fragments; only
 * values are looked at per record; and the objects the enricher shares between
 * records (the geo-IP and AS result of an address, the rule fields of a
 * detection, constant category lists) are frozen, so their JSON is written
 * once and remembered.
 *
 * The fields the index template maps as aliases of the record's own fields
 * (`event.action` → `eventName`, `cloud.region` → `awsRegion`, …) are left out
 * when the writer is built from the template: OpenSearch answers queries and
 * aggregations on those from the record's field, so sending a copy would only
 * make it parse, index and store the value twice (and an alias refuses
 * values). The mapping decides, so a field made an alias there is dropped here
 * too.
 *
 * Every member of every enrichment type must appear in the specs below: the
 * `Spec<T>` type requires a writer for each key of T, so adding a field to the
 * enrichment without writing it does not compile. Output is what
 * JSON.stringify would write for the same members (a unit test compares the
 * two over real records), except that an object left with no member is left
 * out, as the enrichment never holds empty objects.
 */

/** JSON of one value, or undefined to leave the member out. */
type ValueWriter = (value: unknown) => string | undefined;
/** Builds a member's writer; objects use the alias subtree below their name. */
type WriterFactory = (aliases: AliasTree | undefined) => ValueWriter;
/** A writer for every member of T, in the order they are written. */
type Spec<T> = { readonly [K in keyof Required<T>]: WriterFactory };

/** Strings JSON.stringify would change: control characters, quote, backslash, lone surrogates. */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** Anything else: what JSON.stringify writes for it (undefined and functions are left out). */
function other(value: unknown): string | undefined {
  return JSON.stringify(value) as string | undefined;
}

const str: WriterFactory = () => (v) => (typeof v === 'string' ? quote(v) : other(v));
const bool: WriterFactory = () => (v) => (v === true ? 'true' : v === false ? 'false' : other(v));
const num: WriterFactory = () => (v) => (typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'null') : other(v));

/** A string or a list of strings (`rule.id` of one rule or several, `event.category`). */
const strings: WriterFactory = () => (v) => {
  if (typeof v === 'string') return quote(v);
  if (!Array.isArray(v)) return other(v);
  let out = '[';
  for (let i = 0; i < v.length; i++) {
    const item: unknown = v[i];
    out += (i === 0 ? '' : ',') + (typeof item === 'string' ? quote(item) : (other(item) ?? 'null'));
  }
  return `${out}]`;
};

/**
 * An object of a known shape. Members that are aliases in `aliases` are never
 * written; an object left empty is left out.
 */
function obj<T>(spec: Spec<T>): WriterFactory {
  return (aliases) => {
    const names: string[] = [];
    const keys: string[] = [];
    const writers: ValueWriter[] = [];
    const plain: boolean[] = [];
    for (const key of Object.keys(spec)) {
      const below = aliases?.get(key);
      if (below === true) continue;
      const factory = (spec as Record<string, WriterFactory>)[key]!;
      keys.push(key);
      names.push(`${JSON.stringify(key)}:`);
      writers.push(factory(below));
      plain.push(factory === str);
    }
    return compiled(keys, names, writers, plain);
  };
}

/**
 * The object writer for one list of members, generated so that every member
 * is read by its literal name: the same loop over a list of names reads each
 * one through a generic keyed lookup, which made the writer no faster than
 * JSON.stringify. The generated text holds only our own member names (as JSON
 * string literals) and indexes into `writers`; nothing from a record.
 */
function compiled(keys: readonly string[], names: readonly string[], writers: readonly ValueWriter[], plain: readonly boolean[]): ValueWriter {
  let body = "if (value === null || typeof value !== 'object' || Array.isArray(value)) return other(value);\nlet out = '';\nlet v;\nlet json;\n";
  keys.forEach((key, i) => {
    // A string member that needs no escaping (nearly all) is quoted in place, without a call.
    const value = plain[i] ? `json = typeof v === 'string' && !escape.test(v) ? '"' + v + '"' : writers[${i}](v);` : `json = writers[${i}](v);`;
    body += `v = value[${JSON.stringify(key)}];\nif (v !== undefined) { ${value} if (json !== undefined) out += (out === '' ? '{' : ',') + names[${i}] + json; }\n`;
  });
  body += "return out === '' ? undefined : out + '}';";
  const make = new Function('writers', 'names', 'other', 'escape', `return function write(value) {\n${body}\n};`) as (
    w: readonly ValueWriter[],
    n: readonly string[],
    o: typeof other,
    e: RegExp,
  ) => ValueWriter;
  return make(writers, names, other, NEEDS_ESCAPE);
}

/**
 * The JSON of a frozen value is remembered (a frozen object cannot change):
 * for the objects the enricher shares between records — one geo result per
 * address, one rule-fields object per combination of rules, constant lists.
 */
function frozen(factory: WriterFactory): WriterFactory {
  return (aliases) => {
    const write = factory(aliases);
    const memo = new WeakMap<object, string | undefined>();
    return (value) => {
      if (value === null || typeof value !== 'object' || !Object.isFrozen(value)) return write(value);
      if (memo.has(value)) return memo.get(value);
      const json = write(value);
      memo.set(value, json);
      return json;
    };
  };
}

const cloud = obj<CloudFields>({ provider: str, account: obj<{ id: string }>({ id: str }), region: str });

const event = obj<EventFields>({
  kind: str,
  action: str,
  provider: str,
  outcome: str,
  category: frozen(strings),
  type: frozen(strings),
  severity: num,
  risk_score: num,
});

const user = obj<UserFields>({ id: str, name: str });

const geo = frozen(
  obj<GeoFields>({
    continent_code: str,
    continent_name: str,
    country_iso_code: str,
    country_name: str,
    region_iso_code: str,
    region_name: str,
    city_name: str,
    postal_code: str,
    timezone: str,
    location: obj<{ lat: number; lon: number }>({ lat: num, lon: num }),
  }),
);

const as = frozen(obj<AsFields>({ number: num, organization: obj<{ name: string }>({ name: str }) }));

const source = obj<SourceFields>({ address: str, ip: str, domain: str, geo, as });

const userAgent = frozen(obj<UserAgentFields>({ original: str }));

const rule = frozen(obj<RuleFields>({ id: strings, name: strings, ruleset: strings, reference: strings, category: strings }));

const issuer = obj<IssuerFields>({ type: str, name: str, arn: str, account_id: str });

const identity = obj<IdentityFields>({
  type: str,
  principal: str,
  account_id: str,
  access_key_id: str,
  session_name: str,
  temporary_credentials: bool,
  mfa: bool,
  console_session: bool,
  invoked_by: str,
  source_identity: str,
  federation_provider: str,
  identity_store_arn: str,
  issuer,
});

const apigateway = obj<ApiGatewayFields>({
  api_id: str,
  api_kind: str,
  resource_id: str,
  http_method: str,
  stage: str,
  deployment_id: str,
  route_id: str,
  route_key: str,
  integration_id: str,
  authorizer_id: str,
  api_key_id: str,
  usage_plan_id: str,
  domain_name: str,
});

const trailstream = obj<TrailstreamFields>({
  identity,
  source: frozen(obj<{ kind: string }>({ kind: str })),
  user_agent: frozen(obj<{ tool: string }>({ tool: str })),
  read_only: bool,
  management: bool,
  apigateway,
});

/** In the order the enricher adds them, so documents read as before. */
const enrichment = obj<Enrichment>({
  '@timestamp': str,
  cloud,
  event,
  user,
  source,
  user_agent: userAgent,
  rule,
  trailstream,
});

/** A writer for the enrichment, leaving out the members `aliases` marks as aliases. */
export function enrichmentWriter(aliases: AliasTree | undefined): (value: Enrichment) => string {
  const write = enrichment(aliases);
  return (value) => write(value) ?? '{}';
}

let forEventTemplate: ((value: Enrichment) => string) | undefined;

/** The enrichment as a JSON object, without the fields the event template maps as aliases. */
export function enrichmentJson(value: Enrichment): string {
  forEventTemplate ??= enrichmentWriter(aliasTreeOf(eventTemplateShape()));
  return forEventTemplate(value);
}

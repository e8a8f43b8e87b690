import { canonical } from '../../canonical-json.js';
import { lifecycleAges, managedIndexPatterns, type LifecycleSettings } from '../lifecycle-ages.js';
import { expectOkBody, isMissingHandler, type JsonHttp } from '../search-client.js';

/**
 * The index lifecycle on Elasticsearch: an Index Lifecycle Management (ILM)
 * policy with the same meaning as OpenSearch's ISM policy
 * (sink/opensearch/lifecycle.ts): delete event and Insights indices once the
 * end of their period is TRAILSTREAM_RETENTION_DAYS old, with an optional warm
 * phase (force merge to one segment, lower recovery priority) after
 * TRAILSTREAM_WARM_AFTER_DAYS. No rollover: indices are per period of
 * eventTime, so `min_age` counts from each index's creation, as ISM's
 * `min_index_age` does, and both wait the days plus one period
 * (src/sink/lifecycle-ages.ts).
 * The templates name the policy (sink/elasticsearch/templates.ts); indices
 * that exist already get it through their settings. ILM is part of the full
 * distribution (and Elastic Cloud); the minimal one has no `_ilm` routes, and
 * that is reported, not treated as an error.
 */
export function ilmPolicyId(indexPrefix: string): string {
  return `trailstream-${indexPrefix}-lifecycle`;
}

export interface IlmPolicy {
  _meta: { description: string; managed_by: 'trailstream' };
  phases: Record<string, { min_age: string; actions: Record<string, unknown> }>;
}

/** The policy for this configuration, or undefined when there is nothing to manage (retention 0, no warm phase). */
export function renderIlmPolicy(config: LifecycleSettings): { policy: IlmPolicy } | undefined {
  const ages = lifecycleAges(config);
  if (ages === undefined) return undefined;
  const retention = ages.deleteDays ?? 0;
  const warm = ages.warmDays;
  const phases: IlmPolicy['phases'] = { hot: { min_age: '0ms', actions: { set_priority: { priority: 100 } } } };
  if (warm !== undefined) phases.warm = { min_age: `${warm}d`, actions: { set_priority: { priority: 1 }, forcemerge: { max_num_segments: 1 } } };
  if (retention > 0) phases.delete = { min_age: `${retention}d`, actions: { delete: {} } };
  const what =
    warm !== undefined
      ? `turn warm (force-merged, read-only) ${warm} days${retention > 0 ? ` and are deleted ${retention} days` : ''} after they were created${retention > 0 ? '' : ' and are kept'}`
      : `are deleted ${retention} days after they were created`;
  return { policy: { _meta: { description: `trailstream: CloudTrail event and Insights indices of prefix ${config.indexPrefix} ${what}`, managed_by: 'trailstream' }, phases } };
}

export type IlmResult =
  | { readonly outcome: 'created' | 'updated' | 'unchanged'; readonly policyId: string; readonly attached: number }
  | { readonly outcome: 'disabled'; readonly policyId: string; readonly leftInPlace: boolean }
  | { readonly outcome: 'ilm-missing'; readonly policyId: string };

/**
 * Does this cluster have ILM? The minimal distribution answers `GET _ilm/policy` with 400 "no handler found" (9.2)
 * or 405 "allowed: [POST]" (8.19, whose only `_ilm` routes are POSTs); a cluster with ILM answers 200.
 */
export async function hasIlm(http: JsonHttp): Promise<boolean> {
  return !ilmMissing(await http.request('GET', '/_ilm/policy'));
}

function ilmMissing(res: { status: number; body: unknown }): boolean {
  return isMissingHandler(res) || res.status === 405;
}

/**
 * Installs or updates the ILM policy (idempotent: an unchanged policy is not
 * written again) and names it in the settings of existing matching indices
 * that have no lifecycle yet. Elasticsearch applies a changed policy to the
 * indices that use it by itself.
 */
export async function installIlmPolicy(http: JsonHttp, config: LifecycleSettings): Promise<IlmResult> {
  const policyId = ilmPolicyId(config.indexPrefix);
  const path = `/_ilm/policy/${encodeURIComponent(policyId)}`;
  const existing = await http.request('GET', path);
  if (ilmMissing(existing)) return { outcome: 'ilm-missing', policyId };
  const wanted = renderIlmPolicy(config);
  if (!wanted) return { outcome: 'disabled', policyId, leftInPlace: existing.status === 200 };
  let outcome: 'created' | 'updated' | 'unchanged';
  if (existing.status === 404) outcome = 'created';
  else {
    const current = (expectOkBody(existing, `reading ILM policy ${policyId}`) as Record<string, { policy?: unknown }>)[policyId]?.policy;
    outcome = samePolicy(current, wanted.policy) ? 'unchanged' : 'updated';
  }
  if (outcome !== 'unchanged') expectOkBody(await http.request('PUT', path, wanted), `${outcome === 'created' ? 'creating' : 'updating'} ILM policy ${policyId}`);
  return { outcome, policyId, attached: await attachToUnmanaged(http, config.indexPrefix, policyId) };
}

async function attachToUnmanaged(http: JsonHttp, indexPrefix: string, policyId: string): Promise<number> {
  const patterns = managedIndexPatterns(indexPrefix).join(',');
  const res = await http.request('GET', `/${patterns}/_settings/index.lifecycle.name?allow_no_indices=true&ignore_unavailable=true`);
  const settings = expectOkBody(res, 'reading the lifecycle of existing indices') as Record<string, { settings?: { index?: { lifecycle?: { name?: string } } } }>;
  const unmanaged = Object.entries(settings)
    .filter(([, s]) => !s.settings?.index?.lifecycle?.name)
    .map(([name]) => name);
  if (unmanaged.length === 0) return 0;
  expectOkBody(await http.request('PUT', `/${unmanaged.join(',')}/_settings`, { index: { lifecycle: { name: policyId } } }), `adding ILM policy ${policyId} to existing indices`);
  return unmanaged.length;
}

/** Compares phases and description; Elasticsearch echoes the policy as it was written. */
export function samePolicy(existing: unknown, wanted: IlmPolicy): boolean {
  return canonical(existing ?? null) === canonical(wanted);
}

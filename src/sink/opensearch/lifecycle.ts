import { canonical } from '../../canonical-json.js';
import { lifecycleAges, managedIndexPatterns, type LifecycleSettings } from '../lifecycle-ages.js';
import { renderMappingFile } from '../templates.js';
import { expectOkBody, isMissingHandler, type JsonHttp } from '../search-client.js';

/**
 * The index lifecycle: an Index State Management (ISM) policy that deletes
 * event and Insights indices once the END of the period they cover is
 * TRAILSTREAM_RETENTION_DAYS old, with an optional warm phase — the same rule
 * `trailstream prune` applies by the date in the index name (src/ops/prune.ts).
 * ISM only knows an index's age since its creation, so the policy waits
 * retention + one period (src/sink/lifecycle-ages.ts says which period and
 * why). For live ingestion that is the rule within a day; for an index a
 * backfill created long after its period, ISM keeps it longer than needed,
 * never shorter (prune is exact there).
 * The policy attaches itself to new
 * indices through its `ism_template`, not through an index-template setting:
 * `plugins.index_state_management.policy_id` is deprecated, and a cluster
 * without the ISM plugin would refuse the whole index template for an unknown
 * setting. So the templates stay valid everywhere, and ISM is an extra.
 */
export const LIFECYCLE_FILE = 'lifecycle.policy.json';

export function lifecyclePolicyId(indexPrefix: string): string {
  return `trailstream-${indexPrefix}-lifecycle`;
}

export interface IsmPolicy {
  description: string;
  default_state: string;
  states: IsmState[];
  ism_template: { index_patterns: string[]; priority: number }[];
}

export interface IsmState {
  name: string;
  actions: Record<string, unknown>[];
  transitions: { state_name: string; conditions?: Record<string, unknown> }[];
}

/** The policy for this configuration, or undefined when there is nothing to manage (retention 0, no warm phase). */
export function renderLifecyclePolicy(config: LifecycleSettings): { policy: IsmPolicy } | undefined {
  const ages = lifecycleAges(config);
  if (ages === undefined) return undefined;
  const retention = ages.deleteDays ?? 0;
  const warm = ages.warmDays;
  const body = renderMappingFile(LIFECYCLE_FILE, {
    INDEX_PREFIX: config.indexPrefix,
    RETENTION_DAYS: String(retention),
  }) as unknown as { policy: IsmPolicy };
  const policy = body.policy;
  const [hot, del] = policy.states as [IsmState, IsmState];
  if (warm !== undefined) {
    // Force merge makes the index read-only (ISM sets a write block first);
    // the recovery priority puts fresh indices first after a restart.
    const warmState: IsmState = {
      name: 'warm',
      actions: [{ index_priority: { priority: 1 } }, { force_merge: { max_num_segments: 1 } }],
      transitions: retention > 0 ? [{ state_name: 'delete', conditions: { min_index_age: `${retention}d` } }] : [],
    };
    hot.transitions = [{ state_name: 'warm', conditions: { min_index_age: `${warm}d` } }];
    policy.states = retention > 0 ? [hot, warmState, del] : [hot, warmState];
    policy.description =
      retention > 0
        ? `trailstream: CloudTrail event and Insights indices of prefix ${config.indexPrefix} turn warm (force-merged, read-only) ${warm} days and are deleted ${retention} days after they were created`
        : `trailstream: CloudTrail event and Insights indices of prefix ${config.indexPrefix} turn warm (force-merged, read-only) ${warm} days after they were created and are kept`;
  }
  return { policy };
}

export type LifecycleResult =
  | { readonly outcome: 'created' | 'updated' | 'unchanged'; readonly policyId: string; readonly attached: number }
  | { readonly outcome: 'disabled'; readonly policyId: string; readonly leftInPlace: boolean }
  | { readonly outcome: 'plugin-missing'; readonly policyId: string };

const ISM = '/_plugins/_ism';

/**
 * Installs or updates the lifecycle policy. Idempotent: an unchanged policy is
 * not written again. A changed policy is also applied to the indices it already
 * manages (`change_policy`; ISM switches at their next state transition), and
 * either way the policy is added to existing matching indices that no policy
 * manages yet (those created before the policy existed). A cluster without the
 * ISM plugin is reported, not treated as an error.
 */
export async function installLifecyclePolicy(http: JsonHttp, config: LifecycleSettings): Promise<LifecycleResult> {
  const policyId = lifecyclePolicyId(config.indexPrefix);
  const wanted = renderLifecyclePolicy(config);
  const existing = await http.request('GET', `${ISM}/policies/${encodeURIComponent(policyId)}`);
  if (isMissingHandler(existing)) return { outcome: 'plugin-missing', policyId };
  if (!wanted) return { outcome: 'disabled', policyId, leftInPlace: existing.status === 200 };

  const patterns = managedIndexPatterns(config.indexPrefix).join(',');
  if (existing.status === 404) {
    await expectOk(http.request('PUT', `${ISM}/policies/${encodeURIComponent(policyId)}`, wanted), `creating ISM policy ${policyId}`);
    return { outcome: 'created', policyId, attached: await attachToUnmanaged(http, patterns, policyId) };
  }
  const current = expectOkBody(existing, `reading ISM policy ${policyId}`) as {
    _seq_no?: number;
    _primary_term?: number;
    policy?: unknown;
  };
  if (samePolicy(current.policy, wanted.policy)) {
    return { outcome: 'unchanged', policyId, attached: await attachToUnmanaged(http, patterns, policyId) };
  }
  await expectOk(
    http.request(
      'PUT',
      `${ISM}/policies/${encodeURIComponent(policyId)}?if_seq_no=${current._seq_no ?? 0}&if_primary_term=${current._primary_term ?? 1}`,
      wanted,
    ),
    `updating ISM policy ${policyId}`,
  );
  const changed = await http.request('POST', `${ISM}/change_policy/${patterns}`, { policy_id: policyId });
  if (changed.status !== 404) expectOkBody(changed, `applying ISM policy ${policyId} to the indices it manages`);
  return { outcome: 'updated', policyId, attached: await attachToUnmanaged(http, patterns, policyId) };
}

/** `add` manages indices no policy manages yet; it reports the others as failures, which is expected here. */
async function attachToUnmanaged(http: JsonHttp, patterns: string, policyId: string): Promise<number> {
  const res = await http.request('POST', `${ISM}/add/${patterns}`, { policy_id: policyId });
  if (res.status === 404) return 0; // no matching index yet
  const body = expectOkBody(res, `adding ISM policy ${policyId} to existing indices`) as { updated_indices?: number };
  return body.updated_indices ?? 0;
}

async function expectOk(res: Promise<{ status: number; body: unknown }>, what: string): Promise<unknown> {
  return expectOkBody(await res, what);
}

/**
 * Compares what matters of two policies. OpenSearch adds `policy_id`,
 * `last_updated_time`, `schema_version`, `error_notification` and a default
 * `retry` to every action, and returns `ism_template` as a list.
 */
export function samePolicy(existing: unknown, wanted: IsmPolicy): boolean {
  return canonical(essentials(existing)) === canonical(essentials(wanted));
}

const DEFAULT_RETRY = canonical({ count: 3, backoff: 'exponential', delay: '1m' });

function essentials(p: unknown): unknown {
  if (!p || typeof p !== 'object') return p;
  const policy = p as Partial<IsmPolicy> & { ism_template?: unknown };
  const templates = Array.isArray(policy.ism_template) ? policy.ism_template : policy.ism_template ? [policy.ism_template] : [];
  return {
    description: policy.description,
    default_state: policy.default_state,
    states: (policy.states ?? []).map((s) => ({
      name: s.name,
      actions: (s.actions ?? []).map((a) => {
        const { retry, ...rest } = a as Record<string, unknown>;
        return retry === undefined || canonical(retry) === DEFAULT_RETRY ? rest : { ...rest, retry };
      }),
      transitions: (s.transitions ?? []).map((t) => ({ state_name: t.state_name, conditions: t.conditions ?? {} })),
    })),
    ism_template: (templates as { index_patterns?: string[]; priority?: number }[]).map((t) => ({
      index_patterns: t.index_patterns ?? [],
      priority: t.priority ?? 0,
    })),
  };
}

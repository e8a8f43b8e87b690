import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  installLifecyclePolicy,
  lifecyclePolicyId,
  renderLifecyclePolicy,
  samePolicy,
  type IsmPolicy,
} from '../../../src/sink/opensearch/lifecycle.js';
import type { JsonHttp } from '../../../src/sink/search-client.js';
import { MAPPINGS_DIR } from '../../../src/assets.js';
import { renderTemplate, templateSpecs, TEMPLATE_FILES } from '../../../src/sink/templates.js';

const base = { indexPrefix: 'cloudtrail', retentionDays: 90, warmAfterDays: undefined };
const ACTIONS = new Set([
  'rollover', 'delete', 'force_merge', 'read_only', 'read_write', 'replica_count', 'index_priority', 'close', 'open', 'snapshot', 'allocation', 'shrink', 'notification', 'rollup', 'transform',
]);

/** The policy document shape ISM documents (policies: description, default_state, states, ism_template). */
function expectValidIsmPolicy(p: IsmPolicy): void {
  expect(typeof p.description).toBe('string');
  const names = p.states.map((s) => s.name);
  expect(new Set(names).size).toBe(names.length);
  expect(names).toContain(p.default_state);
  for (const s of p.states) {
    for (const a of s.actions) {
      expect(Object.keys(a)).toHaveLength(1);
      expect(ACTIONS.has(Object.keys(a)[0] as string)).toBe(true);
    }
    for (const t of s.transitions) {
      expect(names).toContain(t.state_name);
      for (const [k, v] of Object.entries(t.conditions ?? {})) {
        expect(['min_index_age', 'min_doc_count', 'min_size', 'min_rollover_age', 'cron']).toContain(k);
        if (k === 'min_index_age') expect(v).toMatch(/^\d+d$/);
      }
    }
  }
  for (const t of p.ism_template) {
    expect(t.index_patterns.length).toBeGreaterThan(0);
    expect(Number.isInteger(t.priority)).toBe(true);
  }
}

describe('lifecycle policy (mappings/lifecycle.policy.json)', () => {
  it('is valid JSON with only the placeholders the renderer fills', () => {
    const text = readFileSync(path.join(MAPPINGS_DIR, 'lifecycle.policy.json'), 'utf8');
    expect([...text.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]).sort()).toEqual(['INDEX_PREFIX', 'INDEX_PREFIX', 'INDEX_PREFIX', 'INDEX_PREFIX', 'RETENTION_DAYS', 'RETENTION_DAYS']);
  });

  it('deletes after the retention by default (hot → delete, 90 days after the end of a day: 91 days after creation) and attaches itself by ism_template', () => {
    const { policy } = renderLifecyclePolicy(base)!;
    expectValidIsmPolicy(policy);
    expect(policy.default_state).toBe('hot');
    expect(policy.states.map((s) => s.name)).toEqual(['hot', 'delete']);
    expect(policy.states[0]?.transitions).toEqual([{ state_name: 'delete', conditions: { min_index_age: '91d' } }]);
    expect(policy.states[1]?.actions).toEqual([{ delete: {} }]);
    expect(policy.ism_template).toEqual([{ index_patterns: ['cloudtrail-1*', 'cloudtrail-2*', 'cloudtrail-insights-*'], priority: 100 }]);
  });

  it.each([
    ['day', '91d', '31d'],
    ['week', '97d', '37d'],
    ['month', '121d', '61d'],
  ] as const)('counts from the end of the period: %s indices are deleted %s and turn warm %s after creation', (indexGranularity, deleteAge, warmAge) => {
    const plain = renderLifecyclePolicy({ ...base, indexGranularity })!.policy;
    expect(plain.states[0]?.transitions).toEqual([{ state_name: 'delete', conditions: { min_index_age: deleteAge } }]);
    // A warm (read-only) index must never be one still being written: its period is over first.
    const warm = renderLifecyclePolicy({ ...base, indexGranularity, warmAfterDays: 30 })!.policy;
    expect(warm.states[0]?.transitions[0]).toEqual({ state_name: 'warm', conditions: { min_index_age: warmAge } });
  });

  it('adds a warm state when asked, and can keep indices forever', () => {
    const warm = renderLifecyclePolicy({ ...base, retentionDays: 30, warmAfterDays: 7 })!.policy;
    expectValidIsmPolicy(warm);
    expect(warm.states.map((s) => s.name)).toEqual(['hot', 'warm', 'delete']);
    expect(warm.states[0]?.transitions[0]).toEqual({ state_name: 'warm', conditions: { min_index_age: '8d' } });
    expect(warm.states[1]?.transitions[0]).toEqual({ state_name: 'delete', conditions: { min_index_age: '31d' } });
    const keep = renderLifecyclePolicy({ ...base, retentionDays: 0, warmAfterDays: 7 })!.policy;
    expectValidIsmPolicy(keep);
    expect(keep.states.map((s) => s.name)).toEqual(['hot', 'warm']);
    expect(renderLifecyclePolicy({ ...base, retentionDays: 0 })).toBeUndefined();
  });

  it('is not referenced by the index templates, which stay valid without the ISM plugin', () => {
    for (const t of templateSpecs({ indexPrefix: 'cloudtrail', deadLetterIndex: 'trailstream-dead-letter' })) {
      const body = JSON.stringify(renderTemplate(t.file, { indexPrefix: 'cloudtrail', deadLetterIndex: 'x', numberOfShards: 1, numberOfReplicas: 0, refreshInterval: '1s' }));
      expect(body).not.toMatch(/index_state_management|opendistro/);
    }
  });

  it('compares policies the way OpenSearch returns them', () => {
    const { policy } = renderLifecyclePolicy(base)!;
    const returned = {
      policy_id: lifecyclePolicyId('cloudtrail'),
      last_updated_time: 1,
      schema_version: 21,
      error_notification: null,
      ...policy,
      states: policy.states.map((s) => ({ ...s, actions: s.actions.map((a) => ({ retry: { count: 3, backoff: 'exponential', delay: '1m' }, ...a })) })),
      ism_template: policy.ism_template.map((t) => ({ ...t, last_updated_time: 2 })),
    };
    expect(samePolicy(returned, policy)).toBe(true);
    expect(samePolicy(returned, renderLifecyclePolicy({ ...base, retentionDays: 30 })!.policy)).toBe(false);
  });
});

function fakeIsm(responses: Record<string, { status: number; body: unknown }>): JsonHttp & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    request(method, p) {
      calls.push(`${method} ${p}`);
      const key = Object.keys(responses).find((k) => `${method} ${p}`.startsWith(k));
      return Promise.resolve(key ? (responses[key] as { status: number; body: unknown }) : { status: 200, body: {} });
    },
  };
}

describe('installLifecyclePolicy', () => {
  const id = lifecyclePolicyId('cloudtrail');
  it('reports a cluster without the ISM plugin and writes nothing', async () => {
    const http = fakeIsm({ GET: { status: 400, body: { error: 'no handler found for uri [/_plugins/_ism/policies/x] and method [GET]' } } });
    await expect(installLifecyclePolicy(http, base)).resolves.toEqual({ outcome: 'plugin-missing', policyId: id });
    expect(http.calls).toHaveLength(1);
  });

  it('creates the policy and attaches it to existing unmanaged indices', async () => {
    const http = fakeIsm({ GET: { status: 404, body: {} }, 'POST /_plugins/_ism/add': { status: 200, body: { updated_indices: 3, failures: false } } });
    await expect(installLifecyclePolicy(http, base)).resolves.toEqual({ outcome: 'created', policyId: id, attached: 3 });
    expect(http.calls).toEqual([
      `GET /_plugins/_ism/policies/${id}`,
      `PUT /_plugins/_ism/policies/${id}`,
      `POST /_plugins/_ism/add/cloudtrail-1*,cloudtrail-2*,cloudtrail-insights-*`,
    ]);
  });

  it('leaves an identical policy alone and updates a different one with its sequence number', async () => {
    const { policy } = renderLifecyclePolicy(base)!;
    const same = fakeIsm({ GET: { status: 200, body: { _seq_no: 4, _primary_term: 1, policy } }, 'POST /_plugins/_ism/add': { status: 404, body: {} } });
    await expect(installLifecyclePolicy(same, base)).resolves.toMatchObject({ outcome: 'unchanged', attached: 0 });
    expect(same.calls.some((c) => c.startsWith('PUT'))).toBe(false);

    const old = renderLifecyclePolicy({ ...base, retentionDays: 30 })!.policy;
    const diff = fakeIsm({ GET: { status: 200, body: { _seq_no: 4, _primary_term: 2, policy: old } } });
    await expect(installLifecyclePolicy(diff, base)).resolves.toMatchObject({ outcome: 'updated' });
    expect(diff.calls).toContain(`PUT /_plugins/_ism/policies/${id}?if_seq_no=4&if_primary_term=2`);
    expect(diff.calls).toContain('POST /_plugins/_ism/change_policy/cloudtrail-1*,cloudtrail-2*,cloudtrail-insights-*');
  });

  it('fails with OpenSearch\'s reason when a write is refused', async () => {
    const http = fakeIsm({ GET: { status: 404, body: {} }, PUT: { status: 400, body: { error: { reason: 'bad policy' } } } });
    await expect(installLifecyclePolicy(http, base)).rejects.toThrow(/creating ISM policy .* failed \(HTTP 400\): bad policy/);
  });
});

describe('index template names', () => {
  it('derive from the prefix, keeping the historical names for the default configuration', () => {
    expect(templateSpecs({ indexPrefix: 'cloudtrail', deadLetterIndex: 'trailstream-dead-letter' }).map((t) => t.name)).toEqual([
      'trailstream-cloudtrail-events',
      'trailstream-cloudtrail-insights',
      'trailstream-dead-letter',
    ]);
    expect(templateSpecs({ indexPrefix: 'prod', deadLetterIndex: 'prod-dl' }).map((t) => t.file)).toEqual(Object.values(TEMPLATE_FILES));
  });
});

import { installIlmPolicy, renderIlmPolicy } from '../../../../src/sink/elasticsearch/lifecycle.js';
import type { JsonHttp } from '../../../../src/sink/search-client.js';

type Reply = { status: number; body: unknown };

/** A fake cluster answering by "METHOD path"; records every call. */
function fakeEs(replies: Record<string, Reply | ((body: unknown) => Reply)>): JsonHttp & { calls: string[]; bodies: unknown[] } {
  const calls: string[] = [];
  const bodies: unknown[] = [];
  return {
    calls,
    bodies,
    async request(method, path, body) {
      calls.push(`${method} ${path}`);
      bodies.push(body);
      const key = `${method} ${path.split('?')[0]}`;
      const r = replies[key];
      if (!r) throw new Error(`unexpected ${key}`);
      return typeof r === 'function' ? r(body) : r;
    },
  };
}

const base = { indexPrefix: 'cloudtrail', retentionDays: 90, warmAfterDays: undefined };
const POLICY = '/_ilm/policy/trailstream-cloudtrail-lifecycle';
const EXISTING = '/cloudtrail-1*,cloudtrail-2*,cloudtrail-insights-*/_settings/index.lifecycle.name';

describe('ILM policy', () => {
  it('deletes after the retention counted from the end of a day (91 days after creation), with an optional warm phase, and is none for retention 0 without warm', () => {
    expect(renderIlmPolicy(base)!.policy.phases).toEqual({
      hot: { min_age: '0ms', actions: { set_priority: { priority: 100 } } },
      delete: { min_age: '91d', actions: { delete: {} } },
    });
    const warm = renderIlmPolicy({ ...base, warmAfterDays: 30 })!.policy.phases;
    expect(warm.warm).toEqual({ min_age: '31d', actions: { set_priority: { priority: 1 }, forcemerge: { max_num_segments: 1 } } });
    expect(renderIlmPolicy({ ...base, retentionDays: 0, warmAfterDays: 30 })!.policy.phases.delete).toBeUndefined();
    expect(renderIlmPolicy({ ...base, retentionDays: 0 })).toBeUndefined();
  });

  it.each([
    ['day', '91d', '31d'],
    ['week', '97d', '37d'],
    ['month', '121d', '61d'],
  ] as const)('waits the retention plus one period, as ISM does: %s indices are deleted %s and turn warm %s after creation', (indexGranularity, deleteAge, warmAge) => {
    // Before, ILM ignored the granularity: a month index was deleted 90 days after its creation, its last records 60 days after their period.
    const phases = renderIlmPolicy({ ...base, indexGranularity, warmAfterDays: 30 })!.policy.phases;
    expect(phases.delete?.min_age).toBe(deleteAge);
    expect(phases.warm?.min_age).toBe(warmAge);
  });

  it('keeps the margin of existing coarser indices after the granularity was lowered', () => {
    const phases = renderIlmPolicy({ ...base, indexGranularity: 'day', existingGranularities: ['day', 'month'] })!.policy.phases;
    expect(phases.delete?.min_age).toBe('121d');
  });

  it('reports a cluster without ILM (400 no handler found) and writes nothing', async () => {
    const es = fakeEs({ [`GET ${POLICY}`]: { status: 400, body: { error: 'no handler found for uri [/_ilm/policy/x] and method [GET]' } } });
    expect(await installIlmPolicy(es, base)).toEqual({ outcome: 'ilm-missing', policyId: 'trailstream-cloudtrail-lifecycle' });
    expect(es.calls).toEqual([`GET ${POLICY}`]);
  });

  it('creates the policy and names it on existing indices that have no lifecycle yet', async () => {
    const es = fakeEs({
      [`GET ${POLICY}`]: { status: 404, body: {} },
      [`PUT ${POLICY}`]: { status: 200, body: { acknowledged: true } },
      [`GET ${EXISTING}`]: { status: 200, body: { 'cloudtrail-2026.01.01': { settings: {} }, 'cloudtrail-2026.01.02': { settings: { index: { lifecycle: { name: 'other' } } } } } },
      ['PUT /cloudtrail-2026.01.01/_settings']: { status: 200, body: { acknowledged: true } },
    });
    expect(await installIlmPolicy(es, base)).toEqual({ outcome: 'created', policyId: 'trailstream-cloudtrail-lifecycle', attached: 1 });
    expect(es.bodies[1]).toEqual(renderIlmPolicy(base));
    expect(es.bodies[3]).toEqual({ index: { lifecycle: { name: 'trailstream-cloudtrail-lifecycle' } } });
  });

  it('leaves an unchanged policy alone and updates a changed one', async () => {
    const same = fakeEs({
      [`GET ${POLICY}`]: { status: 200, body: { 'trailstream-cloudtrail-lifecycle': { version: 1, policy: renderIlmPolicy(base)!.policy } } },
      [`GET ${EXISTING}`]: { status: 200, body: {} },
    });
    expect(await installIlmPolicy(same, base)).toMatchObject({ outcome: 'unchanged', attached: 0 });
    const changed = fakeEs({
      [`GET ${POLICY}`]: { status: 200, body: { 'trailstream-cloudtrail-lifecycle': { version: 1, policy: renderIlmPolicy({ ...base, retentionDays: 30 })!.policy } } },
      [`PUT ${POLICY}`]: { status: 200, body: { acknowledged: true } },
      [`GET ${EXISTING}`]: { status: 200, body: {} },
    });
    expect(await installIlmPolicy(changed, base)).toMatchObject({ outcome: 'updated' });
  });

  it('says when retention is off but a policy of that name is still there', async () => {
    const es = fakeEs({ [`GET ${POLICY}`]: { status: 200, body: {} } });
    expect(await installIlmPolicy(es, { ...base, retentionDays: 0 })).toEqual({ outcome: 'disabled', policyId: 'trailstream-cloudtrail-lifecycle', leftInPlace: true });
  });
});

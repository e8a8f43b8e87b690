import { describeWidenedMargin, existingGranularities, lifecycleAges } from '../../../src/sink/lifecycle-ages.js';
import type { JsonHttp } from '../../../src/sink/search-client.js';

const base = { indexPrefix: 'cloudtrail', retentionDays: 90, warmAfterDays: undefined };

function catIndices(reply: { status: number; body: unknown }): JsonHttp & { paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    request(method, path) {
      paths.push(`${method} ${path}`);
      return Promise.resolve(reply);
    },
  };
}

describe('lifecycle ages', () => {
  it.each([
    ['day', 91, 31],
    ['week', 97, 37],
    ['month', 121, 61],
  ] as const)('%s: deleted %i and warm %i days after creation (retention 90, warm 30, plus one period)', (indexGranularity, deleteDays, warmDays) => {
    expect(lifecycleAges({ ...base, indexGranularity, warmAfterDays: 30 })).toEqual({ deleteDays, warmDays, marginOf: indexGranularity });
  });

  it('keeps the longest period of the existing indices, so lowering the granularity deletes nothing early', () => {
    const ages = lifecycleAges({ ...base, indexGranularity: 'day', existingGranularities: ['day', 'month'] });
    expect(ages).toEqual({ deleteDays: 121, warmDays: undefined, marginOf: 'month', widenedFrom: 'day' });
    expect(describeWidenedMargin(ages)).toMatch(/keeps the 31-day margin of the existing month indices \(TRAILSTREAM_INDEX_GRANULARITY is day\).*run setup again once they are gone/);
    // Raising it needs nothing: the configured period is already the longest.
    const raised = lifecycleAges({ ...base, indexGranularity: 'month', existingGranularities: ['day', 'week'] });
    expect(raised).toEqual({ deleteDays: 121, warmDays: undefined, marginOf: 'month' });
    expect(describeWidenedMargin(raised)).toBeUndefined();
  });

  it('is undefined with nothing to manage (retention 0, no warm phase)', () => {
    expect(lifecycleAges({ ...base, retentionDays: 0, existingGranularities: ['month'] })).toBeUndefined();
    expect(lifecycleAges({ ...base, retentionDays: 0, warmAfterDays: 7 })).toEqual({ deleteDays: undefined, warmDays: 8, marginOf: 'day' });
  });
});

describe('existingGranularities', () => {
  it('reads the granularity of each dated event and Insights index of the prefix from its name', async () => {
    const http = catIndices({
      status: 200,
      body: [
        { index: 'cloudtrail-2026.11.23' },
        { index: 'cloudtrail-2026.10' },
        { index: 'cloudtrail-insights-2026.w48' },
        { index: 'cloudtrail-undated' }, // not dated: not the lifecycle's
        { index: 'cloudtrail-2026-archive' }, // matches the pattern, is no period
        { index: 'cloudtrail-2026.02.31' }, // no such day
        { index: 'other-2026.11' }, // another prefix
        {},
      ],
    });
    expect(await existingGranularities(http, 'cloudtrail')).toEqual(['day', 'week', 'month']);
    expect(http.paths).toEqual(['GET /_cat/indices/cloudtrail-1*,cloudtrail-2*,cloudtrail-insights-*?h=index&format=json&expand_wildcards=all']);
  });

  it('finds none when there are no indices, and names the failure when the listing fails', async () => {
    await expect(existingGranularities(catIndices({ status: 200, body: [] }), 'cloudtrail')).resolves.toEqual([]);
    await expect(existingGranularities(catIndices({ status: 404, body: {} }), 'cloudtrail')).resolves.toEqual([]);
    await expect(existingGranularities(catIndices({ status: 403, body: { error: { reason: 'no permissions for [indices:monitor/settings/get]' } } }), 'cloudtrail')).rejects.toThrow(
      /listing the existing indices/,
    );
  });
});

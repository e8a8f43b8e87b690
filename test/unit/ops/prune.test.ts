import { planPrune, prune, type IndexCatalog } from '../../../src/ops/prune.js';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0); // Sunday 2026-12-06 12:00 UTC (ISO week 2026.w49)
const base = { indexPrefix: 'cloudtrail', deadLetterIndex: 'trailstream-dead-letter', now: NOW };

class FakeCatalog implements IndexCatalog {
  readonly deletes: string[][] = [];
  failOn?: string;
  constructor(public names: string[]) {}
  async list(pattern: string): Promise<string[]> {
    expect(pattern).toBe('cloudtrail-*');
    return this.names.filter((n) => n.startsWith('cloudtrail-'));
  }
  async delete(names: readonly string[]): Promise<void> {
    if (this.failOn && names.includes(this.failOn)) throw new Error('403 forbidden');
    this.deletes.push([...names]);
    this.names = this.names.filter((n) => !names.includes(n));
  }
}

describe('planPrune: an index expires when the END of its period is at least N days old', () => {
  it.each([
    // day: 2026-11-05 ends 2026-11-06 00:00, 30.5 days before NOW
    ['cloudtrail-2026.11.05', 30, true],
    ['cloudtrail-2026.11.05', 31, false],
    ['cloudtrail-2026.12.04', 1, true], // ended 2026-12-05 00:00: 1.5 days ago
    ['cloudtrail-2026.12.05', 1, false], // ended today 00:00: 0.5 days ago
    ['cloudtrail-2026.12.06', 1, false], // today: the current period
    ['cloudtrail-2027.01.01', 1, false], // the future
    // week: 2026.w48 = Mon 11-23 … Sun 11-29, ends 11-30 00:00 (6.5 days ago)
    ['cloudtrail-2026.w48', 6, true],
    ['cloudtrail-2026.w48', 7, false],
    ['cloudtrail-2026.w49', 1, false], // the current week
    // month: 2026.10 ends 11-01 00:00 (35.5 days ago); the current month never goes
    ['cloudtrail-2026.10', 35, true],
    ['cloudtrail-2026.10', 36, false],
    ['cloudtrail-2026.12', 1, false],
    ['cloudtrail-insights-2026.10', 35, true],
  ] as const)('%s, --older-than %d → expired %s', (index, days, expired) => {
    const plan = planPrune([index], { ...base, olderThanDays: days });
    expect(plan.expired.map((e) => e.index)).toEqual(expired ? [index] : []);
    expect(plan.kept.map((e) => e.index)).toEqual(expired ? [] : [index]);
  });

  it('ignores everything that is not a dated index of this prefix', () => {
    const others = ['cloudtrail-undated', 'cloudtrail-insights-undated', 'cloudtrail-prod-2020.01.01', 'cloudtrail-2020.13', 'cloudtrail-2020.02.30', 'cloudtrail-dead-letter'];
    const plan = planPrune(others, { ...base, olderThanDays: 1 });
    expect(plan.expired).toEqual([]);
    expect(plan.ignored.sort()).toEqual([...others].sort());
  });

  it('never deletes the dead-letter index, even when its name looks dated', () => {
    const plan = planPrune(['cloudtrail-2020.01.01'], { ...base, deadLetterIndex: 'cloudtrail-2020.01.01', olderThanDays: 1 });
    expect(plan.expired).toEqual([]);
    expect(plan.ignored).toEqual(['cloudtrail-2020.01.01']);
  });

  it('refuses less than one day', () => {
    expect(() => planPrune([], { ...base, olderThanDays: 0 })).toThrow(RangeError);
    expect(() => planPrune([], { ...base, olderThanDays: 1.5 })).toThrow(RangeError);
  });
});

describe('prune', () => {
  const names = ['cloudtrail-2026.01.01', 'cloudtrail-2026.w02', 'cloudtrail-2026.02', 'cloudtrail-2026.12.06', 'cloudtrail-undated', 'trailstream-dead-letter'];

  it('lists, and with --dry-run deletes nothing', async () => {
    const catalog = new FakeCatalog([...names]);
    const report = await prune(catalog, { ...base, olderThanDays: 30, dryRun: true });
    expect(report.wouldDelete).toEqual(['cloudtrail-2026.01.01', 'cloudtrail-2026.02', 'cloudtrail-2026.w02']);
    expect(report.kept).toEqual(['cloudtrail-2026.12.06']);
    expect(report.ignored).toEqual(['cloudtrail-undated']);
    expect(catalog.deletes).toEqual([]);
  });

  it('deletes the expired indices by name, in batches, and reports a failed delete without stopping', async () => {
    const many = Array.from({ length: 120 }, (_, k) => `cloudtrail-2025.${String(1 + Math.floor(k / 28)).padStart(2, '0')}.${String(1 + (k % 28)).padStart(2, '0')}`);
    const catalog = new FakeCatalog([...names, ...many]);
    catalog.failOn = many[60];
    const report = await prune(catalog, { ...base, olderThanDays: 30, dryRun: false });
    expect(catalog.deletes.map((b) => b.length)).toEqual([50, 50, 23].filter((_, k) => k !== 1));
    expect(report.failed).toHaveLength(50);
    expect(report.deleted).toHaveLength(73);
    expect(catalog.names.sort()).toEqual(['cloudtrail-2026.12.06', 'cloudtrail-undated', 'trailstream-dead-letter', ...report.failed].sort());
  });
});

import { isoWeek, parseIndexName, periodOfDay, periodRange } from '../../../src/model/index-period.js';


const DAY = 86_400_000;

describe('index periods', () => {
  it.each([
    ['2026.11.23', 'day', '2026.11.23'],
    ['2026.11.23', 'week', '2026.w48'],
    ['2026.11.23', 'month', '2026.11'],
    ['2027.01.01', 'week', '2026.w53'], // a Friday: ISO week-year 2026
    ['2024.12.30', 'week', '2025.w01'], // a Monday: already week 1 of 2025
    ['2021.01.03', 'week', '2020.w53'], // a Sunday
    ['2026.01.01', 'week', '2026.w01'], // a Thursday
  ] as const)('%s → %s period %s', (day, granularity, period) => {
    expect(periodOfDay(day, granularity)).toBe(period);
  });

  it('agrees with the ISO calendar on every day of 2000–2040, and each period contains its days', () => {
    for (let ms = Date.UTC(2000, 0, 1); ms < Date.UTC(2041, 0, 1); ms += DAY) {
      const d = new Date(ms);
      const day = `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${String(d.getUTCDate()).padStart(2, '0')}`;
      for (const granularity of ['day', 'week', 'month'] as const) {
        const range = periodRange(periodOfDay(day, granularity));
        if (!range || range.granularity !== granularity || ms < range.startMs || ms >= range.endMs) {
          throw new Error(`${day} ${granularity}: ${JSON.stringify(range)}`);
        }
      }
      // A week runs Monday to Sunday.
      const week = periodRange(periodOfDay(day, 'week'))!;
      expect(new Date(week.startMs).getUTCDay() === 1 && week.endMs - week.startMs === 7 * DAY).toBe(true);
    }
    expect(isoWeek(Date.UTC(2020, 11, 31))).toEqual({ year: 2020, week: 53 });
  });

  it('names of one granularity sort in time order', () => {
    for (const granularity of ['day', 'week', 'month'] as const) {
      const names: string[] = [];
      for (let ms = Date.UTC(2025, 0, 1); ms < Date.UTC(2028, 0, 1); ms += DAY) {
        const d = new Date(ms);
        names.push(periodOfDay(`${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${String(d.getUTCDate()).padStart(2, '0')}`, granularity));
      }
      expect([...names].sort()).toEqual(names);
    }
  });

  it.each(['2026.02.30', '2026.13', '2026.00', '2026.w00', '2025.w53', '2026.w54', '26.11.23', '2026.11.23x', 'undated', '2026-11-23'])(
    'is not a period: %s',
    (name) => expect(periodRange(name)).toBeUndefined(),
  );

  it('reads index names back, of this prefix only', () => {
    expect(parseIndexName('cloudtrail', 'cloudtrail-2026.11.23')).toMatchObject({ family: 'events', granularity: 'day', startMs: Date.UTC(2026, 10, 23) });
    expect(parseIndexName('cloudtrail', 'cloudtrail-insights-2026.w48')).toMatchObject({ family: 'insights', granularity: 'week', startMs: Date.UTC(2026, 10, 23), endMs: Date.UTC(2026, 10, 30) });
    expect(parseIndexName('cloudtrail', 'cloudtrail-2026.12')).toMatchObject({ granularity: 'month', endMs: Date.UTC(2027, 0, 1) });
    for (const other of ['cloudtrail-undated', 'cloudtrail-insights-undated', 'cloudtrail-prod-2026.11.23', 'trailstream-dead-letter', 'cloudtrailx-2026.11.23', 'other-2026.11.23', 'cloudtrail-dead-letter']) {
      expect(parseIndexName('cloudtrail', other)).toBeUndefined();
    }
  });
});

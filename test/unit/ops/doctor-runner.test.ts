import { fail, ok, runChecks, warn, type Check } from '../../../src/ops/doctor/check.js';
import { formatJson, formatText } from '../../../src/ops/doctor/format.js';

const check = (name: string, run: Check['run'], needs?: string[]): Check => ({ name, run, ...(needs ? { needs } : {}) });

describe('doctor check runner', () => {
  it('runs independent checks concurrently and keeps the declared order', async () => {
    const started: string[] = [];
    const slow = (name: string, ms: number): Check =>
      check(name, async () => {
        started.push(name);
        await new Promise((r) => setTimeout(r, ms));
        return ok(`${name} done`);
      });
    const t0 = Date.now();
    const results = await runChecks([slow('a', 150), slow('b', 150), slow('c', 10)], { timeoutMs: 1000 });
    expect(Date.now() - t0).toBeLessThan(290); // not 310 ms one after the other
    expect(started).toEqual(['a', 'b', 'c']);
    expect(results.map((r) => r.check)).toEqual(['a', 'b', 'c']);
  });

  it('a check that never answers fails at its timeout, is aborted, and does not hold up the others', async () => {
    let aborted = false;
    const hang = check('hang', (signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => undefined);
    });
    const results = await runChecks([{ ...hang, timeoutFix: 'look at the network' }, check('quick', async () => ok('fine'))], { timeoutMs: 50 });
    expect(results).toEqual([
      { check: 'hang', status: 'FAIL', detail: 'no answer within 0.1 s', fix: 'look at the network' },
      { check: 'quick', status: 'OK', detail: 'fine' },
    ]);
    expect(aborted).toBe(true);
  });

  it('a check that needs a failed or skipped one is skipped; one that needs a warning runs', async () => {
    let ran = false;
    const results = await runChecks(
      [
        check('base', async () => fail('down', 'start it')),
        check('dependent', async () => ((ran = true), ok('x')), ['base']),
        check('second', async () => ok('x'), ['dependent']),
        check('warned', async () => warn('meh', 'do y')),
        check('after-warn', async () => ok('ran'), ['warned']),
      ],
      { timeoutMs: 1000 },
    );
    expect(ran).toBe(false);
    expect(results.map((r) => [r.check, r.status])).toEqual([
      ['base', 'FAIL'],
      ['dependent', 'SKIP'],
      ['second', 'SKIP'],
      ['warned', 'WARN'],
      ['after-warn', 'OK'],
    ]);
  });

  it('a check that throws becomes a FAIL, not a crash; multi-line findings keep their own names', async () => {
    const results = await runChecks(
      [
        check('boom', async () => {
          throw new TypeError('x is undefined');
        }),
        check('multi', async () => [ok('one'), warn('two', 'fix two', 'multi.sub')]),
      ],
      { timeoutMs: 1000 },
    );
    expect(results[0]).toMatchObject({ check: 'boom', status: 'FAIL', detail: 'unexpected error: TypeError: x is undefined' });
    expect(results.slice(1)).toEqual([
      { check: 'multi', status: 'OK', detail: 'one' },
      { check: 'multi.sub', status: 'WARN', detail: 'two', fix: 'fix two' },
    ]);
  });

  it('refuses dependencies on unknown or later checks', async () => {
    await expect(runChecks([check('a', async () => ok(''), ['nope'])], { timeoutMs: 10 })).rejects.toThrow(/unknown check dependencies: nope/);
    await expect(runChecks([check('a', async () => ok(''), ['b']), check('b', async () => ok(''))], { timeoutMs: 10 })).rejects.toThrow(/declared before/);
  });

  it('secret values never reach a result, wherever an error message put them', async () => {
    const results = await runChecks(
      [check('leaky', async () => fail('auth failed for admin:S3cr3t-pw at https://admin:S3cr3t-pw@host', 'password S3cr3t-pw is wrong'))],
      { timeoutMs: 100, secrets: ['S3cr3t-pw', '', 'abc'] },
    );
    expect(JSON.stringify(results)).not.toContain('S3cr3t-pw');
    expect(results[0]!.detail).toBe('auth failed for admin:[redacted] at https://admin:[redacted]@host');
  });
});

describe('doctor output', () => {
  const results = [
    { check: 'config', status: 'OK' as const, detail: 'loaded' },
    { check: 'sqs.queue', status: 'FAIL' as const, detail: 'gone\nreally', fix: 'create it' },
    { check: 'geoip', status: 'WARN' as const, detail: 'old', fix: 'update' },
    { check: 'dashboards', status: 'SKIP' as const, detail: 'not set' },
  ];

  it('prints one aligned line per check and a fix line under every WARN and FAIL', () => {
    expect(formatText(results)).toBe(
      [
        'OK    config      loaded',
        'FAIL  sqs.queue   gone | really',
        '                  fix: create it',
        'WARN  geoip       old',
        '                  fix: update',
        'SKIP  dashboards  not set',
        '',
        '1 check(s) failed, 1 warning(s)',
        '',
      ].join('\n'),
    );
    expect(formatText(results.slice(0, 1))).toMatch(/\nall checks passed\n$/);
  });

  it('--json says whether anything failed and lists every check', () => {
    const parsed = JSON.parse(formatJson(results)) as { ok: boolean; checks: unknown[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.checks).toEqual(results);
    expect((JSON.parse(formatJson([results[0]!])) as { ok: boolean }).ok).toBe(true);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Finding } from '../../../src/ops/doctor/check.js';
import { rulesCheck } from '../../../src/ops/doctor/local-checks.js';

describe('doctor: rules', () => {
  const signal = new AbortController().signal;

  it('reports the enabled rules and rulesets', async () => {
    const finding = await rulesCheck({ rulesDir: undefined, rulesDisabled: ['cis-unauthorized-api-calls'] }).run(signal);
    expect(finding).toMatchObject({ status: 'OK', detail: '24 detection rules enabled from 2 files (apigateway, cis-aws-foundations); disabled: cis-unauthorized-api-calls' });
  });

  it('fails on a bad rule file with the loader message and what to do', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doctor-rules-'));
    writeFileSync(path.join(dir, 'x.json'), '{"ruleset": "x", "description": "X.", "rules": [{"id": "a"}]}');
    const finding = (await rulesCheck({ rulesDir: dir, rulesDisabled: undefined }).run(signal)) as Finding;
    expect(finding.status).toBe('FAIL');
    expect(finding.detail).toMatch(new RegExp(`^rule file ${path.join(dir, 'x.json')}, rule "a": name: `));
    expect(finding.fix).toMatch(/setup and worker refuse to start/);
  });
});

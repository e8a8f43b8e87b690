import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { loadRules, RuleFileError } from '../../../src/rules/load-rules.js';

const rule = (extra: Record<string, unknown> = {}) => ({
  id: 'my-rule',
  name: 'My rule',
  severity: 'high',
  category: 'custom',
  reference: 'https://example.com/my-rule',
  condition: { field: 'eventName', equals: 'StopLogging' },
  ...extra,
});

function dirWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rules-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

function faultOf(files: Record<string, unknown>, disabled?: string[]): RuleFileError | ConfigError {
  const dir = dirWith(files);
  try {
    loadRules({ extraPath: dir, ...(disabled ? { disabled } : {}) });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('loadRules', () => {
  it('loads the shipped rules and adds the user\'s, which then tag records', () => {
    const dir = dirWith({ 'mine.json': { ruleset: 'mine', description: 'Mine.', rules: [rule()] } });
    const { matcher, files } = loadRules({ extraPath: dir });
    expect(files[files.length - 1]).toBe(path.join(dir, 'mine.json'));
    const hits = matcher.matches({ eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com' }).map((r) => `${r.ruleset}/${r.id}`);
    expect(hits).toEqual(['cis-aws-foundations/cis-cloudtrail-config-changes', 'mine/my-rule']);
  });

  it('accepts one file as TRAILSTREAM_RULES_DIR', () => {
    const dir = dirWith({ 'one.json': { ruleset: 'one', description: 'One.', rules: [rule()] } });
    expect(loadRules({ extraPath: path.join(dir, 'one.json') }).matcher.rules.map((r) => r.id)).toContain('my-rule');
  });

  it('switches rules off by id', () => {
    const { matcher, disabled } = loadRules({ disabled: ['cis-unauthorized-api-calls'] });
    expect(disabled).toEqual(['cis-unauthorized-api-calls']);
    expect(matcher.rules.map((r) => r.id)).not.toContain('cis-unauthorized-api-calls');
    expect(matcher.match({ eventName: 'GetObject', errorCode: 'AccessDenied' })).toBeUndefined();
  });

  it('stops on a disabled id that no rule has, naming it', () => {
    expect(() => loadRules({ disabled: ['cis-unauthorised-api-calls'] })).toThrow(/TRAILSTREAM_RULES_DISABLED names a rule that does not exist: cis-unauthorised-api-calls/);
  });

  it.each([
    ['an unknown operator', rule({ condition: { field: 'eventName', startsWith: 'Stop' } }), /rule "my-rule": condition: unknown operator "startsWith" on field "eventName"/],
    ['an unknown combinator', rule({ condition: { either: [] } }), /rule "my-rule": condition: unknown operator "either"/],
    ['a path outside the record', rule({ condition: { field: 'requestParams.bucketName', exists: true } }), /rule "my-rule": condition.field: "requestParams.bucketName" is not a CloudTrail record path/],
    ['a path below a plain value', rule({ condition: { all: [{ field: 'eventName.x', equals: 'y' }] } }), /condition.all\[0\].field: "eventName.x": eventName is a plain value/],
    ['two operators on one leaf', rule({ condition: { field: 'eventName', equals: 'a', prefix: 'b' } }), /needs exactly one operator/],
    ['a regular expression that does not compile', rule({ condition: { field: 'errorCode', matches: '(' } }), /condition.matches: not a valid regular expression/],
    ['an empty list', rule({ condition: { any: [] } }), /condition.any: must be a non-empty list/],
    ['a missing field', { ...rule(), severity: undefined }, /rule "my-rule": severity: Invalid option/],
    ['an unknown severity', rule({ severity: 'urgent' }), /rule "my-rule": severity/],
    ['an unknown key', rule({ sevrity: 'high' }), /rule "my-rule": .*sevrity/],
  ])('stops on %s, naming the file, the rule and the fault', (_what, bad, message) => {
    const e = faultOf({ 'bad.json': { ruleset: 'mine', description: 'Mine.', rules: [bad] } });
    expect(e).toBeInstanceOf(RuleFileError);
    expect(e.message).toContain(`rule file ${path.join(path.dirname((e as RuleFileError).file), 'bad.json')}`);
    expect(e.message).toMatch(message);
  });

  it('stops on invalid JSON and on a YAML file, naming the file', () => {
    expect(faultOf({ 'a.json': '{"ruleset": ' }).message).toMatch(/rule file .*a\.json: not valid JSON/);
    expect(faultOf({ 'a.yaml': 'ruleset: x' }).message).toMatch(/rule file .*a\.yaml: rule files are JSON/);
  });

  it('stops on a duplicate id, in the same file or across files', () => {
    expect(faultOf({ 'a.json': { ruleset: 'a', description: 'A.', rules: [rule(), rule()] } }).message).toMatch(/a\.json, rule "my-rule": duplicate rule id: the same file already defines it/);
    const e = faultOf({ 'a.json': { ruleset: 'a', description: 'A.', rules: [rule({ id: 'cis-root-account-use' })] } });
    expect(e.message).toMatch(/rule "cis-root-account-use": duplicate rule id: .*cis-aws-foundations\.json already defines it/);
  });

  it('stops on a rules directory that does not exist', () => {
    const missing = path.join(mkdtempSync(path.join(tmpdir(), 'rules-')), 'nope');
    expect(() => loadRules({ extraPath: missing })).toThrow(/TRAILSTREAM_RULES_DIR .*nope cannot be read \(ENOENT\)/);
  });

  it('ignores files that are not rule files', () => {
    const dir = dirWith({ 'README.md': '# my rules' });
    mkdirSync(path.join(dir, 'sub'));
    expect(loadRules({ extraPath: dir }).files.every((f) => f.endsWith('.json'))).toBe(true);
  });
});

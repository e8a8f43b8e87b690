import { DEMO_RUN, generateLogFiles } from '../../../src/demo/generator.js';
import { loadRules } from '../../../src/rules/load-rules.js';

/**
 * `npm run demo` must give the findings dashboard something to show: a
 * realistic handful of findings of the kinds people look for first, among
 * thousands of ordinary records. Counted over exactly what the demo uploads
 * (DEMO_RUN), with the shipped rules.
 */
describe('the demo data has findings', () => {
  const { matcher } = loadRules();
  const records = [...generateLogFiles(DEMO_RUN)].flatMap((f) => f.records);
  const tagged = records.map((r) => ({ r, ids: matcher.matches(r).map((h) => h.id) }));
  const count = (pred: (t: (typeof tagged)[number]) => boolean): number => tagged.filter(pred).length;

  it.each([
    ['a root console sign-in without MFA', (t: (typeof tagged)[number]) => t.ids.includes('cis-root-account-use') && t.ids.includes('cis-console-signin-without-mfa')],
    ['failed console sign-ins', (t: (typeof tagged)[number]) => t.ids.includes('cis-console-authentication-failures')],
    ['refused calls (AccessDenied, UnauthorizedOperation)', (t: (typeof tagged)[number]) => t.ids.includes('cis-unauthorized-api-calls')],
    ['a security group ingress rule added', (t: (typeof tagged)[number]) => t.ids.includes('cis-security-group-changes') && t.r.eventName === 'AuthorizeSecurityGroupIngress'],
    ['an IAM policy change', (t: (typeof tagged)[number]) => t.ids.includes('cis-iam-policy-changes')],
    ['an API key created or attached to a usage plan', (t: (typeof tagged)[number]) => t.ids.includes('apigw-api-key-created')],
    ['a method or route without authorization', (t: (typeof tagged)[number]) => t.ids.includes('apigw-method-authorization-none')],
    ['an API deleted', (t: (typeof tagged)[number]) => t.ids.includes('apigw-api-deleted')],
  ])('%s', (_what, pred) => {
    expect(count(pred)).toBeGreaterThan(0);
  });

  it('a handful, not a flood: findings are a minority of the records', () => {
    const findings = count((t) => t.ids.length > 0);
    expect(records.length).toBeGreaterThan(3000);
    expect(findings).toBeGreaterThan(50);
    expect(findings / records.length).toBeLessThan(0.15);
  });
});

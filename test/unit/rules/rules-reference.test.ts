import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../../../src/rules/load-rules.js';
import { describeCondition, type Condition } from '../../../src/rules/condition.js';
import { renderRulesReference, shippedRuleFiles } from '../../../src/rules/rules-reference.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/rules.md');

describe('docs/rules.md', () => {
  it('is current with the rule files (regenerate with npm run docs:rules)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(renderRulesReference());
  });

  it('lists every rule with its exact condition and its source', () => {
    const doc = readFileSync(DOC, 'utf8');
    for (const { content } of shippedRuleFiles()) {
      for (const r of content.rules) {
        expect(doc).toContain(`### ${r.id}\n`);
        expect(doc).toContain(describeCondition(r.condition as Condition));
        expect(doc).toContain(r.reference);
        if (r.filter_pattern) expect(doc).toContain(r.filter_pattern);
      }
    }
    expect(loadRules().matcher.rules).toHaveLength(25);
  });
});

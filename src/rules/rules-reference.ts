import path from 'node:path';
import { RULES_DIR } from '../assets.js';
import { DEFAULT_RISK_SCORE, SEVERITY_NUMBER } from '../model/detection.js';
import { describeCondition, OPERATORS, type Condition } from './condition.js';
import { readRuleFile, ruleFilesIn, type LoadedRuleFile } from './load-rules.js';

/**
 * docs/rules.md, generated from the shipped rule files (`npm run docs:rules`),
 * so the list of rules, their conditions and their sources cannot drift from
 * what the matcher runs; a unit test fails when the file is not current.
 */
export function renderRulesReference(files: readonly LoadedRuleFile[] = shippedRuleFiles()): string {
  const lines: string[] = [
    '# Detection rules',
    '',
    '<!-- Generated from rules/*.json by `npm run docs:rules`; do not edit by hand. -->',
    '',
    'trailstream tests every record against the rules below as it enriches it, in the worker, in `backfill` and in `replay-dlq --index` alike. A record that matches gets the ECS fields',
    '`rule.id`, `rule.name`, `rule.ruleset`, `rule.reference`, `rule.category` (plain strings for one rule; arrays, in the same order, when several match),',
    '`event.severity` (the highest severity among them: 1 low, 2 medium, 3 high, 4 critical) and `event.risk_score` (the highest risk score, 0–100).',
    'A record no rule matches gets none of them, so `exists: rule.id` finds every finding.',
    '',
    '- **Add rules**: put rule files (same format as `rules/*.json`) in a directory and set `TRAILSTREAM_RULES_DIR` to it (or to one file).',
    '  In a container, mount the directory (a ConfigMap volume in Kubernetes) and point the variable at the mount; `trailstream doctor` checks the files.',
    '- **Switch rules off**: `TRAILSTREAM_RULES_DISABLED=cis-unauthorized-api-calls,apigw-api-key-created`. An id that no rule has stops startup:',
    '  a typo would otherwise leave on the rule you meant to turn off.',
    '- **A bad rule file** (invalid JSON, a missing field, an unknown operator, a path outside the record, a regular expression that does not compile,',
    '  a duplicate id) stops `setup`, `worker`, `backfill` and `replay-dlq` at start with a message naming the file, the rule and the fault.',
    '- **Alerting**: when the cluster has the OpenSearch Alerting plugin, `setup` installs one query-level monitor per severity',
    '  (`<prefix>: critical findings` … `<prefix>: low findings`): every 10 minutes, documents of that `event.severity` with an eventTime in the last hour.',
    '  They are created **disabled** and without actions: add your notification channel and enable them in Alerting › Monitors.',
    '  `TRAILSTREAM_ALERTING_MONITORS=enabled` creates them enabled, `off` skips them. A monitor that exists is never changed, so your actions survive `setup`.',
    '  Without the plugin (as on the local stack) `setup` says so and goes on.',
    '',
    '## Rule files',
    '',
    'One JSON file per ruleset: `{"ruleset": "<id>", "description": "…", "rules": [ … ]}`. Each rule:',
    '',
    '| key | |',
    '|---|---|',
    '| `id` | unique across all files; lowercase letters, digits, `.`, `_`, `-` |',
    '| `name` | what was detected, for people (`rule.name`) |',
    `| \`severity\` | \`low\`, \`medium\`, \`high\` or \`critical\` (\`event.severity\` ${Object.values(SEVERITY_NUMBER).join(', ')}) |`,
    `| \`risk_score\` | optional, 0–100; default by severity: ${Object.entries(DEFAULT_RISK_SCORE).map(([s, n]) => `${s} ${n}`).join(', ')} |`,
    '| `category` | a keyword that groups rules (`rule.category`) |',
    '| `reference` | the URL of the page that defines what the rule detects (`rule.reference`) |',
    '| `controls`, `filter_pattern`, `notes`, `description` | optional documentation: the controls the rule implements, the CloudWatch Logs metric filter pattern it transcribes, remarks |',
    '| `condition` | what a record must satisfy, below |',
    '',
    'A condition is a leaf `{"field": "<path>", "<operator>": <operand>}` or a combination `{"all": [ … ]}`, `{"any": [ … ]}`, `{"not": { … }}`.',
    'Paths are dotted and case-sensitive: a top-level field (`eventSource`, `eventName`, `eventType`, `errorCode`, `errorMessage`, `sourceIPAddress`, …) or a path into',
    '`userIdentity`, `requestParameters`, `responseElements`, `additionalEventData`, `serviceEventDetails`, `tlsDetails`, `resources`.',
    `Operators (${OPERATORS.map((o) => `\`${o}\``).join(', ')}):`,
    '',
    '| operator | holds when |',
    '|---|---|',
    '| `equals` | the value is exactly the operand (string, number or boolean) |',
    '| `in` | the value is one of the listed values |',
    '| `prefix`, `suffix`, `contains` | the value is a string that starts with, ends with, or contains the operand |',
    '| `matches` | the value is a string the regular expression (JavaScript syntax) finds a match in |',
    '| `exists` | `true`: the field is present and not null; `false`: it is absent or null |',
    '| `some` | the field is an array with an element that satisfies the inner condition, whose paths are relative to the element (`{"field": "requestParameters.updateStageInput.patchOperations", "some": {"all": [{"field": "op", "equals": "remove"}, …]}}`) |',
    '',
    'A path that meets an array tests every element and holds when one does. `not` holds when its condition does not, so',
    '`{"not": {"field": "additionalEventData.MFAUsed", "equals": "Yes"}}` also holds when the field is absent, like `!=` in a CloudWatch Logs filter pattern.',
    'Rules are indexed by the eventNames their condition requires, so most records are tested against two or three rules; write the `eventName` test at the top',
    '(`{"all": [{"field": "eventName", "in": [...]}, ...]}`) to keep it that way.',
    '',
  ];
  for (const { file, content } of files) {
    lines.push(`## Ruleset \`${content.ruleset}\` (${content.rules.length} rules)`, '', `From [rules/${path.basename(file)}](../rules/${path.basename(file)}). ${content.description}`, '');
    lines.push('| id | name | severity | category | source |', '|---|---|---|---|---|');
    for (const r of content.rules) {
      const source = [`[${linkText(r.reference)}](${r.reference})`, ...(r.controls ?? [])].join('<br>');
      lines.push(`| [\`${r.id}\`](#${r.id}) | ${cell(r.name)} | ${r.severity} | ${r.category} | ${source} |`);
    }
    lines.push('');
    for (const r of content.rules) {
      lines.push(`### ${r.id}`, '', `**${r.name}** — severity ${r.severity} (${SEVERITY_NUMBER[r.severity]}), risk score ${r.risk_score ?? DEFAULT_RISK_SCORE[r.severity]}, category \`${r.category}\`.`, '');
      lines.push(`Source: ${r.reference}${r.controls ? ` (${r.controls.join('; ')})` : ''}.`, '');
      if (r.filter_pattern) lines.push("AWS's metric filter pattern:", '', '```', r.filter_pattern, '```', '');
      lines.push('Condition:', '', '```', describeCondition(r.condition as Condition), '```', '');
      if (r.notes) lines.push(r.notes, '');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export function shippedRuleFiles(): LoadedRuleFile[] {
  return ruleFilesIn(RULES_DIR, 'the shipped rules directory').map(readRuleFile);
}

function linkText(url: string): string {
  const u = new URL(url);
  const hash = u.hash.replace(/^#/, '');
  if (u.hostname === 'docs.aws.amazon.com' && hash.startsWith('cloudwatch-')) return `Security Hub CloudWatch.${hash.slice('cloudwatch-'.length)}`;
  const page = u.pathname.split('/').filter(Boolean).pop() ?? u.hostname;
  return page.replace(/\.html$/, '').replace(/^API_/, '');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

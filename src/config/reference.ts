import { settings, type SettingSpec } from './settings.js';

/**
 * Renders docs/configuration.md from the settings table. A unit test fails when
 * the committed file differs, so the reference can never go stale; regenerate
 * with `npm run docs:config`.
 */
export function renderConfigReference(): string {
  const groups = new Map<string, SettingSpec<unknown>[]>();
  for (const spec of Object.values(settings) as SettingSpec<unknown>[]) {
    const list = groups.get(spec.group) ?? [];
    list.push(spec);
    groups.set(spec.group, list);
  }
  const lines: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/settings.ts by `npm run docs:config`. Do not edit by hand. -->',
    '',
    'trailstream reads its configuration from environment variables. `TRAILSTREAM_CONFIG_FILE` may name a JSON file',
    'whose keys are the same variable names; the environment wins over the file. Every value is validated at startup,',
    'and every problem is reported at once, naming the variable and the accepted form.',
    '',
  ];
  for (const [group, specs] of groups) {
    lines.push(`## ${group}`, '', '| Variable | Default | Meaning |', '|---|---|---|');
    for (const s of specs) {
      const def = s.default === undefined ? '—' : `\`${s.default}\``;
      lines.push(`| \`${s.env}\` | ${def} | ${s.description.replace(/\|/g, '\\|')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

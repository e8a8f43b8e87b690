import type { CheckResult } from './check.js';

/**
 * One line per check, `STATUS  check  detail`, and for WARN and FAIL a `fix:`
 * line under it; the statuses are padded so the columns line up.
 */
export function formatText(results: readonly CheckResult[]): string {
  const width = Math.max(0, ...results.map((r) => r.check.length));
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.status.padEnd(4)}  ${r.check.padEnd(width)}  ${oneLine(r.detail)}`);
    if ((r.status === 'WARN' || r.status === 'FAIL') && r.fix) lines.push(`${' '.repeat(4)}  ${' '.repeat(width)}  fix: ${oneLine(r.fix)}`);
  }
  const failed = results.filter((r) => r.status === 'FAIL').length;
  const warned = results.filter((r) => r.status === 'WARN').length;
  lines.push(failed === 0 ? `\n${warned === 0 ? 'all checks passed' : `no failures, ${warned} warning(s)`}` : `\n${failed} check(s) failed, ${warned} warning(s)`);
  return `${lines.join('\n')}\n`;
}

export function formatJson(results: readonly CheckResult[]): string {
  return `${JSON.stringify({ ok: !results.some((r) => r.status === 'FAIL'), checks: results }, null, 2)}\n`;
}

/** A detail never breaks the one-line-per-check layout (error messages can hold newlines). */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' | ');
}

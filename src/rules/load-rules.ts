import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { RULES_DIR } from '../assets.js';
import { ConfigError } from '../errors.js';
import { DEFAULT_RISK_SCORE, SEVERITY_NUMBER } from '../model/detection.js';
import { compileCondition, ConditionError, type Condition } from './condition.js';
import { RuleMatcher, type CompiledRule } from './matcher.js';
import { ruleFileSchema, type RuleDefinition, type RuleFile } from './rule-file.js';

/**
 * A rule file that cannot be used. Fatal at startup (`setup`, `worker`,
 * `backfill`, `replay-dlq`): the message names the file, the rule and the fault.
 */
export class RuleFileError extends ConfigError {
  constructor(
    readonly file: string,
    readonly ruleId: string | undefined,
    readonly fault: string,
  ) {
    super(`rule file ${file}${ruleId !== undefined ? `, rule "${ruleId}"` : ''}: ${fault}`);
    this.name = 'RuleFileError';
  }
}

export interface RuleOptions {
  /** TRAILSTREAM_RULES_DIR: a directory of extra rule files (every *.json in it), or one file. */
  readonly extraPath?: string;
  /** TRAILSTREAM_RULES_DISABLED: ids of rules to leave out. */
  readonly disabled?: readonly string[];
  /** The shipped rules; `rules/` beside the code unless a test says otherwise. */
  readonly shippedDir?: string;
}

/** One rule file, read and checked, with its rules not yet compiled. */
export interface LoadedRuleFile {
  readonly file: string;
  readonly content: RuleFile;
}

export interface LoadedRules {
  readonly matcher: RuleMatcher;
  readonly files: readonly string[];
  /** Rules turned off by TRAILSTREAM_RULES_DISABLED. */
  readonly disabled: readonly string[];
}

/**
 * Reads the shipped rule files and the user's, checks every rule, compiles the
 * enabled ones once into a matcher. Throws a RuleFileError on the first
 * problem: unreadable file, invalid JSON, a field of the wrong shape, an
 * unknown operator, a path outside the record, a duplicate id, or a disabled
 * id that no rule has (a typo there would leave on a rule meant to be off, so
 * it stops startup rather than warn).
 */
export function loadRules(options: RuleOptions = {}): LoadedRules {
  const files = [...ruleFilesIn(options.shippedDir ?? RULES_DIR, 'the shipped rules directory')];
  if (options.extraPath !== undefined) files.push(...ruleFilesIn(options.extraPath, 'TRAILSTREAM_RULES_DIR'));
  const loaded = files.map(readRuleFile);
  const compiled = compileRules(loaded);
  const disabled = new Set(options.disabled ?? []);
  const known = new Set(compiled.map((r) => r.id));
  const unknown = [...disabled].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new ConfigError(
      `TRAILSTREAM_RULES_DISABLED names ${unknown.length === 1 ? 'a rule that does not exist' : 'rules that do not exist'}: ${unknown.join(', ')}. Rule ids are listed in docs/rules.md (and in the rule files: ${files.join(', ')}); fix the id so the rule you meant is really off.`,
    );
  }
  return {
    matcher: new RuleMatcher(compiled.filter((r) => !disabled.has(r.id))),
    files,
    disabled: [...disabled],
  };
}

/** The rule files of a directory (sorted), or the file itself. */
export function ruleFilesIn(where: string, what: string): string[] {
  let stat;
  try {
    stat = statSync(where);
  } catch (e) {
    throw new ConfigError(`${what} ${where} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); point it at a directory of *.json rule files or at one rule file.`);
  }
  if (stat.isFile()) return [where];
  const names = readdirSync(where).sort();
  const yaml = names.find((n) => /\.ya?ml$/i.test(n));
  if (yaml !== undefined) throw new RuleFileError(path.join(where, yaml), undefined, 'rule files are JSON (*.json); convert it, or move it out of the directory');
  return names.filter((n) => n.endsWith('.json')).map((n) => path.join(where, n));
}

export function readRuleFile(file: string): LoadedRuleFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RuleFileError(file, undefined, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RuleFileError(file, undefined, `not valid JSON (${(e as Error).message})`);
  }
  const parsed = ruleFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const rules = (json as { rules?: unknown }).rules;
    const index = issue.path[0] === 'rules' && typeof issue.path[1] === 'number' ? issue.path[1] : undefined;
    const ruleId = index !== undefined && Array.isArray(rules) ? idOf(rules[index], index) : undefined;
    const where = (index !== undefined ? issue.path.slice(2) : issue.path).join('.');
    throw new RuleFileError(file, ruleId, `${where === '' ? 'the file' : where}: ${issue.message}`);
  }
  return { file, content: parsed.data };
}

/** Compiles every rule of the files, checking that ids are unique across all of them. */
export function compileRules(files: readonly LoadedRuleFile[]): CompiledRule[] {
  const seen = new Map<string, string>();
  const out: CompiledRule[] = [];
  for (const { file, content } of files) {
    for (const rule of content.rules) {
      const first = seen.get(rule.id);
      if (first !== undefined) throw new RuleFileError(file, rule.id, `duplicate rule id: ${first === file ? 'the same file' : first} already defines it; rule ids must be unique across all rule files`);
      seen.set(rule.id, file);
      out.push(compileRule(rule, content.ruleset, file));
    }
  }
  return out;
}

function compileRule(rule: RuleDefinition, ruleset: string, file: string): CompiledRule {
  let test;
  try {
    test = compileCondition(rule.condition);
  } catch (e) {
    if (e instanceof ConditionError) throw new RuleFileError(file, rule.id, e.message);
    throw e;
  }
  return {
    id: rule.id,
    name: rule.name,
    ruleset,
    reference: rule.reference,
    category: rule.category,
    severity: SEVERITY_NUMBER[rule.severity],
    riskScore: rule.risk_score ?? DEFAULT_RISK_SCORE[rule.severity],
    // compileCondition accepted it, so it has the Condition shape.
    condition: rule.condition as Condition,
    test,
    file,
  };
}

function idOf(rule: unknown, index: number): string {
  const id = (rule as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : `#${index + 1}`;
}

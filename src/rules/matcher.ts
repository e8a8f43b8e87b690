import type { CloudTrailRecord } from '../model/cloudtrail.js';
import type { Detection, Detector, RuleFields } from '../model/detection.js';
import { requiredEventNames, type Condition, type Predicate } from './condition.js';

/** A rule ready to test records: what it tags, and its compiled condition. */
export interface CompiledRule {
  readonly id: string;
  readonly name: string;
  readonly ruleset: string;
  readonly reference: string;
  readonly category: string;
  /** ECS event.severity (SEVERITY_NUMBER of the rule's named severity). */
  readonly severity: number;
  readonly riskScore: number;
  readonly condition: Condition;
  readonly test: Predicate;
  /** The file the rule came from, for messages. */
  readonly file: string;
}

/**
 * All enabled rules, compiled once. Rules whose condition names the eventNames
 * it can match are indexed by them; only the few that can match any event
 * (root use, unauthorized calls) are tried on every record. A record therefore
 * tests the general rules plus the rules of its own eventName, usually 2–3
 * predicates, and a record that matches nothing allocates nothing.
 */
export class RuleMatcher {
  private readonly byEventName = new Map<string, CompiledRule[]>();
  private readonly general: CompiledRule[] = [];
  private readonly order = new Map<CompiledRule, number>();
  /** A rule's detection when it is the only match: built once, shared by every record. */
  private readonly alone = new Map<CompiledRule, Detection>();

  constructor(readonly rules: readonly CompiledRule[]) {
    rules.forEach((rule, i) => {
      this.order.set(rule, i);
      this.alone.set(rule, detectionOf([rule]));
      const names = requiredEventNames(rule.condition);
      if (names === undefined) {
        this.general.push(rule);
        return;
      }
      for (const name of names) {
        const list = this.byEventName.get(name);
        if (list) list.push(rule);
        else this.byEventName.set(name, [rule]);
      }
    });
  }

  /** How many rules every record is tested against, whatever its eventName. */
  get generalRuleCount(): number {
    return this.general.length;
  }

  /** The rules the record matches, in rule-file order. */
  matches(record: CloudTrailRecord): CompiledRule[] {
    const hits: CompiledRule[] = [];
    for (const rule of this.general) if (rule.test(record)) hits.push(rule);
    const name = record.eventName;
    const indexed = typeof name === 'string' ? this.byEventName.get(name) : undefined;
    if (indexed !== undefined) for (const rule of indexed) if (rule.test(record)) hits.push(rule);
    if (hits.length > 1) hits.sort((a, b) => this.order.get(a)! - this.order.get(b)!);
    return hits;
  }

  /** The tags for a record, or undefined when no rule matches. Never throws. */
  match(record: CloudTrailRecord): Detection | undefined {
    // Plain loops and no closure: this runs for every record.
    let first: CompiledRule | undefined;
    let more: CompiledRule[] | undefined;
    const general = this.general;
    for (let i = 0; i < general.length; i++) {
      const rule = general[i]!;
      if (!rule.test(record)) continue;
      if (first === undefined) first = rule;
      else (more ??= [first]).push(rule);
    }
    const name = record.eventName;
    const indexed = typeof name === 'string' ? this.byEventName.get(name) : undefined;
    if (indexed !== undefined) {
      for (let i = 0; i < indexed.length; i++) {
        const rule = indexed[i]!;
        if (!rule.test(record)) continue;
        if (first === undefined) first = rule;
        else (more ??= [first]).push(rule);
      }
    }
    if (first === undefined) return undefined;
    if (more === undefined) return this.alone.get(first);
    more.sort((a, b) => this.order.get(a)! - this.order.get(b)!);
    return detectionOf(more);
  }

  /** `match` as a plain function, for the enricher. */
  detector(): Detector {
    return (record) => this.match(record);
  }
}

function detectionOf(rules: readonly CompiledRule[]): Detection {
  const one = rules.length === 1;
  const field = (pick: (r: CompiledRule) => string): string | readonly string[] => (one ? pick(rules[0]!) : Object.freeze(rules.map(pick)));
  const rule: RuleFields = {
    id: field((r) => r.id),
    name: field((r) => r.name),
    ruleset: field((r) => r.ruleset),
    reference: field((r) => r.reference),
    category: field((r) => r.category),
  };
  return Object.freeze({
    rule: Object.freeze(rule),
    severity: Math.max(...rules.map((r) => r.severity)),
    riskScore: Math.max(...rules.map((r) => r.riskScore)),
  });
}

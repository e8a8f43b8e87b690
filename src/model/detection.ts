import type { CloudTrailRecord } from './cloudtrail.js';

/**
 * What a detection rule adds to a record it matches (docs/rules.md). It lives
 * in model/ because two siblings need it: `rules/` produces it and `enrich/`
 * carries it in the enrichment, and neither may import the other.
 */

/** Named severities of a rule, from least to most urgent. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** ECS `event.severity` of each named severity (1 = low … 4 = critical). */
export const SEVERITY_NUMBER: Readonly<Record<Severity, number>> = { low: 1, medium: 2, high: 3, critical: 4 };

/** The default `event.risk_score` (0–100) of a rule of each severity, the bands Elastic's rules use. */
export const DEFAULT_RISK_SCORE: Readonly<Record<Severity, number>> = { low: 21, medium: 47, high: 73, critical: 99 };

/**
 * ECS `rule.*`. One matching rule gives plain strings; several give arrays, in
 * the same order in every field (index i of `rule.id` and of `rule.ruleset`
 * describe the same rule).
 */
export interface RuleFields {
  id: string | readonly string[];
  name: string | readonly string[];
  ruleset: string | readonly string[];
  reference: string | readonly string[];
  category: string | readonly string[];
}

export interface Detection {
  readonly rule: RuleFields;
  /** The highest SEVERITY_NUMBER among the matching rules. */
  readonly severity: number;
  /** The highest risk score among the matching rules. */
  readonly riskScore: number;
}

/** Tags a record with the rules it matches; undefined when none does (the common case). */
export type Detector = (record: CloudTrailRecord) => Detection | undefined;

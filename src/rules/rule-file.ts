import { z } from 'zod';
import { SEVERITIES } from '../model/detection.js';

/**
 * The shape of a rule file (`rules/*.json`, and the files in
 * TRAILSTREAM_RULES_DIR): one ruleset, its rules. zod checks everything but
 * the conditions, which `compileCondition` checks as it compiles them so its
 * messages can point inside the tree (`condition.all[2].field`).
 */
const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lowercase letters, digits, ".", "_" or "-", starting with a letter or digit');

export const ruleSchema = z
  .object({
    id,
    name: z.string().min(1),
    description: z.string().min(1).optional(),
    severity: z.enum(SEVERITIES),
    /** 0–100; defaults by severity (DEFAULT_RISK_SCORE). */
    risk_score: z.number().min(0).max(100).optional(),
    category: z.string().min(1),
    /** The page that defines what the rule detects (a URL): the Security Hub control, the CIS benchmark, the AWS API reference. */
    reference: z.url(),
    /** Named controls the rule implements ("CIS AWS Foundations 1.2.0 3.3", "Security Hub CloudWatch.1"). */
    controls: z.array(z.string().min(1)).optional(),
    /** The CloudWatch Logs metric filter pattern the rule transcribes, verbatim, when it has one. */
    filter_pattern: z.string().min(1).optional(),
    /** Where the rule comes from, for people: why it exists, what it leaves out. */
    notes: z.string().min(1).optional(),
    condition: z.unknown(),
  })
  .strict();

export const ruleFileSchema = z
  .object({
    ruleset: id,
    description: z.string().min(1),
    rules: z.array(ruleSchema).min(1),
  })
  .strict();

export type RuleDefinition = z.infer<typeof ruleSchema>;
export type RuleFile = z.infer<typeof ruleFileSchema>;

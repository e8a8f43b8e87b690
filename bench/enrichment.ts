/**
 * The enricher, built from the configuration by the worker CLI's own function
 * (enricherOptionsOf, as src/cli/components.ts uses it): with the default settings that means the bundled
 * DB-IP city databases for geo-IP. The one place the benchmark touches the
 * enrichment API.
 */
import type { Config } from '../src/config/config.js';
import { createEnricher, enricherOptionsOf, type Enricher } from '../src/enrich/enricher.js';
import { loadRules } from '../src/rules/load-rules.js';
import type { RuleMatcher } from '../src/rules/matcher.js';

export type { Enricher } from '../src/enrich/enricher.js';

/** The enricher with the shipped detection rules, as the worker runs it by default. */
export function createBenchEnricher(config: Config): Promise<Enricher> {
  return createEnricher({ ...enricherOptionsOf(config), detector: createBenchMatcher().detector() });
}

/** The shipped detection rules, compiled (the matcher whose cost row 2's "rule matcher" line shows). */
export function createBenchMatcher(): RuleMatcher {
  return loadRules().matcher;
}

/**
 * The enricher, built from the configuration by the worker CLI's own function
 * (enricherOptionsOf, as src/cli/components.ts uses it): with the default settings that means the bundled
 * DB-IP city databases for geo-IP. The one place the benchmark touches the
 * enrichment API.
 */
import type { Config } from '../src/config/config.js';
import { createEnricher, enricherOptionsOf, type Enricher } from '../src/enrich/enricher.js';

export type { Enricher } from '../src/enrich/enricher.js';

export function createBenchEnricher(config: Config): Promise<Enricher> {
  return createEnricher(enricherOptionsOf(config));
}

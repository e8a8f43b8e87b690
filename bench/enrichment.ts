/**
 * The enricher, built from the configuration exactly as the worker CLI builds
 * it (src/cli/worker.ts): with the default settings that means the bundled
 * DB-IP city databases for geo-IP. The one place the benchmark touches the
 * enrichment API.
 */
import type { Config } from '../src/config/config.js';
import { createEnricher, type Enricher } from '../src/enrich/enricher.js';

export type { Enricher } from '../src/enrich/enricher.js';

export function createBenchEnricher(config: Config): Promise<Enricher> {
  return createEnricher({
    geo: config.geoipDisabled
      ? false
      : {
          ...(config.geoipCityDb ? { cityDbPaths: config.geoipCityDb } : {}),
          ...(config.geoipAsnDb ? { asnDbPaths: config.geoipAsnDb } : {}),
          cacheSize: config.geoipCacheSize,
        },
  });
}

import type { Config } from '../config/config.js';
import { createEnricher, enricherOptionsOf, type Enricher } from '../enrich/enricher.js';
import type { ObjectPipelineOptions } from '../pipeline/process-object.js';
import { loadRules, type LoadedRules } from '../rules/load-rules.js';
import { BulkIndexer, type BulkIndexerEvents, type BulkIndexerOptions } from '../sink/bulk-indexer.js';
import type { BulkTransport } from '../sink/bulk-transport.js';
import { ElasticsearchBulkTransport } from '../sink/elasticsearch/bulk-transport.js';
import { OpenSearchBulkTransport } from '../sink/opensearch/bulk-transport.js';
import type { Context } from './context.js';

/**
 * The parts every command that indexes records shares (worker, backfill,
 * replay), built from the configuration in one place so they cannot drift;
 * the benchmark builds its pipeline from the same functions.
 */

/**
 * The shipped detection rules plus TRAILSTREAM_RULES_DIR's, less
 * TRAILSTREAM_RULES_DISABLED, compiled once. A bad rule file throws a
 * RuleFileError (a ConfigError) naming the file, the rule and the fault, so it
 * stops `setup`, `worker`, `backfill` and `replay-dlq` before they do anything.
 */
export function loadConfiguredRules(ctx: Pick<Context, 'config' | 'logger'>): LoadedRules {
  const { config } = ctx;
  const rules = loadRules({
    ...(config.rulesDir !== undefined ? { extraPath: config.rulesDir } : {}),
    ...(config.rulesDisabled !== undefined ? { disabled: config.rulesDisabled } : {}),
  });
  ctx.logger.info({ rules: rules.matcher.rules.length, ruleFiles: rules.files, disabled: rules.disabled }, 'detection rules loaded');
  return rules;
}

/**
 * Loads the detection rules, then opens the geo-IP databases: a bad rule file
 * or a bad database stops startup, not records.
 */
export async function createConfiguredEnricher(ctx: Context): Promise<Enricher> {
  const rules = loadConfiguredRules(ctx);
  const enricher = await createEnricher({ ...enricherOptionsOf(ctx.config), detector: rules.matcher.detector() });
  for (const db of enricher.geoDatabases) ctx.logger.info({ geoDatabase: db }, 'geo-IP database loaded');
  return enricher;
}

/** The bulk indexer's limits from the configuration (the benchmark uses it too, so it measures the defaults). */
export function bulkIndexerOptions(config: Config): BulkIndexerOptions {
  return {
    maxBytes: config.bulkMaxBytes,
    bytesLimit: config.bulkBytesLimit,
    maxDocs: config.bulkMaxDocs,
    lingerMs: config.bulkLingerMs,
    concurrency: config.bulkConcurrency,
    maxBufferedBytes: config.maxBufferedBytes,
    retry: { maxRetries: config.bulkMaxRetries, baseMs: config.bulkRetryBaseMs, capMs: 30_000 },
    outageMaxMs: config.outageMaxSeconds * 1000,
    deadLetterIndex: config.deadLetterIndex,
  };
}

/** The `_bulk` transport of the configured target (TRAILSTREAM_TARGET), over that engine's official client. */
export function createBulkTransport(ctx: Context): BulkTransport {
  const scrub = (text: string): string => ctx.secrets.scrub(text);
  return ctx.config.target === 'elasticsearch' ? new ElasticsearchBulkTransport(ctx.elasticsearch(), scrub) : new OpenSearchBulkTransport(ctx.opensearch(), scrub);
}

/** The bulk indexer with the configured limits; dead letters and retries are logged, plus any extra hooks. */
export function createConfiguredIndexer(ctx: Context, events: BulkIndexerEvents = {}): BulkIndexer {
  const { config, logger } = ctx;
  return new BulkIndexer(createBulkTransport(ctx), bulkIndexerOptions(config), {
    ...events,
    onDeadLetter: (doc, error) => {
      logger.warn({ bucket: doc.origin.bucket, key: doc.origin.key, ordinal: doc.origin.ordinal, error }, 'record dead-lettered');
      events.onDeadLetter?.(doc, error);
    },
    onOutageStart: (info) => {
      logger.warn(
        { reason: info.reason, heldBytes: info.heldBytes, outageMaxSeconds: config.outageMaxSeconds },
        'OpenSearch unavailable; holding documents and retrying with backoff (messages stay invisible) until it is back or TRAILSTREAM_OUTAGE_MAX_SECONDS pass',
      );
      events.onOutageStart?.(info);
    },
    onOutageEnd: (info) => {
      logger.warn({ outageMs: info.ms }, 'OpenSearch available again; resuming');
      events.onOutageEnd?.(info);
    },
    onItemRetry: (count, reason) => {
      logger.debug({ count, reason }, 'retrying rejected items');
      events.onItemRetry?.(count, reason);
    },
  });
}

/** What processObject needs to know about objects: allowed buckets, key filter, index prefix and decoding limits. */
export function objectPipelineOptions(config: Config): ObjectPipelineOptions {
  return {
    allowList: config.allowList,
    keyPattern: config.keyPattern,
    indexPrefix: config.indexPrefix,
    indexGranularity: config.indexGranularity,
    limits: {
      maxDecompressedBytes: config.maxDecompressedBytes,
      maxCompressionRatio: config.maxCompressionRatio,
      maxRecordBytes: config.maxRecordBytes,
    },
  };
}

import type { Enricher } from '../enrich/enricher.js';
import { ConfigError } from '../errors.js';
import { Health } from '../observability/health.js';
import { startObservabilityServer, type ObservabilityServer } from '../observability/http-server.js';
import { PrometheusMetrics } from '../observability/metrics.js';
import { startOpenSearchProbe } from '../observability/opensearch-probe.js';
import { combineObservers } from '../pipeline/pipeline-observer.js';
import { Worker } from '../pipeline/worker.js';
import type { WorkerStats } from '../pipeline/worker-stats.js';
import { S3ObjectSource } from '../source/s3/object-source.js';
import { Heartbeat } from '../source/sqs/heartbeat.js';
import { SqsDeadLetterSender, SqsQueue } from '../source/sqs/queue.js';
import { createConfiguredEnricher, createConfiguredIndexer, objectPipelineOptions } from './components.js';
import type { Context } from './context.js';

export interface WorkerCommandOptions {
  /** Seconds of an empty queue after which the worker exits 0; undefined = run until stopped. */
  readonly untilIdleSeconds?: number;
}

/** Builds the pipeline from the context, runs it, and returns the process exit code. */
export async function runWorker(ctx: Context, options: WorkerCommandOptions): Promise<number> {
  const { config, logger } = ctx;
  if (!config.queueUrl) {
    throw new ConfigError('TRAILSTREAM_QUEUE_URL is not set: the worker needs the URL of the SQS queue that receives the S3 notifications (for the local stack: eval "$(npm run -s stack -- env)").');
  }
  if (config.allowList.length === 0) {
    throw new ConfigError('No bucket is allowed: set TRAILSTREAM_ALLOWED_BUCKETS (comma-separated, "bucket" or "bucket/prefix") or TRAILSTREAM_BUCKET. The worker refuses to read buckets that are not on the list.');
  }
  // Metrics and health are kept even without the HTTP server: the hooks cost little.
  const metrics = new PrometheusMetrics();
  const health = new Health({ receiveStaleAfterMs: receiveStaleAfterMs(config.waitTimeSeconds) });
  // First of all: a port in use stops startup at once, and /healthz answers while the geo databases load.
  let server: ObservabilityServer | undefined;
  if (config.metricsPort !== 0) {
    server = await startObservabilityServer({ host: config.metricsHost, port: config.metricsPort, metrics, health, logger });
    logger.info({ host: server.host, port: server.port, paths: ['/metrics', '/healthz', '/readyz'] }, 'metrics server listening');
  }
  // Opened before anything is received: a bad geo database stops startup, not records.
  let enricher: Enricher;
  try {
    enricher = await createConfiguredEnricher(ctx);
  } catch (error) {
    await server?.close();
    throw error;
  }
  const queue = new SqsQueue(ctx.sqs(), config.queueUrl);
  const metricEvents = metrics.bulkIndexerEvents();
  const indexer = createConfiguredIndexer(ctx, {
    ...metricEvents,
    onRequest: (info) => {
      metricEvents.onRequest?.(info);
      // A request answered at all (even 429/5xx) shows OpenSearch is reachable.
      if (info.ok || info.status) health.openSearchAnswered(true);
      else health.openSearchAnswered(false, '_bulk request got no response');
    },
  });
  const heartbeat = new Heartbeat(queue, {
    intervalSeconds: config.heartbeatIntervalSeconds,
    visibilitySeconds: config.visibilityTimeoutSeconds,
    maxVisibilitySeconds: config.maxVisibilitySeconds,
  }, logger, (count) => metrics.visibilityExtended(count));
  const worker = new Worker({
    queue,
    deadLetters: config.dlqUrl ? new SqsDeadLetterSender(ctx.sqs(), config.dlqUrl, config.queueUrl) : undefined,
    heartbeat,
    indexer,
    objects: {
      options: objectPipelineOptions(ctx.config),
      objects: new S3ObjectSource(ctx.s3()),
      enricher,
    },
    logger,
    observer: combineObservers(metrics, health),
    options: {
      maxMessagesInFlight: config.maxMessagesInFlight,
      receiveBatchSize: config.receiveBatchSize,
      waitTimeSeconds: config.waitTimeSeconds,
      visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
      objectConcurrency: config.objectConcurrency,
      retryBackoffSeconds: config.retryBackoffSeconds,
      shutdownGraceSeconds: config.shutdownGraceSeconds,
    },
  });

  metrics.setSources({
    messagesInFlight: () => worker.messagesInFlight,
    objectsInFlight: () => worker.objectsInFlight,
    objectsWaiting: () => worker.objectsWaiting,
    bufferedBytes: () => indexer.stats.bufferedBytes,
    ready: () => health.readiness().ok,
  });
  const stopProbe = startOpenSearchProbe(ctx.search(), health, OPENSEARCH_PROBE_INTERVAL_MS);

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now; unfinished messages reappear when their visibility expires');
      process.exit(130);
    }
    logger.info({ signal, graceSeconds: config.shutdownGraceSeconds }, 'stopping: finishing in-flight messages');
    health.markStopping();
    worker.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  logger.info({ queueUrl: config.queueUrl, allowList: config.allowList, untilIdleSeconds: options.untilIdleSeconds }, 'worker started');
  try {
    let stats: WorkerStats;
    try {
      stats = await worker.run(options.untilIdleSeconds !== undefined ? { untilIdleSeconds: options.untilIdleSeconds } : {});
    } catch (error) {
      health.fail((error as Error)?.message ?? String(error));
      throw error;
    }
    health.markStopping();
    // Every deleted message already waited for its records to be durable, so
    // nothing here is needed for correctness; after a release, the leftovers
    // belong to messages another worker will redo.
    if (stats.messagesReleased > 0) indexer.abandon();
    else await indexer.close();
    logger.info(stats.toJSON(), 'worker stopped');
    // maxRSS is in KiB; reported so operators and tests can see memory stayed bounded.
    const usage = process.resourceUsage();
    const peakRssMb = Math.round(usage.maxRSS / 1024);
    // CPU time of the whole process (all threads, zlib's included), in seconds.
    const cpuSeconds = Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000) / 1000;
    process.stdout.write(`${JSON.stringify({ worker: stats.toJSON(), peakRssMb, cpuSeconds })}\n`);
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    stopProbe();
    await server?.close();
  }
}

/** How often OpenSearch is asked whether it answers, for /readyz. */
const OPENSEARCH_PROBE_INTERVAL_MS = 15_000;

/** About two long-poll periods (one may be in progress), plus slack for a slow SQS answer. */
export function receiveStaleAfterMs(waitTimeSeconds: number): number {
  return (2 * Math.max(waitTimeSeconds, 1) + 5) * 1000;
}

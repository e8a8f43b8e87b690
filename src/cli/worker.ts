import { ConfigError } from '../errors.js';
import { Worker } from '../pipeline/worker.js';
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
  // Opened before anything is received: a bad geo database stops startup, not records.
  const enricher = await createConfiguredEnricher(ctx);
  const queue = new SqsQueue(ctx.sqs(), config.queueUrl);
  const indexer = createConfiguredIndexer(ctx);
  const heartbeat = new Heartbeat(queue, {
    intervalSeconds: config.heartbeatIntervalSeconds,
    visibilitySeconds: config.visibilityTimeoutSeconds,
    maxVisibilitySeconds: config.maxVisibilitySeconds,
  }, logger);
  const worker = new Worker({
    queue,
    deadLetters: config.dlqUrl ? new SqsDeadLetterSender(ctx.sqs(), config.dlqUrl, config.queueUrl) : undefined,
    heartbeat,
    indexer,
    objects: {
      options: objectPipelineOptions(ctx),
      objects: new S3ObjectSource(ctx.s3()),
      enricher,
    },
    logger,
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

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now; unfinished messages reappear when their visibility expires');
      process.exit(130);
    }
    logger.info({ signal, graceSeconds: config.shutdownGraceSeconds }, 'stopping: finishing in-flight messages');
    worker.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  logger.info({ queueUrl: config.queueUrl, allowList: config.allowList, untilIdleSeconds: options.untilIdleSeconds }, 'worker started');
  try {
    const stats = await worker.run(options.untilIdleSeconds !== undefined ? { untilIdleSeconds: options.untilIdleSeconds } : {});
    // Every deleted message already waited for its records to be durable, so
    // nothing here is needed for correctness; after a release, the leftovers
    // belong to messages another worker will redo.
    if (stats.messagesReleased > 0) indexer.abandon();
    else await indexer.close();
    logger.info(stats.toJSON(), 'worker stopped');
    // maxRSS is in KiB; reported so operators and tests can see memory stayed bounded.
    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    process.stdout.write(`${JSON.stringify({ worker: stats.toJSON(), peakRssMb })}\n`);
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

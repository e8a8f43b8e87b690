import { ConfigError } from '../errors.js';
import { enrichRecord } from '../enrich/enrich-record.js';
import { searchDeadLetterStore, replayDeadLetterIndex, type IndexReplayItem, type IndexReplayReport } from '../ops/replay-index.js';
import { replayQueue, sqsReplayPort, type QueueReplayItem, type QueueReplayReport } from '../ops/replay-queue.js';
import { createConfiguredEnricher, createConfiguredIndexer } from './components.js';
import type { Context } from './context.js';

export interface ReplayDlqOptions {
  readonly queue: boolean;
  readonly index: boolean;
  readonly max?: number;
  readonly dryRun: boolean;
  readonly pageSize: number;
}

export interface ReplayDlqSummary {
  queue?: QueueReplayReport;
  index?: IndexReplayReport;
}

/**
 * `replay-dlq`: moves the dead-letter queue back to the main queue and/or
 * re-indexes the dead-letter index. Prints one line per item and a JSON
 * summary last. Exit 0 when the run completed (records that fail again are
 * counted, not errors); 1 when it stopped on an error (a send that failed,
 * records OpenSearch did not accept after retries).
 */
export async function runReplayDlq(ctx: Context, options: ReplayDlqOptions): Promise<number> {
  const { config, logger } = ctx;
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const queueMode = options.queue || (!options.index && config.dlqUrl !== undefined);
  if (!queueMode && !options.index) {
    throw new ConfigError('Nothing to replay: TRAILSTREAM_DLQ_URL is not set. Say --index to re-index the dead-letter index, or set TRAILSTREAM_DLQ_URL (and TRAILSTREAM_QUEUE_URL) to move the dead-letter queue.');
  }
  if (queueMode && !config.dlqUrl) throw new ConfigError('--queue needs TRAILSTREAM_DLQ_URL: the URL of the dead-letter queue to move messages from.');
  if (queueMode && !config.queueUrl) throw new ConfigError('--queue needs TRAILSTREAM_QUEUE_URL: the URL of the main queue the messages go back to.');

  const abort = new AbortController();
  const onSignal = (): void => {
    if (abort.signal.aborted) process.exit(130);
    logger.warn('stopping after the current message or page; a second signal exits at once');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const summary: ReplayDlqSummary = {};
  try {
    if (queueMode) {
      out(`${options.dryRun ? 'dry run: would move' : 'moving'} messages from ${config.dlqUrl} to ${config.queueUrl}`);
      summary.queue = await replayQueue(sqsReplayPort(ctx.sqs(), config.dlqUrl!, config.queueUrl!), {
        dryRun: options.dryRun,
        signal: abort.signal,
        ...(options.max !== undefined ? { max: options.max } : {}),
        onMessage: (m) => out(queueLine(m)),
      });
      const q = summary.queue;
      out(
        options.dryRun
          ? `queue: ${q.wouldMove} message(s) would be moved; nothing was changed`
          : `queue: ${q.moved} moved${q.movedNotDeleted ? `, ${q.movedNotDeleted} sent but not deleted from the DLQ (harmless duplicates on the next run)` : ''}${q.sendFailed ? `, stopped: a send to the main queue failed (the message stays on the DLQ)` : ''}`,
      );
    }
    if (options.index && !abort.signal.aborted) {
      out(`${options.dryRun ? 'dry run: would re-index' : 're-indexing'} records of the dead-letter index ${config.deadLetterIndex}`);
      // A dry run only needs each record's index and id, which do not depend on geo-IP.
      const enricher = options.dryRun ? undefined : await createConfiguredEnricher(ctx);
      const indexer = createConfiguredIndexer(ctx);
      try {
        summary.index = await replayDeadLetterIndex(searchDeadLetterStore(ctx.search(), config.deadLetterIndex), indexer, {
          indexPrefix: config.indexPrefix,
          indexGranularity: config.indexGranularity,
          enrich: enricher ? (r) => enricher.enrich(r) : enrichRecord,
          pageSize: options.pageSize,
          dryRun: options.dryRun,
          signal: abort.signal,
          ...(options.max !== undefined ? { max: options.max } : {}),
          onItem: (item) => out(indexLine(item)),
        });
      } finally {
        await indexer.close();
      }
      const i = summary.index;
      const stays = i.failedAgain + i.invalidJson + i.truncated + i.unusable + i.notDurable;
      out(
        options.dryRun
          ? `index: ${i.wouldReplay} record(s) would be re-indexed, ${i.invalidJson + i.truncated + i.unusable} cannot be rebuilt and would stay; nothing was changed`
          : `index: ${i.replayed} re-indexed and removed from the dead-letter index, ${stays} stay (${i.failedAgain} refused again, ${i.invalidJson} not valid JSON, ${i.truncated} truncated, ${i.unusable} unusable, ${i.notDurable} not accepted after retries)${i.notDeleted ? `, ${i.notDeleted} indexed but their dead letter not deleted` : ''}`,
      );
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  out(JSON.stringify(summary));
  const failed = (summary.queue?.sendFailed ?? 0) > 0 || (summary.index?.notDurable ?? 0) > 0;
  return failed ? 1 : 0;
}

function queueLine(m: QueueReplayItem): string {
  const what = m.objects.length > 0 ? m.objects.join(' ') : `(${m.unparseable ?? 'no object'})`;
  const reason = m.reason ?? '(no trailstream reason: moved by the queue redrive policy?)';
  const verb = { moved: 'moved', 'would-move': 'would move', 'send-failed': 'SEND FAILED', 'moved-not-deleted': 'sent, not deleted' }[m.outcome];
  return `  ${verb}  ${m.messageId}  ${what}  reason: ${reason}${m.error ? `  error: ${m.error}` : ''}`;
}

function indexLine(i: IndexReplayItem): string {
  const where = i.origin ? `  s3://${i.origin.bucket}/${i.origin.key} #${i.origin.ordinal}` : '';
  return `  ${i.outcome}  ${i.deadLetterId}${i.target && i.target !== i.deadLetterId ? ` -> ${i.target}` : ''}${where}${i.detail ? `  (${i.detail})` : ''}`;
}

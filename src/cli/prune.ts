import { openSearchIndexCatalog, prune, type PruneItem } from '../ops/prune.js';
import type { Context } from './context.js';

export interface PruneCommandOptions {
  readonly olderThanDays: number;
  readonly dryRun: boolean;
}

/**
 * `prune`: deletes the event and Insights indices whose period ended at least
 * --older-than days ago (src/ops/prune.ts). One line per dated index, then a
 * summary. Exit 0 when every expired index was deleted (or listed, with
 * --dry-run); 1 when a delete failed.
 */
export async function runPrune(ctx: Context, options: PruneCommandOptions): Promise<number> {
  const { config } = ctx;
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const report = await prune(openSearchIndexCatalog(ctx.opensearch()), {
    indexPrefix: config.indexPrefix,
    deadLetterIndex: config.deadLetterIndex,
    olderThanDays: options.olderThanDays,
    dryRun: options.dryRun,
    onIndex: (item) => out(line(item)),
  });
  const ignored = report.ignored.length > 0 ? `; not dated indices of prefix ${config.indexPrefix}, left alone: ${report.ignored.join(', ')}` : '';
  out(
    options.dryRun
      ? `dry run: ${report.wouldDelete.length} index(es) would be deleted, ${report.kept.length} kept${ignored}`
      : `${report.deleted.length} index(es) deleted, ${report.kept.length} kept${report.failed.length > 0 ? `, ${report.failed.length} could not be deleted` : ''}${ignored}`,
  );
  return report.failed.length > 0 ? 1 : 0;
}

function line(item: PruneItem): string {
  const when = item.endedDaysAgo < 0 ? 'period not over' : `period ended ${item.endedDaysAgo} day(s) ago`;
  const what = { deleted: 'deleted', 'would-delete': 'would delete', kept: 'kept', 'delete-failed': 'NOT deleted' }[item.action];
  return `${what.padEnd(12)} ${item.index} (${item.granularity}, ${when})${item.detail ? `: ${item.detail}` : ''}`;
}

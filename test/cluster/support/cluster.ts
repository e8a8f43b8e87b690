import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@opensearch-project/opensearch';
import { ROOT } from '../../integration/support/local-stack.js';

const run = promisify(execFile);
const STACK = path.join(ROOT, 'stack/stack.sh');

export interface NodeStatus {
  readonly name: string;
  readonly pid: number | null;
  readonly httpPort: number;
  readonly up: boolean;
  readonly clusterManager: boolean;
}

export interface ClusterStatus {
  readonly ok: boolean;
  readonly opensearch: { readonly health: string | null; readonly clusterManager: string | null; readonly nodes: readonly NodeStatus[] };
}

/** `stack.sh status --json` (which exits 1 while a node is down: the JSON is printed all the same). */
export async function clusterStatus(): Promise<ClusterStatus> {
  let stdout: string;
  try {
    stdout = (await run('bash', [STACK, 'status', '--json'], { cwd: ROOT, env: process.env })).stdout;
  } catch (error) {
    stdout = (error as { stdout?: string }).stdout ?? '';
  }
  return JSON.parse(stdout) as ClusterStatus;
}

/** `stack.sh node stop <name> [--kill]`: TERM (the node shuts down cleanly) or KILL. */
export async function stopNode(name: string, how: 'TERM' | 'KILL'): Promise<void> {
  await run('bash', [STACK, 'node', 'stop', name, ...(how === 'KILL' ? ['--kill'] : [])], { cwd: ROOT, env: process.env });
}

/** `stack.sh node start <name>`: resolves once the node has joined the cluster again. */
export async function startNode(name: string): Promise<void> {
  await run('bash', [STACK, 'node', 'start', name], { cwd: ROOT, env: process.env, timeout: 600_000 });
}

export function clusterClient(): Client {
  const nodes = (process.env.OPENSEARCH_URL ?? '').split(',');
  return new Client({ nodes, maxRetries: nodes.length - 1, requestTimeout: 30_000 });
}

/** Waits until the cluster has all three nodes and every shard allocated (green). */
export async function waitForGreen(timeoutMs = 600_000): Promise<void> {
  const client = clusterClient();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        const h = (await client.cluster.health({ wait_for_status: 'green', wait_for_nodes: '3', timeout: '20s' } as never)).body as { status: string; number_of_nodes: number; timed_out: boolean };
        if (!h.timed_out && h.status === 'green' && h.number_of_nodes === 3) return;
      } catch {
        // a node is still starting, or the cluster has no manager yet
      }
      if (Date.now() > deadline) throw new Error(`the cluster did not turn green with 3 nodes within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await client.close();
  }
}

export async function managerNode(): Promise<string> {
  const s = await clusterStatus();
  const name = s.opensearch.clusterManager;
  if (!name) throw new Error('no elected cluster manager');
  return name;
}

/** A node that is not the elected cluster manager (a plain data node for this fault). */
export async function dataNode(): Promise<string> {
  const s = await clusterStatus();
  const node = s.opensearch.nodes.find((n) => n.up && !n.clusterManager);
  if (!node) throw new Error('no running node besides the cluster manager');
  return node.name;
}

/**
 * Watches ingestion: the number of documents in an index pattern, every half
 * second, through every node (so a dead node does not stop the watching).
 * The longest stall is the longest time the count did not grow while documents
 * were still missing.
 */
export class ProgressMonitor {
  private readonly client = clusterClient();
  private readonly points: { at: number; count: number }[] = [];
  private best = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(
    private readonly pattern: string,
    readonly expected: number,
  ) {
    this.points.push({ at: Date.now(), count: 0 });
    void this.poll();
  }

  get count(): number {
    return this.best;
  }

  /** Resolves once at least `count` documents are searchable. */
  reached(count: number): Promise<void> {
    if (this.best >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.client.indices.refresh({ index: this.pattern, allow_no_indices: true, ignore_unavailable: true } as never);
      const r = await this.client.count({ index: this.pattern, allow_no_indices: true, ignore_unavailable: true } as never);
      const count = (r.body as { count: number }).count;
      if (count > this.best) {
        this.best = count;
        this.points.push({ at: Date.now(), count });
        const ready = this.waiters.filter((w) => w.count <= count);
        this.waiters = this.waiters.filter((w) => w.count > count);
        for (const w of ready) w.resolve();
      }
    } catch {
      // no answer (the cluster is down or red): no progress
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.poll(), 500);
  }

  /** The longest time (ms) without progress between the first document and the last. */
  longestStallMs(): number {
    let longest = 0;
    const first = this.points.find((p) => p.count > 0);
    if (!first) return 0;
    for (let i = this.points.indexOf(first) + 1; i < this.points.length; i++) {
      longest = Math.max(longest, this.points[i]!.at - this.points[i - 1]!.at);
    }
    return longest;
  }

  /** From the first document to the last (ms). */
  durationMs(): number {
    const first = this.points.find((p) => p.count > 0);
    const last = this.points.at(-1);
    return first && last ? last.at - first.at : 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.client.close();
  }
}

/** Prints a line for the closing note and keeps it in <stack dir>/cluster-faults.log. */
export function report(line: string): void {
  const text = `[cluster-faults] ${new Date().toISOString()} ${line}`;
  process.stdout.write(`${text}\n`);
  const dir = process.env.TRAILSTREAM_STACK_DIR;
  if (dir) appendFileSync(path.join(dir, 'cluster-faults.log'), `${text}\n`);
}

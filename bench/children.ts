/**
 * Spawns one-core.js children, pinned to one CPU with taskset when it exists
 * (so "one core" holds for V8's helper threads too), and starts several of
 * them at the same instant.
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { OneCoreArgs, OneCoreResult } from './one-core.js';
import { BENCH_BUILD_DIR } from './paths.js';

let tasksetWorks: boolean | undefined;

export function canPin(): boolean {
  if (tasksetWorks === undefined) {
    try {
      execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
      tasksetWorks = true;
    } catch {
      tasksetWorks = false;
    }
  }
  return tasksetWorks;
}

export interface ChildOptions {
  /** CPU to pin the child to. */
  readonly core: number;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly execArgv?: readonly string[];
}

interface Child {
  readonly ready: Promise<void>;
  go(): void;
  readonly result: Promise<OneCoreResult>;
}

function spawnChild(args: OneCoreArgs, options: ChildOptions): Child {
  const node = [...(options.execArgv ?? []), '--expose-gc', path.join(BENCH_BUILD_DIR, 'one-core.js'), JSON.stringify(args)];
  const child = canPin()
    ? spawn('taskset', ['-c', String(options.core), process.execPath, ...node], { stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, node, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let onReady: () => void = () => {};
  let onResult: (r: OneCoreResult) => void = () => {};
  let onFail: (e: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  const result = new Promise<OneCoreResult>((resolve, reject) => {
    onResult = resolve;
    const previous = onFail;
    onFail = (e) => {
      previous(e);
      reject(e);
    };
  });
  // Only the first failure matters; the other promise may never be awaited.
  ready.catch(() => {});
  result.catch(() => {});
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as { ready?: boolean; result?: OneCoreResult };
    if (message.ready) onReady();
    if (message.result) onResult(message.result);
  });
  child.on('close', (code) => onFail(new Error(`one-core ${args.mode} exited with ${code}: ${stderr.slice(-2000)}`)));
  child.on('error', (e) => onFail(e));
  return { ready, go: () => child.stdin.end('go\n'), result };
}

/** Runs the children together: all load and warm up, then all start at once. */
export async function runTogether(children: readonly { args: OneCoreArgs; options: ChildOptions }[]): Promise<OneCoreResult[]> {
  const spawned = children.map((c) => spawnChild(c.args, c.options));
  await Promise.all(spawned.map((c) => c.ready));
  for (const c of spawned) c.go();
  return Promise.all(spawned.map((c) => c.result));
}

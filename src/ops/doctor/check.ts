/**
 * The doctor's check runner: independent checks run concurrently, each with a
 * timeout (an unreachable host must not hang the doctor), and a check that
 * needs another one (templates need OpenSearch) waits for it and is skipped
 * when it failed. Results come back in the order the checks were declared.
 */
import { SecretScrubber } from '../../observability/secrets.js';

export type CheckStatus = 'OK' | 'WARN' | 'FAIL' | 'SKIP';

export interface CheckResult {
  /** Stable name, e.g. `sqs.queue` or `s3.bucket my-trail-bucket`. */
  readonly check: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** For WARN and FAIL: exactly what to do about it. */
  readonly fix?: string;
}

/** A check's own finding; `check` defaults to the check's name (a check may report several lines). */
export type Finding = Omit<CheckResult, 'check'> & { readonly check?: string };

export interface Check {
  readonly name: string;
  /** Names of checks that must pass (not FAIL or SKIP) before this one runs. */
  readonly needs?: readonly string[];
  /** What to do when the check gets no answer in time. */
  readonly timeoutFix?: string;
  run(signal: AbortSignal): Promise<Finding | readonly Finding[]>;
}

export interface RunOptions {
  readonly timeoutMs: number;
  /** Values that must never appear in a result (passwords, secret keys): replaced if they do. */
  readonly secrets?: readonly string[];
}

export const ok = (detail: string, check?: string): Finding => ({ status: 'OK', detail, ...(check ? { check } : {}) });
export const warn = (detail: string, fix: string, check?: string): Finding => ({ status: 'WARN', detail, fix, ...(check ? { check } : {}) });
export const fail = (detail: string, fix: string, check?: string): Finding => ({ status: 'FAIL', detail, fix, ...(check ? { check } : {}) });
export const skip = (detail: string, check?: string): Finding => ({ status: 'SKIP', detail, ...(check ? { check } : {}) });

const RANK: Readonly<Record<CheckStatus, number>> = { OK: 0, SKIP: 1, WARN: 2, FAIL: 3 };

export async function runChecks(checks: readonly Check[], options: RunOptions): Promise<CheckResult[]> {
  const byName = new Map<string, Promise<CheckResult[]>>();
  const unknown = checks.flatMap((c) => (c.needs ?? []).filter((n) => !checks.some((o) => o.name === n)));
  if (unknown.length > 0) throw new Error(`doctor: unknown check dependencies: ${unknown.join(', ')}`);
  // Declared order is a valid order: a check may only need checks declared before it.
  for (const c of checks) {
    for (const n of c.needs ?? []) if (!byName.has(n)) throw new Error(`doctor: check ${c.name} needs ${n}, which must be declared before it`);
    byName.set(c.name, runOne(c, byName, options));
  }
  const all = await Promise.all(checks.map((c) => byName.get(c.name)!));
  // The same scrubber as the logs: it also catches the encoded forms a secret travels in.
  const scrubber = new SecretScrubber();
  for (const secret of options.secrets ?? []) scrubber.add(secret);
  const scrub = (text: string): string => scrubber.scrub(text);
  return all.flat().map((r) => ({ ...r, detail: scrub(r.detail), ...(r.fix !== undefined ? { fix: scrub(r.fix) } : {}) }));
}

async function runOne(c: Check, done: ReadonlyMap<string, Promise<CheckResult[]>>, options: RunOptions): Promise<CheckResult[]> {
  for (const n of c.needs ?? []) {
    const results = await done.get(n)!;
    if (results.some((r) => r.status === 'FAIL' || r.status === 'SKIP')) {
      return [{ check: c.name, status: 'SKIP', detail: `not checked: ${n} did not pass` }];
    }
  }
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Finding>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(
        fail(
          `no answer within ${Math.round(options.timeoutMs / 100) / 10} s`,
          c.timeoutFix ?? 'check the network path to the service (DNS, firewall, proxy), or raise --timeout if it is just slow',
        ),
      );
    }, options.timeoutMs);
  });
  try {
    const found = await Promise.race([c.run(controller.signal), timeout]);
    const list = Array.isArray(found) ? (found as readonly Finding[]) : [found as Finding];
    return list.map(({ check, ...f }) => ({ check: check ?? c.name, ...f }));
  } catch (error) {
    const e = error as Error;
    return [{ check: c.name, status: 'FAIL', detail: `unexpected error: ${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`, fix: 'this is likely a bug in trailstream doctor; please report it with this output' }];
  } finally {
    clearTimeout(timer);
  }
}

/** The worst status, for the exit code and for dependencies. */
export function worst(results: readonly CheckResult[]): CheckStatus {
  return results.reduce<CheckStatus>((w, r) => (RANK[r.status] > RANK[w] ? r.status : w), 'OK');
}

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/unit/packaging/repo.ts). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function repoPath(relative: string): string {
  return path.join(ROOT, relative);
}

export function readRepoFile(relative: string): string {
  return readFileSync(repoPath(relative), 'utf8');
}

/** The file's text, or undefined while it does not exist (files other engineers are still writing). */
export function readRepoFileIfPresent(relative: string): string | undefined {
  const p = repoPath(relative);
  return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
}

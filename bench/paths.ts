import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the first folder above this file with a package.json (works from bench/ and .bench/build/bench/). */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('bench: cannot find the repository root (no package.json above this file)');
    dir = up;
  }
  return dir;
}

export const ROOT = findRoot();
/** Git-ignored working folder of the benchmark: cached corpora, last results, profiles. */
export const BENCH_DIR = path.join(ROOT, '.bench');
export const CORPUS_DIR = path.join(BENCH_DIR, 'corpus');
/** The compiled benchmark scripts, wherever this build is (children are spawned from here). */
export const BENCH_BUILD_DIR = path.dirname(fileURLToPath(import.meta.url));
/** The root of this build (`.bench/build` for npm run bench), which also holds the compiled sources. */
export const BUILD_DIR = path.dirname(BENCH_BUILD_DIR);
/** The worker CLI compiled by the benchmark's own build, so a concurrent `npm run build` cannot change it mid-run. */
export const CLI = path.join(BUILD_DIR, 'src/cli/main.js');

/**
 * The compiled sources find `mappings/` and `rules/` three levels above
 * themselves (as they do in dist/ and in the Docker image); give the bench
 * build the same layout.
 */
export function linkMappings(): void {
  for (const dir of ['mappings', 'rules']) {
    const link = path.join(BUILD_DIR, dir);
    if (existsSync(link)) continue;
    try {
      symlinkSync(path.relative(BUILD_DIR, path.join(ROOT, dir)), link, 'dir');
    } catch (error) {
      // Another bench process may have created it at the same moment.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the artefacts trailstream ships beside its code live (the package's
 * `mappings/`, `dashboards/`, `rules/`), resolved from this module so they are
 * found from `src/` under the tests and from `dist/` when installed.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const MAPPINGS_DIR = path.join(ROOT, 'mappings');
export const RULES_DIR = path.join(ROOT, 'rules');

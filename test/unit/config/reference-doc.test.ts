import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigReference } from '../../../src/config/reference.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('docs/configuration.md', () => {
  it('is exactly what the settings schema generates (run `npm run docs:config` after changing settings)', () => {
    const committed = readFileSync(path.join(ROOT, 'docs/configuration.md'), 'utf8');
    expect(committed).toBe(renderConfigReference());
  });
});

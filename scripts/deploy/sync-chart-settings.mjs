// Rewrites the settings lists of deploy/helm/trailstream/values.schema.json from
// the worker's settings table (dist/config/settings.js, built from
// src/config/settings.ts): `config` accepts every setting but the secret ones,
// `secrets.keys` any setting. `npm run check:deploy -- --update` runs it;
// test/unit/deploy/helm-chart.test.ts fails while the two disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { settings } = await import(path.join(root, 'dist/config/settings.js'));
const file = path.join(root, 'deploy/helm/trailstream/values.schema.json');
const schema = JSON.parse(readFileSync(file, 'utf8'));
const all = Object.values(settings);
schema.properties.config.properties = Object.fromEntries(all.filter((s) => s.secret !== true).map((s) => [s.env, { $ref: '#/$defs/settingValue' }]));
schema.$defs.settingName.enum = all.map((s) => s.env);
writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
console.error(`values.schema.json: ${all.length} settings (${all.filter((s) => s.secret === true).length} secret, from a Secret only)`);

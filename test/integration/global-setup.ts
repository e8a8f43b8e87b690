import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Integration tests run against the real local stack (OpenSearch + moto).
 * `stack up` is idempotent: it starts what is not running and reuses what is,
 * so a developer's running stack is left as it is. The stack's `env` output is
 * loaded into this process so every test worker sees the same endpoints.
 */
export default async function globalSetup(): Promise<void> {
  // Integration tests run the CLI as users do, from the build output.
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
    cwd: root,
  });
  execFileSync('bash', [path.join(root, 'stack/stack.sh'), 'up'], { stdio: 'inherit', cwd: root });
  const env = execFileSync('bash', [path.join(root, 'stack/stack.sh'), 'env'], { cwd: root, encoding: 'utf8' });
  for (const line of env.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(?:'([^']*)'|"([^"]*)"|(\S*))$/.exec(line.trim());
    if (m?.[1]) process.env[m[1]] = m[2] ?? m[3] ?? m[4] ?? '';
  }
}

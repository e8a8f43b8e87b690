import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The cluster fault tests run on their own 3-node stack, beside the
 * single-node one the other tests use: state in `.stack-cluster/`, HTTP ports
 * TRAILSTREAM_CLUSTER_OPENSEARCH_PORT (default 9201) to +2, transport ports
 * TRAILSTREAM_CLUSTER_TRANSPORT_PORT (default 19301) to +2, moto on
 * TRAILSTREAM_CLUSTER_MOTO_PORT (default 5001). `up` is idempotent. The
 * settings are put into this process's environment, so the tests' `stack.sh
 * node stop|start` calls reach the same stack.
 */
export default async function globalSetup(): Promise<void> {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit', cwd: root });
  const stack: Record<string, string> = {
    TRAILSTREAM_STACK_DIR: process.env.TRAILSTREAM_CLUSTER_STACK_DIR ?? path.join(root, '.stack-cluster'),
    TRAILSTREAM_OPENSEARCH_PORT: process.env.TRAILSTREAM_CLUSTER_OPENSEARCH_PORT ?? '9201',
    TRAILSTREAM_OPENSEARCH_TRANSPORT_PORT: process.env.TRAILSTREAM_CLUSTER_TRANSPORT_PORT ?? '19301',
    TRAILSTREAM_MOTO_PORT: process.env.TRAILSTREAM_CLUSTER_MOTO_PORT ?? '5001',
    TRAILSTREAM_STACK_SHARE: '0',
  };
  Object.assign(process.env, stack);
  execFileSync('bash', [path.join(root, 'stack/stack.sh'), 'up', '--nodes', '3'], { stdio: 'inherit', cwd: root, env: process.env });
  const env = execFileSync('bash', [path.join(root, 'stack/stack.sh'), 'env'], { cwd: root, encoding: 'utf8', env: process.env });
  for (const line of env.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(?:'([^']*)'|"([^"]*)"|(\S*))$/.exec(line.trim());
    if (m?.[1]) process.env[m[1]] = m[2] ?? m[3] ?? m[4] ?? '';
  }
}

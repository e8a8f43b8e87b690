// Checks what the container image's runtime stage holds, without a Docker
// engine: the runtime stage is package.json + the production node_modules
// (`npm prune --omit=dev` after the build) + what the Dockerfile's runtime stage copies (dist/, mappings/, dashboards/, rules/, …).
// This script assembles the same set in a temporary directory with
// `npm ci --omit=dev`, then:
//   - no development dependency is installed;
//   - `trailstream --help` and `worker --help` run;
//   - `worker` without TRAILSTREAM_QUEUE_URL stops with the configuration error;
//   - `worker` with a full configuration (queue and OpenSearch on closed local
//     ports) loads everything it needs (the bundled geo-IP databases included),
//     answers /healthz 200 and /readyz 503, and on SIGTERM exits 0 within the
//     shutdown grace period;
//   - nothing under the application directory was written (readOnlyRootFilesystem).
// Not checked here (needs Docker): the base image, the USER, the image's
// HEALTHCHECK as Docker runs it, tini/PID 1 signal handling.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const failures = [];
const check = (ok, what) => {
  if (ok) console.error(`  ok: ${what}`);
  else {
    console.error(`  FAIL: ${what}`);
    failures.push(what);
  }
};

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw r.error;
  return r;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** path -> mtimeMs of every file under dir. */
function snapshot(dir) {
  const out = new Map();
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(p, statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return out;
}

async function waitFor(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  console.error(`  (gave up waiting for ${what} after ${timeoutMs} ms)`);
  return false;
}

console.error('  building dist/ (npm run build)');
const build = run('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

const app = mkdtempSync(path.join(tmpdir(), 'trailstream-image-'));
try {
  // What the runtime stage copies from the build stage (read from the Dockerfile, so a
  // directory added there, such as rules/, is checked here too), plus the lockfile npm ci needs.
  const copied = [...readFileSync(path.join(root, 'Dockerfile'), 'utf8').matchAll(/^COPY --from=build (.+) \S+$/gm)]
    .flatMap((m) => m[1].split(/\s+/))
    .map((src) => src.replace(/^\/app\//, ''))
    .filter((f) => f !== 'node_modules');
  for (const f of new Set(['package-lock.json', ...copied])) {
    cpSync(path.join(root, f), path.join(app, f), { recursive: true });
  }
  console.error(`  npm ci --omit=dev in ${app}`);
  const ci = run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app });
  if (ci.status !== 0) {
    console.error(ci.stdout, ci.stderr);
    process.exit(1);
  }

  // Every package npm installed, against the lockfile's marks: a package only
  // development needs (dev: true) must not be there. (A devDependency that a
  // production package also depends on, such as @smithy/signature-v4, is not dev.)
  const pkg = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(path.join(app, 'package-lock.json'), 'utf8')).packages;
  const installed = Object.keys(JSON.parse(readFileSync(path.join(app, 'node_modules/.package-lock.json'), 'utf8')).packages);
  const devInstalled = installed.filter((p) => lock[p]?.dev === true);
  check(installed.length > 0 && devInstalled.length === 0, `${installed.length} packages installed, none of them development-only${devInstalled.length ? `: ${devInstalled.slice(0, 10).join(', ')}` : ''}`);
  const devOnly = Object.keys(pkg.devDependencies ?? {}).filter((d) => lock[`node_modules/${d}`]?.dev === true);
  check(devOnly.length > 0 && devOnly.every((d) => !installed.includes(`node_modules/${d}`)), `no development tool installed (${devOnly.join(', ')})`);
  check(Object.keys(pkg.dependencies).every((d) => installed.includes(`node_modules/${d}`)), 'every production dependency installed');

  const before = snapshot(app);
  const env = {
    PATH: process.env.PATH,
    HOME: app,
    NODE_ENV: 'production',
    NODE_OPTIONS: '--enable-source-maps',
  };
  const cli = (args, extraEnv = {}) => run(process.execPath, ['dist/cli/main.js', ...args], { cwd: app, env: { ...env, ...extraEnv }, timeout: 60_000 });

  const help = cli(['--help']);
  check(help.status === 0 && /worker/.test(help.stdout) && /setup/.test(help.stdout), 'trailstream --help lists worker and setup');
  const workerHelp = cli(['worker', '--help']);
  check(workerHelp.status === 0 && /--until-idle/.test(workerHelp.stdout), 'trailstream worker --help');

  const noQueue = cli(['worker'], { TRAILSTREAM_METRICS_PORT: '0' });
  check(noQueue.status !== 0 && /TRAILSTREAM_QUEUE_URL is not set/.test(noQueue.stderr), 'worker without TRAILSTREAM_QUEUE_URL stops with the configuration error');

  const [metricsPort, closedPort] = await Promise.all([freePort(), freePort()]);
  const grace = 5;
  const child = spawn(process.execPath, ['dist/cli/main.js', 'worker'], {
    cwd: app,
    env: {
      ...env,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL: `http://127.0.0.1:${closedPort}`,
      OPENSEARCH_URL: `http://127.0.0.1:${closedPort}`,
      TRAILSTREAM_QUEUE_URL: `http://127.0.0.1:${closedPort}/000000000000/trailstream`,
      TRAILSTREAM_ALLOWED_BUCKETS: 'cloudtrail-logs',
      TRAILSTREAM_METRICS_HOST: '127.0.0.1',
      TRAILSTREAM_METRICS_PORT: String(metricsPort),
      TRAILSTREAM_SHUTDOWN_GRACE_SECONDS: String(grace),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.resume();
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const get = async (p) => {
    try {
      return (await fetch(`http://127.0.0.1:${metricsPort}${p}`, { signal: AbortSignal.timeout(2000) })).status;
    } catch {
      return 0;
    }
  };
  const started = await waitFor(() => stderr.includes('"worker started"'), 60_000, 'the "worker started" log line');
  check(started, 'worker starts with production dependencies only (geo-IP databases loaded)');
  check((await get('/healthz')) === 200, '/healthz answers 200');
  check((await get('/readyz')) === 503, '/readyz answers 503 while the queue and OpenSearch are unreachable');
  const stopAt = Date.now();
  child.kill('SIGTERM');
  const timeout = new Promise((resolve) => setTimeout(() => resolve(undefined), (grace + 20) * 1000).unref());
  const result = await Promise.race([exited, timeout]);
  if (!result) child.kill('SIGKILL');
  check(result?.code === 0, `worker exits 0 on SIGTERM (${result ? `code ${result.code}` : 'still running'} after ${Date.now() - stopAt} ms)`);
  check(stderr.includes('"worker stopped"'), 'worker logs "worker stopped"');
  if (failures.length > 0) console.error(stderr.split('\n').slice(-20).join('\n'));

  const after = snapshot(app);
  const written = [...after].filter(([p, m]) => before.get(p) !== m).map(([p]) => path.relative(app, p));
  check(written.length === 0, `nothing written under the application directory${written.length ? `: ${written.join(', ')}` : ''}`);
} finally {
  rmSync(app, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`image contents: ${failures.length} check(s) failed`);
  process.exit(1);
}

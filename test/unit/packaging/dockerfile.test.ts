/**
 * Static checks of the Dockerfile and .dockerignore (no Docker engine here to
 * build the image): the stage layout, the base image, the user, the entry point
 * and what the build context lets in.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { settings } from '../../../src/config/settings.js';
import { Health } from '../../../src/observability/health.js';
import { startObservabilityServer } from '../../../src/observability/http-server.js';
import { PrometheusMetrics } from '../../../src/observability/metrics.js';
import { readRepoFile, repoPath } from './repo.js';

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions of a Dockerfile: continuation lines joined, comment lines (and parser directives) dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue; // also inside a continued instruction, as Docker does
    if (current === '' && line === '') continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    const m = /^(\S+)\s*(.*)$/s.exec(current.trim());
    if (m?.[1]) out.push({ keyword: m[1].toUpperCase(), args: (m[2] ?? '').trim() });
    current = '';
  }
  return out;
}

/** Splits into stages; ARGs before the first FROM are substituted into FROM lines with their defaults. */
function stagesOf(instructions: Instruction[]): Stage[] {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const image = (words[0] ?? '').replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, v: string) => globalArgs.get(v) ?? '');
      const name = words[1]?.toUpperCase() === 'AS' ? words[2] : undefined;
      stages.push({ image, name, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword === 'ARG') {
        const [k, v] = ins.args.split('=', 2);
        if (k) globalArgs.set(k.trim(), (v ?? '').trim().replace(/^"(.*)"$/, '$1'));
      }
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return stages;
}

const exec = (args: string): unknown => JSON.parse(args) as unknown;

/** `HEALTHCHECK --opt=v ... CMD ["exec", "form"]` → its options and command (exec form only). */
function healthcheckOf(stage: Stage): { options: Record<string, string>; command: string[] } {
  const args = stage.instructions.filter((i) => i.keyword === 'HEALTHCHECK').at(-1)?.args;
  if (!args) throw new Error('the runtime stage has no HEALTHCHECK');
  const m = /^((?:--[a-z-]+=\S+\s+)*)CMD\s+(\[.*\])$/s.exec(args);
  if (!m) throw new Error(`HEALTHCHECK is not "[--options] CMD [exec form]": ${args}`);
  const options = Object.fromEntries([...(m[1] ?? '').matchAll(/--([a-z-]+)=(\S+)/g)].map((o) => [o[1], o[2]]));
  return { options, command: JSON.parse(m[2]!) as string[] };
}

const instructions = parseDockerfile(readRepoFile('Dockerfile'));
const stages = stagesOf(instructions);
const finalStage = stages.at(-1) as Stage;
const buildStages = stages.slice(0, -1);
const pkg = JSON.parse(readRepoFile('package.json')) as { bin?: Record<string, string>; license?: string };

function all(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

describe('Dockerfile', () => {
  it('is multi-stage: at least one build stage and a runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
  });

  it('builds on a Node LTS image (even major ≥ 22), the same for every stage', () => {
    for (const stage of stages) {
      const m = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)(?:[.-][\w.-]*)?$/.exec(stage.image);
      expect({ image: stage.image, node: Boolean(m) }).toEqual({ image: stage.image, node: true });
      const major = Number(m?.[1]);
      expect(major % 2).toBe(0);
      expect(major).toBeGreaterThanOrEqual(22);
    }
    expect(new Set(stages.map((s) => s.image)).size).toBe(1);
  });

  it('the build stage installs, compiles, then drops dev dependencies', () => {
    const runs = buildStages.flatMap((s) => all(s, 'RUN')).join('\n');
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).toMatch(/\bnpm run build\b/);
    expect(runs).toMatch(/\bnpm (prune|ci) [^\n]*--omit=dev\b/);
  });

  it('the runtime stage takes dist, production node_modules, package.json, mappings, dashboards and rules from the build', () => {
    const copied = all(finalStage, 'COPY')
      .filter((a) => a.startsWith('--from='))
      .flatMap((a) => a.split(/\s+/).slice(1, -1))
      .map((src) => src.replace(/^\/app\//, '').replace(/\/$/, ''));
    expect(copied).toEqual(expect.arrayContaining(['dist', 'node_modules', 'package.json', 'mappings', 'dashboards', 'rules']));
    expect(all(finalStage, 'RUN')).toEqual([]); // nothing installed or compiled in the runtime stage
  });

  it('runs as a non-root user', () => {
    const user = all(finalStage, 'USER').at(-1);
    expect(user).toBeDefined();
    const name = (user ?? '').split(':')[0];
    expect(['root', '0', '']).not.toContain(name);
  });

  it('sets NODE_ENV=production', () => {
    expect(all(finalStage, 'ENV').join(' ')).toMatch(/\bNODE_ENV=production\b/);
  });

  it('ENTRYPOINT runs dist/cli/main.js (the package bin) with node; CMD is worker', () => {
    expect(exec(all(finalStage, 'ENTRYPOINT').at(-1) ?? 'null')).toEqual(['node', 'dist/cli/main.js']);
    expect(exec(all(finalStage, 'CMD').at(-1) ?? 'null')).toEqual(['worker']);
    expect(pkg.bin?.trailstream).toBe('dist/cli/main.js');
    // tsconfig.build.json compiles src/ into dist/: the entry point's source must exist.
    const build = JSON.parse(readRepoFile('tsconfig.build.json')) as { compilerOptions?: { rootDir?: string; outDir?: string } };
    expect([build.compilerOptions?.rootDir, build.compilerOptions?.outDir]).toEqual(['src', 'dist']);
    expect(existsSync(repoPath('src/cli/main.ts'))).toBe(true);
  });

  it('exposes the metrics port, the default of TRAILSTREAM_METRICS_PORT, and listens on every interface', () => {
    expect(all(finalStage, 'EXPOSE').flatMap((a) => a.split(/\s+/))).toContain(settings.metricsPort.default);
    expect(all(finalStage, 'ENV').join(' ')).toMatch(/\bTRAILSTREAM_METRICS_HOST=0\.0\.0\.0\b/);
    expect(settings.metricsHost.default).toBe('127.0.0.1'); // outside a container: this machine only
  });

  it('HEALTHCHECK asks /healthz on the metrics port with node\'s built-in fetch (slim images have no curl)', () => {
    const healthcheck = healthcheckOf(finalStage);
    expect(healthcheck.options).toMatchObject({ interval: expect.any(String), timeout: expect.any(String), 'start-period': expect.any(String) });
    expect(healthcheck.command[0]).toBe('node');
    const script = healthcheck.command.join(' ');
    expect(script).toMatch(/\bfetch\(/);
    expect(script).toMatch(/\/healthz/);
    expect(script).toMatch(/process\.env\.TRAILSTREAM_METRICS_PORT\|\|'9464'/);
    expect(script).not.toMatch(/\b(curl|wget)\b/);
  });

  it('the HEALTHCHECK command really works: 0 for a live worker, 1 for a failed one or none at all', async () => {
    const { command } = healthcheckOf(finalStage);
    const health = new Health({ receiveStaleAfterMs: 45_000 });
    const server = await startObservabilityServer({ host: '127.0.0.1', port: 0, metrics: new PrometheusMetrics({ defaultMetrics: false }), health });
    const run = (port: number): Promise<number | null> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, command.slice(1), { env: { PATH: process.env.PATH ?? '', TRAILSTREAM_METRICS_PORT: String(port) }, stdio: 'ignore' });
        child.on('error', reject);
        child.on('close', resolve);
      });
    try {
      expect(await run(server.port)).toBe(0);
      health.fail('boom');
      expect(await run(server.port)).toBe(1);
    } finally {
      await server.close();
    }
    expect(await run(server.port)).toBe(1); // nothing listens any more
  });

  it('carries the OCI labels, with the license of package.json', () => {
    const labels = all(finalStage, 'LABEL').join(' ');
    for (const key of ['title', 'description', 'licenses', 'source']) {
      expect(labels).toMatch(new RegExp(`org\\.opencontainers\\.image\\.${key}=\\S`));
    }
    expect(labels).toMatch(new RegExp(`org\\.opencontainers\\.image\\.licenses="?${pkg.license}"?(\\s|$)`));
  });
});

// ---------------------------------------------------------------------------
// .dockerignore, evaluated as Docker does: patterns in order, the last match
// wins, `!` re-includes, a pattern matching a directory covers what is in it,
// `*` and `?` stay within one path segment, `**` spans any number of them.

function patternToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const p = (negate ? l.slice(1) : l).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, re: patternToRegExp(p) };
    });
  return (path: string) => {
    const parts = path.split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((c) => rule.re.test(c))) excluded = !rule.negate;
    }
    return excluded;
  };
}

describe('.dockerignore', () => {
  const isExcluded = dockerignore(readRepoFile('.dockerignore'));

  it('keeps local state, build output, VCS data and tests out of the build context', () => {
    const outside = [
      'node_modules/p-queue/package.json',
      '.git/HEAD',
      'dist/cli/main.js',
      '.stack/run/moto.pid',
      'coverage/lcov.info',
      'test/fixtures/corpus/README.md',
      'test/unit/esm-smoke.test.ts',
      'src/pipeline/worker.test.ts',
      'stack/stack.sh',
      '.env',
      'docker-compose.yml',
    ];
    expect(outside.filter((p) => !isExcluded(p))).toEqual([]);
  });

  it('lets in what the build and the image need', () => {
    const inside = [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'src/cli/main.ts',
      'mappings/cloudtrail-events.template.json',
      'dashboards/cloudtrail.ndjson',
      'rules/cis-aws-foundations.json',
      'LICENSE',
      'NOTICE',
    ];
    expect(inside.filter((p) => isExcluded(p))).toEqual([]);
  });

  it('lets in every file the Dockerfile copies from the context', () => {
    const sources = stages
      .flatMap((s) => all(s, 'COPY'))
      .filter((a) => !a.startsWith('--from='))
      .flatMap((a) => a.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1))
      .filter((src) => src !== '.');
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect({ src, exists: existsSync(repoPath(src)), excluded: isExcluded(src) }).toEqual({ src, exists: true, excluded: false });
    }
  });

  it('the matcher itself: last match wins, directories cover their contents', () => {
    const m = dockerignore('*\n!src/\n**/*.test.ts\n');
    expect([m('README.md'), m('src/a.ts'), m('src/a/b.test.ts'), m('srcx/a.ts'), m('a/src/x.ts')]).toEqual([
      true,
      false,
      true,
      true,
      true,
    ]);
  });
});

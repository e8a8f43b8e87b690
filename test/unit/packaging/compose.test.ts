/**
 * docker-compose.yml cannot be run on the machines this project is developed and
 * tested on (no Docker engine), so it is checked statically instead:
 *
 *  1. against the Compose Specification JSON schema (vendored, with its source,
 *     commit and checksum, in test/fixtures/compose-spec/), the same schema
 *     `docker compose config` validates with;
 *  2. for what the schema cannot express: references between services,
 *     scalability of the worker, the shared environment, and consistency with the
 *     no-Docker local stack (stack/stack.sh, stack/create_resources.py).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Ajv2019, type ErrorObject, type ValidateFunction } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import { parseDocument } from 'yaml';
import { settings } from '../../../src/config/settings.js';
import { readRepoFile, readRepoFileIfPresent, repoPath } from './repo.js';

// ajv-formats is CommonJS: under NodeNext its default import is `module.exports`,
// whose `default` property is the plugin itself.
const addFormats = addFormatsModule.default;

const SCHEMA_DIR = 'test/fixtures/compose-spec';

interface DependsOnCondition {
  condition: string;
  required?: boolean;
  restart?: boolean | string;
}

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[] | null;
  entrypoint?: string | string[] | null;
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, DependsOnCondition>;
  ports?: (string | number | { host_ip?: string; published?: string | number })[];
  expose?: (string | number)[];
  profiles?: string[];
  container_name?: string;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
  volumes?: (string | { type: string; source?: string; target?: string; read_only?: boolean })[];
  ulimits?: Record<string, number | string | { soft: number | string; hard: number | string }>;
  [key: string]: unknown;
}

interface ComposeFile {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The environment variable names the trailstream containers share with the local stack. */
const SHARED_ENV_NAMES = [
  'OPENSEARCH_URL',
  'OPENSEARCH_DASHBOARDS_URL',
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'TRAILSTREAM_QUEUE_URL',
  'TRAILSTREAM_DLQ_URL',
  'TRAILSTREAM_BUCKET',
  // A single-node cluster cannot hold replicas; the local stack sets 0 as well.
  'TRAILSTREAM_INDEX_REPLICAS',
].sort();

/** The same for the Elasticsearch pipeline (profile `elasticsearch`): `stack env --engine elasticsearch`'s names, the credentials and Kibana. */
const SHARED_ELASTICSEARCH_ENV_NAMES = [
  'TRAILSTREAM_TARGET',
  'ELASTICSEARCH_URL',
  'ELASTICSEARCH_USERNAME',
  'ELASTICSEARCH_PASSWORD',
  'KIBANA_URL',
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'TRAILSTREAM_QUEUE_URL',
  'TRAILSTREAM_DLQ_URL',
  'TRAILSTREAM_BUCKET',
  'TRAILSTREAM_INDEX_REPLICAS',
].sort();

/** The services `--profile elasticsearch` adds. */
const ELASTICSEARCH_SERVICES = ['elasticsearch', 'elasticsearch-init', 'kibana', 'moto-init-elasticsearch', 'setup-elasticsearch', 'worker-elasticsearch'];

/** moto's default account id, which appears in its queue URLs. */
const MOTO_ACCOUNT_ID = '123456789012';

// ---------------------------------------------------------------------------
// Loading

function loadComposeText(text: string): { compose: ComposeFile; errors: string[] } {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true });
  const errors = [...doc.errors, ...doc.warnings].map((e) => e.message);
  return { compose: doc.toJS({ maxAliasCount: 1000 }) as ComposeFile, errors };
}

const composeText = readRepoFile('docker-compose.yml');
const { compose, errors: yamlErrors } = loadComposeText(composeText);
const services = compose.services;

function service(name: string): Service {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
}

function envOf(s: Service): Record<string, string> {
  const env = s.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((kv) => [kv.split('=')[0] ?? '', kv.includes('=') ? kv.slice(kv.indexOf('=') + 1) : '']));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

function dependsOn(s: Service): Record<string, DependsOnCondition> {
  const d = s.depends_on ?? {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((name) => [name, { condition: 'service_started' }]));
  return d;
}

/** `repo:tag` → tag (no digest pinning is used in this file). */
function imageTag(image: string | undefined): string {
  const m = /^[^@]+:([^:/@]+)$/.exec(image ?? '');
  if (!m?.[1]) throw new Error(`image "${image}" has no tag`);
  return m[1];
}

function imageRepo(image: string | undefined): string {
  return (image ?? '').replace(/:[^:/@]+$/, '');
}

// ---------------------------------------------------------------------------
// The Compose Specification schema

interface ComposeValidator {
  /** Schema errors of a whole Compose file, plus the per-service constraints `docker compose` checks (image or build). */
  validate(doc: unknown): string[];
}

function compileComposeValidator(): ComposeValidator {
  const schema = JSON.parse(readRepoFile(`${SCHEMA_DIR}/compose-spec.json`)) as Record<string, unknown>;
  // The schema still carries draft-04 style `id` keywords, which draft 2019-09
  // replaced by `$id`. Ajv refuses them outright; remove its `id` keyword so that
  // they are ignored, as the JSON Schema draft says for unknown keywords
  // (strict: false lets unknown keywords through).
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.removeKeyword('id');
  addFormats(ajv);
  // compose-go registers "expose" (and "ports") as formats that accept anything;
  // this one is a little stricter: a port or port range with an optional protocol.
  ajv.addFormat('expose', /^\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/);
  ajv.addSchema(schema, 'compose-spec');
  const file = ajv.getSchema('compose-spec') as ValidateFunction | undefined;
  const constraints = ajv.getSchema('compose-spec#/definitions/constraints/service') as ValidateFunction | undefined;
  if (!file || !constraints) throw new Error('could not compile the Compose Specification schema');

  const describe = (where: string, errs: ErrorObject[] | null | undefined): string[] =>
    (errs ?? []).map((e) => `${where}${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);

  return {
    validate(doc: unknown): string[] {
      const out: string[] = [];
      if (!file(doc)) out.push(...describe('', file.errors));
      const svcs = (doc as { services?: Record<string, unknown> } | null)?.services;
      if (svcs && typeof svcs === 'object') {
        for (const [name, svc] of Object.entries(svcs)) {
          if (!constraints(svc)) out.push(...describe(`/services/${name}`, constraints.errors));
        }
      }
      return out;
    },
  };
}

const validator = compileComposeValidator();

describe('docker-compose.yml: Compose Specification schema', () => {
  it('is well-formed YAML without duplicate keys', () => {
    expect(yamlErrors).toEqual([]);
    expect(typeof compose).toBe('object');
  });

  it('has no obsolete top-level `version:` key', () => {
    expect(compose).not.toHaveProperty('version');
  });

  it('is valid against the vendored compose-spec.json', () => {
    expect(validator.validate(compose)).toEqual([]);
  });

  it('uses the vendored schema unchanged (checksum recorded in its README)', () => {
    const readme = readRepoFile(`${SCHEMA_DIR}/README.md`);
    const recorded = /sha256[^\n]*?`([0-9a-f]{64})`/.exec(readme)?.[1];
    const actual = createHash('sha256').update(readRepoFile(`${SCHEMA_DIR}/compose-spec.json`)).digest('hex');
    expect(actual).toBe(recorded);
    expect(existsSync(repoPath(`${SCHEMA_DIR}/LICENSE`))).toBe(true);
  });

  describe('catches broken files (the validation is not vacuous)', () => {
    const broken = (mutate: (c: ComposeFile) => void): string[] => {
      const copy = structuredClone(compose);
      mutate(copy);
      return validator.validate(copy);
    };

    it('accepts a minimal valid file', () => {
      expect(validator.validate({ services: { a: { image: 'busybox' } } })).toEqual([]);
    });

    it('rejects ports that are not a list', () => {
      const errors = broken((c) => {
        (c.services.worker as Record<string, unknown>).ports = 'oops';
      });
      expect(errors.join('\n')).toMatch(/\/services\/worker\/ports/);
    });

    it('rejects an unknown top-level key', () => {
      const errors = broken((c) => {
        (c as Record<string, unknown>).servicez = {};
      });
      expect(errors.join('\n')).toMatch(/additionalProperty.*servicez/);
    });

    it('rejects an unknown service key', () => {
      const errors = broken((c) => {
        (c.services.worker as Record<string, unknown>).replicas = 3;
      });
      expect(errors.join('\n')).toMatch(/\/services\/worker .*replicas/);
    });

    it('rejects a misspelt depends_on condition', () => {
      const errors = broken((c) => {
        c.services.worker!.depends_on = { setup: { condition: 'service_completed' } };
      });
      expect(errors.join('\n')).toMatch(/\/services\/worker\/depends_on/);
    });

    it('rejects a service with neither image nor build', () => {
      const errors = broken((c) => {
        delete c.services.dashboards!.image;
      });
      expect(errors.join('\n')).toMatch(/\/services\/dashboards.*(image|build)/);
    });
  });
});

// ---------------------------------------------------------------------------
// What the schema cannot check

describe('docker-compose.yml: consistency', () => {
  it('defines the expected services', () => {
    expect(Object.keys(services).sort()).toEqual(['dashboards', 'moto', 'moto-init', 'opensearch', 'prometheus', 'setup', 'worker', ...ELASTICSEARCH_SERVICES].sort());
  });

  it('Prometheus (`metrics`) and the Elasticsearch pipeline (`elasticsearch`) are optional profiles; the OpenSearch pipeline runs by default', () => {
    const profiled = Object.entries(services).filter(([, s]) => Array.isArray(s.profiles) && s.profiles.length > 0);
    expect(Object.fromEntries(profiled.map(([name, s]) => [name, s.profiles]))).toEqual({
      prometheus: ['metrics'],
      ...Object.fromEntries(ELASTICSEARCH_SERVICES.map((n) => [n, ['elasticsearch']])),
    });
  });

  it('a service runs only after services enabled with it: nothing outside a profile waits on a profiled one, no profile on another', () => {
    const profilesOf = (s: Service): string[] => s.profiles ?? [];
    for (const [name, s] of Object.entries(services)) {
      for (const target of Object.keys(dependsOn(s))) {
        const needs = profilesOf(service(target));
        // The target is enabled whenever this service is: it has no profile, or one of this service's.
        const enabledWith = needs.length === 0 || needs.some((p) => profilesOf(s).includes(p));
        expect({ [`${name} -> ${target}`]: enabledWith }).toEqual({ [`${name} -> ${target}`]: true });
      }
    }
  });

  it('the worker exposes its metrics port (the TRAILSTREAM_METRICS_PORT default) to the network, without publishing it', () => {
    const worker = service('worker');
    expect((worker.expose ?? []).map(String)).toEqual([settings.metricsPort.default]);
    // No override: the image's HEALTHCHECK and TRAILSTREAM_METRICS_HOST=0.0.0.0 apply.
    expect(worker.healthcheck).toBeUndefined();
    expect(envOf(worker).TRAILSTREAM_METRICS_PORT).toBeUndefined();
    expect(envOf(worker).TRAILSTREAM_METRICS_HOST).toBeUndefined();
  });

  it('setup turns off the image healthcheck (it starts no metrics server)', () => {
    expect(service('setup').healthcheck).toEqual({ disable: true });
  });

  it('Prometheus is pinned, published on 127.0.0.1 only, and reads docker/prometheus.yml and its rules read-only', () => {
    const prometheus = service('prometheus');
    expect(imageRepo(prometheus.image)).toBe('prom/prometheus');
    expect(imageTag(prometheus.image)).toMatch(/^v3\.\d+\.\d+$/);
    expect(prometheus.ports).toEqual(['127.0.0.1:9090:9090']);
    expect(dependsOn(prometheus).worker?.condition).toBe('service_started');
    const mounts = (prometheus.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}${v.read_only ? ':ro' : ''}`));
    expect(mounts).toEqual(['./docker/prometheus.yml:/etc/prometheus/prometheus.yml:ro', './docker/prometheus-alerts.yml:/etc/prometheus/alerts.yml:ro']);
    for (const m of mounts) expect(existsSync(repoPath(m.split(':')[0]!))).toBe(true);
  });

  it('docker/prometheus.yml finds every worker replica through DNS on the exposed port, and loads the mounted rules', () => {
    const config = parseDocument(readRepoFile('docker/prometheus.yml'), { uniqueKeys: true }).toJS() as {
      rule_files?: string[];
      scrape_configs: { job_name: string; metrics_path?: string; dns_sd_configs?: { names: string[]; type: string; port: number }[] }[];
    };
    const job = config.scrape_configs.find((c) => c.job_name === 'trailstream');
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job?.dns_sd_configs).toEqual([expect.objectContaining({ names: ['worker'], type: 'A', port: Number(settings.metricsPort.default) })]);
    expect(job?.dns_sd_configs?.[0]?.names[0] && job.dns_sd_configs[0].names[0] in services).toBe(true);
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
  });

  it('uses no variable interpolation (works without a .env file)', () => {
    const strings: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(compose);
    expect(strings.filter((s) => /\$(?!\$)/.test(s.replace(/\$\$/g, '')))).toEqual([]);
  });

  it('every depends_on target exists, and there is no cycle', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const target of Object.keys(dependsOn(s))) {
        expect({ service: name, dependsOn: target, exists: target in services }).toEqual({
          service: name,
          dependsOn: target,
          exists: true,
        });
      }
    }
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string, pathSoFar: string[]): void => {
      if (done.has(name)) return;
      if (visiting.has(name)) throw new Error(`depends_on cycle: ${[...pathSoFar, name].join(' -> ')}`);
      visiting.add(name);
      for (const t of Object.keys(dependsOn(service(name)))) visit(t, [...pathSoFar, name]);
      visiting.delete(name);
      done.add(name);
    };
    for (const name of Object.keys(services)) visit(name, []);
  });

  it('waits only on conditions the target can meet', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [target, dep] of Object.entries(dependsOn(s))) {
        const t = service(target);
        if (dep.condition === 'service_healthy') {
          expect({ [`${name} -> ${target}`]: Boolean(t.healthcheck?.test) && t.healthcheck?.disable !== true }).toEqual({
            [`${name} -> ${target}`]: true,
          });
        }
        if (dep.condition === 'service_completed_successfully') {
          // A one-shot: restarting it would never let it "complete".
          expect({ [`${name} -> ${target}`]: t.restart ?? 'no' }).toEqual({ [`${name} -> ${target}`]: 'no' });
        }
      }
    }
  });

  it.each([
    ['worker', 'setup'],
    ['worker-elasticsearch', 'setup-elasticsearch'],
  ])('%s can be scaled: no container_name, no host ports, restarts, waits for %s, has time to shut down', (name, setupName) => {
    const worker = service(name);
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports ?? []).toEqual([]);
    expect(worker.restart).toBe('unless-stopped');
    expect(worker.command).toEqual(['worker']);
    expect(worker.init).toBe(true);
    expect(worker.stop_grace_period).toBe('45s');
    expect(dependsOn(worker)).toEqual({ [setupName]: { condition: 'service_completed_successfully' } });
  });

  it('setup is a one-shot that waits for OpenSearch and the AWS resources', () => {
    const setup = service('setup');
    expect(setup.command).toEqual(['setup']);
    expect(setup.restart ?? 'no').toBe('no');
    expect(dependsOn(setup)).toMatchObject({
      opensearch: { condition: 'service_healthy' },
      'moto-init': { condition: 'service_completed_successfully' },
    });
  });

  it('setup-elasticsearch is a one-shot that waits for Elasticsearch\'s users, Kibana and its own AWS resources', () => {
    const setup = service('setup-elasticsearch');
    expect(setup.command).toEqual(['setup']);
    expect(setup.restart ?? 'no').toBe('no');
    expect(setup.healthcheck).toEqual({ disable: true });
    expect(dependsOn(setup)).toEqual({
      'elasticsearch-init': { condition: 'service_completed_successfully' },
      kibana: { condition: 'service_healthy' },
      'moto-init-elasticsearch': { condition: 'service_completed_successfully' },
    });
  });

  it('setup and worker run the image built from ./Dockerfile', () => {
    for (const name of ['setup', 'worker', 'setup-elasticsearch', 'worker-elasticsearch']) {
      const s = service(name);
      const build = typeof s.build === 'string' ? { context: s.build } : s.build;
      expect(build?.context).toBe('.');
      expect(existsSync(repoPath(build?.dockerfile ?? 'Dockerfile'))).toBe(true);
    }
    for (const name of ['worker', 'setup-elasticsearch', 'worker-elasticsearch']) expect(service(name).image).toBe(service('setup').image);
  });

  it('setup and worker (and moto-init) share one environment with the expected names', () => {
    const shared = compose['x-trailstream-env'] as Record<string, unknown> | undefined;
    expect(shared).toBeDefined();
    expect(Object.keys(shared ?? {}).sort()).toEqual(SHARED_ENV_NAMES);
    for (const name of ['setup', 'worker', 'moto-init']) {
      expect({ [name]: envOf(service(name)) }).toEqual({ [name]: envOf({ environment: shared as Record<string, unknown> }) });
    }
  });

  it('setup-elasticsearch, worker-elasticsearch and moto-init-elasticsearch share the Elasticsearch pipeline\'s environment', () => {
    const shared = compose['x-trailstream-elasticsearch-env'] as Record<string, unknown> | undefined;
    expect(Object.keys(shared ?? {}).sort()).toEqual(SHARED_ELASTICSEARCH_ENV_NAMES);
    for (const name of ['setup-elasticsearch', 'worker-elasticsearch', 'moto-init-elasticsearch']) {
      expect({ [name]: envOf(service(name)) }).toEqual({ [name]: envOf({ environment: shared as Record<string, unknown> }) });
    }
  });

  it('the Elasticsearch pipeline writes to the compose Elasticsearch and Kibana, from its own bucket and queues, which its moto-init creates', () => {
    const env = envOf(service('worker-elasticsearch'));
    const os = envOf(service('worker'));
    expect(env.TRAILSTREAM_TARGET).toBe('elasticsearch');
    const es = new URL(env.ELASTICSEARCH_URL ?? '');
    expect([es.hostname, es.port]).toEqual(['elasticsearch', '9200']);
    const kibana = new URL(env.KIBANA_URL ?? '');
    expect([kibana.hostname, kibana.port]).toEqual(['kibana', '5601']);
    expect(env.AWS_ENDPOINT_URL).toBe(os.AWS_ENDPOINT_URL);
    // Two workers on one queue would split the files between the engines.
    expect(env.TRAILSTREAM_QUEUE_URL).not.toBe(os.TRAILSTREAM_QUEUE_URL);
    expect(env.TRAILSTREAM_DLQ_URL).not.toBe(os.TRAILSTREAM_DLQ_URL);
    expect(env.TRAILSTREAM_BUCKET).not.toBe(os.TRAILSTREAM_BUCKET);

    const init = service('moto-init-elasticsearch');
    expect(init.image).toBe(service('moto').image);
    expect(init.volumes).toEqual(service('moto-init').volumes);
    expect(dependsOn(init)).toEqual({ moto: { condition: 'service_healthy' } });
    const args = Array.isArray(init.entrypoint) ? init.entrypoint : [];
    expect(args.slice(0, 2)).toEqual(service('moto-init').entrypoint);
    const arg = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
    const endpoint = env.AWS_ENDPOINT_URL?.replace(/\/$/, '');
    expect(env.TRAILSTREAM_QUEUE_URL).toBe(`${endpoint}/${MOTO_ACCOUNT_ID}/${arg('--queue')}`);
    expect(env.TRAILSTREAM_DLQ_URL).toBe(`${endpoint}/${MOTO_ACCOUNT_ID}/${arg('--dlq')}`);
    expect(env.TRAILSTREAM_BUCKET).toBe(arg('--bucket'));
    expect(readRepoFile('stack/create_resources.py')).toMatch(/add_argument\("--bucket"[\s\S]*add_argument\("--queue"[\s\S]*add_argument\("--dlq"/);
  });

  it('Elasticsearch runs with security on (passwords), single node, fixed heap, memlock, a named volume, health checked with the elastic user', () => {
    const es = service('elasticsearch');
    const env = envOf(es);
    expect(imageRepo(es.image)).toBe('docker.elastic.co/elasticsearch/elasticsearch');
    expect(env['discovery.type']).toBe('single-node');
    expect(env['xpack.security.enabled']).toBe('true');
    expect(env.ELASTIC_PASSWORD?.length).toBeGreaterThanOrEqual(12);
    // HTTP without TLS is acceptable only because the port is published on 127.0.0.1 (checked below).
    expect(env['xpack.security.http.ssl.enabled']).toBe('false');
    expect(/-Xms(\S+)/.exec(env.ES_JAVA_OPTS ?? '')?.[1]).toBe(/-Xmx(\S+)/.exec(env.ES_JAVA_OPTS ?? '')?.[1]);
    expect(es.ulimits?.memlock).toEqual({ soft: -1, hard: -1 });
    const dataVolume = (es.volumes ?? []).find((v) => typeof v === 'string' && v.endsWith(':/usr/share/elasticsearch/data'));
    expect(Object.keys(compose.volumes ?? {})).toContain((dataVolume as string).split(':')[0]);
    expect(JSON.stringify(es.healthcheck?.test)).toContain(`-u elastic:${env.ELASTIC_PASSWORD} `);
    expect(JSON.stringify(es.healthcheck?.test)).toMatch(/_cluster\/health/);
  });

  it('Kibana runs the Elasticsearch release, logs in as kibana_system with the password elasticsearch-init sets, and is health checked', () => {
    const kibana = service('kibana');
    const env = envOf(kibana);
    expect(imageRepo(kibana.image)).toBe('docker.elastic.co/kibana/kibana');
    expect(imageTag(kibana.image)).toBe(imageTag(service('elasticsearch').image));
    expect(JSON.parse(env.ELASTICSEARCH_HOSTS ?? '[]')).toEqual(['http://elasticsearch:9200']);
    expect(env.ELASTICSEARCH_USERNAME).toBe('kibana_system');
    const init = envOf(service('elasticsearch-init'));
    expect(env.ELASTICSEARCH_PASSWORD).toBe(init.KIBANA_SYSTEM_PASSWORD);
    expect(env.XPACK_ENCRYPTEDSAVEDOBJECTS_ENCRYPTIONKEY?.length).toBeGreaterThanOrEqual(32);
    expect(dependsOn(kibana)).toEqual({ 'elasticsearch-init': { condition: 'service_completed_successfully' } });
    expect(JSON.stringify(kibana.healthcheck?.test)).toMatch(/\/api\/status/);
  });

  it('elasticsearch-init runs docker/elasticsearch-init.sh read-only in the Elasticsearch image, with the passwords the others use', () => {
    const init = service('elasticsearch-init');
    expect(init.image).toBe(service('elasticsearch').image);
    expect(init.restart).toBe('no');
    expect(dependsOn(init)).toEqual({ elasticsearch: { condition: 'service_healthy' } });
    expect(init.volumes).toEqual(['./docker/elasticsearch-init.sh:/init/elasticsearch-init.sh:ro']);
    expect(init.entrypoint).toEqual(['bash', '/init/elasticsearch-init.sh']);
    const env = envOf(init);
    expect(env.ELASTIC_PASSWORD).toBe(envOf(service('elasticsearch')).ELASTIC_PASSWORD);
    expect(env.ELASTICSEARCH_URL).toBe('http://elasticsearch:9200');
    const pipeline = compose['x-trailstream-elasticsearch-env'] as Record<string, string>;
    expect(env.TRAILSTREAM_PASSWORD).toBe(pipeline.ELASTICSEARCH_PASSWORD);
    // Three passwords, all different.
    expect(new Set([env.ELASTIC_PASSWORD, env.KIBANA_SYSTEM_PASSWORD, env.TRAILSTREAM_PASSWORD]).size).toBe(3);
  });

  it('docker/elasticsearch-init.sh creates the user the pipeline logs in as, with least privilege: no superuser, only trailstream\'s indices', () => {
    const script = readRepoFile('docker/elasticsearch-init.sh');
    const pipeline = compose['x-trailstream-elasticsearch-env'] as Record<string, string>;
    expect(script).toContain(`PUT /_security/user/${pipeline.ELASTICSEARCH_USERNAME} `);
    expect(script).toContain('POST /_security/user/kibana_system/_password ');
    const role = /es PUT \/_security\/role\/trailstream '([\s\S]*?)'\n/.exec(script)?.[1];
    const parsed = JSON.parse(role ?? 'null') as { cluster: string[]; indices: { names: string[]; privileges: string[] }[] };
    expect(parsed.cluster.sort()).toEqual(['manage_ilm', 'manage_index_templates', 'monitor']);
    const indexDefaults = [`${settings.indexPrefix.default}-*`, settings.deadLetterIndex.default];
    expect(parsed.indices.flatMap((i) => i.names).sort()).toEqual(indexDefaults.sort());
    // The worker's privileges of docs/elasticsearch.md are in it.
    expect(parsed.indices[0]!.privileges).toEqual(expect.arrayContaining(['create_index', 'index', 'create_doc', 'auto_configure']));
    expect(script).not.toMatch(/superuser|"all"/);
    expect(script).toMatch(/^set -euo pipefail$/m);
  });

  it('the environment points at the compose services and at the resources create_resources.py makes', () => {
    const env = envOf(service('worker'));
    const opensearch = new URL(env.OPENSEARCH_URL ?? '');
    expect([opensearch.hostname, opensearch.port]).toEqual(['opensearch', '9200']);
    const dashboards = new URL(env.OPENSEARCH_DASHBOARDS_URL ?? '');
    expect([dashboards.hostname, dashboards.port]).toEqual(['dashboards', '5601']);
    const moto = new URL(env.AWS_ENDPOINT_URL ?? '');
    expect([moto.hostname, moto.port]).toEqual(['moto', '5000']);

    // stack/create_resources.py's defaults (it is run with this environment).
    const script = readRepoFile('stack/create_resources.py');
    const scriptDefault = (flag: string): string | undefined =>
      new RegExp(`"${flag}",[^\\n]*?or\\s+"([^"]+)"`).exec(script)?.[1];
    const queue = scriptDefault('--queue');
    const dlq = scriptDefault('--dlq');
    const bucket = scriptDefault('--bucket');
    expect([queue, dlq, bucket]).toEqual(['trailstream', 'trailstream-dlq', 'cloudtrail-logs']);

    const endpoint = env.AWS_ENDPOINT_URL?.replace(/\/$/, '');
    expect(env.TRAILSTREAM_QUEUE_URL).toBe(`${endpoint}/${MOTO_ACCOUNT_ID}/${queue}`);
    expect(env.TRAILSTREAM_DLQ_URL).toBe(`${endpoint}/${MOTO_ACCOUNT_ID}/${dlq}`);
    expect(env.TRAILSTREAM_BUCKET).toBe(bucket);
    expect(env.AWS_REGION).toMatch(/^[a-z]{2}(-[a-z]+)+-\d+$/);
  });

  it('moto-init runs stack/create_resources.py, mounted read-only, in the moto image', () => {
    const init = service('moto-init');
    expect(init.image).toBe(service('moto').image);
    expect(dependsOn(init).moto?.condition).toBe('service_healthy');
    const mounts = (init.volumes ?? []).map((v) =>
      typeof v === 'string'
        ? { source: v.split(':')[0], target: v.split(':')[1], readOnly: v.split(':')[2] === 'ro' }
        : { source: v.source, target: v.target, readOnly: v.read_only === true },
    );
    const stackMount = mounts.find((m) => m.source === './stack');
    expect(stackMount).toMatchObject({ readOnly: true });
    const entrypoint = Array.isArray(init.entrypoint) ? init.entrypoint : [];
    const scriptInContainer = entrypoint.find((a) => a.endsWith('.py'));
    expect(scriptInContainer?.startsWith(`${stackMount?.target}/`)).toBe(true);
    const scriptInRepo = `stack/${scriptInContainer?.slice(`${stackMount?.target}/`.length)}`;
    expect(existsSync(repoPath(scriptInRepo))).toBe(true);
  });

  it('moto is pinned to a 5.x release', () => {
    expect(imageRepo(service('moto').image)).toBe('motoserver/moto');
    expect(imageTag(service('moto').image)).toMatch(/^5\.\d+\.\d+$/);
  });

  it('OpenSearch is a single node without security, fixed heap, memlock, a named volume', () => {
    const os = service('opensearch');
    const env = envOf(os);
    expect(env['discovery.type']).toBe('single-node');
    expect(env.DISABLE_SECURITY_PLUGIN).toBe('true');
    expect(env.DISABLE_INSTALL_DEMO_CONFIG).toBe('true');
    const xms = /-Xms(\S+)/.exec(env.OPENSEARCH_JAVA_OPTS ?? '')?.[1];
    const xmx = /-Xmx(\S+)/.exec(env.OPENSEARCH_JAVA_OPTS ?? '')?.[1];
    expect(xms).toBeDefined();
    expect(xms).toBe(xmx);
    expect(os.ulimits?.memlock).toEqual({ soft: -1, hard: -1 });
    expect(os.ulimits?.nofile).toBeDefined();
    const dataVolume = (os.volumes ?? []).find((v) => typeof v === 'string' && v.endsWith(':/usr/share/opensearch/data'));
    expect(typeof dataVolume).toBe('string');
    expect(Object.keys(compose.volumes ?? {})).toContain((dataVolume as string).split(':')[0]);
    expect(JSON.stringify(os.healthcheck?.test)).toMatch(/curl .*_cluster\/health/);
  });

  it('publishes ports on 127.0.0.1 only (security is disabled)', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const p of s.ports ?? []) {
        const hostIp = typeof p === 'object' ? p.host_ip : String(p).split(':').length === 3 ? String(p).split(':')[0] : undefined;
        expect({ [name]: hostIp }).toEqual({ [name]: '127.0.0.1' });
      }
    }
  });

  it('OpenSearch and Dashboards run the same 2.19 release', () => {
    expect(imageRepo(service('opensearch').image)).toBe('opensearchproject/opensearch');
    expect(imageRepo(service('dashboards').image)).toBe('opensearchproject/opensearch-dashboards');
    const version = imageTag(service('opensearch').image);
    expect(version).toMatch(/^2\.19\.\d+$/);
    expect(imageTag(service('dashboards').image)).toBe(version);
    expect(envOf(service('dashboards')).DISABLE_SECURITY_DASHBOARDS_PLUGIN).toBe('true');
    expect(JSON.parse(envOf(service('dashboards')).OPENSEARCH_HOSTS ?? '[]')).toEqual(['http://opensearch:9200']);
  });

  // stack/stack.sh is the no-Docker local stack. If it is ever missing there is
  // nothing to compare with, and these tests are skipped rather than failed.
  const stackSh = readRepoFileIfPresent('stack/stack.sh');
  const itWithStack = stackSh === undefined ? it.skip : it;
  const stackDefault = (variable: string): string | undefined =>
    new RegExp(`\\$\\{${variable}:-([0-9][0-9.]*)\\}`).exec(stackSh ?? '')?.[1];
  const majorMinor = (v: string | undefined): string => (v ?? '').split('.').slice(0, 2).join('.');

  itWithStack('OpenSearch has the major.minor of the local stack default (stack/stack.sh)', () => {
    const version = stackDefault('TRAILSTREAM_OPENSEARCH_VERSION');
    expect(version).toBeDefined();
    expect(majorMinor(imageTag(service('opensearch').image))).toBe(majorMinor(version));
  });

  itWithStack('moto has the major.minor of the local stack default (stack/stack.sh)', () => {
    const version = stackDefault('TRAILSTREAM_MOTO_VERSION');
    expect(version).toBeDefined();
    expect(majorMinor(imageTag(service('moto').image))).toBe(majorMinor(version));
  });

  itWithStack('the shared environment has every variable `stack/stack.sh env` exports', () => {
    const exported = [...(stackSh ?? '').matchAll(/printf\s+["']export ([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1]);
    expect(exported).toContain('OPENSEARCH_URL');
    const shared = Object.keys(compose['x-trailstream-env'] as Record<string, unknown>);
    // Only in compose: Dashboards runs here but not in the local stack, and a
    // single-node cluster needs 0 replicas to be green.
    const composeOnly = ['OPENSEARCH_DASHBOARDS_URL', 'TRAILSTREAM_INDEX_REPLICAS'];
    // Only in the stack's OpenSearch env: the Elasticsearch names belong to the Elasticsearch pipeline (below).
    const stackOnly = new Set(['ELASTICSEARCH_URL', 'TRAILSTREAM_TARGET']);
    expect([...new Set([...exported.filter((n) => !stackOnly.has(n!)), ...composeOnly])].sort()).toEqual([...shared].sort());
    // The Elasticsearch pipeline has every name of `stack env --engine elasticsearch` but OPENSEARCH_URL.
    const esShared = Object.keys(compose['x-trailstream-elasticsearch-env'] as Record<string, unknown>);
    expect(esShared).toEqual(expect.arrayContaining(exported.filter((n) => n !== 'OPENSEARCH_URL')));
  });

  itWithStack('Elasticsearch has the major.minor of the local stack default (stack/stack.sh)', () => {
    const version = stackDefault('TRAILSTREAM_ELASTICSEARCH_VERSION');
    expect(version).toBeDefined();
    expect(majorMinor(imageTag(service('elasticsearch').image))).toBe(majorMinor(version));
  });
});

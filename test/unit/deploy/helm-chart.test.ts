/**
 * The Helm chart (deploy/helm/trailstream) against the worker it deploys.
 *
 * The manifests under test/fixtures/deploy/rendered/ are what `helm template`
 * renders for each values file in the chart's ci/ folder; `npm run
 * check:deploy` re-renders them with a real helm and fails when they differ,
 * and validates them against the Kubernetes schemas. These tests tie them, and
 * the chart's values schema, to src/config/settings.ts (read when the tests
 * run) and to the worker's shutdown behaviour.
 */
import { parse } from 'yaml';
import {
  CHART_DIR,
  SECRET_SETTING_NAMES,
  SETTING_NAMES,
  asArr,
  asObj,
  at,
  intDefault,
  loadCaseValues,
  loadJson,
  loadRendered,
  loadYaml,
  readRepoFile,
  renderedCases,
  schemaErrors,
  settingByEnv,
  type Json,
  type Manifest,
  type Obj,
} from './deploy-files.js';

const defaults = loadYaml(`${CHART_DIR}/values.yaml`);
const schema = loadJson(`${CHART_DIR}/values.schema.json`);
const cases = renderedCases();

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

/** Case values over the chart's defaults (maps merge, everything else replaces), as helm does. */
function merged(base: Json | undefined, over: Json | undefined): Json | undefined {
  if (over === undefined) return base;
  if (base && over && typeof base === 'object' && typeof over === 'object' && !Array.isArray(base) && !Array.isArray(over)) {
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(over)) {
      const m = merged(base[k], v);
      if (m === undefined || v === null) delete out[k];
      else out[k] = m;
    }
    return out;
  }
  return over;
}
const valuesOf = (name: string): Obj => asObj(merged(defaults, loadCaseValues(name)), name);

/** What a value in `config` becomes in the container: integers as integers, booleans as true/false. */
const envString = (v: Json | undefined): string => (v === null || v === undefined ? '' : String(v));

function one(manifests: Manifest[], kind: string): Obj {
  const found = manifests.filter((m) => m.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]!.doc;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

function container(podSpecOwner: Obj, name: string): Obj {
  const containers = asArr(at(podSpecOwner, 'spec.template.spec.containers'), 'containers').map((c) => asObj(c, 'container'));
  const c = containers.find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
}

const envOf = (c: Obj): EnvVar[] => asArr(c.env, 'env') as unknown as EnvVar[];

/** The value the worker will see for a setting: the container's, else its own default. */
function effectiveInt(env: EnvVar[], name: string): number {
  const v = env.find((e) => e.name === name)?.value;
  return v === undefined ? intDefault(name) : Number(v);
}

describe('chart values schema: config is exactly the worker\'s settings', () => {
  const configProps = Object.keys(asObj(at(schema, 'properties.config.properties'), 'config properties'));

  it('accepts every setting by its environment variable name, and nothing else', () => {
    const expected = SETTING_NAMES.filter((n) => !SECRET_SETTING_NAMES.includes(n));
    const missing = expected.filter((n) => !configProps.includes(n));
    const unknown = configProps.filter((n) => !expected.includes(n));
    if (missing.length > 0 || unknown.length > 0) {
      throw new Error(
        `${CHART_DIR}/values.schema.json does not list the worker's settings (missing: ${missing.join(', ') || 'none'}; not settings: ${unknown.join(', ') || 'none'}). ` +
          'Run `npm run build && node scripts/deploy/sync-chart-settings.mjs` (or `npm run check:deploy -- --update`), then give new settings the chart or stack needs a place in values.yaml / the CloudFormation task definition.',
      );
    }
    expect(sorted(configProps)).toEqual(sorted(expected));
    expect(at(schema, 'properties.config.additionalProperties')).toBe(false);
  });

  it('refuses secrets in values; they can only come from the existing Secret', () => {
    expect(SECRET_SETTING_NAMES.length).toBeGreaterThan(0);
    for (const secret of SECRET_SETTING_NAMES) expect(configProps).not.toContain(secret);
    const keyNames = asArr(at(schema, '$defs.settingName.enum'), 'settingName enum').map(String);
    expect(sorted(keyNames)).toEqual(sorted(SETTING_NAMES));
    expect(at(schema, 'properties.secrets.properties.keys.propertyNames.$ref')).toBe('#/$defs/settingName');
    const secretKeys = Object.keys(asObj(at(defaults, 'secrets.keys'), 'secrets.keys'));
    expect(secretKeys).toEqual(expect.arrayContaining([...SECRET_SETTING_NAMES]));
  });

  it('values.yaml and every ci values file pass the schema (as helm checks them)', () => {
    for (const name of ['(defaults)', ...cases]) {
      const values = name === '(defaults)' ? defaults : valuesOf(name);
      expect({ name, errors: schemaErrors(`${CHART_DIR}/values.schema.json`, values) }).toEqual({ name, errors: [] });
    }
  });

  it('the chart\'s copy of worker defaults (_helpers.tpl) equals src/config/settings.ts', () => {
    const tpl = readRepoFile(`${CHART_DIR}/templates/_helpers.tpl`);
    const block = /define "trailstream\.settingDefaults" -\}\}\n([\s\S]*?)\{\{- end \}\}/.exec(tpl)?.[1];
    expect(block).toBeDefined();
    const chartDefaults = asObj(parse(block ?? '') as Json, 'settingDefaults');
    expect(Object.keys(chartDefaults).length).toBeGreaterThan(0);
    for (const [name, value] of Object.entries(chartDefaults)) expect({ name, value: String(value) }).toEqual({ name, value: settingByEnv(name).default });
  });
});

describe.each(cases)('rendered chart: %s', (name) => {
  const manifests = loadRendered(name);
  const values = valuesOf(name);
  const deployment = one(manifests, 'Deployment');
  const worker = container(deployment, 'worker');
  const env = envOf(worker);
  const podSpec = asObj(at(deployment, 'spec.template.spec'), 'pod spec');

  it('passes every configured setting to the container under its own name, and nothing else', () => {
    const config = asObj(values.config, 'config');
    const expected = new Map<string, string>();
    for (const [k, v] of Object.entries(config)) if (envString(v) !== '') expected.set(k, envString(v));
    const secretName = String(at(values, 'secrets.existingSecret') ?? '');
    const secretKeys = secretName ? asObj(at(values, 'secrets.keys'), 'secrets.keys') : {};
    for (const e of env) expect(SETTING_NAMES).toContain(e.name);
    expect(new Set(env.map((e) => e.name)).size).toBe(env.length);
    expect(sorted(env.map((e) => e.name))).toEqual(sorted([...expected.keys(), ...Object.keys(secretKeys)]));
    for (const e of env.filter((x) => x.value !== undefined)) expect({ name: e.name, value: e.value }).toEqual({ name: e.name, value: expected.get(e.name) });
    for (const [k, key] of Object.entries(secretKeys)) {
      expect(env.find((e) => e.name === k)?.valueFrom?.secretKeyRef).toEqual({ name: secretName, key });
    }
  });

  it('never puts a secret setting in the manifest as a value', () => {
    for (const e of env) if (SECRET_SETTING_NAMES.includes(e.name)) expect(e.value).toBeUndefined();
  });

  it('gives the pod enough time to stop the way the worker stops (terminationGracePeriodSeconds, preStop)', () => {
    // After SIGTERM the worker lets its current long poll return (up to the wait
    // time), finishes in-flight messages for up to the grace period counted from
    // the signal, then releases the rest and closes; preStop comes before SIGTERM.
    const grace = effectiveInt(env, 'TRAILSTREAM_SHUTDOWN_GRACE_SECONDS');
    const wait = effectiveInt(env, 'TRAILSTREAM_WAIT_TIME_SECONDS');
    const preStopCommand = at(worker, 'lifecycle.preStop.exec.command');
    const preStop = preStopCommand === undefined ? 0 : Number(asArr(preStopCommand, 'preStop')[1]);
    expect(preStop).toBe(Number(at(values, 'shutdown.preStopSleepSeconds')));
    if (preStop > 0) expect(preStopCommand).toEqual(['sleep', String(preStop)]);
    const margin = Number(at(values, 'shutdown.releaseMarginSeconds'));
    expect(margin).toBeGreaterThanOrEqual(10);
    expect(podSpec.terminationGracePeriodSeconds).toBe(preStop + Math.max(grace, wait) + margin);
  });

  it('probes /healthz (startup, liveness) and /readyz (readiness) on the worker\'s metrics port', () => {
    const port = effectiveInt(env, 'TRAILSTREAM_METRICS_PORT');
    expect(asArr(worker.ports, 'ports')).toContainEqual({ name: 'metrics', containerPort: port, protocol: 'TCP' });
    expect(at(worker, 'startupProbe.httpGet')).toEqual({ path: '/healthz', port: 'metrics' });
    expect(at(worker, 'livenessProbe.httpGet')).toEqual({ path: '/healthz', port: 'metrics' });
    expect(at(worker, 'readinessProbe.httpGet')).toEqual({ path: '/readyz', port: 'metrics' });
    expect(env.find((e) => e.name === 'TRAILSTREAM_METRICS_HOST')).toBeUndefined(); // the image listens on 0.0.0.0
    expect(worker.args).toEqual(['worker']);
  });

  it('runs as the image\'s non-root user with a read-only root filesystem and no privileges', () => {
    const dockerUser = /^USER\s+(\d+):(\d+)/m.exec(readRepoFile('Dockerfile'));
    expect(dockerUser).not.toBeNull();
    for (const c of [worker, ...(manifests.some((m) => m.kind === 'Job') ? [container(one(manifests, 'Job'), 'setup')] : [])]) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: Number(dockerUser?.[1]),
        runAsGroup: Number(dockerUser?.[2]),
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    }
    expect(podSpec.automountServiceAccountToken).toBe(false);
  });

  it('sizes memory above the worker\'s measured peak (BENCHMARKS.md, row 6)', () => {
    const rows = readRepoFile('BENCHMARKS.md').split('\n').filter((l) => /worker peak RSS/.test(l));
    const peaks = rows.flatMap((l) => [...l.matchAll(/(\d+) MiB/g)].map((m) => Number(m[1])));
    expect(peaks.length).toBeGreaterThan(0);
    const mib = (q: Json | undefined): number => {
      const m = /^(\d+)(Mi|Gi)$/.exec(String(q));
      if (!m) throw new Error(`unexpected memory quantity ${String(q)}`);
      return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
    };
    const geoOff = env.find((e) => e.name === 'TRAILSTREAM_GEOIP_DISABLED')?.value === 'true';
    // Without the geo-IP databases the peak is the "without" line's (232 / 261 MiB).
    const withoutGeo = rows.find((l) => /without the geo-IP/.test(l));
    const relevant = geoOff && withoutGeo ? [...withoutGeo.matchAll(/(\d+) MiB/g)].map((m) => Number(m[1])) : peaks;
    expect(mib(at(worker, 'resources.limits.memory'))).toBeGreaterThan(Math.max(...relevant));
    expect(mib(at(worker, 'resources.requests.memory'))).toBeLessThanOrEqual(mib(at(worker, 'resources.limits.memory')));
  });

  it('runs `setup` as a pre-install/pre-upgrade/pre-rollback hook Job with the worker\'s configuration', () => {
    const job = one(manifests, 'Job');
    expect(at(job, 'metadata.annotations')).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade,pre-rollback' });
    const setup = container(job, 'setup');
    expect(setup.args).toEqual(['setup']);
    expect(setup.image).toBe(worker.image);
    expect(setup.env).toEqual(worker.env);
    // Hooks run before the release's resources exist: the Job's service account is a hook itself, created first.
    const saName = String(at(job, 'spec.template.spec.serviceAccountName'));
    const sa = manifests.find((m) => m.kind === 'ServiceAccount' && m.name === saName);
    expect(sa).toBeDefined();
    const weight = (d: Obj): number => Number(asObj(at(d, 'metadata.annotations'), 'annotations')['helm.sh/hook-weight']);
    expect(at(sa?.doc, 'metadata.annotations')).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade,pre-rollback' });
    expect(weight(sa!.doc)).toBeLessThan(weight(job));
  });

  it('uses the worker\'s service account, with the IRSA annotation when configured (EKS Pod Identity needs none)', () => {
    const saName = String(podSpec.serviceAccountName);
    const sa = manifests.find((m) => m.kind === 'ServiceAccount' && m.name === saName);
    expect(sa).toBeDefined();
    const annotations = asObj(at(values, 'serviceAccount.annotations'), 'serviceAccount.annotations');
    expect(at(sa?.doc, 'metadata.annotations')).toEqual(Object.keys(annotations).length > 0 ? annotations : undefined);
  });

  it('exposes the metrics port through a Service that selects only the workers', () => {
    const service = manifests.find((m) => m.kind === 'Service');
    expect(service).toBeDefined();
    expect(at(service?.doc, 'spec.selector')).toEqual(at(deployment, 'spec.selector.matchLabels'));
    expect(asArr(at(service?.doc, 'spec.ports'), 'ports')).toContainEqual({ name: 'metrics', port: effectiveInt(env, 'TRAILSTREAM_METRICS_PORT'), targetPort: 'metrics', protocol: 'TCP' });
  });

  it('limits voluntary disruptions of the workers (PodDisruptionBudget)', () => {
    const pdb = one(manifests, 'PodDisruptionBudget');
    expect(at(pdb, 'spec.selector.matchLabels')).toEqual(at(deployment, 'spec.selector.matchLabels'));
    expect(at(pdb, 'spec.maxUnavailable')).toBe(1);
  });

  it('scales as configured: KEDA on the queue, a CPU HPA without KEDA, or fixed replicas', () => {
    const autoscaling = asObj(values.autoscaling, 'autoscaling');
    const keda = asObj(autoscaling.keda, 'keda');
    const kinds = manifests.map((m) => m.kind);
    if (!autoscaling.enabled) {
      expect(kinds).not.toContain('ScaledObject');
      expect(kinds).not.toContain('HorizontalPodAutoscaler');
      expect(at(deployment, 'spec.replicas')).toBe(values.replicaCount);
      return;
    }
    expect(at(deployment, 'spec.replicas')).toBeUndefined(); // the autoscaler owns it
    if (!keda.enabled) {
      expect(kinds).not.toContain('ScaledObject');
      const hpa = one(manifests, 'HorizontalPodAutoscaler');
      expect(at(hpa, 'spec.scaleTargetRef')).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: at(deployment, 'metadata.name') });
      expect(asArr(at(hpa, 'spec.metrics'), 'metrics')[0]).toMatchObject({ type: 'Resource', resource: { name: 'cpu' } });
      return;
    }
    expect(kinds).not.toContain('HorizontalPodAutoscaler');
    const so = one(manifests, 'ScaledObject');
    expect(schemaErrors('test/fixtures/deploy/schemas/keda-scaledobject.schema.json', so)).toEqual([]);
    expect(at(so, 'spec.scaleTargetRef')).toMatchObject({ kind: 'Deployment', name: at(deployment, 'metadata.name') });
    expect([at(so, 'spec.minReplicaCount'), at(so, 'spec.maxReplicaCount')]).toEqual([autoscaling.minReplicas, autoscaling.maxReplicas]);
    const trigger = asObj(asArr(at(so, 'spec.triggers'), 'triggers')[0], 'trigger');
    expect(trigger.type).toBe('aws-sqs-queue');
    const value = (n: string): string | undefined => env.find((e) => e.name === n)?.value;
    // Messages per worker: unless set, the number one worker holds at once.
    const perWorker = envString(keda.queueLength) || String(effectiveInt(env, 'TRAILSTREAM_MAX_MESSAGES_IN_FLIGHT'));
    expect(trigger.metadata).toMatchObject({ queueURL: value('TRAILSTREAM_QUEUE_URL'), awsRegion: value('AWS_REGION'), queueLength: perWorker, scaleOnInFlight: 'true' });
    const auth = manifests.find((m) => m.kind === 'TriggerAuthentication' && m.name === at(trigger, 'authenticationRef.name'));
    expect(auth).toBeDefined();
    expect(schemaErrors('test/fixtures/deploy/schemas/keda-triggerauthentication.schema.json', auth!.doc)).toEqual([]);
    expect(at(auth?.doc, 'spec.podIdentity')).toEqual(keda.roleArn ? { provider: 'aws', roleArn: keda.roleArn } : { provider: 'aws', identityOwner: keda.identityOwner });
  });

  it('renders a ServiceMonitor only when asked, valid and pointing at the metrics Service', () => {
    const monitors = manifests.filter((m) => m.kind === 'ServiceMonitor');
    expect(monitors.length).toBe(at(values, 'metrics.serviceMonitor.enabled') ? 1 : 0);
    for (const m of monitors) {
      expect(schemaErrors('test/fixtures/deploy/schemas/prometheus-servicemonitor.schema.json', m.doc)).toEqual([]);
      const service = manifests.find((x) => x.kind === 'Service');
      expect(at(service?.doc, 'metadata.labels')).toMatchObject(asObj(at(m.doc, 'spec.selector.matchLabels'), 'matchLabels'));
      expect(asArr(at(m.doc, 'spec.endpoints'), 'endpoints')[0]).toMatchObject({ port: 'metrics', path: '/metrics' });
    }
  });
});

describe('the ci cases cover what the chart must handle', () => {
  const all = cases.map((name) => ({ name, values: valuesOf(name), manifests: loadRendered(name) }));
  const has = (pred: (c: (typeof all)[number]) => boolean): boolean => all.some(pred);

  it('KEDA on and off, fixed replicas, an existing Secret, IRSA and EKS Pod Identity, a preStop, a ServiceMonitor', () => {
    expect(has((c) => c.manifests.some((m) => m.kind === 'ScaledObject'))).toBe(true);
    expect(has((c) => c.manifests.some((m) => m.kind === 'HorizontalPodAutoscaler'))).toBe(true);
    expect(has((c) => at(c.values, 'autoscaling.enabled') === false)).toBe(true);
    expect(has((c) => Boolean(at(c.values, 'secrets.existingSecret')))).toBe(true);
    const saAnnotations = (c: (typeof all)[number]): Obj => asObj(at(c.values, 'serviceAccount.annotations'), 'serviceAccount.annotations');
    expect(has((c) => typeof saAnnotations(c)['eks.amazonaws.com/role-arn'] === 'string')).toBe(true);
    expect(has((c) => Object.keys(saAnnotations(c)).length === 0 && at(c.values, 'autoscaling.keda.identityOwner') === 'keda')).toBe(true);
    expect(has((c) => Number(at(c.values, 'shutdown.preStopSleepSeconds')) > 0)).toBe(true);
    expect(has((c) => c.manifests.some((m) => m.kind === 'ServiceMonitor'))).toBe(true);
    expect(has((c) => at(c.values, 'config.TRAILSTREAM_SHUTDOWN_GRACE_SECONDS') !== '')).toBe(true);
  });
});

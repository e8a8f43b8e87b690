/**
 * deploy/cloudformation/trailstream.yaml against the worker it runs: the task
 * definition's environment is made of the worker's settings (read from
 * src/config/settings.ts when the tests run), the stop timeout follows the
 * shutdown grace period the way the worker stops, the scaling target is the
 * messages one task holds, and the task role is the worker's part of
 * docs/iam-policy.json. cfn-lint (npm run check:deploy) checks the template
 * against the CloudFormation resource specification.
 */
import {
  SECRET_SETTING_NAMES,
  SETTING_NAMES,
  asArr,
  asObj,
  at,
  intDefault,
  loadJson,
  loadYaml,
  readRepoFile,
  type Json,
  type Obj,
} from './deploy-files.js';

const template = loadYaml('deploy/cloudformation/trailstream.yaml');
const resources = asObj(template.Resources, 'Resources');
const parameters = asObj(template.Parameters, 'Parameters');
const resource = (name: string): Obj => asObj(resources[name], name);
const props = (name: string): Obj => asObj(resource(name).Properties, `${name}.Properties`);

interface EnvEntry {
  Name: string;
  Value?: Json;
  ValueFrom?: Json;
}

function containerOf(taskDefinition: string): Obj {
  return asObj(asArr(props(taskDefinition).ContainerDefinitions, 'ContainerDefinitions')[0], 'container');
}

/** Secrets is either a list or Fn::If [cond, list, AWS::NoValue]: every entry it may hold. */
function secretsOf(container: Obj): EnvEntry[] {
  const s = container.Secrets;
  if (s === undefined) return [];
  if (Array.isArray(s)) return s as unknown as EnvEntry[];
  const branches = asArr(asObj(s, 'Secrets')['Fn::If'], 'Fn::If').slice(1);
  return branches.filter(Array.isArray).flat() as unknown as EnvEntry[];
}

const worker = containerOf('TaskDefinition');
const setup = containerOf('SetupTaskDefinition');
const workerEnv = asArr(worker.Environment, 'Environment') as unknown as EnvEntry[];
const envValue = (name: string): Json | undefined => workerEnv.find((e) => e.Name === name)?.Value;

/** The worker's value of an integer setting in the task definition: a literal, a parameter's default, or the worker's own default. */
function effectiveInt(name: string): number {
  const v = envValue(name);
  if (v === undefined) return intDefault(name);
  if (typeof v === 'string') return Number(v);
  const ref = asObj(v, name).Ref;
  return Number(asObj(parameters[String(ref)], String(ref)).Default);
}

describe('CloudFormation task definitions and the worker\'s settings', () => {
  it('set only the worker\'s settings, by their exact names, each once', () => {
    for (const c of [worker, setup]) {
      const names = [...(asArr(c.Environment, 'Environment') as unknown as EnvEntry[]), ...secretsOf(c)].map((e) => e.Name);
      for (const n of names) expect(SETTING_NAMES).toContain(n);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('give the worker what it requires: OpenSearch, region, queue, DLQ, allow-list', () => {
    expect(workerEnv.map((e) => e.Name)).toEqual(
      expect.arrayContaining(['OPENSEARCH_URL', 'OPENSEARCH_AUTH', 'AWS_REGION', 'TRAILSTREAM_QUEUE_URL', 'TRAILSTREAM_DLQ_URL', 'TRAILSTREAM_ALLOWED_BUCKETS']),
    );
    expect(envValue('TRAILSTREAM_QUEUE_URL')).toEqual({ Ref: 'Queue' });
    expect(envValue('TRAILSTREAM_DLQ_URL')).toEqual({ Ref: 'DeadLetterQueue' });
    expect(envValue('AWS_REGION')).toEqual({ Ref: 'AWS::Region' });
    expect(worker.Command).toEqual(['worker']);
    expect(setup.Command).toEqual(['setup']);
  });

  it('take secret settings only from Secrets Manager, never as plain environment', () => {
    for (const c of [worker, setup]) {
      for (const e of asArr(c.Environment, 'Environment') as unknown as EnvEntry[]) expect(SECRET_SETTING_NAMES).not.toContain(e.Name);
      const secretNames = secretsOf(c).map((e) => e.Name);
      expect(secretNames).toEqual(expect.arrayContaining([...SECRET_SETTING_NAMES]));
    }
  });

  it('allowed values of the OpenSearch auth parameter are the setting\'s', () => {
    expect(asArr(asObj(parameters.OpenSearchAuth, 'OpenSearchAuth').AllowedValues, 'AllowedValues')).toEqual(['sigv4', 'basic', 'none']);
    expect(envValue('OPENSEARCH_AUTH')).toEqual({ Ref: 'OpenSearchAuth' });
  });
});

describe('CloudFormation shutdown: stopTimeout follows the worker\'s shutdown', () => {
  const grace = asObj(parameters.ShutdownGraceSeconds, 'ShutdownGraceSeconds');
  const timings = asObj(asObj(template.Mappings, 'Mappings').ShutdownTimings, 'ShutdownTimings');

  it('passes the grace period to the worker, with the worker\'s default as the default', () => {
    expect(envValue('TRAILSTREAM_SHUTDOWN_GRACE_SECONDS')).toEqual({ Ref: 'ShutdownGraceSeconds' });
    expect(Number(grace.Default)).toBe(intDefault('TRAILSTREAM_SHUTDOWN_GRACE_SECONDS'));
    expect(worker.StopTimeout).toEqual({ 'Fn::FindInMap': ['ShutdownTimings', { Ref: 'ShutdownGraceSeconds' }, 'StopTimeout'] });
  });

  it('gives every allowed grace period a stop timeout of max(grace, long-poll wait) + a release margin, within Fargate\'s 120 s', () => {
    const wait = effectiveInt('TRAILSTREAM_WAIT_TIME_SECONDS');
    const allowed = asArr(grace.AllowedValues, 'AllowedValues').map(String);
    expect(allowed).toContain(String(grace.Default));
    expect(Object.keys(timings).sort()).toEqual([...allowed].sort());
    for (const g of allowed) {
      const stop = Number(asObj(timings[g], g).StopTimeout);
      expect({ grace: g, stop }).toEqual({ grace: g, stop: Math.max(Number(g), wait) + 15 });
      expect(stop).toBeLessThanOrEqual(120);
    }
  });

  it('runs an init as PID 1, so SIGTERM reaches node', () => {
    expect(at(worker, 'LinuxParameters.InitProcessEnabled')).toBe(true);
  });
});

describe('CloudFormation container: the image\'s user, health check and port', () => {
  it('runs as the Dockerfile\'s non-root user with a read-only root filesystem', () => {
    const dockerUser = /^USER\s+(\S+)/m.exec(readRepoFile('Dockerfile'))?.[1];
    expect(worker.User).toBe(dockerUser);
    expect(setup.User).toBe(dockerUser);
    expect(worker.ReadonlyRootFilesystem).toBe(true);
    expect(setup.ReadonlyRootFilesystem).toBe(true);
  });

  it('gives the read-only containers a writable /tmp, as the chart does', () => {
    for (const [definition, container] of [['TaskDefinition', worker], ['SetupTaskDefinition', setup]] as const) {
      expect(props(definition).Volumes).toEqual([{ Name: 'tmp' }]);
      expect(container.MountPoints).toEqual([{ SourceVolume: 'tmp', ContainerPath: '/tmp' }]);
    }
  });

  it('sizes the task\'s memory above the worker\'s measured peak (BENCHMARKS.md, row 6)', () => {
    const peaks = readRepoFile('BENCHMARKS.md')
      .split('\n')
      .filter((l) => /worker peak RSS/.test(l))
      .flatMap((l) => [...l.matchAll(/(\d+) MiB/g)].map((m) => Number(m[1])));
    expect(peaks.length).toBeGreaterThan(0);
    const memory = asObj(parameters.TaskMemory, 'TaskMemory');
    expect(Number(memory.Default)).toBeGreaterThan(Math.max(...peaks));
    for (const allowed of asArr(memory.AllowedValues, 'AllowedValues')) expect(Number(allowed)).toBeGreaterThan(Math.max(...peaks));
  });

  it('health-checks /healthz on the metrics port the worker listens on', () => {
    const port = effectiveInt('TRAILSTREAM_METRICS_PORT');
    const command = asArr(at(worker, 'HealthCheck.Command'), 'HealthCheck.Command').map(String);
    expect(command.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(command[3]).toContain(`http://127.0.0.1:${port}/healthz`);
    expect(asArr(worker.PortMappings, 'PortMappings')[0]).toMatchObject({ ContainerPort: port });
  });
});

describe('CloudFormation scaling on backlog per task', () => {
  const policy = props('BacklogPerTaskScalingPolicy');
  const config = asObj(policy.TargetTrackingScalingPolicyConfiguration, 'config');
  const metrics = asArr(at(config, 'CustomizedMetricSpecification.Metrics'), 'Metrics').map((m) => asObj(m, 'metric'));

  it('targets the messages one task holds at once (TRAILSTREAM_MAX_MESSAGES_IN_FLIGHT), the worker\'s default by default', () => {
    expect(config.TargetValue).toEqual({ Ref: 'MessagesInFlightPerTask' });
    expect(envValue('TRAILSTREAM_MAX_MESSAGES_IN_FLIGHT')).toEqual({ Ref: 'MessagesInFlightPerTask' });
    expect(Number(asObj(parameters.MessagesInFlightPerTask, 'p').Default)).toBe(intDefault('TRAILSTREAM_MAX_MESSAGES_IN_FLIGHT'));
  });

  it('divides the queue\'s waiting and in-flight messages by the running tasks, and returns only that', () => {
    const byId = new Map(metrics.map((m) => [String(m.Id), m]));
    expect(at(byId.get('waiting'), 'MetricStat.Metric')).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' });
    expect(at(byId.get('inflight'), 'MetricStat.Metric')).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesNotVisible' });
    expect(at(byId.get('tasks'), 'MetricStat.Metric')).toMatchObject({ Namespace: 'ECS/ContainerInsights', MetricName: 'RunningTaskCount' });
    const returned = metrics.filter((m) => m.ReturnData === true);
    expect(returned.map((m) => m.Expression)).toEqual(['(waiting + inflight) / tasks']);
    expect(Number(asObj(parameters.MinTasks, 'MinTasks').MinValue)).toBeGreaterThanOrEqual(1); // never divide by zero tasks
    expect(at(resource('Cluster'), 'Properties.ClusterSettings')).toContainEqual({ Name: 'containerInsights', Value: 'enabled' });
  });

  it('leaves the desired count to Application Auto Scaling (a stack update does not reset it)', () => {
    expect(props('Service').DesiredCount).toBeUndefined();
    expect(props('ScalableTarget')).toMatchObject({ ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount', MinCapacity: { Ref: 'MinTasks' }, MaxCapacity: { Ref: 'MaxTasks' } });
  });
});

describe('CloudFormation queues and notifications', () => {
  it('redrives to the dead-letter queue, which keeps messages longer than the queue', () => {
    const queue = props('Queue');
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 });
    expect(Number(props('DeadLetterQueue').MessageRetentionPeriod)).toBeGreaterThan(Number(queue.MessageRetentionPeriod));
    // The queue's own visibility timeout is the fallback; the worker asks for its own on receive.
    expect(Number(queue.VisibilityTimeout)).toBe(intDefault('TRAILSTREAM_VISIBILITY_TIMEOUT_SECONDS'));
  });

  it('lets only the bucket (S3) or the rule (EventBridge) send to the queue', () => {
    const statements = asArr(at(props('QueuePolicy'), 'PolicyDocument.Statement'), 'Statement');
    const text = JSON.stringify(statements);
    expect(text).toContain('"s3.amazonaws.com"');
    expect(text).toContain('"events.amazonaws.com"');
    expect(text).toContain('"aws:SourceArn"');
    expect(resource('ObjectCreatedRule').Condition).toBe('UseEventBridge');
    expect(at(props('ObjectCreatedRule'), 'EventPattern.detail-type')).toEqual(['Object Created']);
  });
});

describe('CloudFormation task role: the worker\'s statements of docs/iam-policy.json', () => {
  interface Statement {
    Sid: string;
    Action: string | string[];
    Resource: Json;
  }
  const reference = asArr(loadJson('docs/iam-policy.json').Statement, 'Statement') as unknown as Statement[];
  const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
  const document = asObj(at(asArr(props('TaskRole').Policies, 'Policies')[0], 'PolicyDocument'), 'PolicyDocument');
  // Statements are plain or Fn::If [condition, statement, AWS::NoValue].
  const statements = asArr(document.Statement, 'Statement').map((s) => {
    const o = asObj(s, 'statement');
    return (o['Fn::If'] ? asArr(o['Fn::If'], 'Fn::If')[1] : o) as unknown as Statement;
  });

  it('uses the reference policy\'s statements (same Sid), with no action the reference does not grant there', () => {
    for (const s of statements) {
      const ref = reference.find((r) => r.Sid === s.Sid);
      expect({ sid: s.Sid, inReference: Boolean(ref) }).toEqual({ sid: s.Sid, inReference: true });
      for (const a of list(s.Action)) expect({ sid: s.Sid, action: a, granted: list(ref?.Action ?? []).includes(a) }).toEqual({ sid: s.Sid, action: a, granted: true });
    }
  });

  it('has every worker statement and none of the operators\' (replay-dlq) or backfill\'s', () => {
    const sids = statements.map((s) => s.Sid);
    const workerSids = reference.map((r) => r.Sid).filter((sid) => !/ForOperators$/.test(sid) && !/Backfill$/.test(sid));
    expect(sids.sort()).toEqual(workerSids.sort());
    expect(statements.flatMap((s) => list(s.Action))).not.toContain('s3:ListBucket');
  });

  it('names resources, never "*"', () => {
    for (const s of statements) expect(s.Resource).not.toBe('*');
  });
});

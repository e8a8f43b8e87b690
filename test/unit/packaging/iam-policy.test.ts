/**
 * docs/iam-policy.json, the example least-privilege policy: valid JSON in the
 * IAM policy grammar, it grants every AWS action the code calls (found by
 * reading src/, so a new SDK command or OpenSearch method fails here until the
 * policy names it) and nothing broader.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readRepoFile, repoPath } from './repo.js';

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const policy = JSON.parse(readRepoFile('docs/iam-policy.json')) as { Version: string; Statement: Statement[] };
const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
const statementsFor = (action: string): Statement[] => policy.Statement.filter((s) => list(s.Action).includes(action));

/** The source files of what runs against AWS (the demo writes to the local stack only; Dashboards is not OpenSearch). */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) {
        if (!['demo', 'dashboards'].includes(name)) walk(full);
      } else if (name.endsWith('.ts')) out.push(readFileSync(full, 'utf8'));
    }
  };
  walk(repoPath('src'));
  return out;
}
const code = sources().join('\n');

/** AWS SDK command → the IAM action that authorizes it. */
const SDK_ACTIONS: Record<string, string> = {
  ReceiveMessageCommand: 'sqs:ReceiveMessage',
  DeleteMessageCommand: 'sqs:DeleteMessage',
  DeleteMessageBatchCommand: 'sqs:DeleteMessage',
  ChangeMessageVisibilityCommand: 'sqs:ChangeMessageVisibility',
  ChangeMessageVisibilityBatchCommand: 'sqs:ChangeMessageVisibility',
  GetQueueAttributesCommand: 'sqs:GetQueueAttributes',
  GetQueueUrlCommand: 'sqs:GetQueueUrl',
  SendMessageCommand: 'sqs:SendMessage',
  SendMessageBatchCommand: 'sqs:SendMessage',
  GetObjectCommand: 's3:GetObject',
  HeadObjectCommand: 's3:GetObject',
  ListObjectsV2Command: 's3:ListBucket',
  ListObjectsCommand: 's3:ListBucket',
  HeadBucketCommand: 's3:ListBucket',
};

/** OpenSearch client API methods → HTTP method. */
function httpMethodOfApi(api: string): string | undefined {
  if (/^(get|search|count|mget|stats|health|info)/.test(api)) return 'GET';
  if (/^(put|create|update)/.test(api)) return 'PUT';
  if (/^exists/.test(api)) return 'HEAD';
  if (/^(refresh|bulk|index)/.test(api)) return 'POST';
  if (/^delete/.test(api)) return 'DELETE';
  return undefined;
}

describe('docs/iam-policy.json', () => {
  it('is an IAM policy document: version, unique Sids, Allow statements with actions and resources', () => {
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement.length).toBeGreaterThan(0);
    expect(new Set(policy.Statement.map((s) => s.Sid)).size).toBe(policy.Statement.length);
    for (const s of policy.Statement) {
      expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(s.Effect).toBe('Allow');
      for (const a of list(s.Action)) expect(a).toMatch(/^(sqs|s3|es|aoss|kms):[A-Za-z]+$/);
      for (const r of list(s.Resource)) expect(r).toMatch(/^arn:aws:(sqs|s3|es|aoss|kms):/);
    }
  });

  it('grants no wildcard action and no resource "*" (least privilege)', () => {
    for (const s of policy.Statement) {
      for (const a of list(s.Action)) expect(a).not.toMatch(/\*/);
      for (const r of list(s.Resource)) expect(r).not.toBe('*');
    }
  });

  it('grants every SQS and S3 action the code calls', () => {
    const used = [...new Set([...code.matchAll(/\bnew ([A-Z][A-Za-z0-9]+Command)\(/g)].map((m) => m[1]!))];
    expect(used).toEqual(expect.arrayContaining(['ReceiveMessageCommand', 'DeleteMessageCommand', 'GetObjectCommand']));
    for (const command of used) {
      const action = SDK_ACTIONS[command];
      expect({ command, action: action ?? '(add it to SDK_ACTIONS and to the policy)' }).toEqual({ command, action: expect.stringMatching(/:/) });
      expect({ action, granted: statementsFor(action!).length > 0 }).toEqual({ action, granted: true });
    }
    // Backfill lists the bucket (issue 6); the policy is ready for it.
    expect(statementsFor('s3:ListBucket').length).toBe(1);
  });

  it('replay-dlq\'s extra rights (receive from the DLQ, send back to the queue) sit in separate statements an operator role can take alone', () => {
    const ops = policy.Statement.filter((s) => s.Sid.endsWith('ForOperators'));
    expect(ops.flatMap((s) => list(s.Action)).sort()).toEqual(['sqs:DeleteMessage', 'sqs:ReceiveMessage', 'sqs:SendMessage']);
    const receiveFrom = ops.filter((s) => list(s.Action).includes('sqs:ReceiveMessage')).flatMap((s) => list(s.Resource));
    expect(receiveFrom).toEqual([expect.stringMatching(/dlq$/)]);
  });

  it('grants an es:ESHttp* action for every HTTP method the code sends to OpenSearch, and aoss access for Serverless', () => {
    const methods = new Set<string>();
    for (const m of code.matchAll(/method: '(GET|HEAD|POST|PUT|DELETE)'/g)) methods.add(m[1]!);
    for (const m of code.matchAll(/\(\s*'(GET|HEAD|POST|PUT|DELETE)'\s*,/g)) methods.add(m[1]!);
    for (const m of code.matchAll(/\bclient\.(?:indices|cluster|ingest)\.([a-zA-Z]+)\(/g)) {
      const method = httpMethodOfApi(m[1]!);
      expect({ api: m[1], method: method ?? '(map it in httpMethodOfApi)' }).toEqual({ api: m[1], method: expect.stringMatching(/^[A-Z]+$/) });
      methods.add(method!);
    }
    expect([...methods]).toEqual(expect.arrayContaining(['POST', 'PUT', 'GET', 'HEAD']));
    for (const method of methods) {
      const action = `es:ESHttp${method[0]}${method.slice(1).toLowerCase()}`;
      expect({ action, granted: statementsFor(action).length > 0 }).toEqual({ action, granted: true });
    }
    const es = policy.Statement.filter((s) => list(s.Action).some((a) => a.startsWith('es:')));
    for (const s of es) for (const r of list(s.Resource)) expect(r).toMatch(/^arn:aws:es:[a-z0-9-]+:\d{12}:domain\/[a-z][a-z0-9-]*\/\*$/);
    expect(statementsFor('aoss:APIAccessAll').flatMap((s) => list(s.Resource))).toEqual([expect.stringMatching(/^arn:aws:aoss:[a-z0-9-]+:\d{12}:collection\/[a-z0-9]+$/)]);
  });

  it('receives from the queue and sends only to the DLQ (the worker\'s statements; replay-dlq\'s are marked ForOperators)', () => {
    const worker = (action: string): Statement[] => statementsFor(action).filter((s) => !s.Sid.endsWith('ForOperators'));
    const receive = worker('sqs:ReceiveMessage').flatMap((s) => list(s.Resource));
    const send = worker('sqs:SendMessage').flatMap((s) => list(s.Resource));
    expect(receive).toHaveLength(1);
    expect(send).toHaveLength(1);
    expect(send[0]).not.toBe(receive[0]);
    expect(send[0]).toMatch(/dlq$/);
    for (const a of ['sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) {
      expect(worker(a).flatMap((s) => list(s.Resource))).toEqual(receive);
    }
  });

  it('reads objects only under the CloudTrail prefix, and lists only that prefix', () => {
    const get = statementsFor('s3:GetObject').flatMap((s) => list(s.Resource));
    expect(get).toEqual([expect.stringMatching(/^arn:aws:s3:::[a-z0-9.-]+\/AWSLogs\/\*$/)]);
    // GetObject with a VersionId (the version a notification names, on a versioned bucket) needs s3:GetObjectVersion, on the same objects.
    expect(code).toMatch(/VersionId: versionId/);
    expect(statementsFor('s3:GetObjectVersion').flatMap((s) => list(s.Resource))).toEqual(get);
    const listing = statementsFor('s3:ListBucket')[0]!;
    expect(list(listing.Resource)).toEqual([get[0]!.replace(/\/AWSLogs\/\*$/, '')]);
    const prefixes = list(listing.Condition?.StringLike?.['s3:prefix'] ?? []);
    expect(prefixes.length).toBeGreaterThan(0);
    for (const p of prefixes) expect(p.startsWith('AWSLogs/')).toBe(true);
  });

  it('lets KMS decrypt only through S3 and SQS', () => {
    for (const s of policy.Statement.filter((x) => list(x.Action).some((a) => a.startsWith('kms:')))) {
      expect(list(s.Condition?.StringEquals?.['kms:ViaService'] ?? []).sort()).toEqual([expect.stringMatching(/^s3\./), expect.stringMatching(/^sqs\./)]);
    }
  });
});

/**
 * Sessions: who calls AWS, from where, with which client, and the events that
 * open each session (ConsoleLogin, AssumeRole*, GetRoleCredentials, …), so that
 * a role session seen in API Gateway events was visibly obtained earlier in the
 * same stream, the way an investigator would trace it.
 */
import type { CloudTrailUserIdentity } from '../model/cloudtrail.js';
import type { AccountModel, IamUserModel, PersonModel, RoleModel } from './accounts.js';
import { call, failed, isoSeconds, javaTime, type BoundCall, type Call, type Persona, type Session, type StreamContext } from './event-model.js';
import { awsIpv4, clientIpv4, clientIpv6, privateIpv4, runnerIpv4 } from './network.js';
import type { Random } from './random.js';
import { makeClient, type ClientKind, type ClientProfile } from './user-agents.js';

const STS = 'sts.amazonaws.com';
const SIGNIN = 'signin.amazonaws.com';
const SSO = 'sso.amazonaws.com';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface NewSession {
  session: Session;
  /** Events that open the session, to be emitted before its first call. */
  preamble: BoundCall[];
}

interface Address {
  ip: string;
  vpce?: string;
}

/** People work from home/office (IPv4 or IPv6) or over the corporate network through an interface endpoint. */
function humanAddress(rng: Random, account: AccountModel): Address {
  const r = rng.float();
  if (r < 0.66) return { ip: clientIpv4(rng) };
  if (r < 0.88) return { ip: clientIpv6(rng) };
  return { ip: privateIpv4(rng), vpce: rng.pick(account.vpcEndpointIds) };
}

/** Workloads inside AWS reach endpoints over public AWS addresses or privately through a VPC endpoint. */
function workloadAddress(rng: Random, account: AccountModel, region: string): Address {
  return rng.chance(0.45) ? { ip: privateIpv4(rng), vpce: rng.pick(account.vpcEndpointIds) } : { ip: awsIpv4(rng, region) };
}

function assumedRoleIdentity(
  account: string,
  role: RoleModel,
  sessionName: string,
  accessKeyId: string,
  creationDate: string,
  mfa: boolean,
  extra?: { invokedBy?: string; ec2RoleDelivery?: boolean; webIdProvider?: string },
): CloudTrailUserIdentity {
  const id: CloudTrailUserIdentity = {
    type: 'AssumedRole',
    principalId: `${role.principalId}:${sessionName}`,
    arn: `arn:aws:sts::${account}:assumed-role/${role.name}/${sessionName}`,
    accountId: account,
    accessKeyId,
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: role.principalId, arn: role.arn, accountId: account, userName: role.name },
      webIdFederationData: extra?.webIdProvider ? { federatedProvider: extra.webIdProvider, attributes: {} } : {},
      attributes: { creationDate, mfaAuthenticated: mfa ? 'true' : 'false' },
    },
  };
  if (extra?.ec2RoleDelivery && id.sessionContext) id.sessionContext.ec2RoleDelivery = '2.0';
  if (extra?.invokedBy) id.invokedBy = extra.invokedBy;
  return id;
}

function credentials(ctx: StreamContext, ttlMs: number, accessKeyId: string): Record<string, unknown> {
  return {
    accessKeyId,
    sessionToken: 'IQoJb3JpZ2luX2VjE' + ctx.rng.blob(600),
    expiration: javaTime(ctx.now + ttlMs),
  };
}

function roleResource(account: string, role: RoleModel): { accountId: string; type: string; ARN: string } {
  return { accountId: account, type: 'AWS::IAM::Role', ARN: role.arn };
}

interface SessionSpec {
  persona: Persona;
  identity: () => CloudTrailUserIdentity | undefined;
  address: Address;
  client: ClientProfile;
  console?: boolean;
  ttl: number;
  human: boolean;
  arn: string;
  canWrite: boolean;
}

function makeSession(ctx: StreamContext, spec: SessionSpec): Session {
  const s: Session = {
    persona: spec.persona,
    identity: spec.identity,
    sourceIPAddress: spec.address.ip,
    client: spec.client,
    console: spec.console ?? false,
    expiresAt: ctx.now + spec.ttl,
    human: spec.human,
    arn: spec.arn,
    canWrite: spec.canWrite,
  };
  return spec.address.vpce ? { ...s, vpcEndpointId: spec.address.vpce } : s;
}

function consoleClient(rng: Random): { client: ClientProfile; internal: boolean } {
  const kind: ClientKind = rng.weighted(['browser', 'console-internal', 'console-signin'] as const, [0.5, 0.38, 0.12]);
  return { client: makeClient(rng, kind), internal: kind === 'console-internal' };
}

function consoleLogin(
  ctx: StreamContext,
  session: Session,
  identity: CloudTrailUserIdentity,
  ok: boolean,
  mfa: boolean,
): BoundCall {
  const c = call(SIGNIN, 'ConsoleLogin', false, null, { ConsoleLogin: ok ? 'Success' : 'Failure' });
  c.eventType = 'AwsConsoleSignIn';
  c.requestIdStyle = 'none';
  c.host = 'signin.aws.amazon.com';
  const federated = identity.type === 'AssumedRole';
  c.additionalEventData = federated
    ? { MobileVersion: 'No', MFAUsed: 'No' }
    : {
        LoginTo: `https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_${ctx.region}_${ctx.rng.hex(8)}`,
        MobileVersion: 'No',
        MFAUsed: ok && mfa ? 'Yes' : 'No',
      };
  // Failed sign-ins carry a message but no errorCode.
  if (!ok) c.errorMessage = 'Failed authentication';
  // Sign-in is recorded with the browser's agent even when later console calls show "AWS Internal".
  const browser: Session = { ...session, client: makeClient(ctx.rng, 'browser'), identity: () => structuredClone(identity) };
  return { session: browser, call: c };
}

// ---------------------------------------------------------------------------

function consoleSso(ctx: StreamContext): NewSession {
  const { rng, account } = ctx;
  const person = rng.pick(account.people);
  const viaSaml = rng.chance(0.3);
  const role = viaSaml ? account.samlRole : rng.weighted([account.ssoAdmin, account.ssoDeveloper, account.ssoReadOnly], [4, 4, 2]);
  const key = 'ASIA' + rng.base32(16);
  const created = isoSeconds(ctx.now);
  const addr = humanAddress(rng, account);
  const { client, internal } = consoleClient(rng);
  const address = internal && rng.chance(0.4) ? { ip: 'AWS Internal' } : addr;
  const identity = (): CloudTrailUserIdentity => assumedRoleIdentity(account.id, role, person.email, key, created, false);
  const session = makeSession(ctx, {
    persona: 'console-sso',
    identity,
    address,
    client,
    console: true,
    ttl: rng.range(1, 8) * HOUR,
    human: true,
    arn: `arn:aws:sts::${account.id}:assumed-role/${role.name}/${person.email}`,
    canWrite: role !== account.ssoReadOnly,
  });
  // Opening events come from the browser's own address even if console calls later show "AWS Internal".
  const human: Session = { ...session, sourceIPAddress: addr.ip, console: false };
  const preamble: BoundCall[] = [];
  if (viaSaml) preamble.push(assumeRoleWithSaml(ctx, human, person, role));
  else preamble.push(getRoleCredentials(ctx, human, person, role));
  preamble.push(consoleLogin(ctx, human, identity(), true, false));
  return { session, preamble };
}

function consoleIam(ctx: StreamContext): NewSession {
  const { rng, account } = ctx;
  const u = rng.pick(account.humans);
  const key = 'ASIA' + rng.base32(16);
  const created = isoSeconds(ctx.now);
  const mfa = rng.chance(0.8);
  const addr = humanAddress(rng, account);
  const { client, internal } = consoleClient(rng);
  const signin = client.kind === 'console-signin';
  const identity = (): CloudTrailUserIdentity => {
    const id: CloudTrailUserIdentity = {
      type: 'IAMUser',
      principalId: u.principalId,
      arn: u.arn,
      accountId: account.id,
      accessKeyId: key,
      userName: u.name,
      sessionContext: { sessionIssuer: {}, webIdFederationData: {}, attributes: { creationDate: created, mfaAuthenticated: mfa ? 'true' : 'false' } },
    };
    if (signin) id.invokedBy = 'signin.amazonaws.com';
    return id;
  };
  const session = makeSession(ctx, {
    persona: 'console-iam',
    identity,
    address: internal && rng.chance(0.4) ? { ip: 'AWS Internal' } : addr,
    client,
    console: true,
    ttl: rng.range(1, 12) * HOUR,
    human: true,
    arn: u.arn,
    canWrite: true,
  });
  const human: Session = { ...session, sourceIPAddress: addr.ip, console: false };
  const loginIdentity: CloudTrailUserIdentity = { type: 'IAMUser', principalId: u.principalId, arn: u.arn, accountId: account.id, userName: u.name };
  const preamble: BoundCall[] = [];
  if (rng.chance(0.15)) {
    // A mistyped password first; CloudTrail hides names it cannot match to a user.
    const failedIdentity: CloudTrailUserIdentity = rng.chance(0.5)
      ? loginIdentity
      : { type: 'IAMUser', principalId: '', accountId: account.id, accessKeyId: '', userName: 'HIDDEN_DUE_TO_SECURITY_REASONS' };
    preamble.push(consoleLogin(ctx, human, failedIdentity, false, false));
  }
  preamble.push(consoleLogin(ctx, human, loginIdentity, true, mfa));
  return { session, preamble };
}

function rootSession(ctx: StreamContext): NewSession {
  const { rng, account } = ctx;
  const key = 'ASIA' + rng.base32(16);
  const created = isoSeconds(ctx.now);
  const addr = rng.chance(0.8) ? { ip: clientIpv4(rng) } : { ip: clientIpv6(rng) };
  const arn = `arn:aws:iam::${account.id}:root`;
  const session = makeSession(ctx, {
    persona: 'root',
    identity: () => ({
      type: 'Root',
      principalId: account.id,
      arn,
      accountId: account.id,
      accessKeyId: key,
      sessionContext: { sessionIssuer: {}, webIdFederationData: {}, attributes: { creationDate: created, mfaAuthenticated: 'true' } },
    }),
    address: addr,
    client: makeClient(rng, rng.chance(0.6) ? 'browser' : 'console-internal'),
    console: true,
    ttl: rng.range(20, 90) * MINUTE,
    human: true,
    arn,
    canWrite: true,
  });
  const loginIdentity: CloudTrailUserIdentity = { type: 'Root', principalId: account.id, arn, accountId: account.id, accessKeyId: '' };
  const preamble: BoundCall[] = [];
  if (rng.chance(0.25)) preamble.push(consoleLogin(ctx, session, loginIdentity, false, false));
  preamble.push(consoleLogin(ctx, session, loginIdentity, true, true));
  return { session, preamble };
}

function cliSso(ctx: StreamContext): NewSession {
  const { rng, account } = ctx;
  const person = rng.pick(account.people);
  const role = rng.weighted([account.ssoAdmin, account.ssoDeveloper, account.ssoReadOnly], [3, 5, 2]);
  const key = 'ASIA' + rng.base32(16);
  const created = isoSeconds(ctx.now);
  const kind: ClientKind = rng.weighted(['aws-cli', 'boto3', 'sdk-go-v2', 'sdk-js-v3'] as const, [6, 2, 1, 1]);
  const session = makeSession(ctx, {
    persona: 'cli-sso',
    identity: () => assumedRoleIdentity(account.id, role, person.email, key, created, false),
    address: humanAddress(rng, account),
    client: makeClient(rng, kind),
    ttl: rng.range(1, 8) * HOUR,
    human: true,
    arn: `arn:aws:sts::${account.id}:assumed-role/${role.name}/${person.email}`,
    canWrite: role !== account.ssoReadOnly,
  });
  const preamble: BoundCall[] = [];
  if (rng.chance(0.5)) preamble.push(createToken(ctx, session, person));
  preamble.push(getRoleCredentials(ctx, session, person, role));
  return { session, preamble };
}

function iamUserKeySession(ctx: StreamContext, persona: Persona, u: IamUserModel, kind: ClientKind, address: Address): Session {
  const { account } = ctx;
  return makeSession(ctx, {
    persona,
    identity: () => ({ type: 'IAMUser', principalId: u.principalId, arn: u.arn, accountId: account.id, accessKeyId: u.accessKeyId, userName: u.name }),
    address,
    client: makeClient(ctx.rng, kind),
    ttl: ctx.rng.range(10, 120) * MINUTE,
    human: persona !== 'terraform-local' || ctx.rng.chance(0.5),
    arn: u.arn,
    canWrite: true,
  });
}

function cliIam(ctx: StreamContext): NewSession {
  const { rng, account } = ctx;
  const useAutomation = rng.chance(0.35);
  const u = useAutomation ? rng.pick(account.automation.slice(1)) : rng.pick(account.humans);
  const kind: ClientKind = useAutomation
    ? rng.weighted(['boto3', 'sdk-java', 'sdk-go-v2'] as const, [3, 2, 2])
    : rng.weighted(['aws-cli', 'boto3'] as const, [4, 1]);
  const address = useAutomation ? (rng.chance(0.5) ? workloadAddress(rng, account, ctx.region) : { ip: clientIpv4(rng) }) : humanAddress(rng, account);
  return { session: iamUserKeySession(ctx, 'cli-iam', u, kind, address), preamble: [] };
}

function webIdentitySession(ctx: StreamContext, persona: Persona, kind: ClientKind): NewSession {
  const { rng, account } = ctx;
  const role = account.ciRole;
  const repo = rng.pick(account.githubRepos);
  const sessionName = rng.chance(0.7) ? 'GitHubActions' : `gha-${repo.split('/')[1]}-${rng.range(1000, 99999)}`;
  const key = 'ASIA' + rng.base32(16);
  const created = isoSeconds(ctx.now);
  const ip = rng.chance(0.8) ? runnerIpv4(rng) : awsIpv4(rng, ctx.region);
  const session = makeSession(ctx, {
    persona,
    identity: () => assumedRoleIdentity(account.id, role, sessionName, key, created, false, { webIdProvider: account.oidcProviderArn }),
    address: { ip },
    client: makeClient(rng, kind),
    ttl: rng.range(15, 60) * MINUTE,
    human: false,
    arn: `arn:aws:sts::${account.id}:assumed-role/${role.name}/${sessionName}`,
    canWrite: true,
  });
  const subject = `repo:${repo}:ref:refs/heads/main`;
  const webUser: Session = {
    ...session,
    client: makeClient(rng, 'sdk-js-v3'),
    identity: () => ({
      type: 'WebIdentityUser',
      principalId: `${account.oidcProviderArn}:sts.amazonaws.com:${subject}`,
      userName: subject,
      identityProvider: account.oidcProviderArn,
    }),
  };
  const c = call(
    STS,
    'AssumeRoleWithWebIdentity',
    true,
    { roleArn: role.arn, roleSessionName: sessionName, durationSeconds: 3600 },
    {
      credentials: credentials(ctx, HOUR, key),
      subjectFromWebIdentityToken: subject,
      assumedRoleUser: { assumedRoleId: `${role.principalId}:${sessionName}`, arn: `arn:aws:sts::${account.id}:assumed-role/${role.name}/${sessionName}` },
      provider: account.oidcProviderArn,
      audience: 'sts.amazonaws.com',
    },
  );
  c.additionalEventData = { identityProviderConnectionVerificationMethod: 'IAMTrustStore' };
  c.resources = [roleResource(account.id, role), { accountId: account.id, type: 'AWS::IAM::OIDCProvider', ARN: account.oidcProviderArn }];
  const preamble: BoundCall[] = [{ session: webUser, call: c }];
  // Terraform's provider checks who it is before planning.
  if (kind === 'terraform') preamble.push({ session, call: call(STS, 'GetCallerIdentity', true, null) });
  return { session, preamble };
}

function terraformLocal(ctx: StreamContext): NewSession {
  const { rng, account } = ctx;
  const u = account.automation[0] as IamUserModel;
  const session = iamUserKeySession(ctx, 'terraform-local', u, 'terraform', humanAddress(rng, account));
  return { session, preamble: [{ session, call: call(STS, 'GetCallerIdentity', true, null) }] };
}

function serviceAssumeRole(ctx: StreamContext, host: string, role: RoleModel, sessionName: string, key: string): BoundCall {
  const service = serviceSession(ctx, host);
  const c = call(
    STS,
    'AssumeRole',
    true,
    { roleArn: role.arn, roleSessionName: sessionName },
    { credentials: credentials(ctx, HOUR, key) },
  );
  c.resources = [roleResource(ctx.account.id, role)];
  return { session: service, call: c };
}

function cloudFormation(ctx: StreamContext): NewSession {
  const { rng, account } = ctx;
  const role = account.cfnExecRole;
  const key = 'ASIA' + rng.base32(16);
  const sessionName = 'AWSCloudFormation';
  const created = isoSeconds(ctx.now);
  const session = makeSession(ctx, {
    persona: 'cloudformation',
    identity: () => assumedRoleIdentity(account.id, role, sessionName, key, created, false, { invokedBy: 'cloudformation.amazonaws.com' }),
    address: { ip: 'cloudformation.amazonaws.com' },
    client: makeClient(rng, 'cloudformation'),
    ttl: rng.range(10, 40) * MINUTE,
    human: false,
    arn: `arn:aws:sts::${account.id}:assumed-role/${role.name}/${sessionName}`,
    canWrite: true,
  });
  return { session, preamble: [serviceAssumeRole(ctx, 'cloudformation.amazonaws.com', role, sessionName, key)] };
}

function lambdaSession(ctx: StreamContext): NewSession {
  const { rng, account } = ctx;
  const fn = rng.pick(account.functions);
  const key = 'ASIA' + rng.base32(16);
  const created = isoSeconds(ctx.now);
  const kind: ClientKind = fn.runtime.startsWith('python') ? 'boto3' : fn.runtime.startsWith('java') ? 'sdk-java' : fn.runtime.startsWith('provided') ? 'sdk-go-v2' : 'sdk-js-v3';
  const session = makeSession(ctx, {
    persona: 'lambda',
    identity: () => assumedRoleIdentity(account.id, fn.role, fn.name, key, created, false),
    address: workloadAddress(rng, account, ctx.region),
    client: makeClient(rng, kind, { lambda: true }),
    ttl: rng.range(1, 12) * HOUR,
    human: false,
    arn: `arn:aws:sts::${account.id}:assumed-role/${fn.role.name}/${fn.name}`,
    canWrite: false,
  });
  const sessionName = `awslambda_${rng.range(100, 999)}_${isoSeconds(ctx.now).replace(/\D/g, '')}${rng.range(100, 999)}`;
  return { session, preamble: [serviceAssumeRole(ctx, 'lambda.amazonaws.com', fn.role, sessionName, key)] };
}

function ec2Session(ctx: StreamContext): NewSession {
  const { rng, account } = ctx;
  const instance = 'i-0' + rng.hex(8).slice(0, 16);
  const key = 'ASIA' + rng.base32(16);
  const created = isoSeconds(ctx.now);
  const kind: ClientKind = rng.weighted(['sdk-java', 'sdk-go-v2', 'aws-cli', 'boto3'] as const, [3, 2, 2, 2]);
  const session = makeSession(ctx, {
    persona: 'ec2',
    identity: () => assumedRoleIdentity(account.id, account.ec2Role, instance, key, created, false, { ec2RoleDelivery: true }),
    address: workloadAddress(rng, account, ctx.region),
    client: makeClient(rng, kind),
    ttl: rng.range(1, 6) * HOUR,
    human: false,
    arn: `arn:aws:sts::${account.id}:assumed-role/${account.ec2Role.name}/${instance}`,
    canWrite: false,
  });
  return { session, preamble: [] };
}

/** A call made by an AWS service on its own behalf (type AWSService, address and agent = the service host). */
export function serviceSession(ctx: StreamContext, host: string): Session {
  return makeSession(ctx, {
    persona: 'service',
    identity: () => ({ type: 'AWSService', invokedBy: host }),
    address: { ip: host },
    client: makeClient(ctx.rng, 'service', { host }),
    ttl: HOUR,
    human: false,
    arn: host,
    canWrite: false,
  });
}

/**
 * Service events: some name the account and service without an identity type,
 * some carry no userIdentity at all.
 */
export function serviceEventSession(ctx: StreamContext, host: string, withIdentity: boolean): Session {
  const accountId = ctx.account.id;
  return makeSession(ctx, {
    persona: 'service',
    identity: withIdentity ? () => ({ accountId, invokedBy: host }) : () => undefined,
    address: { ip: host },
    client: makeClient(ctx.rng, 'service', { host }),
    ttl: HOUR,
    human: false,
    arn: host,
    canWrite: false,
  });
}

function crossAccount(ctx: StreamContext): NewSession {
  const { rng, account, org } = ctx;
  const others = org.filter((a) => a.id !== account.id);
  const partner = others.length > 0 && rng.chance(0.7) ? rng.pick(others).id : '318445990127';
  const job = rng.pick(['inventory-sync', 'audit-scanner', 'cost-report']);
  const viaRole = rng.chance(0.6);
  const principal = viaRole ? `AROA${rng.base32(17)}:${job}` : `AIDA${rng.base32(17)}`;
  const arn = viaRole ? `arn:aws:sts::${partner}:assumed-role/${job}-role/${job}` : `arn:aws:iam::${partner}:user/${job}`;
  const session = makeSession(ctx, {
    persona: 'cross-account',
    identity: () => ({ type: 'AWSAccount', principalId: principal, accountId: partner }),
    address: rng.chance(0.85) ? { ip: awsIpv4(rng, ctx.region) } : { ip: 'AWS Internal' },
    client: makeClient(rng, rng.weighted(['sdk-java', 'boto3', 'sdk-go-v2'] as const, [2, 2, 1])),
    ttl: rng.range(10, 60) * MINUTE,
    human: false,
    arn,
    canWrite: false,
  });
  return { session, preamble: [] };
}

function federated(ctx: StreamContext): NewSession {
  const { rng, account } = ctx;
  const issuer = account.automation[1] as IamUserModel;
  const name = `build-${rng.range(100, 9999)}`;
  const key = 'ASIA' + rng.base32(16);
  const created = isoSeconds(ctx.now);
  const arn = `arn:aws:sts::${account.id}:federated-user/${name}`;
  const address = rng.chance(0.5) ? workloadAddress(rng, account, ctx.region) : { ip: clientIpv4(rng) };
  const session = makeSession(ctx, {
    persona: 'federated',
    identity: () => ({
      type: 'FederatedUser',
      principalId: `${account.id}:${name}`,
      arn,
      accountId: account.id,
      accessKeyId: key,
      sessionContext: {
        sessionIssuer: { type: 'IAMUser', principalId: issuer.principalId, arn: issuer.arn, accountId: account.id, userName: issuer.name },
        webIdFederationData: {},
        attributes: { creationDate: created, mfaAuthenticated: 'false' },
      },
    }),
    address,
    client: makeClient(rng, rng.chance(0.5) ? 'sdk-java' : 'boto3'),
    ttl: rng.range(15, 60) * MINUTE,
    human: false,
    arn,
    canWrite: rng.chance(0.5),
  });
  const issuerSession = iamUserKeySession(ctx, 'cli-iam', issuer, session.client.kind, address);
  const c = call(
    STS,
    'GetFederationToken',
    true,
    { name, durationSeconds: 3600 },
    { credentials: credentials(ctx, HOUR, key), federatedUser: { federatedUserId: `${account.id}:${name}`, arn }, packedPolicySize: rng.range(5, 30) },
  );
  return { session, preamble: [{ session: issuerSession, call: c }] };
}

function roleSession(ctx: StreamContext): NewSession {
  const { rng, account } = ctx;
  const role = rng.pick([account.apigwLogsRole, account.ec2Role, account.crossAccountRole]);
  const session = makeSession(ctx, {
    persona: 'role',
    identity: () => ({ type: 'Role', principalId: role.principalId, arn: role.arn, accountId: account.id, userName: role.name }),
    address: { ip: awsIpv4(rng, ctx.region) },
    client: makeClient(rng, 'sdk-go-v2'),
    ttl: rng.range(10, 60) * MINUTE,
    human: false,
    arn: role.arn,
    canWrite: false,
  });
  return { session, preamble: [] };
}

function directorySession(ctx: StreamContext): NewSession {
  const { rng, account } = ctx;
  const person = rng.pick(account.people);
  const sid = `S-1-5-21-${rng.range(1e9, 4e9)}-${rng.range(1e9, 4e9)}-${rng.range(1e9, 4e9)}-${rng.range(1100, 9999)}`;
  const session = makeSession(ctx, {
    persona: 'directory',
    identity: () => ({ type: 'Directory', principalId: sid, accountId: account.id, userName: person.email.split('@')[0] }),
    address: humanAddress(rng, account),
    client: makeClient(rng, 'browser'),
    ttl: rng.range(1, 4) * HOUR,
    human: true,
    arn: sid,
    canWrite: false,
  });
  return { session, preamble: [] };
}

// --- session-opening events -------------------------------------------------

function identityCenterUser(account: AccountModel, person: PersonModel, rng: Random): CloudTrailUserIdentity {
  return {
    type: 'IdentityCenterUser',
    accountId: account.id,
    onBehalfOf: { userId: person.userId, identityStoreArn: account.identityStoreArn },
    credentialId: rng.base64(56).replace(/[+/]/g, '_'),
  };
}

function permissionSetName(role: RoleModel): string {
  return role.name.replace(/^AWSReservedSSO_/, '').replace(/_[0-9a-f]{16}$/, '');
}

function getRoleCredentials(ctx: StreamContext, session: Session, person: PersonModel, role: RoleModel): BoundCall {
  const { account, rng } = ctx;
  const credentialId = identityCenterUser(account, person, rng);
  const c = call(SSO, 'GetRoleCredentials', true, { roleName: permissionSetName(role), accountId: account.id });
  return { session: { ...session, identity: () => structuredClone(credentialId) }, call: c };
}

function createToken(ctx: StreamContext, session: Session, person: PersonModel): BoundCall {
  const { account, rng } = ctx;
  const c = call(
    SSO,
    'CreateToken',
    false,
    {
      clientId: rng.base64(22).replace(/[+/]/g, '-'),
      clientSecret: 'HIDDEN_DUE_TO_SECURITY_REASONS',
      grantType: 'urn:ietf:params:oauth:grant-type:device_code',
      deviceCode: rng.base64(40).replace(/[+/]/g, '_'),
    },
    {
      accessToken: 'HIDDEN_DUE_TO_SECURITY_REASONS',
      tokenType: 'Bearer',
      expiresIn: 28800,
      refreshToken: 'HIDDEN_DUE_TO_SECURITY_REASONS',
      idToken: 'HIDDEN_DUE_TO_SECURITY_REASONS',
    },
  );
  const userName = person.email;
  const principalId = person.userId;
  return {
    session: { ...session, identity: () => ({ type: 'Unknown', principalId, accountId: account.id, userName }) },
    call: c,
  };
}

function assumeRoleWithSaml(ctx: StreamContext, session: Session, person: PersonModel, role: RoleModel): BoundCall {
  const { account, rng } = ctx;
  const idp = rng.base64(27) + '=';
  const c = call(
    STS,
    'AssumeRoleWithSAML',
    true,
    {
      sAMLAssertionID: `id${rng.range(1e8, 9e8)}${rng.hex(6)}`,
      roleSessionName: person.email,
      roleArn: role.arn,
      principalArn: account.samlProviderArn,
      durationSeconds: 43200,
    },
    {
      credentials: { accessKeyId: 'ASIA' + rng.base32(16), sessionToken: 'IQoJb3JpZ2luX2VjE' + rng.blob(600), expiration: javaTime(ctx.now + 12 * HOUR) },
      assumedRoleUser: { assumedRoleId: `${role.principalId}:${person.email}`, arn: `arn:aws:sts::${account.id}:assumed-role/${role.name}/${person.email}` },
      subject: person.email,
      subjectType: 'unspecified',
      issuer: `http://www.okta.com/exk${rng.alnum(17)}`,
      audience: 'https://signin.aws.amazon.com/saml',
      nameQualifier: idp,
    },
  );
  c.resources = [roleResource(account.id, role), { accountId: account.id, type: 'AWS::IAM::SAMLProvider', ARN: account.samlProviderArn }];
  return {
    session: {
      ...session,
      client: makeClient(rng, 'browser'),
      identity: () => ({ type: 'SAMLUser', principalId: `${idp}:${person.email}`, userName: person.email, identityProvider: idp }),
    },
    call: c,
  };
}

/** A user assuming a role in this account with their own credentials (role switch, role chaining). */
export function assumeRoleBy(ctx: StreamContext, caller: Session, role: RoleModel, crossAccount: boolean): Call {
  const { rng, account } = ctx;
  const sessionName = crossAccount ? `${rng.pick(['audit', 'deploy', 'support'])}-${rng.range(1000, 9999)}` : `${rng.pick(['switch', 'admin', 'ops'])}-${rng.hex(4)}`;
  const c = call(
    STS,
    'AssumeRole',
    true,
    { roleArn: role.arn, roleSessionName: sessionName, durationSeconds: rng.pick([900, 3600, 3600, 43200]) },
    {
      credentials: credentials(ctx, HOUR, 'ASIA' + rng.base32(16)),
      assumedRoleUser: { assumedRoleId: `${role.principalId}:${sessionName}`, arn: `arn:aws:sts::${account.id}:assumed-role/${role.name}/${sessionName}` },
    },
  );
  c.resources = [roleResource(account.id, role)];
  if (crossAccount) c.sharedEventID = true;
  if (!caller.canWrite && rng.chance(0.5)) {
    return failed(c, 'AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${role.arn}`);
  }
  return c;
}

const FACTORIES: Readonly<Record<Persona, ((ctx: StreamContext) => NewSession) | undefined>> = {
  'console-sso': consoleSso,
  'console-iam': consoleIam,
  root: rootSession,
  'cli-sso': cliSso,
  'cli-iam': cliIam,
  'terraform-ci': (ctx) => webIdentitySession(ctx, 'terraform-ci', 'terraform'),
  'terraform-local': terraformLocal,
  cloudformation: cloudFormation,
  'pipeline-sdk': (ctx) => webIdentitySession(ctx, 'pipeline-sdk', ctx.rng.chance(0.6) ? 'sdk-js-v3' : 'sdk-go-v2'),
  lambda: lambdaSession,
  ec2: ec2Session,
  service: undefined,
  'cross-account': crossAccount,
  federated,
  role: roleSession,
  directory: directorySession,
};

/** Open a new session of the given persona in this stream. */
export function openSession(ctx: StreamContext, persona: Persona): NewSession {
  const factory = FACTORIES[persona];
  if (!factory) return { session: serviceSession(ctx, 'lambda.amazonaws.com'), preamble: [] };
  return factory(ctx);
}

/**
 * Everything that is not API Gateway: the background a real trail has around
 * API Gateway activity (STS, IAM, S3 control plane, EC2 describes, Lambda,
 * KMS, CloudFormation, CloudWatch Logs, WorkDocs, service events), with the
 * request/response shapes and error codes CloudTrail records for each.
 */
import type { CloudTrailResource } from '../model/cloudtrail.js';
import type { SessionSource } from './apigateway-events.js';
import { call, failed, isoSeconds, javaTime, type BoundCall, type Call, type Persona, type Session, type StreamContext } from './event-model.js';
import { WeightedTable } from './random.js';
import { assumeRoleBy, serviceEventSession, serviceSession } from './sessions.js';

const STS = 'sts.amazonaws.com';
const IAM = 'iam.amazonaws.com';
const S3 = 's3.amazonaws.com';
const EC2 = 'ec2.amazonaws.com';
const LAMBDA = 'lambda.amazonaws.com';
const KMS = 'kms.amazonaws.com';
const CFN = 'cloudformation.amazonaws.com';
const LOGS = 'logs.amazonaws.com';
const WORKDOCS = 'workdocs.amazonaws.com';
const SSO = 'sso.amazonaws.com';

type Builder = (w: ServiceWorld, s: Session) => Call;

interface Entry {
  weight: number;
  /** Who makes this call, with weights; empty when the builder brings its own (service) session. */
  personas: readonly Persona[];
  personaWeights: readonly number[];
  build: Builder;
  /** IAM is global: its events are written to us-east-1 files only. */
  usEast1Only?: boolean;
  session?: (w: ServiceWorld) => Session;
}

const HUMANS: readonly Persona[] = ['console-sso', 'console-iam', 'cli-sso', 'cli-iam', 'root'];
const HUMAN_W = [4, 1.5, 3, 1.5, 0.3];
const IAC: readonly Persona[] = ['terraform-ci', 'terraform-local', 'cloudformation', 'pipeline-sdk'];
const IAC_W = [4, 1, 2, 1.5];

function s3Call(w: ServiceWorld, name: string, readOnly: boolean, bucket: string | undefined, extra: Record<string, unknown>): Call {
  const { rng, region, account } = w.ctx;
  const host = bucket ? `${bucket}.s3.${region}.amazonaws.com` : `s3.${region}.amazonaws.com`;
  const request: Record<string, unknown> = bucket ? { bucketName: bucket, Host: host, ...extra } : { Host: host, ...extra };
  const c = call(S3, name, readOnly, request, null);
  c.requestIdStyle = 's3';
  c.host = host;
  c.additionalEventData = {
    SignatureVersion: 'SigV4',
    CipherSuite: 'TLS_AES_128_GCM_SHA256',
    bytesTransferredIn: 0,
    AuthenticationMethod: 'AuthHeader',
    'x-amz-id-2': rng.blob(76),
    bytesTransferredOut: rng.range(100, 4000),
  };
  if (bucket) c.resources = [{ accountId: account.id, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` }];
  return c;
}

function keyResource(w: ServiceWorld, keyId: string): CloudTrailResource[] {
  const { account, region } = w.ctx;
  return [{ accountId: account.id, type: 'AWS::KMS::Key', ARN: `arn:aws:kms:${region}:${account.id}:key/${keyId}` }];
}

function lambdaConfig(w: ServiceWorld, fn: { name: string; role: { arn: string }; runtime: string }): Record<string, unknown> {
  const { rng, account, region } = w.ctx;
  return {
    functionName: fn.name,
    functionArn: `arn:aws:lambda:${region}:${account.id}:function:${fn.name}`,
    runtime: fn.runtime,
    role: fn.role.arn,
    handler: fn.runtime.startsWith('python') ? 'app.handler' : 'index.handler',
    codeSize: rng.range(900, 9_000_000),
    description: '',
    timeout: rng.pick([3, 10, 29, 30]),
    memorySize: rng.pick([128, 256, 512, 1024]),
    lastModified: isoSeconds(w.ctx.now).replace('Z', '.000+0000'),
    codeSha256: rng.base64(43) + '=',
    version: '$LATEST',
    tracingConfig: { mode: rng.pick(['PassThrough', 'Active']) },
    revisionId: rng.uuid(),
    state: 'Active',
    lastUpdateStatus: 'InProgress',
    lastUpdateStatusReason: 'The function is being created.',
    lastUpdateStatusReasonCode: 'Creating',
    packageType: 'Zip',
    architectures: [rng.pick(['x86_64', 'arm64'])],
    ephemeralStorage: { size: 512 },
    snapStart: { applyOn: 'None', optimizationStatus: 'Off' },
    runtimeVersionConfig: { runtimeVersionArn: `arn:aws:lambda:${region}::runtime:${rng.hex(32)}` },
    loggingConfig: { logFormat: 'Text', logGroup: `/aws/lambda/${fn.name}` },
  };
}

function notAuthorized(s: Session, action: string, resource?: string): string {
  return `User: ${s.arn} is not authorized to perform: ${action}${resource ? ` on resource: ${resource}` : ''} because no identity-based policy allows the ${action} action`;
}

const ENTRIES: readonly Entry[] = [
  // --- STS ---
  {
    weight: 5,
    personas: ['cli-sso', 'cli-iam', 'terraform-ci', 'terraform-local', 'lambda', 'ec2', 'pipeline-sdk', 'federated', 'role'],
    personaWeights: [3, 2, 2, 1, 2, 1, 1, 0.5, 0.5],
    build: (w) => {
      const c = call(STS, 'GetCallerIdentity', true, null);
      if (w.ctx.rng.chance(0.4)) c.host = 'sts.amazonaws.com';
      return c;
    },
  },
  {
    weight: 4,
    personas: [],
    personaWeights: [],
    session: (w) => serviceSession(w.ctx, w.ctx.rng.weighted(['lambda.amazonaws.com', 'apigateway.amazonaws.com', 'ecs-tasks.amazonaws.com', 'config.amazonaws.com', 'cloudformation.amazonaws.com'], [4, 2, 1, 1, 1])),
    build: (w, s) => {
      const { rng, account } = w.ctx;
      const host = s.sourceIPAddress;
      const role =
        host === 'apigateway.amazonaws.com'
          ? account.apigwLogsRole
          : host === 'lambda.amazonaws.com'
            ? rng.pick(account.functions).role
            : host === 'cloudformation.amazonaws.com'
              ? account.cfnExecRole
              : account.ec2Role;
      const sessionName = host === 'apigateway.amazonaws.com' ? `BackplaneAssumeRoleSession` : host === 'config.amazonaws.com' ? 'AWSConfig-Describe' : rng.hex(16);
      const c = call(
        STS,
        'AssumeRole',
        true,
        { roleArn: role.arn, roleSessionName: sessionName },
        { credentials: { accessKeyId: 'ASIA' + rng.base32(16), sessionToken: 'IQoJb3JpZ2luX2VjE' + rng.blob(600), expiration: javaTime(w.ctx.now + 3_600_000) } },
      );
      c.resources = [{ accountId: account.id, type: 'AWS::IAM::Role', ARN: role.arn }];
      c.sharedEventID = host === 'config.amazonaws.com';
      return c;
    },
  },
  {
    weight: 2.5,
    personas: ['console-sso', 'cli-sso', 'cli-iam', 'ec2', 'cross-account'],
    personaWeights: [1, 2, 1, 1, 2.5],
    build: (w, s) => {
      const { account, rng } = w.ctx;
      const cross = s.persona === 'cross-account';
      const role = cross ? account.crossAccountRole : rng.pick([account.crossAccountRole, account.ciRole, account.ec2Role]);
      return assumeRoleBy(w.ctx, s, role, cross);
    },
  },
  // --- IAM (global) ---
  {
    weight: 4,
    usEast1Only: true,
    personas: IAC,
    personaWeights: IAC_W,
    build: (w) => {
      const { rng, account } = w.ctx;
      const fn = rng.pick(account.functions);
      const roleName = rng.chance(0.5) ? fn.role.name : rng.pick([account.ciRole.name, account.apigwLogsRole.name, account.ec2Role.name]);
      const op = rng.weighted(['GetRole', 'ListAttachedRolePolicies', 'ListRolePolicies', 'GetPolicy', 'GetPolicyVersion', 'GetRolePolicy'], [4, 3, 2, 2, 1, 1]);
      const policyArn = `arn:aws:iam::aws:policy/service-role/${rng.pick(['AWSLambdaBasicExecutionRole', 'AmazonAPIGatewayPushToCloudWatchLogs', 'AWSLambdaVPCAccessExecutionRole'])}`;
      const req =
        op === 'GetPolicy'
          ? { policyArn }
          : op === 'GetPolicyVersion'
            ? { policyArn, versionId: `v${rng.range(1, 9)}` }
            : op === 'GetRolePolicy'
              ? { roleName, policyName: `${roleName}-inline` }
              : { roleName };
      const c = call(IAM, op, true, req);
      if (op === 'GetRolePolicy' && rng.chance(0.3)) return failed(c, 'NoSuchEntityException', `The role policy with name ${roleName}-inline cannot be found.`);
      return c;
    },
  },
  {
    weight: 2,
    usEast1Only: true,
    personas: [...HUMANS, 'role', 'cross-account'],
    personaWeights: [...HUMAN_W, 0.5, 0.5],
    build: (w, s) => {
      const { rng } = w.ctx;
      const op = rng.weighted(['ListRoles', 'ListUsers', 'GetAccountSummary', 'ListPolicies', 'ListMFADevices', 'GetAccountPasswordPolicy'], [3, 2, 2, 1, 1, 0.5]);
      const iamUser = s.persona === 'console-iam' || s.persona === 'cli-iam';
      const req = op === 'ListPolicies' ? { scope: 'Local', onlyAttached: false, maxItems: 100 } : op === 'ListMFADevices' && iamUser ? { userName: s.arn.split('/').pop() } : null;
      const c = call(IAM, op, true, req);
      if (s.persona === 'role' || s.persona === 'cross-account' || (s.persona === 'console-sso' && rng.chance(0.1))) {
        return failed(c, 'AccessDenied', notAuthorized(s, `iam:${op}`, `arn:aws:iam::${w.ctx.account.id}:role/`));
      }
      if (op === 'GetAccountPasswordPolicy' && rng.chance(0.5)) return failed(c, 'NoSuchEntityException', `The Password Policy with domain name ${w.ctx.account.id} cannot be found.`);
      return c;
    },
  },
  {
    weight: 1,
    usEast1Only: true,
    personas: ['terraform-ci', 'cloudformation', 'console-sso', 'console-iam', 'root'],
    personaWeights: [3, 2, 1, 1, 0.2],
    build: (w) => {
      const { rng, account } = w.ctx;
      const fn = rng.pick(account.functions);
      const op = rng.weighted(['CreateRole', 'AttachRolePolicy', 'PutRolePolicy', 'TagRole', 'CreatePolicy'], [2, 3, 1, 1, 0.5]);
      if (op === 'CreateRole') {
        const doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}';
        const c = call(
          IAM,
          op,
          false,
          { roleName: fn.role.name, path: fn.role.path, assumeRolePolicyDocument: doc, maxSessionDuration: 3600 },
          {
            role: {
              path: fn.role.path,
              roleName: fn.role.name,
              roleId: fn.role.principalId,
              arn: fn.role.arn,
              createDate: javaTime(w.ctx.now),
              assumeRolePolicyDocument: encodeURIComponent(doc),
            },
          },
        );
        if (rng.chance(0.5)) return failed(c, 'EntityAlreadyExistsException', `Role with name ${fn.role.name} already exists.`);
        return c;
      }
      if (op === 'AttachRolePolicy') {
        return call(IAM, op, false, { roleName: fn.role.name, policyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' });
      }
      if (op === 'PutRolePolicy') {
        return call(IAM, op, false, {
          roleName: fn.role.name,
          policyName: `${fn.name}-access`,
          policyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:Query"],"Resource":"arn:aws:dynamodb:${w.ctx.region}:${account.id}:table/${fn.name.split('-')[0]}"}]}`,
        });
      }
      if (op === 'TagRole') return call(IAM, op, false, { roleName: fn.role.name, tags: [{ key: 'team', value: 'platform' }, { key: 'managed-by', value: 'terraform' }] });
      const name = `${fn.name}-policy`;
      return call(
        IAM,
        op,
        false,
        { policyName: name, policyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}' },
        {
          policy: {
            policyName: name,
            policyId: 'ANPA' + rng.base32(17),
            arn: `arn:aws:iam::${account.id}:policy/${name}`,
            path: '/',
            defaultVersionId: 'v1',
            attachmentCount: 0,
            permissionsBoundaryUsageCount: 0,
            isAttachable: true,
            createDate: javaTime(w.ctx.now),
            updateDate: javaTime(w.ctx.now),
          },
        },
      );
    },
  },
  // --- S3 control plane ---
  {
    weight: 2,
    personas: [...HUMANS, 'terraform-ci', 'federated'],
    personaWeights: [...HUMAN_W, 1, 1],
    build: (w) => s3Call(w, 'ListBuckets', true, undefined, {}),
  },
  {
    weight: 6,
    personas: [...IAC, ...HUMANS, 'cross-account'],
    personaWeights: [...IAC_W, ...HUMAN_W, 1],
    build: (w, s) => {
      const { rng } = w.ctx;
      const bucket = rng.pick(w.buckets);
      const op = rng.weighted(
        ['GetBucketAcl', 'GetBucketPolicy', 'GetBucketLocation', 'GetBucketVersioning', 'GetBucketEncryption', 'GetBucketPublicAccessBlock', 'GetBucketTagging', 'GetBucketLogging'],
        [3, 3, 2, 2, 2, 2, 2, 1],
      );
      const sub: Record<string, Record<string, unknown>> = {
        GetBucketAcl: { acl: '' },
        GetBucketPolicy: { policy: '' },
        GetBucketLocation: { location: '' },
        GetBucketVersioning: { versioning: '' },
        GetBucketEncryption: { encryption: '' },
        GetBucketPublicAccessBlock: { publicAccessBlock: '' },
        GetBucketTagging: { tagging: '' },
        GetBucketLogging: { logging: '' },
      };
      const c = s3Call(w, op, true, bucket, sub[op] ?? {});
      if (s.persona === 'cross-account' && rng.chance(0.4)) return failed(c, 'AccessDenied', 'Access Denied');
      if (op === 'GetBucketPolicy' && rng.chance(0.4)) return failed(c, 'NoSuchBucketPolicy', 'The bucket policy does not exist');
      if (op === 'GetBucketTagging' && rng.chance(0.4)) return failed(c, 'NoSuchTagSet', 'The TagSet does not exist');
      if (op === 'GetBucketPublicAccessBlock' && rng.chance(0.2)) return failed(c, 'NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found');
      return c;
    },
  },
  {
    weight: 0.8,
    personas: ['terraform-ci', 'console-sso', 'cloudformation', 'cli-iam'],
    personaWeights: [3, 1, 1, 1],
    build: (w) => {
      const { rng, account } = w.ctx;
      const bucket = rng.pick(w.buckets);
      const op = rng.weighted(['PutBucketPolicy', 'PutBucketTagging', 'PutBucketVersioning', 'PutBucketEncryption'], [2, 2, 1, 1]);
      if (op === 'PutBucketPolicy') {
        return s3Call(w, op, false, bucket, {
          bucketPolicy: {
            Version: '2012-10-17',
            Statement: [{ Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
          },
          policy: '',
        });
      }
      if (op === 'PutBucketTagging') return s3Call(w, op, false, bucket, { Tagging: { TagSet: { Tag: [{ Key: 'owner', Value: account.alias }] } }, tagging: '' });
      if (op === 'PutBucketVersioning') return s3Call(w, op, false, bucket, { VersioningConfiguration: { Status: 'Enabled' }, versioning: '' });
      return s3Call(w, op, false, bucket, { ServerSideEncryptionConfiguration: { Rule: { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true } }, encryption: '' });
    },
  },
  // --- EC2 ---
  {
    weight: 9,
    personas: [...HUMANS, 'terraform-ci', 'terraform-local', 'ec2', 'lambda', 'cross-account', 'role'],
    personaWeights: [...HUMAN_W, 2, 0.5, 3, 1, 1.5, 0.8],
    build: (w, s) => {
      const { rng } = w.ctx;
      const op = rng.weighted(
        ['DescribeInstances', 'DescribeSecurityGroups', 'DescribeVpcs', 'DescribeSubnets', 'DescribeInstanceStatus', 'DescribeRegions', 'DescribeAvailabilityZones', 'DescribeNetworkInterfaces', 'DescribeTags'],
        [5, 3, 2, 2, 2, 1, 1, 1, 1],
      );
      let req: Record<string, unknown>;
      switch (op) {
        case 'DescribeInstances':
          req = rng.chance(0.5)
            ? { instancesSet: { items: [{ instanceId: rng.pick(w.instances) }] }, filterSet: {} }
            : { maxResults: 1000, instancesSet: {}, filterSet: { items: [{ name: 'instance-state-name', valueSet: { items: [{ value: 'running' }] } }] } };
          break;
        case 'DescribeSecurityGroups':
          req = { securityGroupSet: {}, securityGroupIdSet: { items: [{ groupId: 'sg-0' + rng.hex(8).slice(0, 16) }] }, filterSet: {} };
          break;
        case 'DescribeVpcs':
          req = { vpcSet: {}, filterSet: {} };
          break;
        case 'DescribeSubnets':
          req = { subnetSet: {}, filterSet: { items: [{ name: 'vpc-id', valueSet: { items: [{ value: w.vpcId }] } }] } };
          break;
        case 'DescribeInstanceStatus':
          req = { instancesSet: {}, filterSet: {}, includeAllInstances: false };
          break;
        case 'DescribeTags':
          req = { filterSet: { items: [{ name: 'resource-id', valueSet: { items: [{ value: rng.pick(w.instances) }] } }] } };
          break;
        default:
          req = { filterSet: {} };
      }
      const c = call(EC2, op, true, req);
      if ((s.persona === 'role' || s.persona === 'lambda' || s.persona === 'cross-account') && rng.chance(0.35)) {
        return failed(c, 'Client.UnauthorizedOperation', `You are not authorized to perform this operation. User: ${s.arn} is not authorized to perform: ec2:${op} because no identity-based policy allows the ec2:${op} action`);
      }
      if (rng.chance(0.02)) return failed(c, 'Client.RequestLimitExceeded', 'Request limit exceeded.');
      return c;
    },
  },
  {
    weight: 1,
    personas: ['terraform-ci', 'console-sso', 'console-iam', 'cli-iam'],
    personaWeights: [3, 1, 1, 1],
    build: (w, s) => {
      const { rng } = w.ctx;
      const op = rng.weighted(['CreateTags', 'AuthorizeSecurityGroupIngress', 'StopInstances', 'StartInstances'], [3, 2, 1, 1]);
      const instanceId = rng.pick(w.instances);
      let c: Call;
      if (op === 'CreateTags') {
        c = call(EC2, op, false, { resourcesSet: { items: [{ resourceId: instanceId }] }, tagSet: { items: [{ key: 'Environment', value: w.ctx.account.alias }] } }, { requestId: rng.uuid(), _return: true });
      } else if (op === 'AuthorizeSecurityGroupIngress') {
        const groupId = 'sg-0' + rng.hex(8).slice(0, 16);
        c = call(
          EC2,
          op,
          false,
          { groupId, ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443, groups: {}, ipRanges: { items: [{ cidrIp: '10.0.0.0/16' }] }, ipv6Ranges: {}, prefixListIds: {} }] } },
          { requestId: rng.uuid(), _return: true, securityGroupRuleSet: { items: [{ groupOwnerId: w.ctx.account.id, groupId, securityGroupRuleId: 'sgr-0' + rng.hex(8).slice(0, 16), isEgress: false, ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/16' }] } },
        );
        if (rng.chance(0.25)) return failed(c, 'Client.InvalidPermission.Duplicate', `the specified rule "peer: 10.0.0.0/16, TCP, from port: 443, to port: 443, ALLOW" already exists`);
      } else {
        const stop = op === 'StopInstances';
        c = call(
          EC2,
          op,
          false,
          { instancesSet: { items: [{ instanceId }] }, ...(stop ? { force: false } : {}) },
          {
            requestId: rng.uuid(),
            instancesSet: { items: [{ instanceId, currentState: { code: stop ? 64 : 0, name: stop ? 'stopping' : 'pending' }, previousState: { code: stop ? 16 : 80, name: stop ? 'running' : 'stopped' } }] },
          },
        );
      }
      if (s.persona === 'console-iam' && rng.chance(0.15)) {
        return failed(c, 'Client.UnauthorizedOperation', `You are not authorized to perform this operation. User: ${s.arn} is not authorized to perform: ec2:${op} on resource: arn:aws:ec2:${w.ctx.region}:${w.ctx.account.id}:instance/${instanceId} because no identity-based policy allows the ec2:${op} action. Encoded authorization failure message: ${rng.blob(180)}`);
      }
      return c;
    },
  },
  // --- Lambda ---
  {
    weight: 3,
    personas: [...HUMANS, ...IAC],
    personaWeights: [...HUMAN_W, ...IAC_W],
    build: (w) => {
      const { rng, account, region } = w.ctx;
      const fn = rng.pick(account.functions);
      const op = rng.weighted(['GetFunction20150331v2', 'ListFunctions20150331', 'GetPolicy20150331v2', 'ListVersionsByFunction20150331', 'GetFunctionCodeSigningConfig'], [4, 2, 2, 1, 1]);
      const c = call(LAMBDA, op, true, op === 'ListFunctions20150331' ? null : { functionName: fn.name });
      if (op === 'GetFunction20150331v2' && rng.chance(0.08)) {
        return failed(call(LAMBDA, op, true, { functionName: `${fn.name}-old` }), 'ResourceNotFoundException', `Function not found: arn:aws:lambda:${region}:${account.id}:function:${fn.name}-old`);
      }
      if (op === 'GetPolicy20150331v2' && rng.chance(0.2)) return failed(c, 'ResourceNotFoundException', 'The resource you requested does not exist.');
      return c;
    },
  },
  {
    weight: 1.5,
    personas: ['terraform-ci', 'pipeline-sdk', 'cloudformation', 'cli-sso', 'console-sso'],
    personaWeights: [3, 3, 2, 1, 1],
    build: (w) => {
      const { rng, account, region } = w.ctx;
      const fn = rng.pick(account.functions);
      const op = rng.weighted(['UpdateFunctionCode20150331v2', 'AddPermission20150331v2', 'UpdateFunctionConfiguration20150331v2', 'PublishVersion20150331'], [4, 3, 1, 1]);
      if (op === 'AddPermission20150331v2') {
        // API Gateway needs invoke permission on integration targets.
        const apiId = w.apiId() ?? rng.lowerAlnum(10);
        const statementId = `AllowExecutionFromAPIGateway-${rng.hex(4)}`;
        const sourceArn = `arn:aws:execute-api:${region}:${account.id}:${apiId}/*/*`;
        const statement = JSON.stringify({
          Sid: statementId,
          Effect: 'Allow',
          Principal: { Service: 'apigateway.amazonaws.com' },
          Action: 'lambda:InvokeFunction',
          Resource: `arn:aws:lambda:${region}:${account.id}:function:${fn.name}`,
          Condition: { ArnLike: { 'AWS:SourceArn': sourceArn } },
        });
        const c = call(LAMBDA, op, false, { functionName: fn.name, statementId, action: 'lambda:InvokeFunction', principal: 'apigateway.amazonaws.com', sourceArn }, { statement });
        if (rng.chance(0.1)) return failed(c, 'ResourceConflictException', `The statement id (${statementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
        return c;
      }
      const config = lambdaConfig(w, fn);
      if (op === 'UpdateFunctionCode20150331v2') {
        return call(LAMBDA, op, false, { functionName: fn.name, publish: false, dryRun: false, s3Bucket: w.buckets[0], s3Key: `lambda/${fn.name}/${rng.hex(16)}.zip` }, config);
      }
      if (op === 'PublishVersion20150331') return call(LAMBDA, op, false, { functionName: fn.name }, { ...config, version: String(rng.range(2, 90)) });
      const c = call(LAMBDA, op, false, { functionName: fn.name, timeout: config.timeout, memorySize: config.memorySize, environment: {} }, config);
      if (rng.chance(0.15)) return failed(c, 'ResourceConflictException', `The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:${region}:${account.id}:function:${fn.name}`);
      return c;
    },
  },
  // --- KMS ---
  {
    weight: 4,
    personas: ['lambda', 'ec2', 'cli-sso', 'cross-account', 'role'],
    personaWeights: [5, 2, 1, 1.5, 0.5],
    build: (w, s) => {
      const { rng, account } = w.ctx;
      const keyId = rng.pick(w.kmsKeys);
      const op = rng.weighted(['Decrypt', 'GenerateDataKey', 'Encrypt'], [5, 3, 1]);
      const context = { 'aws:lambda:FunctionArn': `arn:aws:lambda:${w.ctx.region}:${account.id}:function:${rng.pick(account.functions).name}` };
      const req: Record<string, unknown> =
        op === 'Decrypt'
          ? { encryptionAlgorithm: 'SYMMETRIC_DEFAULT', encryptionContext: context }
          : op === 'GenerateDataKey'
            ? { keyId: `alias/${rng.pick(['app-secrets', 'aws/lambda', 'data'])}`, keySpec: 'AES_256', encryptionContext: context }
            : { keyId, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      const c = call(KMS, op, true, req);
      c.resources = keyResource(w, keyId);
      if (s.persona === 'cross-account') {
        c.sharedEventID = true;
        if (rng.chance(0.3)) return failed(c, 'AccessDenied', `User: ${s.arn} is not authorized to perform: kms:${op} on resource: arn:aws:kms:${w.ctx.region}:${account.id}:key/${keyId} because no resource-based policy allows the kms:${op} action`);
      }
      return c;
    },
  },
  {
    weight: 2,
    personas: [],
    personaWeights: [],
    session: (w) => {
      // Services decrypt on a principal's behalf: the principal's identity, the service's address.
      const { rng } = w.ctx;
      const host = rng.pick(['secretsmanager.amazonaws.com', 's3.amazonaws.com', 'logs.amazonaws.com', 'lambda.amazonaws.com']);
      return serviceSession(w.ctx, host);
    },
    build: (w) => {
      const { rng } = w.ctx;
      const keyId = rng.pick(w.kmsKeys);
      const c = call(KMS, rng.pick(['Decrypt', 'GenerateDataKey']), true, { encryptionAlgorithm: 'SYMMETRIC_DEFAULT', keyId, encryptionContext: { 'aws:s3:arn': `arn:aws:s3:::${rng.pick(w.buckets)}` } });
      c.resources = keyResource(w, keyId);
      return c;
    },
  },
  {
    weight: 1,
    personas: [...HUMANS, 'terraform-ci'],
    personaWeights: [...HUMAN_W, 2],
    build: (w) => {
      const { rng } = w.ctx;
      const keyId = rng.pick(w.kmsKeys);
      if (rng.chance(0.5)) return call(KMS, 'ListAliases', true, rng.chance(0.5) ? null : { limit: 100 });
      const c = call(KMS, 'DescribeKey', true, { keyId });
      c.resources = keyResource(w, keyId);
      return c;
    },
  },
  // --- CloudFormation ---
  {
    weight: 3,
    personas: ['pipeline-sdk', 'console-sso', 'console-iam', 'cli-sso', 'terraform-ci'],
    personaWeights: [4, 2, 1, 1, 0.5],
    build: (w) => {
      const { rng, account, region } = w.ctx;
      const stack = rng.pick(w.stacks);
      const stackId = `arn:aws:cloudformation:${region}:${account.id}:stack/${stack.name}/${stack.id}`;
      const op = rng.weighted(
        ['DescribeStacks', 'DescribeStackEvents', 'ListStacks', 'GetTemplate', 'CreateChangeSet', 'DescribeChangeSet', 'ExecuteChangeSet', 'UpdateStack', 'DescribeStackResources'],
        [5, 3, 1, 1, 1, 1, 1, 0.4, 1],
      );
      if (op === 'ListStacks') return call(CFN, op, true, { stackStatusFilter: ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE'] });
      if (op === 'CreateChangeSet') {
        const name = `cdk-deploy-change-set-${rng.hex(4)}`;
        return call(
          CFN,
          op,
          false,
          {
            stackName: stack.name,
            templateURL: `https://s3.${region}.amazonaws.com/cdk-hnb659fds-assets-${account.id}-${region}/${rng.hex(32)}.json`,
            parameters: [{ parameterKey: 'BootstrapVersion', parameterValue: '/cdk-bootstrap/hnb659fds/version' }],
            capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
            roleARN: account.cfnExecRole.arn,
            changeSetName: name,
            changeSetType: 'UPDATE',
          },
          { id: `arn:aws:cloudformation:${region}:${account.id}:changeSet/${name}/${rng.uuid()}`, stackId },
        );
      }
      if (op === 'ExecuteChangeSet') return call(CFN, op, false, { changeSetName: `cdk-deploy-change-set-${rng.hex(4)}`, stackName: stack.name });
      if (op === 'UpdateStack') {
        const c = call(CFN, op, false, { stackName: stack.name, usePreviousTemplate: true, capabilities: ['CAPABILITY_IAM'] }, { stackId });
        if (rng.chance(0.4)) return failed(c, 'ValidationError', 'No updates are to be performed.');
        return c;
      }
      const c = call(CFN, op, true, { stackName: rng.chance(0.5) ? stack.name : stackId });
      if (op === 'DescribeStacks' && rng.chance(0.08)) {
        return failed(call(CFN, op, true, { stackName: `${stack.name}-old` }), 'ValidationError', `Stack with id ${stack.name}-old does not exist`);
      }
      return c;
    },
  },
  // --- CloudWatch Logs ---
  {
    weight: 4,
    personas: [...HUMANS, ...IAC, 'lambda'],
    personaWeights: [...HUMAN_W, ...IAC_W, 0.5],
    build: (w, s) => {
      const { rng } = w.ctx;
      const group = rng.pick(w.logGroups);
      const op = rng.weighted(
        ['DescribeLogGroups', 'DescribeLogStreams', 'FilterLogEvents', 'StartQuery', 'GetQueryResults', 'CreateLogGroup', 'PutRetentionPolicy', 'ListTagsForResource'],
        [4, 2, 2, 1, 1, 1, 1, 1],
      );
      let c: Call;
      switch (op) {
        case 'DescribeLogGroups':
          c = call(LOGS, op, true, rng.chance(0.5) ? { logGroupNamePrefix: group.split('/').slice(0, 3).join('/') } : null);
          break;
        case 'DescribeLogStreams':
          c = call(LOGS, op, true, { logGroupName: group, orderBy: 'LastEventTime', descending: true, limit: 50 });
          break;
        case 'FilterLogEvents': {
          const end = w.ctx.now - (w.ctx.now % 1000);
          c = call(LOGS, op, true, { logGroupName: group, startTime: end - 3_600_000, endTime: end, filterPattern: rng.pick(['ERROR', '"Task timed out"', '{ $.status = 5* }', '']), interleaved: true });
          break;
        }
        case 'StartQuery': {
          const end = Math.floor(w.ctx.now / 1000);
          c = call(
            LOGS,
            op,
            true,
            { logGroupNames: [group], startTime: end - 3600, endTime: end, queryString: 'fields @timestamp, @message | filter @message like /ERROR/ | sort @timestamp desc | limit 100' },
            { queryId: rng.uuid() },
          );
          break;
        }
        case 'GetQueryResults':
          c = call(LOGS, op, true, { queryId: rng.uuid() });
          break;
        case 'CreateLogGroup':
          c = call(LOGS, op, false, { logGroupName: group, tags: { 'managed-by': 'terraform' } });
          if (rng.chance(0.4)) c = failed(c, 'ResourceAlreadyExistsException', 'The specified log group already exists');
          break;
        case 'PutRetentionPolicy':
          c = call(LOGS, op, false, { logGroupName: group, retentionInDays: rng.pick([7, 14, 30, 90, 365]) });
          break;
        default:
          c = call(LOGS, op, true, { resourceArn: `arn:aws:logs:${w.ctx.region}:${w.ctx.account.id}:log-group:${group}` });
      }
      if (s.persona === 'console-sso' && rng.chance(0.02)) c = failed(c, 'ThrottlingException', 'Rate exceeded');
      c.apiVersion = '20140328';
      return c;
    },
  },
  // --- WorkDocs (directory users) ---
  {
    weight: 1.2,
    personas: ['directory'],
    personaWeights: [1],
    build: (w) => {
      const { rng } = w.ctx;
      const op = rng.weighted(['DescribeFolderContents', 'GetDocument', 'DescribeUsers', 'GetDocumentVersion'], [3, 2, 1, 1]);
      const folderId = rng.hex(32);
      const req = op === 'DescribeFolderContents' ? { folderId, limit: 50 } : op === 'DescribeUsers' ? { organizationId: w.directoryId, limit: 50 } : { documentId: rng.hex(32) };
      const c = call(WORKDOCS, op, true, req);
      return c;
    },
  },
  // --- service events ---
  {
    weight: 0.8,
    personas: [],
    personaWeights: [],
    session: (w) => serviceEventSession(w.ctx, 'kms.amazonaws.com', true),
    build: (w) => {
      const keyId = w.ctx.rng.pick(w.kmsKeys);
      const c = call(KMS, 'RotateKey', false, null);
      c.eventType = 'AwsServiceEvent';
      c.requestIdStyle = 'none';
      c.resources = keyResource(w, keyId);
      return c;
    },
  },
  {
    weight: 0.6,
    personas: [],
    personaWeights: [],
    session: (w) => serviceEventSession(w.ctx, 'sso.amazonaws.com', false),
    build: () => {
      const c = call(SSO, 'Authenticate', false, null);
      c.eventType = 'AwsServiceEvent';
      c.requestIdStyle = 'none';
      c.serviceEventDetails = { CredentialType: 'PASSWORD', AuthenticationResult: 'SUCCESS' };
      return c;
    },
  },
];

const ENTRY_TABLE = new WeightedTable(ENTRIES, ENTRIES.map((e) => e.weight));
const PERSONA_TABLES = new Map(ENTRIES.filter((e) => e.personas.length > 0).map((e) => [e, new WeightedTable(e.personas, e.personaWeights)]));

/** Per-stream resources the non-API-Gateway events refer to. */
export class ServiceWorld {
  readonly buckets: string[];
  readonly instances: string[];
  readonly kmsKeys: string[];
  readonly stacks: { name: string; id: string }[];
  readonly logGroups: string[];
  readonly vpcId: string;
  readonly directoryId: string;

  constructor(
    readonly ctx: StreamContext,
    readonly apiId: () => string | undefined,
  ) {
    const { rng, account, region } = ctx;
    this.buckets = ['artifacts', 'static-assets', 'data-lake', 'backups', 'access-logs'].map((p) => `${account.alias}-${p}-${region}`);
    this.instances = Array.from({ length: 6 }, () => 'i-0' + rng.hex(8).slice(0, 16));
    this.kmsKeys = Array.from({ length: 3 }, () => rng.uuid());
    this.stacks = account.functions.slice(0, 4).map((f) => ({ name: `${f.name.split('-')[0]}-service-${account.alias.split('-').pop()}`, id: rng.uuid() }));
    this.logGroups = [...account.functions.map((f) => `/aws/lambda/${f.name}`), `/aws/apigateway/welcome`, `API-Gateway-Execution-Logs_${rng.lowerAlnum(10)}/prod`, `/aws/apigateway/access-logs`];
    this.vpcId = 'vpc-0' + rng.hex(8).slice(0, 16);
    this.directoryId = 'd-' + rng.hex(5);
  }

  /** The next non-API-Gateway event of this stream. */
  next(sessions: SessionSource): BoundCall {
    const { rng, region } = this.ctx;
    let entry = ENTRY_TABLE.pick(rng);
    while (entry.usEast1Only && region !== 'us-east-1') entry = ENTRY_TABLE.pick(rng);
    // Every entry has either its own session factory or a persona table.
    const session = entry.session ? entry.session(this) : sessions.get((PERSONA_TABLES.get(entry) as WeightedTable<Persona>).pick(rng));
    const c = entry.build(this, session);
    if (entry.usEast1Only) c.global = true;
    return { session, call: c };
  }
}

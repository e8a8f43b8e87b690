/**
 * Amazon API Gateway management activity for one account and region, coherent
 * over time: APIs are created, get resources, methods, integrations, routes,
 * deployments and stages, are updated, redeployed and sometimes deleted, and
 * every later event refers to ids an earlier one created (or that existed
 * before the generated window).
 *
 * Record shapes follow what CloudTrail writes for API Gateway:
 * - REST (v1) requests name path parameters at the top level (`restApiId`,
 *   `resourceId`, `httpMethod`, `stageName`, …), wrap the body in
 *   `<operation>Input` (`createRestApiInput`, `createDeploymentInput`, …) and
 *   always add `template: false`; responses of create/put calls carry the HAL
 *   relations of the new resource (`self`, `restapiUpdate`, …) as parameter
 *   objects.
 * - HTTP/WebSocket (v2) requests and responses are flat (`apiId`, `routeId`,
 *   `integrationId`, …).
 * - Reads (Get*) record no responseElements.
 */
import { WeightedTable } from './random.js';
import { call, failed, isoSeconds, type BoundCall, type Call, type Persona, type Session, type StreamContext } from './event-model.js';

export const APIGATEWAY = 'apigateway.amazonaws.com';
const V2 = 'apigateway.amazonaws.com#v2';

export interface SessionSource {
  get(persona: Persona): Session;
}

interface RestResource {
  id: string;
  parentId: string;
  path: string;
  pathPart: string;
  methods: string[];
}

interface RestApi {
  id: string;
  name: string;
  description: string;
  rootId: string;
  endpointType: 'REGIONAL' | 'EDGE' | 'PRIVATE';
  resources: RestResource[];
  deployments: string[];
  stages: Map<string, string>;
  authorizers: string[];
  busy: boolean;
}

interface HttpApi {
  id: string;
  name: string;
  protocol: 'HTTP' | 'WEBSOCKET';
  routes: { id: string; key: string }[];
  integrations: string[];
  stages: string[];
  autoDeploy: boolean;
  busy: boolean;
}

interface Workflow {
  session: Session;
  steps: Generator<Call, void, void>;
}

const PATH_PARTS: readonly (readonly string[])[] = [
  ['items', '{id}'],
  ['orders', '{orderId}', 'status'],
  ['users', '{userId}', 'preferences'],
  ['health'],
  ['search'],
  ['webhooks', '{provider}'],
  ['v1', 'products', '{sku}'],
  ['reports', '{reportId}'],
];
const HTTP_ROUTES: readonly string[] = [
  'GET /items',
  'POST /items',
  'GET /items/{id}',
  'PUT /items/{id}',
  'DELETE /items/{id}',
  'GET /health',
  'POST /webhooks/{provider}',
  'ANY /{proxy+}',
  'GET /orders/{orderId}',
];
const WS_ROUTES: readonly string[] = ['$connect', '$disconnect', '$default', 'sendmessage', 'subscribe'];
const API_PURPOSES: readonly string[] = [
  'orders',
  'payments',
  'inventory',
  'catalog',
  'checkout',
  'notifications',
  'customer-profile',
  'partner',
  'search',
  'webhooks',
  'mobile-backend',
  'reporting',
];
const WS_PURPOSES: readonly string[] = ['chat', 'live-updates', 'notifications-push', 'order-tracking'];

/** API Gateway's Route 53 hosted zones for regional custom domains. */
const REGIONAL_ZONES: Readonly<Record<string, string>> = {
  'us-east-1': 'Z1UJRXOUMOOFQ8',
  'us-west-2': 'Z2OJLYMUO9EFXC',
  'eu-west-1': 'ZLY8HYME6SFDD',
  'eu-central-1': 'Z1U9ULNL0V5AJ3',
  'ap-southeast-2': 'Z2RPCDW04V8134',
  'ap-northeast-1': 'Z1YSHQZHG15GKL',
};

/** Who changes API Gateway: mostly infrastructure as code, then people in the console and CLI. */
const BUILDERS = new WeightedTable<Persona>(
  ['terraform-ci', 'terraform-local', 'console-sso', 'console-iam', 'cli-sso', 'cloudformation', 'pipeline-sdk', 'root', 'federated'],
  [4, 1, 2.5, 1, 1.5, 2, 1.5, 0.08, 0.2],
);
/** Who reads API Gateway configuration: people, scripts and workloads discovering endpoints. */
const READERS = new WeightedTable<Persona>(
  ['console-sso', 'console-iam', 'cli-sso', 'cli-iam', 'terraform-ci', 'terraform-local', 'lambda', 'ec2', 'federated', 'cross-account', 'role', 'root'],
  [3, 1, 2, 1, 1.5, 0.5, 1, 0.4, 0.4, 0.3, 0.3, 0.05],
);

type Link = Record<string, unknown>;

function link(restApiId: string, template: boolean): Link {
  return { restApiId, template };
}

/** The HAL relations API Gateway returns for a REST API, as CloudTrail writes them. */
function restApiLinks(api: RestApi): Record<string, Link> {
  const plain = link(api.id, false);
  const templated = link(api.id, true);
  const paged = { restApiId: api.id, template: true, templateSkipList: ['position'] };
  return {
    restapiUpdate: plain,
    stageCreate: plain,
    restapiAuthorizers: plain,
    deploymentCreate: plain,
    authorizerCreate: plain,
    restapiDelete: plain,
    modelCreate: plain,
    requestvalidatorCreate: plain,
    restapiDocumentationVersions: plain,
    documentationpartCreate: plain,
    restapiRequestValidators: plain,
    documentationversionCreate: plain,
    restapiModels: plain,
    restapiDocumentationParts: plain,
    restapiGatewayResponses: plain,
    self: plain,
    resourceCreate: { restApiId: api.id, parentId: api.rootId, template: false },
    documentationversionByVersion: templated,
    documentationpartById: templated,
    stageByName: templated,
    gatewayresponsePut: templated,
    gatewayresponseByType: templated,
    requestvalidatorById: templated,
    authorizerById: templated,
    resourceById: templated,
    restapiStages: paged,
    deploymentById: paged,
    restapiResources: paged,
    restapiDeployments: paged,
    modelByName: { restApiId: api.id, template: true, flatten: false },
    documentationpartImport: { restApiId: api.id, template: true, failOnWarnings: false },
  };
}

function v1(name: string, readOnly: boolean, request: Record<string, unknown>, response: Record<string, unknown> | null = null): Call {
  request.template = false;
  return call(APIGATEWAY, name, readOnly, request, response);
}

function v2(name: string, readOnly: boolean, request: Record<string, unknown> | null, response: Record<string, unknown> | null = null): Call {
  const c = call(APIGATEWAY, name, readOnly, request, response);
  c.sdkKey = V2;
  return c;
}

function verbOf(eventName: string): string {
  if (eventName.startsWith('Get')) return 'GET';
  if (eventName.startsWith('Delete')) return 'DELETE';
  if (eventName.startsWith('Update')) return 'PATCH';
  if (eventName.startsWith('Put')) return 'PUT';
  return 'POST';
}

export class ApiGatewayWorld {
  private readonly rest: RestApi[] = [];
  private readonly http: HttpApi[] = [];
  private readonly deletedRest: string[] = [];
  private readonly deletedHttp: string[] = [];
  private readonly domains: { name: string; mappings: string[] }[] = [];
  private readonly usagePlans: { id: string; name: string }[] = [];
  private readonly workflows: Workflow[] = [];
  /** Whether the account-level CloudWatch role for API Gateway logging is set. */
  private logsRoleSet: boolean;

  constructor(private readonly ctx: StreamContext) {
    // Accounts already have APIs when the window opens; later events refer to them.
    const { rng } = ctx;
    this.logsRoleSet = rng.chance(0.5);
    const restCount = rng.range(1, 3);
    for (let i = 0; i < restCount; i++) {
      const api = this.newRestApi();
      const parent = api.resources[0] as RestResource;
      for (const part of rng.pick(PATH_PARTS)) {
        const r = this.newResource(api, api.resources[api.resources.length - 1] ?? parent, part);
        r.methods.push(rng.pick(['GET', 'POST', 'ANY']));
      }
      const dep = rng.lowerAlnum(6);
      api.deployments.push(dep);
      api.stages.set(rng.pick(['prod', 'v1', 'live']), dep);
      if (rng.chance(0.5)) api.stages.set('staging', dep);
      this.rest.push(api);
    }
    const httpCount = rng.range(0, 2);
    for (let i = 0; i < httpCount; i++) {
      const api = this.newHttpApi(rng.chance(0.75) ? 'HTTP' : 'WEBSOCKET');
      api.integrations.push(rng.lowerAlnum(7));
      api.routes.push({ id: rng.lowerAlnum(7), key: api.protocol === 'HTTP' ? 'ANY /{proxy+}' : '$default' });
      api.stages.push(api.protocol === 'HTTP' ? '$default' : 'production');
      api.autoDeploy = api.protocol === 'HTTP';
      this.http.push(api);
    }
    if (rng.chance(0.5)) this.usagePlans.push({ id: rng.lowerAlnum(6), name: 'partners-basic' });
  }

  // --- naming and ids ----------------------------------------------------

  private envSuffix(): string {
    const alias = this.ctx.account.alias;
    if (alias.endsWith('prod')) return this.ctx.rng.pick(['', '-prod']);
    if (alias.endsWith('staging')) return '-staging';
    return this.ctx.rng.pick(['-dev', '-sandbox', '']);
  }

  private newRestApi(): RestApi {
    const { rng } = this.ctx;
    const purpose = rng.pick(API_PURPOSES);
    const rootId = rng.lowerAlnum(10);
    return {
      id: rng.lowerAlnum(10),
      name: `${purpose}-api${this.envSuffix()}`,
      description: `${purpose[0]?.toUpperCase()}${purpose.slice(1)} REST API`,
      rootId,
      endpointType: rng.weighted(['REGIONAL', 'EDGE', 'PRIVATE'] as const, [7, 2, 1]),
      resources: [{ id: rootId, parentId: '', path: '/', pathPart: '', methods: [] }],
      deployments: [],
      stages: new Map(),
      authorizers: [],
      busy: false,
    };
  }

  private newResource(api: RestApi, parent: RestResource, pathPart: string): RestResource {
    const r: RestResource = {
      id: this.ctx.rng.lowerAlnum(6),
      parentId: parent.id,
      pathPart,
      path: parent.path === '/' ? `/${pathPart}` : `${parent.path}/${pathPart}`,
      methods: [],
    };
    api.resources.push(r);
    return r;
  }

  private newHttpApi(protocol: 'HTTP' | 'WEBSOCKET'): HttpApi {
    const { rng } = this.ctx;
    const purpose = protocol === 'HTTP' ? rng.pick(API_PURPOSES) : rng.pick(WS_PURPOSES);
    return {
      id: rng.lowerAlnum(10),
      name: `${purpose}-${protocol === 'HTTP' ? 'http' : 'ws'}${this.envSuffix()}`,
      protocol,
      routes: [],
      integrations: [],
      stages: [],
      autoDeploy: false,
      busy: false,
    };
  }

  private lambdaArn(): string {
    const { account, region, rng } = this.ctx;
    return `arn:aws:lambda:${region}:${account.id}:function:${rng.pick(account.functions).name}`;
  }

  private lambdaUri(): string {
    return `arn:aws:apigateway:${this.ctx.region}:lambda:path/2015-03-31/functions/${this.lambdaArn()}/invocations`;
  }

  private nowIso(): string {
    return isoSeconds(this.ctx.now);
  }

  // --- outcome helpers ---------------------------------------------------

  private denied(c: Call, s: Session, resourcePath: string): Call {
    const verb = verbOf(c.name);
    return failed(
      c,
      'AccessDenied',
      `User: ${s.arn} is not authorized to perform: apigateway:${verb} on resource: arn:aws:apigateway:${this.ctx.region}::${resourcePath} because no identity-based policy allows the apigateway:${verb} action`,
    );
  }

  private throttled(c: Call): Call {
    return failed({ ...c }, 'TooManyRequestsException', 'Too Many Requests');
  }

  /**
   * Yield a mutating call: denied for read-only sessions, sometimes throttled
   * once first (SDKs and Terraform retry). Returns whether it succeeded.
   */
  private *mutate(s: Session, c: Call, resourcePath: string, apply?: () => void): Generator<Call, boolean, void> {
    if (!s.canWrite) {
      yield this.denied(c, s, resourcePath);
      return false;
    }
    if (this.ctx.rng.chance(0.04)) yield this.throttled(c);
    // State changes before the event is handed out: other activity interleaves
    // with this workflow and must not see an API that was already deleted.
    apply?.();
    yield c;
    return true;
  }

  // --- REST (v1) call builders ---------------------------------------------

  private createRestApi(api: RestApi): Call {
    const input: Record<string, unknown> = {
      name: api.name,
      description: api.description,
      endpointConfiguration: { types: [api.endpointType] },
      apiKeySource: 'HEADER',
      disableExecuteApiEndpoint: false,
    };
    return v1(
      'CreateRestApi',
      false,
      { createRestApiInput: input },
      {
        id: api.id,
        name: api.name,
        description: api.description,
        createdDate: this.nowIso(),
        apiKeySource: 'HEADER',
        endpointConfiguration: { types: [api.endpointType], ipAddressType: 'ipv4' },
        disableExecuteApiEndpoint: false,
        rootResourceId: api.rootId,
        ...restApiLinks(api),
      },
    );
  }

  private createResource(api: RestApi, r: RestResource): Call {
    const self = { restApiId: api.id, resourceId: r.id, template: false };
    const templated = { restApiId: api.id, resourceId: r.id, template: true };
    return v1(
      'CreateResource',
      false,
      { restApiId: api.id, parentId: r.parentId, createResourceInput: { pathPart: r.pathPart } },
      {
        id: r.id,
        parentId: r.parentId,
        pathPart: r.pathPart,
        path: r.path,
        resourceUpdate: self,
        resourceDelete: self,
        self,
        methodPut: templated,
        methodByHttpMethod: templated,
        resourceCreateChild: { restApiId: api.id, parentId: r.id, template: false },
      },
    );
  }

  private putMethod(api: RestApi, r: RestResource, httpMethod: string, authorizerId: string | undefined, apiKeyRequired: boolean): Call {
    const authorizationType = authorizerId ? 'CUSTOM' : api.endpointType === 'PRIVATE' ? 'AWS_IAM' : 'NONE';
    const input: Record<string, unknown> = { authorizationType, apiKeyRequired };
    if (authorizerId) input.authorizerId = authorizerId;
    if (r.pathPart.startsWith('{')) input.requestParameters = { [`method.request.path.${r.pathPart.slice(1, -1)}`]: true };
    const linkArgs = { restApiId: api.id, resourceId: r.id, httpMethod, template: false };
    const response: Record<string, unknown> = { httpMethod, authorizationType, apiKeyRequired };
    if (authorizerId) response.authorizerId = authorizerId;
    Object.assign(response, {
      methodDelete: linkArgs,
      methodUpdate: linkArgs,
      integrationPut: linkArgs,
      methodresponsePut: { ...linkArgs, template: true },
      self: { ...linkArgs, name: httpMethod, title: httpMethod },
    });
    return v1('PutMethod', false, { restApiId: api.id, resourceId: r.id, httpMethod, putMethodInput: input }, response);
  }

  private putMethodResponse(api: RestApi, r: RestResource, httpMethod: string, statusCode: string): Call {
    const linkArgs = { restApiId: api.id, resourceId: r.id, httpMethod, statusCode, template: false };
    return v1(
      'PutMethodResponse',
      false,
      {
        restApiId: api.id,
        resourceId: r.id,
        httpMethod,
        statusCode,
        putMethodResponseInput: { responseModels: { 'application/json': 'Empty' } },
      },
      {
        statusCode,
        responseModels: { 'application/json': 'Empty' },
        methodresponseDelete: linkArgs,
        methodresponseUpdate: linkArgs,
        self: linkArgs,
      },
    );
  }

  private putIntegration(api: RestApi, r: RestResource, httpMethod: string): Call {
    const { rng } = this.ctx;
    const mock = r.pathPart === 'health' || rng.chance(0.1);
    const http = !mock && rng.chance(0.15);
    const type = mock ? 'MOCK' : http ? 'HTTP_PROXY' : 'AWS_PROXY';
    const input: Record<string, unknown> = { type };
    if (!mock) {
      input.integrationHttpMethod = http ? httpMethod : 'POST';
      input.uri = http ? `https://internal.${this.ctx.account.alias}.example.com${r.path}` : this.lambdaUri();
      if (http && api.endpointType === 'PRIVATE') input.connectionType = 'VPC_LINK';
    } else {
      input.requestTemplates = { 'application/json': '{"statusCode": 200}' };
    }
    input.timeoutInMillis = 29000;
    const linkArgs = { restApiId: api.id, resourceId: r.id, httpMethod, template: false };
    const response: Record<string, unknown> = { type, httpMethod: input.integrationHttpMethod ?? httpMethod };
    if (input.uri) response.uri = input.uri;
    Object.assign(response, {
      passthroughBehavior: 'WHEN_NO_MATCH',
      timeoutInMillis: 29000,
      cacheNamespace: r.id,
      cacheKeyParameters: [],
      integrationDelete: linkArgs,
      integrationUpdate: linkArgs,
      self: linkArgs,
      integrationresponsePut: { ...linkArgs, template: true },
    });
    return v1('PutIntegration', false, { restApiId: api.id, resourceId: r.id, httpMethod, putIntegrationInput: input }, response);
  }

  private createAuthorizer(api: RestApi, id: string): Call {
    const { rng, account, region } = this.ctx;
    const cognito = rng.chance(0.4);
    const input: Record<string, unknown> = cognito
      ? {
          name: 'cognito-users',
          type: 'COGNITO_USER_POOLS',
          providerARNs: [`arn:aws:cognito-idp:${region}:${account.id}:userpool/${region}_${rng.alnum(9)}`],
          identitySource: 'method.request.header.Authorization',
        }
      : {
          name: 'token-authorizer',
          type: 'TOKEN',
          authorizerUri: this.lambdaUri(),
          identitySource: 'method.request.header.Authorization',
          authorizerResultTtlInSeconds: 300,
        };
    const self = { restApiId: api.id, authorizerId: id, template: false };
    return v1(
      'CreateAuthorizer',
      false,
      { restApiId: api.id, createAuthorizerInput: input },
      { id, ...input, authorizerUpdate: self, authorizerDelete: self, self },
    );
  }

  private createDeployment(api: RestApi, id: string, stageName: string | undefined): Call {
    const input: Record<string, unknown> = {};
    if (stageName) input.stageName = stageName;
    input.description = this.ctx.rng.pick(['', 'Deployed by Terraform', 'release', 'hotfix', 'CI deploy']);
    const self = { restApiId: api.id, deploymentId: id, template: false };
    return v1(
      'CreateDeployment',
      false,
      { restApiId: api.id, createDeploymentInput: input },
      {
        id,
        description: input.description,
        createdDate: this.nowIso(),
        deploymentUpdate: self,
        deploymentDelete: self,
        self,
        deploymentStages: { restApiId: api.id, deploymentId: id, template: true, templateSkipList: ['position'] },
      },
    );
  }

  private stageResponse(api: RestApi, stageName: string, deploymentId: string, tracing: boolean): Record<string, unknown> {
    const now = this.nowIso();
    const self = { restApiId: api.id, stageName, template: false };
    return {
      stageName,
      deploymentId,
      cacheClusterEnabled: false,
      cacheClusterStatus: 'NOT_AVAILABLE',
      methodSettings: {},
      tracingEnabled: tracing,
      createdDate: now,
      lastUpdatedDate: now,
      stageUpdate: self,
      stageDelete: self,
      self,
    };
  }

  private createStage(api: RestApi, stageName: string, deploymentId: string): Call {
    const tracing = this.ctx.rng.chance(0.3);
    return v1(
      'CreateStage',
      false,
      { restApiId: api.id, createStageInput: { stageName, deploymentId, tracingEnabled: tracing } },
      this.stageResponse(api, stageName, deploymentId, tracing),
    );
  }

  /** One stage-settings change, as the console and Terraform send them. */
  private settingsPatch(api: RestApi, stageName: string): Record<string, unknown>[] {
    const { rng, account, region } = this.ctx;
    switch (rng.int(4)) {
      case 0:
        return [{ op: 'replace', path: '/*/*/logging/loglevel', value: rng.pick(['INFO', 'ERROR', 'INFO']) }];
      case 1:
        return [{ op: 'replace', path: '/tracingEnabled', value: rng.pick(['true', 'false']) }];
      case 2:
        return [
          { op: 'replace', path: '/*/*/throttling/rateLimit', value: String(rng.pick([100, 500, 1000])) },
          { op: 'replace', path: '/*/*/throttling/burstLimit', value: String(rng.pick([200, 1000, 2000])) },
        ];
      default:
        return [
          {
            op: 'replace',
            path: '/accessLogSettings/destinationArn',
            value: `arn:aws:logs:${region}:${account.id}:log-group:API-Gateway-Access-Logs_${api.id}/${stageName}`,
          },
        ];
    }
  }

  private updateStage(api: RestApi, stageName: string, deploymentId: string, ops: Record<string, unknown>[]): Call {
    const tracing = ops.some((o) => o.path === '/tracingEnabled' && o.value === 'true');
    return v1('UpdateStage', false, { restApiId: api.id, stageName, updateStageInput: { patchOperations: ops } }, this.stageResponse(api, stageName, deploymentId, tracing));
  }

  /**
   * Change stage settings. Enabling execution logging fails until the account
   * has a CloudWatch role (a classic first-time BadRequestException), which
   * the user then sets with UpdateAccount before retrying.
   */
  private *stageSettings(s: Session, api: RestApi, stageName: string, deploymentId: string): Generator<Call, void, void> {
    const ops = this.settingsPatch(api, stageName);
    const c = this.updateStage(api, stageName, deploymentId, ops);
    const path = `/restapis/${api.id}/stages/${stageName}`;
    if (s.canWrite && ops[0]?.path === '/*/*/logging/loglevel' && !this.logsRoleSet) {
      yield failed(c, 'BadRequestException', 'CloudWatch Logs role ARN must be set in account settings to enable logging');
      const roleArn = this.ctx.account.apigwLogsRole.arn;
      yield v1(
        'UpdateAccount',
        false,
        { updateAccountInput: { patchOperations: [{ op: 'replace', path: '/cloudwatchRoleArn', value: roleArn }] } },
        { cloudwatchRoleArn: roleArn, throttleSettings: { burstLimit: 5000, rateLimit: 10000 }, features: ['UsagePlans'], apiKeyVersion: '4' },
      );
      this.logsRoleSet = true;
      yield this.updateStage(api, stageName, deploymentId, ops);
      return;
    }
    yield* this.mutate(s, c, path);
  }

  // --- REST workflows ---------------------------------------------------------

  private *restBuild(s: Session): Generator<Call, void, void> {
    const { rng } = this.ctx;
    const api = this.newRestApi();
    const iac = s.persona === 'terraform-ci' || s.persona === 'terraform-local' || s.persona === 'cloudformation' || s.persona === 'pipeline-sdk';
    if (!(yield* this.mutate(s, this.createRestApi(api), '/restapis'))) return;
    this.rest.push(api);
    api.busy = true;
    if (iac) yield v1('GetRestApi', true, { restApiId: api.id });
    yield v1('GetResources', true, { restApiId: api.id, limit: 500 });
    // Console users sometimes hit Deploy before adding any method.
    if (!iac && rng.chance(0.15)) {
      yield failed(this.createDeployment(api, rng.lowerAlnum(6), 'dev'), 'BadRequestException', "The REST API doesn't contain any methods");
    }
    let authorizerId: string | undefined;
    if (rng.chance(0.35)) {
      authorizerId = rng.lowerAlnum(6);
      yield this.createAuthorizer(api, authorizerId);
      api.authorizers.push(authorizerId);
    }
    const apiKeyRequired = rng.chance(0.25);
    let parent = api.resources[0] as RestResource;
    for (const part of rng.pick(PATH_PARTS)) {
      const r = this.newResource(api, parent, part);
      yield this.createResource(api, r);
      if (!iac && rng.chance(0.08)) {
        yield failed(this.createResource(api, r), 'ConflictException', `Another resource with the same parent already has this name: ${part}`);
      }
      const methods = part.startsWith('{') ? rng.pick([['GET'], ['GET', 'PUT'], ['GET', 'DELETE']]) : rng.pick([['GET'], ['GET', 'POST'], ['POST'], ['ANY']]);
      for (const m of methods) {
        yield this.putMethod(api, r, m, authorizerId, apiKeyRequired);
        r.methods.push(m);
        if (!iac && rng.chance(0.06)) yield failed(this.createDeployment(api, rng.lowerAlnum(6), 'dev'), 'BadRequestException', 'No integration defined for method');
        yield this.putMethodResponse(api, r, m, '200');
        yield this.putIntegration(api, r, m);
        if (iac && rng.chance(0.5)) yield v1('GetMethod', true, { restApiId: api.id, resourceId: r.id, httpMethod: m });
      }
      if (rng.chance(0.5)) yield v1('GetResource', true, { restApiId: api.id, resourceId: r.id });
      if (!part.startsWith('{') || rng.chance(0.5)) parent = r;
    }
    const deploymentId = rng.lowerAlnum(6);
    const stageName = rng.pick(['prod', 'dev', 'v1', 'staging', 'live']);
    const withStage = !iac && rng.chance(0.5);
    yield this.createDeployment(api, deploymentId, withStage ? stageName : undefined);
    api.deployments.push(deploymentId);
    if (withStage) {
      api.stages.set(stageName, deploymentId);
    } else {
      yield this.createStage(api, stageName, deploymentId);
      api.stages.set(stageName, deploymentId);
      if (rng.chance(0.1)) yield failed(this.createStage(api, stageName, deploymentId), 'ConflictException', 'Stage already exists');
    }
    if (iac) yield v1('GetStage', true, { restApiId: api.id, stageName });
    if (rng.chance(0.4)) yield* this.stageSettings(s, api, stageName, deploymentId);
    if (apiKeyRequired || rng.chance(0.25)) yield* this.usagePlanSteps(api, stageName);
    if (rng.chance(0.3)) yield* this.domainSteps(api, stageName);
    api.busy = false;
  }

  private *usagePlanSteps(api: RestApi, stageName: string): Generator<Call, void, void> {
    const { rng } = this.ctx;
    const keyId = rng.lowerAlnum(10);
    const keyName = `${api.name}-${rng.pick(['partner', 'mobile', 'internal', 'acme-corp', 'globex'])}-key`;
    const now = this.nowIso();
    yield v1(
      'CreateApiKey',
      false,
      { createApiKeyInput: { name: keyName, enabled: true, generateDistinctId: true, stageKeys: [] } },
      { id: keyId, value: 'HIDDEN_DUE_TO_SECURITY_REASONS', name: keyName, enabled: true, createdDate: now, lastUpdatedDate: now, stageKeys: [] },
    );
    let plan = this.usagePlans.length > 0 && rng.chance(0.4) ? rng.pick(this.usagePlans) : undefined;
    if (!plan) {
      plan = { id: rng.lowerAlnum(6), name: `${api.name}-${rng.pick(['basic', 'standard', 'premium'])}` };
      const throttle = { burstLimit: rng.pick([50, 100, 200]), rateLimit: rng.pick([10, 50, 100]) };
      const quota = { limit: rng.pick([1000, 10000, 100000]), offset: 0, period: rng.pick(['DAY', 'MONTH']) };
      const apiStages = [{ apiId: api.id, stage: stageName }];
      yield v1(
        'CreateUsagePlan',
        false,
        { createUsagePlanInput: { name: plan.name, apiStages, throttle, quota } },
        { id: plan.id, name: plan.name, apiStages, throttle, quota },
      );
      this.usagePlans.push(plan);
    }
    yield v1(
      'CreateUsagePlanKey',
      false,
      { usagePlanId: plan.id, createUsagePlanKeyInput: { keyId, keyType: 'API_KEY' } },
      { id: keyId, type: 'API_KEY', name: keyName },
    );
  }

  private *domainSteps(api: RestApi, stageName: string): Generator<Call, void, void> {
    const { rng, account, region } = this.ctx;
    const base = api.name.replace(/-api.*$/, '');
    const existing = this.domains.length > 0 && rng.chance(0.4) ? rng.pick(this.domains) : undefined;
    let domain = existing;
    if (!domain) {
      const name = `${base}.${rng.pick(['api', 'gw', 'edge'])}.${account.alias}.example.com`;
      const cert = `arn:aws:acm:${region}:${account.id}:certificate/${rng.uuid()}`;
      const endpointConfiguration = { types: ['REGIONAL'] };
      const c = v1(
        'CreateDomainName',
        false,
        { createDomainNameInput: { domainName: name, regionalCertificateArn: cert, endpointConfiguration, securityPolicy: 'TLS_1_2' } },
        {
          domainName: name,
          certificateUploadDate: this.nowIso(),
          regionalDomainName: `d-${rng.lowerAlnum(10)}.execute-api.${region}.amazonaws.com`,
          regionalHostedZoneId: REGIONAL_ZONES[region] ?? 'Z' + rng.upperAlnum(13),
          regionalCertificateArn: cert,
          endpointConfiguration,
          domainNameStatus: 'AVAILABLE',
          securityPolicy: 'TLS_1_2',
        },
      );
      if (this.domains.some((d) => d.name === name)) {
        yield failed(c, 'ConflictException', 'The domain name you provided already exists.');
        return;
      }
      yield c;
      domain = { name, mappings: [] };
      this.domains.push(domain);
    }
    const basePath = domain.mappings.length === 0 && rng.chance(0.5) ? '(none)' : rng.pick(['v1', 'v2', base, 'api']);
    const mapping = v1(
      'CreateBasePathMapping',
      false,
      { domainName: domain.name, createBasePathMappingInput: { restApiId: api.id, stage: stageName, basePath: basePath === '(none)' ? '' : basePath } },
      { basePath, restApiId: api.id, stage: stageName },
    );
    if (domain.mappings.includes(basePath)) {
      yield failed(mapping, 'ConflictException', 'Base path already exists for this domain name');
      return;
    }
    yield mapping;
    domain.mappings.push(basePath);
  }

  private idleRest(): RestApi | undefined {
    const idle = this.rest.filter((a) => !a.busy);
    return idle.length > 0 ? this.ctx.rng.pick(idle) : undefined;
  }

  private idleHttp(): HttpApi | undefined {
    const idle = this.http.filter((a) => !a.busy);
    return idle.length > 0 ? this.ctx.rng.pick(idle) : undefined;
  }

  private *restUpdate(s: Session, api: RestApi): Generator<Call, void, void> {
    const { rng } = this.ctx;
    api.busy = true;
    yield v1('GetRestApi', true, { restApiId: api.id });
    const ops = rng.pick([
      [{ op: 'replace', path: '/description', value: `${api.description} (${rng.pick(['v2', 'updated', 'deprecated soon'])})` }],
      [{ op: 'add', path: '/binaryMediaTypes/image~1png' }],
      [{ op: 'replace', path: '/minimumCompressionSize', value: '1024' }],
      [{ op: 'replace', path: '/disableExecuteApiEndpoint', value: 'true' }],
    ]);
    const response = {
      id: api.id,
      name: api.name,
      description: api.description,
      createdDate: this.nowIso(),
      apiKeySource: 'HEADER',
      endpointConfiguration: { types: [api.endpointType], ipAddressType: 'ipv4' },
      disableExecuteApiEndpoint: false,
      rootResourceId: api.rootId,
      ...restApiLinks(api),
    };
    const ok = yield* this.mutate(s, v1('UpdateRestApi', false, { restApiId: api.id, updateRestApiInput: { patchOperations: ops } }, response), `/restapis/${api.id}`);
    if (ok) {
      if (rng.chance(0.5)) {
        const parent = rng.pick(api.resources);
        const part = rng.pick(['status', 'export', 'metrics', 'batch', 'callbacks', 'v2']);
        if (!api.resources.some((r) => r.parentId === parent.id && r.pathPart === part)) {
          const r = this.newResource(api, parent, part);
          yield this.createResource(api, r);
          yield this.putMethod(api, r, 'GET', api.authorizers[0], false);
          r.methods.push('GET');
          yield this.putIntegration(api, r, 'GET');
        }
      }
      yield* this.redeploySteps(api);
    }
    api.busy = false;
  }

  private *redeploySteps(api: RestApi): Generator<Call, void, void> {
    const { rng } = this.ctx;
    const stages = [...api.stages.keys()];
    const stageName = stages.length > 0 ? rng.pick(stages) : 'prod';
    const deploymentId = rng.lowerAlnum(6);
    const viaStage = rng.chance(0.6);
    yield this.createDeployment(api, deploymentId, viaStage ? stageName : undefined);
    api.deployments.push(deploymentId);
    if (!viaStage) {
      if (api.stages.has(stageName)) yield this.updateStage(api, stageName, deploymentId, [{ op: 'replace', path: '/deploymentId', value: deploymentId }]);
      else yield this.createStage(api, stageName, deploymentId);
    }
    api.stages.set(stageName, deploymentId);
  }

  private *restRedeploy(s: Session, api: RestApi): Generator<Call, void, void> {
    api.busy = true;
    if (s.canWrite) yield* this.redeploySteps(api);
    else yield this.denied(this.createDeployment(api, this.ctx.rng.lowerAlnum(6), undefined), s, `/restapis/${api.id}/deployments`);
    api.busy = false;
  }

  private *restStageChange(s: Session, api: RestApi): Generator<Call, void, void> {
    const { rng } = this.ctx;
    const stages = [...api.stages.entries()];
    api.busy = true;
    const entry = stages.length > 0 ? rng.pick(stages) : undefined;
    if (entry) {
      const [stageName, deploymentId] = entry;
      yield v1('GetStage', true, { restApiId: api.id, stageName });
      const removable = stageName !== 'prod' && stages.length > 1;
      if (removable && rng.chance(0.4)) {
        yield* this.mutate(s, v1('DeleteStage', false, { restApiId: api.id, stageName }), `/restapis/${api.id}/stages/${stageName}`, () => api.stages.delete(stageName));
      } else {
        yield* this.stageSettings(s, api, stageName, deploymentId);
      }
    } else {
      yield failed(v1('GetStage', true, { restApiId: api.id, stageName: 'prod' }), 'NotFoundException', 'Invalid stage identifier specified');
    }
    api.busy = false;
  }

  private *restTeardown(s: Session, api: RestApi): Generator<Call, void, void> {
    api.busy = true;
    yield v1('GetRestApi', true, { restApiId: api.id });
    yield v1('GetStages', true, { restApiId: api.id });
    for (const stageName of [...api.stages.keys()]) {
      if (!s.canWrite || this.ctx.rng.chance(0.5)) break;
      api.stages.delete(stageName);
      yield v1('DeleteStage', false, { restApiId: api.id, stageName });
    }
    const deleted = yield* this.mutate(s, v1('DeleteRestApi', false, { restApiId: api.id }), `/restapis/${api.id}`, () => {
      this.rest.splice(this.rest.indexOf(api), 1);
      this.deletedRest.push(api.id);
    });
    if (!deleted) api.busy = false;
  }

  private *extraUsagePlan(s: Session, api: RestApi): Generator<Call, void, void> {
    const stages = [...api.stages.keys()];
    if (!s.canWrite || stages.length === 0) {
      yield v1('GetUsagePlans', true, { limit: 500 });
      return;
    }
    api.busy = true;
    yield* this.usagePlanSteps(api, this.ctx.rng.pick(stages));
    api.busy = false;
  }

  private *extraDomain(s: Session, api: RestApi): Generator<Call, void, void> {
    const stages = [...api.stages.keys()];
    if (!s.canWrite || stages.length === 0) {
      yield v1('GetDomainNames', true, { limit: 500 });
      return;
    }
    api.busy = true;
    yield* this.domainSteps(api, this.ctx.rng.pick(stages));
    api.busy = false;
  }

  // --- HTTP / WebSocket (v2) ---------------------------------------------------

  private apiResponse(api: HttpApi, description?: string): Record<string, unknown> {
    const { region } = this.ctx;
    const http = api.protocol === 'HTTP';
    const r: Record<string, unknown> = {
      apiEndpoint: `${http ? 'https' : 'wss'}://${api.id}.execute-api.${region}.amazonaws.com`,
      apiId: api.id,
      apiKeySelectionExpression: '$request.header.x-api-key',
      createdDate: this.nowIso(),
      disableExecuteApiEndpoint: false,
      name: api.name,
      protocolType: api.protocol,
      routeSelectionExpression: http ? '$request.method $request.path' : '$request.body.action',
      ipAddressType: 'ipv4',
    };
    if (description) r.description = description;
    return r;
  }

  private *httpBuild(s: Session, protocol: 'HTTP' | 'WEBSOCKET'): Generator<Call, void, void> {
    const { rng } = this.ctx;
    const api = this.newHttpApi(protocol);
    const http = protocol === 'HTTP';
    const request: Record<string, unknown> = {
      name: api.name,
      protocolType: protocol,
      routeSelectionExpression: http ? '$request.method $request.path' : '$request.body.action',
      apiKeySelectionExpression: '$request.header.x-api-key',
    };
    if (http && rng.chance(0.4)) {
      request.corsConfiguration = { allowOrigins: [`https://app.${this.ctx.account.alias}.example.com`], allowMethods: ['GET', 'POST', 'OPTIONS'], allowHeaders: ['content-type', 'authorization'], maxAge: 300 };
    }
    if (!(yield* this.mutate(s, v2('CreateApi', false, request, this.apiResponse(api)), '/apis'))) return;
    this.http.push(api);
    api.busy = true;
    const integrationCount = http ? 1 : rng.range(1, 2);
    for (let i = 0; i < integrationCount; i++) {
      const integrationId = rng.lowerAlnum(7);
      const uri = this.lambdaUri();
      const req: Record<string, unknown> = http
        ? { integrationMethod: 'POST', integrationType: 'AWS_PROXY', payloadFormatVersion: '2.0', connectionType: 'INTERNET', integrationUri: uri, apiId: api.id }
        : { integrationMethod: 'POST', integrationType: 'AWS_PROXY', integrationUri: uri, apiId: api.id, passthroughBehavior: 'WHEN_NO_MATCH' };
      yield v2('CreateIntegration', false, req, {
        integrationMethod: 'POST',
        integrationType: 'AWS_PROXY',
        integrationId,
        payloadFormatVersion: http ? '2.0' : '1.0',
        integrationUri: uri,
        connectionType: 'INTERNET',
        timeoutInMillis: http ? 30000 : 29000,
      });
      api.integrations.push(integrationId);
    }
    const keys = http ? rng.shuffle(HTTP_ROUTES.slice()).slice(0, rng.range(2, 5)) : WS_ROUTES.slice(0, rng.range(3, 5));
    for (const routeKey of keys) {
      const routeId = rng.lowerAlnum(7);
      const target = `integrations/${rng.pick(api.integrations)}`;
      const authorizationType = http && rng.chance(0.25) ? 'AWS_IAM' : 'NONE';
      yield v2(
        'CreateRoute',
        false,
        { apiKeyRequired: false, routeKey, authorizationType, apiId: api.id, target },
        { authorizationType, routeId, apiKeyRequired: false, routeKey, target },
      );
      api.routes.push({ id: routeId, key: routeKey });
    }
    if (http && rng.chance(0.7)) {
      api.autoDeploy = true;
      yield this.v2Stage(api, '$default', true, undefined);
      api.stages.push('$default');
    } else {
      const stageName = http ? 'prod' : rng.pick(['production', 'dev']);
      if (rng.chance(0.5)) {
        yield this.v2Stage(api, stageName, false, undefined);
        api.stages.push(stageName);
        yield this.v2Deployment(api, stageName);
      } else {
        const deploymentId = rng.lowerAlnum(6);
        yield this.v2Deployment(api, undefined, deploymentId);
        yield this.v2Stage(api, stageName, false, deploymentId);
        api.stages.push(stageName);
      }
    }
    if (s.persona === 'terraform-ci' || s.persona === 'terraform-local') {
      yield v2('GetApi', true, { apiId: api.id });
      yield v2('GetStage', true, { apiId: api.id, stageName: api.stages[0] });
    }
    api.busy = false;
  }

  private v2Stage(api: HttpApi, stageName: string, autoDeploy: boolean, deploymentId: string | undefined): Call {
    const now = this.nowIso();
    const req: Record<string, unknown> = { stageName, autoDeploy, apiId: api.id };
    if (deploymentId) req.deploymentId = deploymentId;
    const res: Record<string, unknown> = { lastUpdatedDate: now, stageName, createdDate: now, routeSettings: {}, autoDeploy, defaultRouteSettings: { detailedMetricsEnabled: false } };
    if (deploymentId) res.deploymentId = deploymentId;
    res.tags = {};
    return v2('CreateStage', false, req, res);
  }

  private v2Deployment(api: HttpApi, stageName: string | undefined, deploymentId = this.ctx.rng.lowerAlnum(6)): Call {
    const req: Record<string, unknown> = { apiId: api.id };
    if (stageName) req.stageName = stageName;
    return v2('CreateDeployment', false, req, { autoDeployed: false, createdDate: this.nowIso(), deploymentId, deploymentStatus: 'DEPLOYED' });
  }

  private *httpUpdate(s: Session, api: HttpApi): Generator<Call, void, void> {
    const { rng } = this.ctx;
    api.busy = true;
    yield v2('GetApi', true, { apiId: api.id });
    if (rng.chance(0.5)) yield v2('GetRoutes', true, { apiId: api.id });
    const description = rng.pick(['Public API', 'Internal API - do not expose', 'v2 routes', 'Managed by Terraform']);
    if (yield* this.mutate(s, v2('UpdateApi', false, { apiId: api.id, description }, this.apiResponse(api, description)), `/apis/${api.id}`)) {
      if (api.integrations.length > 0 && rng.chance(0.5)) {
        const routeKey = api.protocol === 'HTTP' ? rng.pick(HTTP_ROUTES) : rng.pick(['ping', 'unsubscribe', 'broadcast']);
        const target = `integrations/${rng.pick(api.integrations)}`;
        if (api.routes.some((r) => r.key === routeKey)) {
          yield failed(
            v2('CreateRoute', false, { apiKeyRequired: false, routeKey, authorizationType: 'NONE', apiId: api.id, target }),
            'ConflictException',
            `Unable to complete operation due to concurrent modification. Please try again later.`,
          );
        } else {
          const routeId = rng.lowerAlnum(7);
          yield v2(
            'CreateRoute',
            false,
            { apiKeyRequired: false, routeKey, authorizationType: 'NONE', apiId: api.id, target },
            { authorizationType: 'NONE', routeId, apiKeyRequired: false, routeKey, target },
          );
          api.routes.push({ id: routeId, key: routeKey });
        }
      }
      if (!api.autoDeploy) yield this.v2Deployment(api, api.stages[0]);
    }
    api.busy = false;
  }

  private *httpTeardown(s: Session, api: HttpApi): Generator<Call, void, void> {
    api.busy = true;
    yield v2('GetApi', true, { apiId: api.id });
    if (api.stages.length > 1 && s.canWrite) {
      const stageName = api.stages.pop() as string;
      yield v2('DeleteStage', false, { apiId: api.id, stageName });
    }
    const deleted = yield* this.mutate(s, v2('DeleteApi', false, { apiId: api.id }), `/apis/${api.id}`, () => {
      this.http.splice(this.http.indexOf(api), 1);
      this.deletedHttp.push(api.id);
    });
    if (!deleted) api.busy = false;
  }

  // --- standalone reads ------------------------------------------------------

  private read(s: Session): Call {
    const { rng, account } = this.ctx;
    // Principals without API Gateway permissions get AccessDenied on reads.
    const unprivileged = s.persona === 'cross-account' || s.persona === 'role' || s.persona === 'directory';
    const r = rng.float();
    let c: Call;
    const restApi = this.rest.length > 0 ? rng.pick(this.rest) : undefined;
    const httpApi = this.http.length > 0 ? rng.pick(this.http) : undefined;
    if (r < 0.16 || (!restApi && r < 0.6)) {
      c = v1('GetRestApis', true, { limit: 500 });
    } else if (r < 0.27 && restApi) {
      c = v1('GetRestApi', true, { restApiId: restApi.id });
    } else if (r < 0.36 && restApi) {
      c = v1('GetResources', true, rng.chance(0.3) ? { restApiId: restApi.id, limit: 500, embed: ['methods'] } : { restApiId: restApi.id, limit: 500 });
    } else if (r < 0.46 && restApi) {
      // Shape from the AWS documentation example: exactly restApiId, resourceId, template.
      c = v1('GetResource', true, { restApiId: restApi.id, resourceId: rng.pick(restApi.resources).id });
    } else if (r < 0.52 && restApi) {
      c = v1('GetStages', true, { restApiId: restApi.id });
    } else if (r < 0.57 && restApi && restApi.stages.size > 0) {
      c = v1('GetStage', true, { restApiId: restApi.id, stageName: rng.pick([...restApi.stages.keys()]) });
    } else if (r < 0.61 && restApi) {
      c = v1('GetDeployments', true, { restApiId: restApi.id, limit: 25 });
    } else if (r < 0.64 && restApi) {
      const res = rng.pick(restApi.resources);
      c = v1('GetMethod', true, { restApiId: restApi.id, resourceId: res.id, httpMethod: res.methods[0] ?? 'GET' });
    } else if (r < 0.66) {
      c = v1('GetUsagePlans', true, { limit: 500 });
    } else if (r < 0.67) {
      c = v1('GetApiKeys', true, { includeValues: false, limit: 500 });
    } else if (r < 0.68) {
      c = v1('GetDomainNames', true, { limit: 500 });
    } else if (r < 0.69) {
      c = v1('GetAccount', true, {});
    } else if (r < 0.79) {
      c = v2('GetApis', true, null);
    } else if (r < 0.86 && httpApi) {
      c = v2('GetApi', true, { apiId: httpApi.id });
    } else if (r < 0.91 && httpApi) {
      c = v2('GetRoutes', true, { apiId: httpApi.id });
    } else if (r < 0.94 && httpApi) {
      c = v2('GetStages', true, { apiId: httpApi.id });
    } else if (r < 0.96 && httpApi) {
      c = v2('GetIntegrations', true, { apiId: httpApi.id });
    } else if (r < 0.98 && this.deletedRest.length + this.deletedHttp.length > 0) {
      // Dashboards and scripts keep polling APIs that were deleted.
      if (this.deletedRest.length > 0 && (this.deletedHttp.length === 0 || rng.chance(0.6))) {
        const id = rng.pick(this.deletedRest);
        return failed(v1('GetRestApi', true, { restApiId: id }), 'NotFoundException', `Invalid API identifier specified ${account.id}:${id}`);
      }
      const id = rng.pick(this.deletedHttp);
      return failed(v2('GetApi', true, { apiId: id }), 'NotFoundException', `Invalid API identifier specified ${account.id}:${id}`);
    } else if (restApi) {
      const id = rng.lowerAlnum(10);
      return failed(v1('GetRestApi', true, { restApiId: id }), 'NotFoundException', `Invalid API identifier specified ${account.id}:${id}`);
    } else {
      c = v1('GetRestApis', true, { limit: 500 });
    }
    if (unprivileged && rng.chance(0.6)) return this.denied(c, s, c.sdkKey ? '/apis' : '/restapis');
    if (rng.chance(0.03)) return this.throttled(c);
    return c;
  }

  /** Id of a live API (for Lambda invoke permissions that name it). */
  someApiId(): string | undefined {
    const { rng } = this.ctx;
    const total = this.rest.length + this.http.length;
    if (total === 0) return undefined;
    const i = rng.int(total);
    return i < this.rest.length ? this.rest[i]?.id : this.http[i - this.rest.length]?.id;
  }

  // --- scheduling ------------------------------------------------------------

  private start(sessions: SessionSource): Workflow {
    const { rng } = this.ctx;
    const live = this.rest.length + this.http.length;
    const s = sessions.get(BUILDERS.pick(rng));
    const restIdle = this.idleRest();
    const httpIdle = this.idleHttp();
    const kinds = [
      'rest-build',
      'http-build',
      'ws-build',
      'rest-update',
      'rest-redeploy',
      'rest-stage',
      'rest-teardown',
      'http-update',
      'http-teardown',
      'usage-plan',
      'domain',
    ] as const;
    const weights = [
      live < 8 ? 3 : 0.8,
      live < 8 ? 1.6 : 0.5,
      live < 8 ? 0.7 : 0.2,
      restIdle ? 2 : 0,
      restIdle ? 2 : 0,
      restIdle ? 1.2 : 0,
      restIdle && this.rest.length > 1 ? 0.4 + 0.25 * Math.max(0, this.rest.length - 4) : 0,
      httpIdle ? 1.5 : 0,
      httpIdle && this.http.length > 1 ? 0.4 + 0.25 * Math.max(0, this.http.length - 3) : 0,
      restIdle ? 0.6 : 0,
      restIdle ? 0.5 : 0,
    ];
    const kind = rng.weighted(kinds, weights);
    let steps: Generator<Call, void, void>;
    switch (kind) {
      case 'rest-build':
        steps = this.restBuild(s);
        break;
      case 'http-build':
        steps = this.httpBuild(s, 'HTTP');
        break;
      case 'ws-build':
        steps = this.httpBuild(s, 'WEBSOCKET');
        break;
      case 'rest-update':
        steps = this.restUpdate(s, restIdle as RestApi);
        break;
      case 'rest-redeploy':
        steps = this.restRedeploy(s, restIdle as RestApi);
        break;
      case 'rest-stage':
        steps = this.restStageChange(s, restIdle as RestApi);
        break;
      case 'rest-teardown':
        steps = this.restTeardown(s, restIdle as RestApi);
        break;
      case 'http-update':
        steps = this.httpUpdate(s, httpIdle as HttpApi);
        break;
      case 'http-teardown':
        steps = this.httpTeardown(s, httpIdle as HttpApi);
        break;
      case 'usage-plan':
        steps = this.extraUsagePlan(s, restIdle as RestApi);
        break;
      case 'domain':
        steps = this.extraDomain(s, restIdle as RestApi);
        break;
    }
    const w = { session: s, steps };
    this.workflows.push(w);
    return w;
  }

  private step(w: Workflow): Call | undefined {
    const r = w.steps.next();
    if (r.done) {
      this.workflows.splice(this.workflows.indexOf(w), 1);
      return undefined;
    }
    return r.value;
  }

  /** The next API Gateway event of this stream. */
  next(sessions: SessionSource): BoundCall {
    const { rng } = this.ctx;
    for (let attempt = 0; attempt < 4; attempt++) {
      if (this.workflows.length > 0 && rng.chance(0.72)) {
        const w = rng.pick(this.workflows);
        const c = this.step(w);
        if (c) return { session: w.session, call: c };
        continue;
      }
      if (this.workflows.length < 3 && rng.chance(0.3)) {
        const w = this.start(sessions);
        const c = this.step(w);
        if (c) return { session: w.session, call: c };
        continue;
      }
      break;
    }
    const s = sessions.get(READERS.pick(rng));
    return { session: s, call: this.read(s) };
  }
}

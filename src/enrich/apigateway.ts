import type { CloudTrailRecord } from '../model/cloudtrail.js';
import type { ApiGatewayFields, ApiKind } from './enrichment.js';
import { objectOf, textOf } from './record-values.js';

export const APIGATEWAY_SOURCE = 'apigateway.amazonaws.com';

/**
 * Which API, stage, route… an API Gateway management call touched. Both API
 * generations log under `apigateway.amazonaws.com`, with different shapes:
 *
 * - REST APIs (v1) name path parameters at the top of `requestParameters`
 *   (`restApiId`, `resourceId`, `httpMethod`, `stageName`, `usagePlanId`,
 *   `apiKey`…), put the request body in an `<operation>Input` object
 *   (`createStageInput.deploymentId`, `createBasePathMappingInput.stage`,
 *   `createUsagePlanKeyInput.keyId`), and answer create calls with the new
 *   object's bare `id` plus HAL links such as `self: {restApiId, resourceId}`.
 * - HTTP and WebSocket APIs (v2) are flat: `apiId`, `routeId`, `routeKey`,
 *   `integrationId`, `stageName`, `deploymentId`, `authorizerId`, `domainName`.
 * - `resources[].ARN`, when present, is a path: `…::/restapis/{id}/stages/{name}`,
 *   `…::/apis/{id}/routes/{id}`, `…::/usageplans/{id}`, `…::/domainnames/{name}`.
 *
 * The first value found wins, in this order: request path parameters, request
 * body, response links, response, the response `id` of create calls, resource ARNs.
 */
export function apiGatewayContextOf(record: CloudTrailRecord): ApiGatewayFields | undefined {
  if (record.eventSource !== APIGATEWAY_SOURCE) return undefined;
  const scan = new ContextScan();
  const request = objectOf(record.requestParameters);
  const response = objectOf(record.responseElements);
  if (request) {
    scan.keys(request);
    for (const key in request) {
      if (key.endsWith('Input')) {
        const input = objectOf(request[key]);
        if (input) scan.keys(input);
      }
    }
    scan.kindHints(request);
  }
  if (response) {
    const self = objectOf(response.self);
    if (self) scan.keys(self);
    scan.keys(response);
    scan.kindHints(response);
    const id = textOf(response.id);
    const field = typeof record.eventName === 'string' ? CREATED_ID.get(record.eventName) : undefined;
    if (id !== undefined && field !== undefined) scan.set(field, id);
    const target = textOf(response.target);
    if (target?.startsWith('integrations/')) scan.set('integration_id', target.slice(13));
  }
  const resources = record.resources;
  if (Array.isArray(resources)) {
    for (const resource of resources) {
      const arn = textOf(objectOf(resource)?.ARN);
      if (arn?.startsWith('arn:aws') && arn.includes(':apigateway:')) scan.arnPath(arn);
    }
  }
  if (typeof record.eventName === 'string' && record.eventName.includes('RestApi')) scan.kind('rest');
  return scan.result();
}

type Field = Exclude<keyof ApiGatewayFields, 'api_kind'>;

/** Key names, in requests, inputs and responses, that carry an identifier we report. */
const KEYS: ReadonlyMap<string, Field> = new Map<string, Field>([
  ['restApiId', 'api_id'],
  ['apiId', 'api_id'],
  ['resourceId', 'resource_id'],
  ['httpMethod', 'http_method'],
  ['stageName', 'stage'],
  ['stage', 'stage'],
  ['deploymentId', 'deployment_id'],
  ['routeId', 'route_id'],
  ['routeKey', 'route_key'],
  ['integrationId', 'integration_id'],
  ['authorizerId', 'authorizer_id'],
  ['apiKey', 'api_key_id'],
  ['keyId', 'api_key_id'],
  ['usagePlanId', 'usage_plan_id'],
  ['domainName', 'domain_name'],
]);

/** REST API create calls answer with the new object's identifier as a bare `id`. */
const CREATED_ID: ReadonlyMap<string, Field> = new Map<string, Field>([
  ['CreateRestApi', 'api_id'],
  ['ImportRestApi', 'api_id'],
  ['CreateResource', 'resource_id'],
  ['CreateDeployment', 'deployment_id'],
  ['CreateAuthorizer', 'authorizer_id'],
  ['CreateApiKey', 'api_key_id'],
  ['ImportApiKeys', 'api_key_id'],
  ['CreateUsagePlan', 'usage_plan_id'],
]);

/** Path segments of API Gateway resource ARNs, each followed by an identifier. */
const ARN_SEGMENTS: ReadonlyMap<string, Field> = new Map<string, Field>([
  ['restapis', 'api_id'],
  ['apis', 'api_id'],
  ['resources', 'resource_id'],
  ['methods', 'http_method'],
  ['stages', 'stage'],
  ['deployments', 'deployment_id'],
  ['routes', 'route_id'],
  ['integrations', 'integration_id'],
  ['authorizers', 'authorizer_id'],
  ['apikeys', 'api_key_id'],
  ['usageplans', 'usage_plan_id'],
  ['domainnames', 'domain_name'],
]);

class ContextScan {
  private readonly out: ApiGatewayFields = {};
  private found = false;

  set(field: Field, value: string): void {
    if (this.out[field] === undefined) {
      this.out[field] = value;
      this.found = true;
    }
  }

  kind(kind: ApiKind): void {
    if (this.out.api_kind === undefined) this.out.api_kind = kind;
  }

  keys(object: Record<string, unknown>): void {
    for (const key in object) {
      const field = KEYS.get(key);
      if (field === undefined) continue;
      const value = object[key];
      if (typeof value !== 'string' || value.length === 0) continue;
      this.set(field, value);
      if (key === 'restApiId') this.kind('rest');
    }
  }

  /**
   * HTTP or WebSocket: told by the protocol, the route key (WebSocket routes are
   * `$connect`, `$disconnect` or an action name; HTTP routes are `VERB /path`),
   * the route selection expression, the endpoint scheme, payload format 2.0 and
   * the `$default` stage, which only HTTP APIs have.
   */
  kindHints(object: Record<string, unknown>): void {
    if (this.out.api_kind !== undefined) return;
    const protocol = object.protocolType;
    if (protocol === 'HTTP') return this.kind('http');
    if (protocol === 'WEBSOCKET') return this.kind('websocket');
    const routeKey = textOf(object.routeKey);
    if (routeKey !== undefined && routeKey !== '$default') return this.kind(routeKey.includes(' /') ? 'http' : 'websocket');
    const selection = textOf(object.routeSelectionExpression);
    if (selection !== undefined) return this.kind(selection.startsWith('$request.body') ? 'websocket' : 'http');
    const endpoint = textOf(object.apiEndpoint);
    if (endpoint?.startsWith('wss://')) return this.kind('websocket');
    if (endpoint?.startsWith('https://')) return this.kind('http');
    if (object.payloadFormatVersion === '2.0' || object.stageName === '$default') return this.kind('http');
  }

  arnPath(arn: string): void {
    const at = arn.indexOf('::/');
    if (at < 0) return;
    const parts = arn.slice(at + 3).split('/');
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const field = ARN_SEGMENTS.get(parts[i] as string);
      const value = parts[i + 1] as string;
      if (field === undefined || value.length === 0) continue;
      this.set(field, value);
      if (parts[i] === 'restapis') this.kind('rest');
    }
  }

  result(): ApiGatewayFields | undefined {
    return this.found || this.out.api_kind !== undefined ? this.out : undefined;
  }
}

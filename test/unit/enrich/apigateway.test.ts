import { apiGatewayContextOf } from '../../../src/enrich/apigateway.js';
import type { CloudTrailRecord } from '../../../src/model/cloudtrail.js';
import { corpusRecord, corpusRecords, craftedCase } from './support/corpus.js';

const rest = (name: string) => apiGatewayContextOf(craftedCase('apigateway-rest.json', name));
const v2 = (name: string) => apiGatewayContextOf(craftedCase('apigateway-v2.json', name));
const API = 'a1b2c3d4e5';

describe('apiGatewayContextOf, HTTP APIs (real corpus records)', () => {
  const real = (eventName: string) =>
    apiGatewayContextOf(corpusRecord(`apigateway ${eventName}`, (r) => r.eventSource === 'apigateway.amazonaws.com' && r.eventName === eventName).record);

  it('CreateApi: the new API and its protocol', () => {
    expect(real('CreateApi')).toEqual({ api_id: '5614585pm4', api_kind: 'http' });
  });

  it('CreateRoute: route id and key, and the integration it targets', () => {
    expect(real('CreateRoute')).toEqual({ api_id: '5614585pm4', api_kind: 'http', route_key: 'GET /trigger', route_id: 'p8hctvu', integration_id: '3hcdepi' });
  });

  it('CreateIntegration: payload format 2.0 is an HTTP API', () => {
    expect(real('CreateIntegration')).toEqual({ api_id: '5614585pm4', api_kind: 'http', integration_id: '3hcdepi' });
  });

  it('CreateStage: the $default stage is an HTTP API', () => {
    expect(real('CreateStage')).toEqual({ api_id: '5614585pm4', api_kind: 'http', stage: '$default' });
  });

  it('only API Gateway events get a context', () => {
    const others = corpusRecords().filter((r) => r.record.eventSource !== 'apigateway.amazonaws.com');
    expect(others.filter((r) => apiGatewayContextOf(r.record) !== undefined)).toEqual([]);
  });
});

describe('apiGatewayContextOf, REST APIs (crafted after AWS documentation)', () => {
  it('GetResource (the documentation example)', () => {
    expect(rest('GetResource (shape of the AWS documentation example)')).toEqual({ api_id: API, api_kind: 'rest', resource_id: 'r7s8t9' });
  });

  it('CreateRestApi: the new id from the response', () => {
    expect(rest('CreateRestApi')).toEqual({ api_id: API, api_kind: 'rest' });
  });

  it('CreateResource: the new resource id from the self link', () => {
    expect(rest('CreateResource')).toEqual({ api_id: API, api_kind: 'rest', resource_id: 'r7s8t9' });
  });

  it('PutMethod: resource, method and the authorizer from the input', () => {
    expect(rest('PutMethod')).toEqual({ api_id: API, api_kind: 'rest', resource_id: 'r7s8t9', http_method: 'POST', authorizer_id: 'auth12' });
  });

  it('PutIntegration', () => {
    expect(rest('PutIntegration')).toEqual({ api_id: API, api_kind: 'rest', resource_id: 'r7s8t9', http_method: 'POST' });
  });

  it('CreateAuthorizer: the new authorizer', () => {
    expect(rest('CreateAuthorizer')).toEqual({ api_id: API, api_kind: 'rest', authorizer_id: 'auth12' });
  });

  it('CreateDeployment: stage from the input, deployment from the response', () => {
    expect(rest('CreateDeployment')).toEqual({ api_id: API, api_kind: 'rest', stage: 'prod', deployment_id: 'dep123' });
  });

  it('CreateStage: stage and deployment from the input', () => {
    expect(rest('CreateStage')).toEqual({ api_id: API, api_kind: 'rest', stage: 'staging', deployment_id: 'dep123' });
  });

  it('UpdateStage', () => {
    expect(rest('UpdateStage')).toEqual({ api_id: API, api_kind: 'rest', stage: 'prod', deployment_id: 'dep123' });
  });

  it('CreateApiKey: the key id, no API', () => {
    expect(rest('CreateApiKey')).toEqual({ api_key_id: 'key987' });
  });

  it('CreateUsagePlan: the plan id', () => {
    expect(rest('CreateUsagePlan')).toEqual({ usage_plan_id: 'plan55' });
  });

  it('CreateUsagePlanKey: plan and key', () => {
    expect(rest('CreateUsagePlanKey')).toEqual({ usage_plan_id: 'plan55', api_key_id: 'key987' });
  });

  it('CreateDomainName: the custom domain name', () => {
    expect(rest('CreateDomainName')).toEqual({ domain_name: 'api.example.com' });
  });

  it('CreateBasePathMapping: domain, API and stage', () => {
    expect(rest('CreateBasePathMapping')).toEqual({ domain_name: 'api.example.com', api_id: API, api_kind: 'rest', stage: 'prod' });
  });

  it('a denied call still names the API', () => {
    expect(rest('UpdateRestApi denied')).toEqual({ api_id: API, api_kind: 'rest' });
  });

  it('resource ARNs', () => {
    expect(rest('context only in resources[] (shape check)')).toEqual({ api_id: API, api_kind: 'rest', stage: 'prod' });
  });
});

describe('apiGatewayContextOf, WebSocket APIs (crafted)', () => {
  const WS = 'w5x6y7z8a9';

  it('CreateApi WEBSOCKET', () => {
    expect(v2('CreateApi WEBSOCKET')).toEqual({ api_id: WS, api_kind: 'websocket' });
  });

  it('$connect and action routes are WebSocket routes', () => {
    expect(v2('CreateRoute $connect')).toEqual({ api_id: WS, api_kind: 'websocket', route_key: '$connect', authorizer_id: 'wsauth1', route_id: 'rt111', integration_id: 'int777' });
    expect(v2('CreateRoute action')).toEqual({ api_id: WS, api_kind: 'websocket', route_key: 'sendmessage', route_id: 'rt222', integration_id: 'int777' });
  });

  it('leaves the kind out when the call does not tell it', () => {
    expect(v2('CreateDeployment v2 (kind not told)')).toEqual({ api_id: WS, stage: 'production', deployment_id: 'dpl222' });
  });

  it('CreateApiMapping', () => {
    expect(v2('CreateApiMapping')).toEqual({ domain_name: 'ws.example.com', api_id: WS, stage: 'production' });
  });

  it('a call without identifiers has no context', () => {
    expect(v2('GetApis (no context)')).toBeUndefined();
  });
});

describe('apiGatewayContextOf on odd records', () => {
  it('ignores requestParameters given as JSON text and non-string values', () => {
    const record: CloudTrailRecord = {
      eventSource: 'apigateway.amazonaws.com',
      eventName: 'GetStage',
      requestParameters: '{"restApiId":"abc"}',
      responseElements: { stageName: 42, deploymentId: '' },
      resources: [{ ARN: 'arn:aws:apigateway:us-east-1::/restapis' }, { ARN: 'arn:aws:s3:::bucket' }],
    };
    expect(apiGatewayContextOf(record)).toBeUndefined();
  });
});

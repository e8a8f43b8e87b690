import { renderTemplate, TEMPLATE_FILES } from '../../../src/sink/templates.js';
import { fieldType } from '../dashboards/mapping-fields.js';

const config = { indexPrefix: 'cloudtrail', deadLetterIndex: 'trailstream-dead-letter', numberOfShards: 3, numberOfReplicas: 2, refreshInterval: '30s' };

/** The fields of a CloudTrail record (management, data, network activity, Insights), per AWS's record-contents reference. */
const STANDARD: Record<string, string> = {
  eventTime: 'date',
  eventVersion: 'keyword',
  'userIdentity.type': 'keyword',
  'userIdentity.principalId': 'keyword',
  'userIdentity.arn': 'keyword',
  'userIdentity.accountId': 'keyword',
  'userIdentity.accessKeyId': 'keyword',
  'userIdentity.userName': 'keyword',
  'userIdentity.invokedBy': 'keyword',
  'userIdentity.identityProvider': 'keyword',
  'userIdentity.credentialId': 'keyword',
  'userIdentity.sessionContext.sessionIssuer.arn': 'keyword',
  'userIdentity.sessionContext.attributes.creationDate': 'date',
  'userIdentity.sessionContext.attributes.mfaAuthenticated': 'keyword',
  'userIdentity.sessionContext.sourceIdentity': 'keyword',
  'userIdentity.sessionContext.ec2RoleDelivery': 'keyword',
  'userIdentity.sessionContext.assumedRoot': 'keyword',
  'userIdentity.sessionContext.webIdFederationData.federatedProvider': 'keyword',
  'userIdentity.sessionContext.webIdFederationData.attributes': 'flat_object',
  'userIdentity.onBehalfOf.userId': 'keyword',
  'userIdentity.inScopeOf.issuerType': 'keyword',
  eventSource: 'keyword',
  eventName: 'keyword',
  awsRegion: 'keyword',
  sourceIPAddress: 'keyword',
  userAgent: 'keyword',
  errorCode: 'keyword',
  errorMessage: 'text',
  'errorMessage.keyword': 'keyword',
  requestParameters: 'flat_object',
  responseElements: 'flat_object',
  additionalEventData: 'flat_object',
  serviceEventDetails: 'flat_object',
  edgeDeviceDetails: 'flat_object',
  eventContext: 'flat_object',
  insightDetails: 'flat_object',
  requestID: 'keyword',
  eventID: 'keyword',
  eventType: 'keyword',
  apiVersion: 'keyword',
  managementEvent: 'keyword',
  readOnly: 'keyword',
  'resources.ARN': 'keyword',
  'resources.accountId': 'keyword',
  'resources.type': 'keyword',
  recipientAccountId: 'keyword',
  sharedEventID: 'keyword',
  vpcEndpointId: 'keyword',
  vpcEndpointAccountId: 'keyword',
  eventCategory: 'keyword',
  'addendum.reason': 'keyword',
  'addendum.originalEventID': 'keyword',
  sessionCredentialFromConsole: 'keyword',
  'tlsDetails.tlsVersion': 'keyword',
  'tlsDetails.cipherSuite': 'keyword',
  'tlsDetails.clientProvidedHostHeader': 'keyword',
};

describe.each([TEMPLATE_FILES.events, TEMPLATE_FILES.insights])('%s', (file) => {
  const t = renderTemplate(file, config) as {
    template: { settings: { index: Record<string, unknown> }; mappings: Record<string, unknown> };
    index_patterns: string[];
  };

  it('maps every standard CloudTrail field explicitly', () => {
    for (const [field, type] of Object.entries(STANDARD)) expect([field, fieldType(file, field)]).toEqual([field, type]);
  });

  it('never maps unknown fields and never guesses types', () => {
    expect(t.template.mappings).toMatchObject({ dynamic: false, date_detection: false, numeric_detection: false });
  });

  it('takes shards, replicas and refresh interval from the configuration', () => {
    expect(t.template.settings.index).toMatchObject({
      number_of_shards: '3',
      number_of_replicas: '2',
      refresh_interval: '30s',
      mapping: { ignore_malformed: true },
    });
  });

  it('bounds every keyword with ignore_above', () => {
    const walk = (props: Record<string, { type?: string; ignore_above?: number; properties?: Record<string, never>; fields?: Record<string, never> }>): void => {
      for (const [name, p] of Object.entries(props)) {
        if (p.type === 'keyword') expect([name, p.ignore_above]).toEqual([name, expect.any(Number)]);
        if (p.properties) walk(p.properties);
        if (p.fields) walk(p.fields);
      }
    };
    walk((t.template.mappings as { properties: never }).properties);
  });
});

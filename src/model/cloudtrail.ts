/**
 * The shape of a CloudTrail record as CloudTrail writes it. Only the fields the
 * pipeline reads are typed; everything else is carried through untouched.
 * Real data breaks these types often (missing userIdentity, requestParameters
 * as a JSON string, eventTime in odd formats), so readers must check at runtime.
 */
export interface CloudTrailSessionIssuer {
  type?: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  userName?: string;
}

export interface CloudTrailUserIdentity {
  type?: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  invokedBy?: string;
  identityProvider?: string;
  sessionContext?: {
    sessionIssuer?: CloudTrailSessionIssuer;
    webIdFederationData?: { federatedProvider?: string; attributes?: Record<string, unknown> };
    attributes?: { creationDate?: string; mfaAuthenticated?: string };
    sourceIdentity?: string;
    ec2RoleDelivery?: string;
    assumedRoot?: string;
  };
  onBehalfOf?: { userId?: string; identityStoreArn?: string };
  credentialId?: string;
  [key: string]: unknown;
}

export interface CloudTrailResource {
  ARN?: string;
  accountId?: string;
  type?: string;
}

export interface CloudTrailRecord {
  eventVersion?: string;
  userIdentity?: CloudTrailUserIdentity;
  eventTime?: string;
  eventSource?: string;
  eventName?: string;
  awsRegion?: string;
  sourceIPAddress?: string | null;
  userAgent?: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters?: Record<string, unknown> | string | null;
  responseElements?: Record<string, unknown> | string | null;
  additionalEventData?: Record<string, unknown> | string | null;
  requestID?: string;
  eventID?: string;
  readOnly?: boolean;
  resources?: CloudTrailResource[];
  eventType?: string;
  apiVersion?: string;
  managementEvent?: boolean;
  recipientAccountId?: string;
  sharedEventID?: string;
  vpcEndpointId?: string;
  eventCategory?: string;
  tlsDetails?: { tlsVersion?: string; cipherSuite?: string; clientProvidedHostHeader?: string };
  sessionCredentialFromConsole?: string;
  serviceEventDetails?: Record<string, unknown> | string | null;
  insightDetails?: Record<string, unknown>;
  [key: string]: unknown;
}

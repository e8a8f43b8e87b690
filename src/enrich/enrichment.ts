import type { RuleFields } from '../model/detection.js';

/**
 * The fields trailstream adds to a CloudTrail record. Original CloudTrail fields
 * are never changed: the enrichment is spliced next to them (see
 * `src/sink/opensearch/document.ts`). Names follow ECS where ECS defines one, so
 * the documents sit well next to other ECS data; everything ECS has no name for
 * lives under the single `trailstream` namespace. docs/fields.md documents every
 * field, and both index templates map every one of them explicitly.
 *
 * Every property is optional and absent rather than empty: documents stay small
 * and an absent field never aggregates as a bogus empty bucket.
 */
export interface Enrichment {
  '@timestamp'?: string;
  cloud?: CloudFields;
  event?: EventFields;
  source?: SourceFields;
  user?: UserFields;
  user_agent?: UserAgentFields;
  /** The detection rules the record matches (docs/rules.md); absent when none does. */
  rule?: RuleFields;
  trailstream?: TrailstreamFields;
}

/**
 * Top-level names the enrichment may add. A record that already has one of them
 * is re-serialized instead of spliced, because a spliced duplicate key would
 * make the document invalid.
 */
export const ENRICHMENT_KEYS: readonly string[] = ['@timestamp', 'cloud', 'event', 'source', 'user', 'user_agent', 'rule', 'trailstream'];

export interface CloudFields {
  provider: 'aws';
  account?: { id: string };
  region?: string;
}

export type EventOutcome = 'success' | 'failure';
export type EventKind = 'event' | 'alert';
/** The ECS `event.category` values CloudTrail records map to. */
export type EventCategory = 'authentication' | 'iam' | 'network' | 'configuration';
/** The ECS `event.type` values used with those categories. */
export type EventType = 'start' | 'info' | 'access' | 'change' | 'creation' | 'deletion' | 'allowed' | 'denied';

export interface EventFields {
  kind: EventKind;
  action?: string;
  provider?: string;
  outcome?: EventOutcome;
  category?: readonly EventCategory[];
  type?: readonly EventType[];
  /** With `rule`: the highest severity of the matching rules (1 low, 2 medium, 3 high, 4 critical). */
  severity?: number;
  /** With `rule`: the highest risk score (0–100) of the matching rules. */
  risk_score?: number;
}

export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
}

/** ECS `*.geo`: where the address is, as far as the geo-IP database knows. */
export interface GeoFields {
  readonly continent_code?: string;
  readonly continent_name?: string;
  readonly country_iso_code?: string;
  readonly country_name?: string;
  readonly region_iso_code?: string;
  readonly region_name?: string;
  readonly city_name?: string;
  readonly postal_code?: string;
  readonly timezone?: string;
  readonly location?: GeoPoint;
}

/** ECS `*.as`: the autonomous system (network operator) that announces the address. */
export interface AsFields {
  readonly number?: number;
  readonly organization?: { readonly name: string };
}

export interface SourceFields {
  /** `sourceIPAddress` as CloudTrail wrote it, whatever it holds. */
  address: string;
  /** Only for valid IPv4/IPv6 addresses, so the `ip`-typed field never rejects a document. */
  ip?: string;
  /** The service host name when an AWS service made the call (`apigateway.amazonaws.com`). */
  domain?: string;
  geo?: GeoFields;
  as?: AsFields;
}

export interface UserFields {
  id?: string;
  name?: string;
}

export interface UserAgentFields {
  readonly original: string;
}

export type IdentityType =
  | 'root'
  | 'iam_user'
  | 'assumed_role'
  | 'role'
  | 'federated_user'
  | 'aws_account'
  | 'aws_service'
  | 'saml_user'
  | 'web_identity_user'
  | 'identity_center_user'
  | 'directory'
  | 'unknown'
  | 'other'
  | 'missing';

export interface IssuerFields {
  type?: string;
  name?: string;
  arn?: string;
  account_id?: string;
}

export interface IdentityFields {
  type: IdentityType;
  principal?: string;
  account_id?: string;
  access_key_id?: string;
  session_name?: string;
  temporary_credentials?: boolean;
  mfa?: boolean;
  console_session?: boolean;
  invoked_by?: string;
  source_identity?: string;
  federation_provider?: string;
  identity_store_arn?: string;
  issuer?: IssuerFields;
}

export type SourceKind = 'public' | 'private' | 'aws-service' | 'aws-internal' | 'invalid' | 'missing';

export type UserAgentTool =
  | 'console'
  | 'aws-cli'
  | 'boto3'
  | 'botocore'
  | 'aws-sdk-js'
  | 'aws-sdk-go'
  | 'aws-sdk-java'
  | 'aws-sdk-dotnet'
  | 'aws-sdk-ruby'
  | 'aws-sdk-php'
  | 'aws-sdk-cpp'
  | 'aws-sdk-rust'
  | 'aws-sdk-kotlin'
  | 'aws-sdk-swift'
  | 'aws-powershell'
  | 'terraform'
  | 'pulumi'
  | 'aws-cdk'
  | 'cloudformation'
  | 'aws-internal'
  | 'aws-service'
  | 'other';

export type ApiKind = 'rest' | 'http' | 'websocket';

export interface ApiGatewayFields {
  api_id?: string;
  api_kind?: ApiKind;
  resource_id?: string;
  http_method?: string;
  stage?: string;
  deployment_id?: string;
  route_id?: string;
  route_key?: string;
  integration_id?: string;
  authorizer_id?: string;
  api_key_id?: string;
  usage_plan_id?: string;
  domain_name?: string;
}

export interface TrailstreamFields {
  identity?: IdentityFields;
  source?: { readonly kind: SourceKind };
  user_agent?: { readonly tool: UserAgentTool };
  read_only?: boolean;
  management?: boolean;
  apigateway?: ApiGatewayFields;
}

/**
 * Shared vocabulary of the demo generator: what an event builder returns (a
 * {@link Call}), who makes it (a {@link Session}), and where (a
 * {@link StreamContext}: one account and region). The generator turns a
 * session and a call into a CloudTrail record.
 */
import type { CloudTrailResource, CloudTrailUserIdentity } from '../model/cloudtrail.js';
import type { AccountModel } from './accounts.js';
import type { Random } from './random.js';
import type { ClientProfile } from './user-agents.js';

export type EventType = 'AwsApiCall' | 'AwsConsoleSignIn' | 'AwsServiceEvent';

/** The service-specific part of one CloudTrail record. */
export interface Call {
  source: string;
  name: string;
  readOnly: boolean;
  request: Record<string, unknown> | null;
  response: Record<string, unknown> | null;
  errorCode?: string;
  errorMessage?: string;
  additionalEventData?: Record<string, unknown>;
  resources?: CloudTrailResource[];
  eventType?: EventType;
  apiVersion?: string;
  serviceEventDetails?: Record<string, unknown>;
  /** S3 writes 16-character request ids; service events and sign-ins carry none. */
  requestIdStyle?: 'uuid' | 's3' | 'none';
  /** Key for SDK naming when one event source has two APIs (API Gateway v1/v2). */
  sdkKey?: string;
  /** Override of the TLS host header (S3 virtual-hosted buckets, global endpoints). */
  host?: string;
  /** Cross-account calls are logged in both accounts under one sharedEventID. */
  sharedEventID?: boolean;
  /** Events that never carry the session's region (IAM, global STS): always us-east-1. */
  global?: boolean;
}

export type Persona =
  | 'console-sso'
  | 'console-iam'
  | 'root'
  | 'cli-sso'
  | 'cli-iam'
  | 'terraform-ci'
  | 'terraform-local'
  | 'cloudformation'
  | 'pipeline-sdk'
  | 'lambda'
  | 'ec2'
  | 'service'
  | 'cross-account'
  | 'federated'
  | 'role'
  | 'directory';

/** Who makes a call: identity, address and client, stable for the session's lifetime. */
export interface Session {
  readonly persona: Persona;
  /** A fresh userIdentity object per record (consumers may mutate records); undefined for identity-less service events. */
  identity(): CloudTrailUserIdentity | undefined;
  readonly sourceIPAddress: string;
  readonly client: ClientProfile;
  readonly console: boolean;
  readonly vpcEndpointId?: string;
  readonly expiresAt: number;
  /** Human sessions occasionally lose their address (''), as CloudTrail sometimes records. */
  readonly human: boolean;
  /** Principal ARN for error messages ("User: … is not authorized"). */
  readonly arn: string;
  /** May this session change API Gateway (read-only roles cannot). */
  readonly canWrite: boolean;
}

/** A call already bound to its caller, waiting for a time slot. */
export interface BoundCall {
  session: Session;
  call: Call;
}

export interface StreamContext {
  readonly rng: Random;
  readonly account: AccountModel;
  readonly org: readonly AccountModel[];
  readonly region: string;
  /** Time of the event being built, in ms since the epoch. */
  now: number;
}

const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));

let lastMinute = -1;
let lastMinutePrefix = '';

/** `YYYY-MM-DDThh:mm:ssZ`, as CloudTrail writes eventTime. Events cluster in minutes, so the minute prefix is cached. */
export function isoSeconds(ms: number): string {
  const sec = Math.floor(ms / 1000);
  const minute = Math.floor(sec / 60);
  if (minute !== lastMinute) {
    lastMinute = minute;
    lastMinutePrefix = new Date(minute * 60_000).toISOString().slice(0, 17);
  }
  return lastMinutePrefix + pad2(sec - minute * 60) + 'Z';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Jul 10, 2023, 2:25:32 PM`: the Java-style format several services use inside responseElements. */
export function javaTime(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h12}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

export function call(
  source: string,
  name: string,
  readOnly: boolean,
  request: Record<string, unknown> | null,
  response: Record<string, unknown> | null = null,
): Call {
  return { source, name, readOnly, request, response };
}

/** Turn a call into a failed one; failed calls record no responseElements. */
export function failed(c: Call, errorCode: string, errorMessage: string): Call {
  c.errorCode = errorCode;
  c.errorMessage = errorMessage;
  c.response = null;
  return c;
}

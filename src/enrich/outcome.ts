import type { CloudTrailRecord } from '../model/cloudtrail.js';
import type { EventCategory, EventFields, EventOutcome, EventType } from './enrichment.js';
import { flagOf, objectOf, textOf } from './record-values.js';

/**
 * Did it work, and what kind of event is it: ECS `event.*` and the CloudTrail
 * read-only and management flags as booleans.
 */

const INSIGHT = 'AwsCloudTrailInsight';

/**
 * A call failed when CloudTrail recorded an error. Sign-in events are the
 * exception: a failed console sign-in (and a failed MFA check, password change
 * or external IdP directory sign-in) has no errorCode, only
 * `responseElements: {"<eventName>": "Failure"}`. Insight events have no
 * outcome.
 */
export function outcomeOf(record: CloudTrailRecord): EventOutcome | undefined {
  if (record.eventType === INSIGHT) return undefined;
  if (present(record.errorCode) || present(record.errorMessage)) return 'failure';
  const response = record.responseElements;
  const elements = objectOf(response);
  if (elements) {
    const name = record.eventName;
    if ((typeof name === 'string' && elements[name] === 'Failure') || elements.ConsoleLogin === 'Failure') return 'failure';
  } else if (typeof response === 'string' && record.eventType === 'AwsConsoleSignIn' && response.includes('"Failure"')) {
    // Hand-exported records keep responseElements as JSON text; a substring
    // test answers without parsing it again.
    return 'failure';
  }
  return 'success';
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** `readOnly`: CloudTrail writes a boolean, exports sometimes a string. */
export function readOnlyOf(record: CloudTrailRecord): boolean | undefined {
  return flagOf(record.readOnly);
}

/**
 * Management (control-plane) event, or data / network-activity event. Older
 * records lack `managementEvent`; `eventCategory` tells then.
 */
export function managementOf(record: CloudTrailRecord): boolean | undefined {
  const flag = flagOf(record.managementEvent);
  if (flag !== undefined) return flag;
  const category = record.eventCategory;
  if (category === 'Management') return true;
  if (category === 'Data' || category === 'NetworkActivity') return false;
  return undefined;
}

// Shared arrays: ECS categories and types are arrays, and one per document
// would be an allocation for nothing. Frozen because every document shares them.
const C_AUTHENTICATION: readonly EventCategory[] = Object.freeze(['authentication']);
const C_IAM: readonly EventCategory[] = Object.freeze(['iam']);
const C_NETWORK: readonly EventCategory[] = Object.freeze(['network']);
const C_CONFIGURATION: readonly EventCategory[] = Object.freeze(['configuration']);
const T_START: readonly EventType[] = Object.freeze(['start']);
const T_INFO: readonly EventType[] = Object.freeze(['info']);
const T_ACCESS: readonly EventType[] = Object.freeze(['access']);
const T_CHANGE: readonly EventType[] = Object.freeze(['change']);
const T_CREATION: readonly EventType[] = Object.freeze(['creation']);
const T_DELETION: readonly EventType[] = Object.freeze(['deletion']);
const T_ALLOWED: readonly EventType[] = Object.freeze(['allowed']);
const T_DENIED: readonly EventType[] = Object.freeze(['denied']);

/** Calls that start a session: sign-ins and the STS calls that hand out credentials. */
const SESSION_STARTS: ReadonlySet<string> = new Set([
  'ConsoleLogin',
  'SwitchRole',
  'AssumeRole',
  'AssumeRoleWithSAML',
  'AssumeRoleWithWebIdentity',
  'AssumeRoot',
  'GetSessionToken',
  'GetFederationToken',
]);

const IAM_SOURCES: ReadonlySet<string> = new Set(['iam.amazonaws.com', 'identitystore.amazonaws.com', 'sso-directory.amazonaws.com']);
const AUTH_SOURCES: ReadonlySet<string> = new Set(['sts.amazonaws.com', 'signin.amazonaws.com']);

/**
 * ECS `event.*`. Categories only where one fits plainly: sign-ins and STS are
 * authentication; IAM and Identity Center directory calls are iam; VPC
 * endpoint network-activity events are network; other mutating management
 * calls change configuration. `event.type` says what the call did: for
 * mutating calls, creation / deletion / change from the verb that starts the
 * event name.
 */
export function eventFieldsOf(record: CloudTrailRecord, readOnly: boolean | undefined, management: boolean | undefined): EventFields {
  const insight = record.eventType === INSIGHT;
  const event: EventFields = { kind: insight ? 'alert' : 'event' };
  const action = textOf(record.eventName);
  const provider = textOf(record.eventSource);
  if (action !== undefined) event.action = action;
  if (provider !== undefined) event.provider = provider;
  const outcome = outcomeOf(record);
  if (outcome !== undefined) event.outcome = outcome;
  if (insight) return event;

  if (record.eventType === 'AwsConsoleSignIn' || (provider !== undefined && AUTH_SOURCES.has(provider))) {
    event.category = C_AUTHENTICATION;
    event.type = action !== undefined && SESSION_STARTS.has(action) ? T_START : T_INFO;
  } else if (provider !== undefined && IAM_SOURCES.has(provider)) {
    event.category = C_IAM;
    event.type = readOnly === false ? mutationType(action) : T_INFO;
  } else if (record.eventCategory === 'NetworkActivity') {
    event.category = C_NETWORK;
    event.type = outcome === 'failure' ? T_DENIED : T_ALLOWED;
  } else if (readOnly === false) {
    if (management !== false) event.category = C_CONFIGURATION;
    event.type = mutationType(action);
  } else if (readOnly === true) {
    event.type = T_ACCESS;
  }
  return event;
}

function mutationType(action: string | undefined): readonly EventType[] {
  if (action === undefined) return T_CHANGE;
  if (action.startsWith('Create') || action.startsWith('Run') || action.startsWith('Import') || action.startsWith('Register') || action.startsWith('Allocate')) {
    return T_CREATION;
  }
  if (action.startsWith('Delete') || action.startsWith('Terminate') || action.startsWith('Deregister') || action.startsWith('Release')) {
    return T_DELETION;
  }
  return T_CHANGE;
}

import type { CloudTrailRecord } from '../model/cloudtrail.js';
import type { IdentityFields, IdentityType, IssuerFields, UserFields } from './enrichment.js';
import { flagOf, objectOf, textOf } from './record-values.js';

/**
 * Who made the call, from `userIdentity`, in two parts: ECS `user.*` (an id and
 * a short name, for searches shared with other ECS data) and
 * `trailstream.identity.*` (everything an auditor asks about CloudTrail
 * identities: the kind of identity, a readable principal, the credentials and
 * where they came from).
 *
 * The readable principal per type (AWS's userIdentity documentation):
 * - Root: `root` (its `userName`, when present, is the account alias);
 * - IAMUser, Role, Directory, Unknown: the user name, else the ARN's last part;
 * - AssumedRole: `role/session`, from the ARN `…:assumed-role/role/session`,
 *   else from `sessionContext.sessionIssuer.userName` and the principal id;
 * - FederatedUser: the name from `…:federated-user/name`;
 * - AWSService: the invoking service (`invokedBy`);
 * - AWSAccount: the calling account;
 * - SAMLUser, WebIdentityUser: the user name (`saml:sub`, the provider's user id);
 * - IdentityCenterUser: the identity store user id (`onBehalfOf.userId`).
 */
export interface IdentityEnrichment {
  readonly user?: UserFields;
  readonly identity: IdentityFields;
}

const TYPES: ReadonlyMap<string, IdentityType> = new Map<string, IdentityType>([
  ['root', 'root'],
  ['iamuser', 'iam_user'],
  ['assumedrole', 'assumed_role'],
  ['role', 'role'],
  ['federateduser', 'federated_user'],
  ['awsaccount', 'aws_account'],
  ['awsservice', 'aws_service'],
  ['samluser', 'saml_user'],
  ['webidentityuser', 'web_identity_user'],
  ['identitycenteruser', 'identity_center_user'],
  ['directory', 'directory'],
  ['unknown', 'unknown'],
]);

/** CloudTrail's own spellings, so the common case needs no lower-casing. */
const EXACT: ReadonlyMap<string, IdentityType> = new Map<string, IdentityType>([
  ['Root', 'root'],
  ['IAMUser', 'iam_user'],
  ['AssumedRole', 'assumed_role'],
  ['Role', 'role'],
  ['FederatedUser', 'federated_user'],
  ['AWSAccount', 'aws_account'],
  ['AWSService', 'aws_service'],
  ['SAMLUser', 'saml_user'],
  ['WebIdentityUser', 'web_identity_user'],
  ['IdentityCenterUser', 'identity_center_user'],
  ['Directory', 'directory'],
  ['Unknown', 'unknown'],
]);

/** CloudTrail's placeholder when a failed console sign-in's user name might hold a password. */
export const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

const MISSING: IdentityEnrichment = Object.freeze({ identity: Object.freeze({ type: 'missing' as const }) });

const ASSUMED_ROLE = ':assumed-role/';
const SSO_ROLE_PATH = '/aws-reserved/sso.amazonaws.com/';

export function normalizeIdentityType(type: string): IdentityType {
  return EXACT.get(type) ?? TYPES.get(type.toLowerCase()) ?? 'other';
}

export function identityOf(record: CloudTrailRecord): IdentityEnrichment {
  const ui = objectOf(record.userIdentity);
  if (!ui) return MISSING;
  const rawType = textOf(ui.type);
  const invokedBy = textOf(ui.invokedBy);
  // Service events may carry a userIdentity with no type, only the service.
  const type: IdentityType = rawType ? normalizeIdentityType(rawType) : invokedBy ? 'aws_service' : 'unknown';
  const arn = textOf(ui.arn);
  const principalId = textOf(ui.principalId);
  const userNameRaw = textOf(ui.userName);
  const userName = userNameRaw === HIDDEN ? undefined : userNameRaw;
  const accountId = textOf(ui.accountId);
  const accessKeyId = textOf(ui.accessKeyId);
  const session = objectOf(ui.sessionContext);
  const sessionIssuer = session ? objectOf(session.sessionIssuer) : undefined;
  const attributes = session ? objectOf(session.attributes) : undefined;

  let principal: string | undefined;
  let name: string | undefined;
  let id = principalId;
  let sessionName: string | undefined;
  let issuer: IssuerFields | undefined = sessionIssuer ? issuerOf(sessionIssuer) : undefined;
  let federationProvider = textOf(ui.identityProvider);
  let identityStoreArn: string | undefined;

  switch (type) {
    case 'root':
      principal = 'root';
      name = 'root';
      break;
    case 'assumed_role': {
      const fromArn = arn ? assumedRoleOf(arn) : undefined;
      const role = fromArn?.role ?? textOf(sessionIssuer?.userName);
      sessionName = fromArn?.session ?? afterFirst(principalId, ':');
      principal = role && sessionName ? `${role}/${sessionName}` : (role ?? sessionName);
      name = sessionName ?? role;
      if (!issuer && role) issuer = { type: 'Role', name: role };
      break;
    }
    case 'federated_user':
      name = afterLast(arn, '/') ?? afterFirst(principalId, ':');
      principal = name;
      break;
    case 'aws_service':
      principal = invokedBy;
      id = undefined;
      break;
    case 'aws_account':
      principal = accountId ?? principalId;
      break;
    case 'saml_user':
    case 'web_identity_user':
      name = userName;
      principal = userName ?? principalId;
      break;
    case 'identity_center_user': {
      const onBehalfOf = objectOf(ui.onBehalfOf);
      id = textOf(onBehalfOf?.userId);
      identityStoreArn = textOf(onBehalfOf?.identityStoreArn);
      principal = id;
      break;
    }
    default:
      // iam_user, role, directory, unknown, other
      name = userName ?? (userNameRaw === HIDDEN ? undefined : afterLast(arn, '/'));
      principal = name ?? principalId;
      break;
  }

  if (!federationProvider) {
    federationProvider = textOf(objectOf(session?.webIdFederationData)?.federatedProvider);
    // Roles that IAM Identity Center creates live under this path: their
    // sessions are people signed in through Identity Center.
    if (!federationProvider && issuer?.arn?.includes(SSO_ROLE_PATH)) federationProvider = 'sso.amazonaws.com';
  }

  const identity: IdentityFields = { type };
  if (principal !== undefined) identity.principal = principal;
  if (accountId !== undefined) identity.account_id = accountId;
  if (accessKeyId !== undefined) identity.access_key_id = accessKeyId;
  if (sessionName !== undefined) identity.session_name = sessionName;
  const temporary = temporaryCredentials(type, accessKeyId, attributes, session);
  if (temporary !== undefined) identity.temporary_credentials = temporary;
  const mfa = mfaOf(record, attributes);
  if (mfa !== undefined) identity.mfa = mfa;
  const fromConsole = flagOf(record.sessionCredentialFromConsole);
  if (fromConsole !== undefined) identity.console_session = fromConsole;
  if (invokedBy !== undefined) identity.invoked_by = invokedBy;
  const sourceIdentity = textOf(session?.sourceIdentity);
  if (sourceIdentity !== undefined) identity.source_identity = sourceIdentity;
  if (federationProvider !== undefined) identity.federation_provider = federationProvider;
  if (identityStoreArn !== undefined) identity.identity_store_arn = identityStoreArn;
  if (issuer !== undefined) identity.issuer = issuer;

  if (id === undefined && name === undefined) return { identity };
  const user: UserFields = {};
  if (id !== undefined) user.id = id;
  if (name !== undefined) user.name = name;
  return { user, identity };
}

function issuerOf(issuer: Record<string, unknown>): IssuerFields | undefined {
  const type = textOf(issuer.type);
  const name = textOf(issuer.userName);
  const arn = textOf(issuer.arn);
  const accountId = textOf(issuer.accountId);
  if (type === undefined && name === undefined && arn === undefined && accountId === undefined) return undefined;
  const out: IssuerFields = {};
  if (type !== undefined) out.type = type;
  if (name !== undefined) out.name = name;
  if (arn !== undefined) out.arn = arn;
  if (accountId !== undefined) out.account_id = accountId;
  return out;
}

/**
 * Temporary credentials are what role and federation sessions get by
 * definition; for other identities the access key prefix tells (`ASIA…`
 * temporary, `AKIA…` long-term), and a session context with a creation date
 * means a session (an IAM user's console or MFA session).
 */
function temporaryCredentials(
  type: IdentityType,
  accessKeyId: string | undefined,
  attributes: Record<string, unknown> | undefined,
  session: Record<string, unknown> | undefined,
): boolean | undefined {
  if (type === 'assumed_role' || type === 'federated_user') return true;
  if (accessKeyId !== undefined) {
    if (accessKeyId.startsWith('ASIA')) return true;
    if (accessKeyId.startsWith('AKIA')) return false;
  }
  if (textOf(attributes?.creationDate) !== undefined || flagOf(session?.assumedRoot) === true) return true;
  return undefined;
}

/** MFA on the session; for a console sign-in, whether MFA was used for it. */
function mfaOf(record: CloudTrailRecord, attributes: Record<string, unknown> | undefined): boolean | undefined {
  const mfa = flagOf(attributes?.mfaAuthenticated);
  if (mfa !== undefined) return mfa;
  if (record.eventName !== 'ConsoleLogin') return undefined;
  const used = objectOf(record.additionalEventData)?.MFAUsed;
  return used === 'Yes' ? true : used === 'No' ? false : undefined;
}

/** `arn:aws:sts::123456789012:assumed-role/Role/Session` → role and session. */
function assumedRoleOf(arn: string): { role: string; session?: string } | undefined {
  const at = arn.indexOf(ASSUMED_ROLE);
  if (at < 0) return undefined;
  const start = at + ASSUMED_ROLE.length;
  const slash = arn.indexOf('/', start);
  if (slash < 0) return start < arn.length ? { role: arn.slice(start) } : undefined;
  const role = arn.slice(start, slash);
  const session = arn.slice(slash + 1);
  if (!role) return undefined;
  return session ? { role, session } : { role };
}

function afterLast(value: string | undefined, separator: string): string | undefined {
  if (value === undefined) return undefined;
  const at = value.lastIndexOf(separator);
  return at >= 0 && at < value.length - 1 ? value.slice(at + 1) : undefined;
}

function afterFirst(value: string | undefined, separator: string): string | undefined {
  if (value === undefined) return undefined;
  const at = value.indexOf(separator);
  return at >= 0 && at < value.length - 1 ? value.slice(at + 1) : undefined;
}

/**
 * The principals and long-lived resources of each generated AWS account.
 *
 * Everything is invented from the seed: account ids, unique ids (AIDA…/AROA…),
 * names. Names are role-like or fictional and addresses use example.com, so no
 * generated record can be mistaken for (or leak) a real identity.
 */
import type { Random } from './random.js';

export interface IamUserModel {
  name: string;
  principalId: string;
  accessKeyId: string;
  arn: string;
}

export interface RoleModel {
  name: string;
  principalId: string;
  path: string;
  arn: string;
}

export interface PersonModel {
  /** Identity Center user id (a UUID-shaped id, sometimes prefixed by 10 hex digits). */
  userId: string;
  email: string;
}

export interface AccountModel {
  id: string;
  alias: string;
  /** Humans with IAM users and automation users with access keys. */
  humans: IamUserModel[];
  automation: IamUserModel[];
  ssoAdmin: RoleModel;
  ssoDeveloper: RoleModel;
  ssoReadOnly: RoleModel;
  ciRole: RoleModel;
  cfnExecRole: RoleModel;
  ec2Role: RoleModel;
  crossAccountRole: RoleModel;
  samlRole: RoleModel;
  apigwLogsRole: RoleModel;
  /** Lambda functions behind the APIs, with their execution roles. */
  functions: { name: string; role: RoleModel; runtime: string }[];
  people: PersonModel[];
  identityStoreArn: string;
  samlProviderArn: string;
  oidcProviderArn: string;
  githubRepos: string[];
  vpcEndpointIds: string[];
}

const PEOPLE = [
  'ana.costa',
  'ben.okafor',
  'chen.wei',
  'dana.levi',
  'erik.nilsson',
  'farah.haddad',
  'gita.rao',
  'hugo.martin',
  'ines.moreau',
  'jonas.berg',
  'kemi.adeyemi',
  'lena.fischer',
  'marco.rossi',
  'nora.khan',
];
const AUTOMATION_USERS = ['terraform', 'legacy-ci', 'backup-agent', 'monitoring-exporter'];
const SERVICES = [
  'orders',
  'payments',
  'inventory',
  'catalog',
  'checkout',
  'shipping',
  'notifications',
  'customer-profile',
  'search',
  'reporting',
  'webhooks',
  'partner',
];
const RUNTIMES = ['nodejs20.x', 'python3.12', 'nodejs18.x', 'python3.11', 'java21', 'provided.al2023'];

/** Default accounts: invented, 12 digits, not from any published example. */
export const DEFAULT_ACCOUNTS: readonly string[] = ['482915736204', '730164925813', '905318472650'];
const DEFAULT_ALIASES: Readonly<Record<string, string>> = {
  '482915736204': 'shop-prod',
  '730164925813': 'shop-staging',
  '905318472650': 'shop-shared-services',
};

function role(rng: Random, account: string, name: string, path = '/'): RoleModel {
  return { name, path, principalId: 'AROA' + rng.base32(17), arn: `arn:aws:iam::${account}:role${path}${name}` };
}

function user(rng: Random, account: string, name: string): IamUserModel {
  return {
    name,
    principalId: 'AIDA' + rng.base32(17),
    accessKeyId: 'AKIA' + rng.base32(16),
    arn: `arn:aws:iam::${account}:user/${name}`,
  };
}

export function buildAccount(rng: Random, id: string, ssoRegion: string, identityStoreOwner: string, identityStoreId: string): AccountModel {
  const alias = DEFAULT_ALIASES[id] ?? `acct-${id.slice(-4)}`;
  const ssoPath = `/aws-reserved/sso.amazonaws.com/${ssoRegion}/`;
  const humans = rng.shuffle(PEOPLE.slice()).slice(0, 5).map((n) => user(rng, id, n));
  const automation = AUTOMATION_USERS.map((n) => user(rng, id, n));
  const services = rng.shuffle(SERVICES.slice()).slice(0, 6);
  const functions = services.map((s) => ({
    name: `${s}-${rng.pick(['handler', 'api', 'service', 'worker'])}`,
    role: role(rng, id, `${s}-lambda-role`, '/service-role/'),
    runtime: rng.pick(RUNTIMES),
  }));
  const people = rng
    .shuffle(PEOPLE.slice())
    .slice(0, 8)
    .map((n) => ({
      userId: (rng.chance(0.5) ? rng.hex(5) + '-' : '') + rng.uuid(),
      email: `${n}@example.com`,
    }));
  return {
    id,
    alias,
    humans,
    automation,
    ssoAdmin: role(rng, id, `AWSReservedSSO_AdministratorAccess_${rng.hex(8)}`, ssoPath),
    ssoDeveloper: role(rng, id, `AWSReservedSSO_PowerUserAccess_${rng.hex(8)}`, ssoPath),
    ssoReadOnly: role(rng, id, `AWSReservedSSO_ReadOnlyAccess_${rng.hex(8)}`, ssoPath),
    ciRole: role(rng, id, 'github-actions-deploy'),
    cfnExecRole: role(rng, id, `cdk-hnb659fds-cfn-exec-role-${id}-${ssoRegion}`),
    ec2Role: role(rng, id, 'app-server-instance-role'),
    crossAccountRole: role(rng, id, 'OrganizationAccountAccessRole'),
    samlRole: role(rng, id, 'okta-engineering'),
    apigwLogsRole: role(rng, id, 'APIGatewayCloudWatchLogsRole'),
    functions,
    people,
    identityStoreArn: `arn:aws:identitystore::${identityStoreOwner}:identitystore/${identityStoreId}`,
    samlProviderArn: `arn:aws:iam::${id}:saml-provider/okta`,
    oidcProviderArn: `arn:aws:iam::${id}:oidc-provider/token.actions.githubusercontent.com`,
    githubRepos: services.slice(0, 3).map((s) => `shopco/${s}-service`),
    vpcEndpointIds: [`vpce-0${rng.hex(8)}`, `vpce-0${rng.hex(8)}`],
  };
}

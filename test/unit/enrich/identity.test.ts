import { identityOf, normalizeIdentityType } from '../../../src/enrich/identity.js';
import type { CloudTrailRecord } from '../../../src/model/cloudtrail.js';
import { corpusRecord, craftedCase } from './support/corpus.js';

const typed = (type: string) => (r: CloudTrailRecord) => r.userIdentity?.type === type;

describe('identityOf, real corpus records', () => {
  it('IAMUser with a long-term key', () => {
    const { record } = corpusRecord('IAMUser bert-jan with AKIA', (r) => r.userIdentity?.userName === 'bert-jan' && r.userIdentity.accessKeyId?.startsWith('AKIA') === true);
    expect(identityOf(record)).toEqual({
      user: { id: 'AIDATFQR7NSC5AU2ZV3IE', name: 'bert-jan' },
      identity: {
        type: 'iam_user',
        principal: 'bert-jan',
        account_id: '123837392027',
        access_key_id: 'AKIATFQR7NSC8Q4X20BJ',
        temporary_credentials: false,
      },
    });
  });

  it('IAMUser in a console session with MFA', () => {
    const { record } = corpusRecord('IAMUser console session', (r) => r.userIdentity?.type === 'IAMUser' && r.sessionCredentialFromConsole === 'true' && r.userIdentity.sessionContext?.attributes?.mfaAuthenticated === 'true');
    const { identity } = identityOf(record);
    expect(identity).toMatchObject({ type: 'iam_user', temporary_credentials: true, mfa: true, console_session: true });
  });

  it('AssumedRole: role/session principal, the issuing role, temporary credentials', () => {
    const { record } = corpusRecord('stratus assumed role', (r) => r.userIdentity?.arn === 'arn:aws:sts::457448411975:assumed-role/stratus-red-team-ec2-get-password-data-role/aws-go-sdk-1722375070115152000');
    expect(identityOf(record)).toEqual({
      user: { id: 'AROAMLQ9F6KHQ07JKA0WY:aws-go-sdk-1722375070115152000', name: 'aws-go-sdk-1722375070115152000' },
      identity: {
        type: 'assumed_role',
        principal: 'stratus-red-team-ec2-get-password-data-role/aws-go-sdk-1722375070115152000',
        account_id: '457448411975',
        access_key_id: 'ASIANQQHHS551LWULIWD',
        session_name: 'aws-go-sdk-1722375070115152000',
        temporary_credentials: true,
        mfa: false,
        issuer: {
          type: 'Role',
          name: 'stratus-red-team-ec2-get-password-data-role',
          arn: 'arn:aws:iam::457448411975:role/stratus-red-team-ec2-get-password-data-role',
          account_id: '457448411975',
        },
      },
    });
  });

  it('AssumedRole of an IAM Identity Center permission set names Identity Center as the provider', () => {
    const { record } = corpusRecord('AWSReservedSSO session', (r) => r.userIdentity?.type === 'AssumedRole' && (r.userIdentity.arn ?? '').includes('AWSReservedSSO_AdministratorAccess_38ed609eee440095/AdanAlvarez'));
    expect(identityOf(record).identity).toMatchObject({
      type: 'assumed_role',
      principal: 'AWSReservedSSO_AdministratorAccess_38ed609eee440095/AdanAlvarez',
      session_name: 'AdanAlvarez',
      federation_provider: 'sso.amazonaws.com',
      issuer: { type: 'Role', name: 'AWSReservedSSO_AdministratorAccess_38ed609eee440095' },
    });
  });

  it('AssumedRole invoked by a service keeps invokedBy', () => {
    const { record } = corpusRecord('assumed role with invokedBy', (r) => r.userIdentity?.type === 'AssumedRole' && typeof r.userIdentity.invokedBy === 'string');
    expect(identityOf(record).identity.invoked_by).toBe(record.userIdentity?.invokedBy);
  });

  it('AssumedRole with only an ARN', () => {
    const { record } = corpusRecord('assumed role with only arn', (r) => r.userIdentity?.type === 'AssumedRole' && Object.keys(r.userIdentity).join() === 'type,arn');
    const { user, identity } = identityOf(record);
    expect(identity.type).toBe('assumed_role');
    expect(identity.principal).toMatch(/^[^/]+\/[^/]+$/);
    expect(user?.name).toBe(identity.session_name);
  });

  it('AWSService: the invoking service, no user', () => {
    const { record } = corpusRecord('AWSService', typed('AWSService'));
    expect(identityOf(record)).toEqual({
      identity: { type: 'aws_service', principal: record.userIdentity?.invokedBy, invoked_by: record.userIdentity?.invokedBy },
    });
  });

  it('Root: principal root', () => {
    const { record } = corpusRecord('Root with ARN', (r) => r.userIdentity?.type === 'Root' && typeof r.userIdentity.arn === 'string');
    const { user, identity } = identityOf(record);
    expect(identity).toMatchObject({ type: 'root', principal: 'root' });
    expect(user?.name).toBe('root');
  });

  it('Root console sign-in records whether MFA was used', () => {
    const { record } = corpusRecord('Root ConsoleLogin with MFAUsed', (r) => r.userIdentity?.type === 'Root' && r.eventName === 'ConsoleLogin' && typeof (r.additionalEventData as { MFAUsed?: string } | undefined)?.MFAUsed === 'string');
    const used = (record.additionalEventData as { MFAUsed: string }).MFAUsed;
    expect(identityOf(record).identity.mfa).toBe(used === 'Yes');
  });

  it('AWSAccount: the calling account', () => {
    const { record } = corpusRecord('AWSAccount', typed('AWSAccount'));
    expect(identityOf(record)).toEqual({
      user: { id: record.userIdentity?.principalId },
      identity: { type: 'aws_account', principal: record.userIdentity?.accountId, account_id: record.userIdentity?.accountId },
    });
  });

  it('FederatedUser: the federated name and the issuing IAM user', () => {
    const { record } = corpusRecord('FederatedUser with session', (r) => r.userIdentity?.type === 'FederatedUser' && r.userIdentity.sessionContext !== undefined);
    expect(identityOf(record)).toEqual({
      user: { id: '742491224508:stratus_red_team', name: 'stratus_red_team' },
      identity: {
        type: 'federated_user',
        principal: 'stratus_red_team',
        account_id: '742491224508',
        access_key_id: 'ASIASTJKC5GCM7ZE6LUP',
        temporary_credentials: true,
        mfa: false,
        issuer: {
          type: 'IAMUser',
          name: 'stratus-red-team-user-federation-user',
          arn: 'arn:aws:iam::742491224508:user/stratus-red-team-user-federation-user',
          account_id: '742491224508',
        },
      },
    });
  });

  it('Unknown: the name from the ARN', () => {
    const { record } = corpusRecord('Unknown with ARN', (r) => r.userIdentity?.type === 'Unknown' && typeof r.userIdentity.arn === 'string');
    expect(identityOf(record).identity).toMatchObject({ type: 'unknown', principal: 'AdanAlvarez' });
  });

  it('a userIdentity without a type that names a service is the service', () => {
    const { record } = corpusRecord('no type', (r) => r.userIdentity !== undefined && r.userIdentity.type === undefined);
    expect(identityOf(record)).toEqual({
      identity: { type: 'aws_service', principal: 'ec2.amazonaws.com', account_id: '012345678901', invoked_by: 'ec2.amazonaws.com' },
    });
  });

  it('a record without userIdentity', () => {
    const { record } = corpusRecord('no userIdentity', (r) => r.userIdentity === undefined);
    expect(identityOf(record)).toEqual({ identity: { type: 'missing' } });
  });
});

describe('identityOf, crafted records for the types the corpus lacks', () => {
  const crafted = (name: string) => identityOf(craftedCase('identities.json', name));

  it('Role', () => {
    expect(crafted('Role')).toEqual({
      user: { id: 'AROA5EXAMPLEROLEID01', name: 'BackupOperator' },
      identity: { type: 'role', principal: 'BackupOperator', account_id: '210987654321' },
    });
  });

  it('SAMLUser: the subject, and the SAML name qualifier as provider', () => {
    expect(crafted('SAMLUser')).toEqual({
      user: { id: 'Q2xvdWRUcmFpbFNhbXBsZQ==:maria.garcia@example.com', name: 'maria.garcia@example.com' },
      identity: { type: 'saml_user', principal: 'maria.garcia@example.com', federation_provider: 'Q2xvdWRUcmFpbFNhbXBsZQ==' },
    });
  });

  it('WebIdentityUser: the provider user id and the provider', () => {
    expect(crafted('WebIdentityUser')).toEqual({
      user: { id: 'accounts.google.com:1234567890-abcdefg.apps.googleusercontent.com:109876543210987654321', name: '109876543210987654321' },
      identity: { type: 'web_identity_user', principal: '109876543210987654321', federation_provider: 'accounts.google.com' },
    });
  });

  it('IdentityCenterUser: the identity store user', () => {
    expect(crafted('IdentityCenterUser')).toEqual({
      user: { id: 'e4a8b2c6-1d3f-4057-8a9b-0c1d2e3f4a5b' },
      identity: {
        type: 'identity_center_user',
        principal: 'e4a8b2c6-1d3f-4057-8a9b-0c1d2e3f4a5b',
        account_id: '210987654321',
        identity_store_arn: 'arn:aws:identitystore::210987654321:identitystore/d-90670a1b2c',
      },
    });
  });

  it('Directory', () => {
    expect(crafted('Directory')).toEqual({
      user: { id: 'S-1-5-21-1004336348-1177238915-682003330-1105', name: 'jdoe' },
      identity: { type: 'directory', principal: 'jdoe', account_id: '210987654321' },
    });
  });

  it('AssumedRole through web identity federation: the OIDC provider and the source identity', () => {
    expect(crafted('AssumedRole via web identity federation (GitHub Actions OIDC)').identity).toMatchObject({
      type: 'assumed_role',
      principal: 'deploy-from-github/GitHubActions',
      federation_provider: 'arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com',
      source_identity: 'octocat',
      temporary_credentials: true,
    });
  });

  it('a hidden user name is no principal', () => {
    expect(crafted('ConsoleLogin failure with a hidden user name')).toEqual({
      identity: { type: 'iam_user', account_id: '210987654321', mfa: false },
    });
  });
});

describe('identityOf on broken userIdentity values', () => {
  it.each([null, 'IAMUser', 42, [], { type: 42 }, { type: '' }, { arn: {} }, { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/' }])('%j does not throw', (value) => {
    expect(() => identityOf({ userIdentity: value } as unknown as CloudTrailRecord)).not.toThrow();
  });

  it('normalizes case and unknown names', () => {
    expect(normalizeIdentityType('IAMUser')).toBe('iam_user');
    expect(normalizeIdentityType('iamuser')).toBe('iam_user');
    expect(normalizeIdentityType('ASSUMEDROLE')).toBe('assumed_role');
    expect(normalizeIdentityType('SomethingNew')).toBe('other');
  });
});

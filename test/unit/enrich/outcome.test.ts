import { eventFieldsOf, managementOf, outcomeOf, readOnlyOf } from '../../../src/enrich/outcome.js';
import type { CloudTrailRecord } from '../../../src/model/cloudtrail.js';
import { corpusRecord, craftedCase } from './support/corpus.js';

const fieldsOf = (record: CloudTrailRecord) => eventFieldsOf(record, readOnlyOf(record), managementOf(record));

describe('outcomeOf', () => {
  it('an error code is a failure', () => {
    const { record } = corpusRecord('errorCode', (r) => typeof r.errorCode === 'string');
    expect(outcomeOf(record)).toBe('failure');
  });

  it('no error is a success', () => {
    const { record } = corpusRecord('no error, no sign-in', (r) => r.errorCode === undefined && r.errorMessage === undefined && r.eventType === 'AwsApiCall');
    expect(outcomeOf(record)).toBe('success');
  });

  it('a failed ConsoleLogin has no error code, only responseElements.ConsoleLogin', () => {
    const { record } = corpusRecord('ConsoleLogin Failure without errorCode', (r) => r.eventName === 'ConsoleLogin' && r.errorCode === undefined && r.errorMessage === undefined && (r.responseElements as { ConsoleLogin?: string } | null)?.ConsoleLogin === 'Failure');
    expect(outcomeOf(record)).toBe('failure');
  });

  it('a successful ConsoleLogin', () => {
    const { record } = corpusRecord('ConsoleLogin Success', (r) => r.eventName === 'ConsoleLogin' && (r.responseElements as { ConsoleLogin?: string } | null)?.ConsoleLogin === 'Success');
    expect(outcomeOf(record)).toBe('success');
  });

  it.each(['PasswordUpdated', 'ExternalIdPDirectoryLogin'])('a failed %s (same convention as ConsoleLogin)', (name) => {
    const { record } = corpusRecord(`${name} Failure`, (r) => r.eventName === name && (r.responseElements as Record<string, string> | null)?.[name] === 'Failure');
    expect(outcomeOf({ ...record, errorMessage: undefined })).toBe('failure');
  });

  it('a failed sign-in whose responseElements is JSON text', () => {
    const record: CloudTrailRecord = { eventName: 'ConsoleLogin', eventType: 'AwsConsoleSignIn', responseElements: '{"ConsoleLogin":"Failure"}' };
    expect(outcomeOf(record)).toBe('failure');
    expect(outcomeOf({ ...record, responseElements: '{"ConsoleLogin":"Success"}' })).toBe('success');
  });

  it('the crafted hidden-user sign-in failure', () => {
    expect(outcomeOf(craftedCase('identities.json', 'ConsoleLogin failure with a hidden user name'))).toBe('failure');
  });

  it('Insight events have no outcome', () => {
    expect(outcomeOf({ eventType: 'AwsCloudTrailInsight', eventName: 'CreateBucket' })).toBeUndefined();
  });
});

describe('readOnlyOf and managementOf', () => {
  it('reads booleans and the string spelling of hand-exported records', () => {
    const { record } = corpusRecord('readOnly "True"', (r) => (r.readOnly as unknown) === 'True');
    expect(readOnlyOf(record)).toBe(true);
    expect(managementOf(record)).toBe(true);
    expect(readOnlyOf({ readOnly: false })).toBe(false);
    expect(readOnlyOf({})).toBeUndefined();
  });

  it('a data event', () => {
    const { record } = corpusRecord('data event', (r) => r.eventCategory === 'Data' && r.managementEvent === false);
    expect(managementOf(record)).toBe(false);
  });

  it('falls back to eventCategory when managementEvent is absent', () => {
    expect(managementOf({ eventCategory: 'Management' })).toBe(true);
    expect(managementOf({ eventCategory: 'Data' })).toBe(false);
    expect(managementOf({ eventCategory: 'NetworkActivity' })).toBe(false);
    expect(managementOf({})).toBeUndefined();
  });
});

describe('eventFieldsOf', () => {
  it('a failed read', () => {
    const { record } = corpusRecord('GetPasswordData failure', (r) => r.eventName === 'GetPasswordData' && typeof r.errorCode === 'string');
    expect(fieldsOf(record)).toEqual({ kind: 'event', action: 'GetPasswordData', provider: 'ec2.amazonaws.com', outcome: 'failure', type: ['access'] });
  });

  it('a console sign-in starts a session', () => {
    const { record } = corpusRecord('ConsoleLogin', (r) => r.eventName === 'ConsoleLogin');
    expect(fieldsOf(record)).toMatchObject({ category: ['authentication'], type: ['start'] });
  });

  it('STS AssumeRole starts a session, GetCallerIdentity is information', () => {
    const { record } = corpusRecord('AssumeRole', (r) => r.eventName === 'AssumeRole' && r.eventSource === 'sts.amazonaws.com');
    expect(fieldsOf(record)).toMatchObject({ category: ['authentication'], type: ['start'] });
    const who = corpusRecord('GetCallerIdentity', (r) => r.eventName === 'GetCallerIdentity').record;
    expect(fieldsOf(who)).toMatchObject({ category: ['authentication'], type: ['info'] });
  });

  it('IAM changes are iam creation, deletion or change', () => {
    const { record } = corpusRecord('IAM CreateUser', (r) => r.eventSource === 'iam.amazonaws.com' && r.eventName === 'CreateUser');
    expect(fieldsOf(record)).toMatchObject({ category: ['iam'], type: ['creation'] });
    const del = corpusRecord('IAM DeleteLoginProfile', (r) => r.eventSource === 'iam.amazonaws.com' && r.eventName === 'DeleteLoginProfile').record;
    expect(fieldsOf(del)).toMatchObject({ category: ['iam'], type: ['deletion'] });
    const attach = corpusRecord('IAM AttachUserPolicy', (r) => r.eventSource === 'iam.amazonaws.com' && r.eventName === 'AttachUserPolicy').record;
    expect(fieldsOf(attach)).toMatchObject({ category: ['iam'], type: ['change'] });
  });

  it('other mutating management calls change configuration', () => {
    const { record } = corpusRecord('PutBucketPolicy', (r) => r.eventName === 'PutBucketPolicy' && r.readOnly === false);
    expect(fieldsOf(record)).toMatchObject({ category: ['configuration'], type: ['change'] });
  });

  it('VPC endpoint network activity is network, denied or allowed', () => {
    const { record } = corpusRecord('NetworkActivity', (r) => r.eventCategory === 'NetworkActivity' && typeof r.errorCode === 'string');
    expect(fieldsOf(record)).toMatchObject({ category: ['network'], type: ['denied'], outcome: 'failure' });
  });

  it('Insight events are alerts', () => {
    expect(fieldsOf({ eventType: 'AwsCloudTrailInsight', eventName: 'CreateBucket', eventSource: 's3.amazonaws.com' })).toEqual({
      kind: 'alert',
      action: 'CreateBucket',
      provider: 's3.amazonaws.com',
    });
  });

  it('shares its category and type arrays instead of allocating them', () => {
    const a = fieldsOf({ eventName: 'CreateUser', eventSource: 'iam.amazonaws.com', readOnly: false });
    const b = fieldsOf({ eventName: 'CreateRole', eventSource: 'iam.amazonaws.com', readOnly: false });
    expect(a.type).toBe(b.type);
    expect(Object.isFrozen(a.category)).toBe(true);
  });
});

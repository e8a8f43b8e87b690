import { NonRetryableError, RetryableError } from '../../../../src/errors.js';
import { classifyS3Error } from '../../../../src/source/s3/object-source.js';

const s3Error = (name: string, status: number): Error & { $metadata: { httpStatusCode: number } } =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('classifyS3Error with the version a notification named', () => {
  it('a deleted version can never be read: dead-lettered, naming the version', () => {
    const e = classifyS3Error(s3Error('NoSuchVersion', 404), 'b', 'k.json.gz', 'v-1');
    expect(e).toBeInstanceOf(NonRetryableError);
    expect(e.message).toBe('version v-1 of s3://b/k.json.gz does not exist (the version was deleted, e.g. by a lifecycle rule)');
    expect((e as NonRetryableError).context).toMatchObject({ bucket: 'b', key: 'k.json.gz', versionId: 'v-1' });
  });

  it('access denied to a version names the permission it takes, s3:GetObjectVersion, and is retried', () => {
    const e = classifyS3Error(s3Error('AccessDenied', 403), 'b', 'k.json.gz', 'v-1');
    expect(e).toBeInstanceOf(RetryableError);
    expect(e.message).toContain('grant s3:GetObjectVersion');
  });

  it('without a version, the messages are the plain object\'s', () => {
    expect(classifyS3Error(s3Error('AccessDenied', 403), 'b', 'k.json.gz').message).toBe(
      "access denied reading s3://b/k.json.gz: grant s3:GetObject on it (and kms:Decrypt if SSE-KMS) to the worker's role",
    );
    expect(classifyS3Error(s3Error('NoSuchKey', 404), 'b', 'k.json.gz')).toBeInstanceOf(NonRetryableError);
  });
});

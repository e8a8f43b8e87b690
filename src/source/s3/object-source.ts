import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { NonRetryableError, RetryableError } from '../../errors.js';

export interface S3ObjectStream {
  /** The object's bytes as they arrive; throws RetryableError if the stream ends short. */
  readonly body: AsyncIterable<Uint8Array>;
  readonly contentLength: number | undefined;
  /** Bytes received so far. */
  readonly received: () => number;
}

/** The one S3 capability the pipeline needs; tests fake it. */
export interface ObjectGetter {
  /**
   * @param versionId the version a notification named (versioned buckets):
   *   that version is read, not whatever the key holds now. Without it, the
   *   current version.
   */
  getObject(bucket: string, key: string, signal?: AbortSignal, versionId?: string): Promise<S3ObjectStream>;
}

/**
 * Streams objects from S3 without ever holding one whole in memory. Failures
 * are classified: a missing object or bucket can never succeed (non-retryable);
 * throttling, 5xx, network errors, a denied permission an operator can fix, and
 * a body that ends before its Content-Length are retried by leaving the message.
 */
export class S3ObjectSource implements ObjectGetter {
  constructor(private readonly s3: S3Client) {}

  async getObject(bucket: string, key: string, signal?: AbortSignal, versionId?: string): Promise<S3ObjectStream> {
    let response;
    try {
      response = await this.s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId !== undefined ? { VersionId: versionId } : {}) }),
        signal ? { abortSignal: signal } : {},
      );
    } catch (error) {
      throw classifyS3Error(error, bucket, key, versionId);
    }
    const body = response.Body as AsyncIterable<Uint8Array> | undefined;
    if (!body) throw new RetryableError('s3-empty-response', `S3 returned no body for s3://${bucket}/${key}`, { bucket, key });
    const contentLength = response.ContentLength;
    let received = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of body!) {
          received += chunk.length;
          yield chunk;
        }
      } catch (error) {
        throw new RetryableError('s3-stream-error', `reading s3://${bucket}/${key} failed after ${received} bytes: ${(error as Error).message}`, { bucket, key, received }, { cause: error });
      }
      if (contentLength !== undefined && received !== contentLength) {
        throw new RetryableError('s3-stream-truncated', `s3://${bucket}/${key} ended after ${received} of ${contentLength} bytes`, { bucket, key, received, contentLength });
      }
    }
    return { body: counted(), contentLength, received: () => received };
  }
}

export function classifyS3Error(error: unknown, bucket: string, key: string, versionId?: string): Error {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = e.$metadata?.httpStatusCode;
  const where = versionId === undefined ? `s3://${bucket}/${key}` : `version ${versionId} of s3://${bucket}/${key}`;
  const context = versionId === undefined ? { bucket, key, status } : { bucket, key, versionId, status };
  if (e.name === 'NoSuchVersion') {
    return new NonRetryableError('object-not-found', `${where} does not exist (the version was deleted, e.g. by a lifecycle rule)`, context, { cause: error });
  }
  if (e.name === 'NoSuchKey' || e.name === 'NotFound' || (status === 404 && e.name !== 'NoSuchBucket')) {
    return new NonRetryableError('object-not-found', `${where} does not exist (deleted, or the notification is stale)`, context, { cause: error });
  }
  if (e.name === 'NoSuchBucket') {
    return new NonRetryableError('bucket-not-found', `bucket ${bucket} does not exist`, context, { cause: error });
  }
  if (e.name === 'InvalidObjectState') {
    return new NonRetryableError('object-archived', `${where} is archived (Glacier); restore it, then replay the message`, context, { cause: error });
  }
  if (e.name === 'AccessDenied' || status === 403) {
    const grant = versionId === undefined ? 's3:GetObject' : 's3:GetObjectVersion (a versioned bucket: the notification names the version)';
    return new RetryableError('s3-access-denied', `access denied reading ${where}: grant ${grant} on it (and kms:Decrypt if SSE-KMS) to the worker's role`, context, { cause: error });
  }
  return new RetryableError('s3-error', `reading ${where} failed: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`, context, { cause: error });
}

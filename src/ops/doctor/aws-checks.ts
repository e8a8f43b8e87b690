import { HeadBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AllowedLocation } from '../../config/config.js';
import { fail, ok, warn, type Check, type Finding } from './check.js';

/** Doctor checks of the AWS side: credentials, the queue and its DLQ, the allowed buckets. */

export interface AwsCheckConfig {
  readonly queueUrl: string | undefined;
  readonly dlqUrl: string | undefined;
  readonly allowList: readonly AllowedLocation[];
  readonly visibilityTimeoutSeconds: number;
  readonly awsRegion: string;
}

interface AwsError {
  readonly name?: string;
  readonly message?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const describe = (error: unknown): string => {
  const e = error as AwsError;
  const status = e.$metadata?.httpStatusCode;
  return `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message || '(no message)'}`;
};
const nameOf = (error: unknown): string => (error as AwsError).name ?? (error as AwsError).Code ?? '';
const statusOf = (error: unknown): number | undefined => (error as AwsError).$metadata?.httpStatusCode;
const isNetwork = (error: unknown): boolean =>
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|TimeoutError|socket hang up/i.test(`${nameOf(error)} ${(error as AwsError).message ?? ''} ${String((error as { code?: string }).code ?? '')}`);

const NETWORK_FIX = 'check the endpoint (AWS_ENDPOINT_URL for emulators, AWS_REGION otherwise) and the network path (DNS, proxy, VPC endpoint)';

export const CREDENTIALS = 'aws.credentials';

export function credentialsCheck(sqs: SQSClient): Check {
  return {
    name: CREDENTIALS,
    timeoutFix: 'the credential chain did not answer: on EC2/ECS check the instance or task role and the metadata endpoint; elsewhere set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
    async run() {
      try {
        const creds = await sqs.config.credentials();
        const id = creds.accessKeyId ?? '';
        // The key id is not a secret, but its last four characters are enough to recognise it.
        return ok(`resolved by the AWS SDK's default chain (access key id …${id.slice(-4)}${creds.sessionToken ? ', temporary credentials' : ''})`);
      } catch (error) {
        return fail(
          `no AWS credentials found: ${describe(error)}`,
          'give the process credentials the AWS SDK can find: an instance/task/IRSA role, AWS_PROFILE with ~/.aws/config, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
        );
      }
    },
  };
}

async function queueAttributes(sqs: SQSClient, url: string, signal: AbortSignal): Promise<Record<string, string>> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }), { abortSignal: signal });
  return out.Attributes ?? {};
}

function queueError(variable: string, url: string, error: unknown, check?: string): Finding {
  const name = nameOf(error);
  if (/NonExistentQueue|QueueDoesNotExist/.test(name) || /does not exist/i.test((error as AwsError).message ?? '')) {
    return fail(`${url} does not exist: ${describe(error)}`, `check ${variable} (account, name, and AWS_REGION), or create the queue`, check);
  }
  if (/AccessDenied|NotAuthorized|InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient/.test(name) || statusOf(error) === 403) {
    return fail(`${url} refused the request: ${describe(error)}`, `allow sqs:GetQueueAttributes, sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility (and sqs:SendMessage on the DLQ) on this queue for these credentials`, check);
  }
  if (isNetwork(error)) return fail(`${url} is not reachable: ${describe(error)}`, NETWORK_FIX, check);
  return fail(`${url}: ${describe(error)}`, `check ${variable}`, check);
}

export function queueCheck(sqs: SQSClient, config: AwsCheckConfig): Check {
  return {
    name: 'sqs.queue',
    needs: [CREDENTIALS],
    async run(signal) {
      const url = config.queueUrl;
      if (!url) return fail('TRAILSTREAM_QUEUE_URL is not set', 'set TRAILSTREAM_QUEUE_URL to the URL of the SQS queue that receives the S3 notifications');
      let a: Record<string, string>;
      try {
        a = await queueAttributes(sqs, url, signal);
      } catch (error) {
        return queueError('TRAILSTREAM_QUEUE_URL', url, error);
      }
      const findings: Finding[] = [
        ok(`${url} reachable: ${a.ApproximateNumberOfMessages ?? '?'} message(s) waiting, ${a.ApproximateNumberOfMessagesNotVisible ?? '?'} in flight`),
      ];
      const visibility = Number(a.VisibilityTimeout);
      const wanted = config.visibilityTimeoutSeconds;
      if (!Number.isFinite(visibility)) {
        findings.push(warn('the queue did not report its VisibilityTimeout', 'check the queue in the AWS console', 'sqs.queue.visibility'));
      } else if (visibility < wanted) {
        findings.push(
          warn(
            `queue default ${visibility} s is shorter than TRAILSTREAM_VISIBILITY_TIMEOUT_SECONDS=${wanted} s; the worker asks for ${wanted} s on each receive, but anything that receives with the queue default (another consumer, an older deployment, the console) sees messages return early`,
            `set the queue's VisibilityTimeout to at least ${wanted} (aws sqs set-queue-attributes --queue-url ${url} --attributes VisibilityTimeout=${wanted}), or set TRAILSTREAM_VISIBILITY_TIMEOUT_SECONDS=${visibility}`,
            'sqs.queue.visibility',
          ),
        );
      } else {
        findings.push(ok(`queue default ${visibility} s, worker requests ${wanted} s per receive and extends it while working`, 'sqs.queue.visibility'));
      }
      const redrive = a.RedrivePolicy;
      if (!redrive) {
        findings.push(
          warn(
            'no redrive policy: a message that keeps failing for an unforeseen reason is received again forever',
            `give the queue a redrive policy to a dead-letter queue, e.g. aws sqs set-queue-attributes --queue-url ${url} --attributes '{"RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"<DLQ ARN>\\",\\"maxReceiveCount\\":\\"5\\"}"}'`,
            'sqs.queue.redrive',
          ),
        );
      } else {
        let parsed: { deadLetterTargetArn?: string; maxReceiveCount?: string | number } = {};
        try {
          parsed = JSON.parse(redrive) as typeof parsed;
        } catch {
          // reported below as an unreadable policy
        }
        const target = parsed.deadLetterTargetArn;
        if (!target) {
          findings.push(warn(`the redrive policy names no dead-letter queue: ${redrive}`, 'set a RedrivePolicy with deadLetterTargetArn and maxReceiveCount', 'sqs.queue.redrive'));
        } else if (config.dlqUrl && !sameQueue(target, config.dlqUrl)) {
          findings.push(
            warn(
              `the queue redrives to ${target}, but TRAILSTREAM_DLQ_URL is ${config.dlqUrl}: messages the worker dead-letters and messages the queue redrives end up in different places, and replay-dlq reads only TRAILSTREAM_DLQ_URL`,
              'point TRAILSTREAM_DLQ_URL at the queue\'s redrive target, or change the redrive policy to the DLQ trailstream uses',
              'sqs.queue.redrive',
            ),
          );
        } else {
          findings.push(ok(`redrive to ${target} after ${String(parsed.maxReceiveCount ?? '?')} receives`, 'sqs.queue.redrive'));
        }
      }
      return findings;
    },
  };
}

export function dlqCheck(sqs: SQSClient, config: AwsCheckConfig): Check {
  return {
    name: 'sqs.dlq',
    needs: [CREDENTIALS],
    async run(signal) {
      const url = config.dlqUrl;
      if (!url) {
        return warn(
          'TRAILSTREAM_DLQ_URL is not set: messages that can never succeed are left to the queue\'s redrive policy, without the reason',
          'set TRAILSTREAM_DLQ_URL to the queue\'s dead-letter queue so failures are moved at once with their reason',
        );
      }
      let a: Record<string, string>;
      try {
        a = await queueAttributes(sqs, url, signal);
      } catch (error) {
        return queueError('TRAILSTREAM_DLQ_URL', url, error);
      }
      const waiting = Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
      if (waiting > 0) {
        return warn(
          `${url} reachable and holds ${waiting} message(s) that could not be processed`,
          'see why with "trailstream replay-dlq --dry-run"; once the cause is fixed, move them back with "trailstream replay-dlq"',
        );
      }
      return ok(`${url} reachable and empty`);
    },
  };
}

export function bucketChecks(s3: S3Client, config: AwsCheckConfig): Check[] {
  if (config.allowList.length === 0) {
    return [
      {
        name: 's3.buckets',
        async run() {
          return fail('no bucket is allowed', 'set TRAILSTREAM_ALLOWED_BUCKETS (comma-separated "bucket" or "bucket/prefix") or TRAILSTREAM_BUCKET');
        },
      },
    ];
  }
  return config.allowList.map((loc) => ({
    name: `s3.bucket ${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`,
    needs: [CREDENTIALS],
    async run(signal: AbortSignal): Promise<Finding> {
      const where = `s3://${loc.bucket}/${loc.prefix}`;
      try {
        await s3.send(new HeadBucketCommand({ Bucket: loc.bucket }), { abortSignal: signal });
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: loc.bucket, Prefix: loc.prefix || undefined, MaxKeys: 1 }), { abortSignal: signal });
        return ok(`${where} readable (${listed.KeyCount ? 'holds objects' : 'no objects yet under this prefix'})`);
      } catch (error) {
        const name = nameOf(error);
        const status = statusOf(error);
        if (name === 'NoSuchBucket' || name === 'NotFound' || status === 404) {
          return fail(`bucket ${loc.bucket} does not exist (NoSuchBucket)`, `check TRAILSTREAM_ALLOWED_BUCKETS: it must name the bucket CloudTrail delivers to (and AWS_REGION its region)`);
        }
        if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) {
          return fail(
            `access to ${where} denied (AccessDenied)`,
            `allow s3:ListBucket on arn:aws:s3:::${loc.bucket} and s3:GetObject on arn:aws:s3:::${loc.bucket}/${loc.prefix}* for these credentials (and kms:Decrypt if the trail uses SSE-KMS)`,
          );
        }
        if (name === 'PermanentRedirect' || status === 301) {
          return fail(`bucket ${loc.bucket} is in another region than AWS_REGION=${config.awsRegion}`, 'set AWS_REGION to the bucket\'s region');
        }
        if (isNetwork(error)) return fail(`S3 is not reachable: ${describe(error)}`, NETWORK_FIX);
        return fail(`${where}: ${describe(error)}`, 'check TRAILSTREAM_ALLOWED_BUCKETS and the credentials\' S3 permissions');
      }
    },
  }));
}

/**
 * Whether a queue ARN (`arn:aws:sqs:<region>:<account>:<name>`) and a queue URL
 * (`https://sqs.<region>.amazonaws.com/<account>/<name>`, or an emulator's
 * `http://host:port/<account>/<name>`) name the same queue: same account and name.
 */
export function sameQueue(arn: string, url: string): boolean {
  const a = /^arn:[^:]+:sqs:[^:]*:(\d+):([^:/]+)$/.exec(arn);
  let path: string[];
  try {
    path = new URL(url).pathname.split('/').filter((x) => x.length > 0);
  } catch {
    return false;
  }
  if (!a || path.length < 2) return false;
  return a[1] === path[path.length - 2] && a[2] === path[path.length - 1];
}

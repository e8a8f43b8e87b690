import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Client } from '@opensearch-project/opensearch';
import type { DestinationStream } from 'pino';
import { loadConfig, type Config, type Environment } from '../config/config.js';
import { ConfigError } from '../errors.js';
import { createLogger, redactUrl, type Logger } from '../observability/logger.js';
import { processSecrets, type SecretScrubber } from '../observability/secrets.js';
import { createOpenSearchClient } from '../sink/opensearch/client.js';

/**
 * The composition root: the only place that reads `process.env`. Commands get
 * a built context and never look at the environment themselves.
 */
export interface Context {
  readonly config: Config;
  readonly logger: Logger;
  readonly env: Environment;
  /** Every secret value known to this process, to scrub from text that leaves it (logs, errors). */
  readonly secrets: SecretScrubber;
  opensearch(): Client;
  s3(): S3Client;
  sqs(): SQSClient;
}

export interface ContextOptions {
  /** Where the logs go; stderr unless a test captures them. */
  readonly logDestination?: DestinationStream;
}

export function createContext(env: Environment = process.env, options: ContextOptions = {}): Context {
  const config = loadConfig(env);
  registerSecrets(processSecrets, config, env);
  const logger = createLogger({
    level: config.logLevel,
    scrubber: processSecrets,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  let os: Client | undefined;
  let s3: S3Client | undefined;
  let sqs: SQSClient | undefined;
  const endpoint = config.awsEndpointUrl ? { endpoint: config.awsEndpointUrl } : {};
  return {
    config,
    logger,
    env,
    secrets: processSecrets,
    opensearch: () => (os ??= connectOpenSearch(config, logger)),
    s3: () =>
      (s3 ??= new S3Client({
        region: config.awsRegion,
        ...endpoint,
        forcePathStyle: config.s3ForcePathStyle ?? Boolean(config.awsEndpointUrl),
      })),
    sqs: () => (sqs ??= new SQSClient({ region: config.awsRegion, ...endpoint })),
  };
}

/**
 * Every secret value trailstream knows of, so that no log line or error can
 * show it: the OpenSearch password (and its basic-auth header form), the
 * credentials in the URLs, and the AWS secret key and session token from the
 * environment. Credentials the AWS chain resolves later are added as they come.
 */
function registerSecrets(scrubber: SecretScrubber, config: Config, env: Environment): void {
  if (config.opensearchUsername && config.opensearchPassword) scrubber.addBasicAuth(config.opensearchUsername, config.opensearchPassword);
  for (const url of [...config.opensearchUrls, config.dashboardsUrl]) {
    if (!url) continue;
    const u = new URL(url);
    if (u.password) scrubber.addBasicAuth(decodeURIComponent(u.username), decodeURIComponent(u.password));
  }
  scrubber.add(env.AWS_SECRET_ACCESS_KEY);
  scrubber.add(env.AWS_SESSION_TOKEN);
}

/** Builds the OpenSearch client; a command that connects with TLS verification off says so, every time. */
function connectOpenSearch(config: Config, logger: Logger): Client {
  const client = createOpenSearchClient(config, {
    onAwsCredentials: (c) => {
      processSecrets.add(c.secretAccessKey);
      processSecrets.add(c.sessionToken);
    },
  });
  if (!config.opensearchTlsVerify && config.opensearchUrls.some((u) => new URL(u).protocol === 'https:')) {
    logger.warn(
      { opensearchUrl: redactUrl(config.opensearchUrls) },
      'OPENSEARCH_TLS_VERIFY=false: the OpenSearch certificate is NOT verified, so anyone on the network path can impersonate the cluster and read or change what trailstream sends, credentials included. Set OPENSEARCH_CA_FILE to the CA that signed the certificate instead.',
    );
  }
  return client;
}

/** For `doctor`: a configuration error is a result to report, not a reason to stop. */
export function tryCreateContext(env: Environment = process.env): { readonly context: Context; readonly env: Environment } | { readonly error: ConfigError; readonly env: Environment } {
  try {
    return { context: createContext(env), env };
  } catch (error) {
    if (error instanceof ConfigError) return { error, env };
    throw error;
  }
}

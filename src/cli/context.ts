import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Client } from '@opensearch-project/opensearch';
import { loadConfig, type Config, type Environment } from '../config/config.js';
import { ConfigError } from '../errors.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { createOpenSearchClient } from '../sink/opensearch/client.js';

/**
 * The composition root: the only place that reads `process.env`. Commands get
 * a built context and never look at the environment themselves.
 */
export interface Context {
  readonly config: Config;
  readonly logger: Logger;
  readonly env: Environment;
  opensearch(): Client;
  s3(): S3Client;
  sqs(): SQSClient;
}

export function createContext(env: Environment = process.env): Context {
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel });
  let os: Client | undefined;
  let s3: S3Client | undefined;
  let sqs: SQSClient | undefined;
  const endpoint = config.awsEndpointUrl ? { endpoint: config.awsEndpointUrl } : {};
  return {
    config,
    logger,
    env,
    opensearch: () => (os ??= createOpenSearchClient(config)),
    s3: () =>
      (s3 ??= new S3Client({
        region: config.awsRegion,
        ...endpoint,
        forcePathStyle: config.s3ForcePathStyle ?? Boolean(config.awsEndpointUrl),
      })),
    sqs: () => (sqs ??= new SQSClient({ region: config.awsRegion, ...endpoint })),
  };
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

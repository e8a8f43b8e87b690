import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Client, type ClientOptions } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import type { Config } from '../../config/config.js';
import { readCaBundle } from '../tls.js';

export type OpenSearchClientConfig = Pick<
  Config,
  | 'opensearchUrl'
  | 'opensearchUsername'
  | 'opensearchPassword'
  | 'opensearchAuth'
  | 'opensearchAwsService'
  | 'opensearchAwsRegion'
  | 'opensearchCaFile'
  | 'opensearchTlsVerify'
>;

type AwsCredentialIdentityProvider = ReturnType<typeof defaultProvider>;
export type AwsCredentialIdentity = Awaited<ReturnType<AwsCredentialIdentityProvider>>;

export interface OpenSearchClientHooks {
  /** Called with every set of AWS credentials the SigV4 signer obtains, so their secrets can be scrubbed from output. */
  readonly onAwsCredentials?: (credentials: AwsCredentialIdentity) => void;
  /** The AWS credential provider; defaults to the standard Node.js chain. Tests pass fixed credentials. */
  readonly awsCredentials?: AwsCredentialIdentityProvider;
}

/**
 * Builds the OpenSearch client from the configuration:
 *
 * - authentication: none, HTTP basic (OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD,
 *   or credentials in the URL, which the client turns into the same header), or
 *   AWS SigV4 through the client's own `AwsSigv4Signer` for `es` (Amazon
 *   OpenSearch Service) or `aoss` (Serverless). The signer always sends
 *   `x-amz-content-sha256` (the SHA-256 of the body), which Serverless requires.
 *   Credentials come from the AWS SDK's standard chain (environment, shared
 *   profile, web identity / EKS IRSA, ECS container role, EC2 instance role);
 *   the chain caches them and fetches new ones before they expire, and the
 *   signer asks it again whenever they would expire within one request timeout.
 * - TLS: certificates are verified unless OPENSEARCH_TLS_VERIFY=false;
 *   OPENSEARCH_CA_FILE replaces the trusted CAs with the bundle (read and
 *   checked here, so a bad file fails at startup with its path).
 *
 * The client's own retries are off: the bulk indexer retries per item with
 * backoff and jitter.
 */
export function createOpenSearchClient(config: OpenSearchClientConfig, hooks: OpenSearchClientHooks = {}): Client {
  const ssl: TlsConnectionOptions = {
    rejectUnauthorized: config.opensearchTlsVerify,
    ...(config.opensearchCaFile ? { ca: readCaBundle(config.opensearchCaFile) } : {}),
  };
  const options: ClientOptions = {
    node: config.opensearchUrl,
    ssl,
    maxRetries: 0,
    requestTimeout: 120_000,
    compression: undefined,
  };
  switch (config.opensearchAuth) {
    case 'basic':
      // Credentials in the URL are used by the client as they are.
      if (config.opensearchUsername && config.opensearchPassword) {
        options.auth = { username: config.opensearchUsername, password: config.opensearchPassword };
      }
      break;
    case 'sigv4': {
      const provider = hooks.awsCredentials ?? defaultProvider();
      const getCredentials = async (): Promise<AwsCredentialIdentity> => {
        const credentials = await provider();
        hooks.onAwsCredentials?.(credentials);
        return credentials;
      };
      Object.assign(
        options,
        AwsSigv4Signer({ region: config.opensearchAwsRegion, service: config.opensearchAwsService, getCredentials }),
      );
      break;
    }
    case 'none':
      break;
  }
  return new Client(options);
}

import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Client, Connection, type ClientOptions } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import type { Config } from '../../config/config.js';
import { readCaBundle } from './tls.js';

export type OpenSearchClientConfig = Pick<
  Config,
  | 'opensearchUrls'
  | 'opensearchSniff'
  | 'opensearchUsername'
  | 'opensearchPassword'
  | 'opensearchAuth'
  | 'opensearchAwsService'
  | 'opensearchAwsRegion'
  | 'opensearchCaFile'
  | 'opensearchTlsVerify'
>;

/**
 * The client's connection, with one fix: the (empty) response of a HEAD
 * request that nobody reads is drained. The connection pool's resurrect ping
 * (`HEAD /` to a node marked dead) never reads its response, so its socket
 * never went back to the agent and stayed referenced: a worker that had a node
 * die under it could not exit after SIGTERM (found by the 3-node cluster
 * tests). The Transport reads the responses it asks for in the callback, so
 * those are already flowing and left alone.
 */
class DrainingConnection extends Connection {
  override request(params: Parameters<Connection['request']>[0], callback: Parameters<Connection['request']>[1]): ReturnType<Connection['request']> {
    return super.request(params, (err, response) => {
      callback(err, response);
      if (params.method === 'HEAD' && response && response.readableFlowing === null) response.resume();
    });
  }
}

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
 * - Several nodes (OPENSEARCH_URL with commas): the client's connection pool
 *   sends requests round-robin over them. A node that refuses the connection,
 *   times out or answers 502/503/504 is marked dead and skipped; it is pinged
 *   again after 60 s (doubling each time it is still dead, the client's
 *   `ping` resurrect strategy) and used again once it answers. When every node
 *   is dead the pool tries them all rather than none. A request that fails on
 *   one node that way is sent once to each other node (`maxRetries` = nodes - 1)
 *   before the caller sees the failure, so one dead node costs no retry of the
 *   bulk indexer's. Sniffing (asking the cluster for its nodes) is off unless
 *   OPENSEARCH_SNIFF=true: managed services and load balancers publish node
 *   addresses clients cannot reach.
 *
 * With one URL the client's own retries are off: the bulk indexer retries per
 * item with backoff and jitter.
 */
export function createOpenSearchClient(config: OpenSearchClientConfig, hooks: OpenSearchClientHooks = {}): Client {
  const ssl: TlsConnectionOptions = {
    rejectUnauthorized: config.opensearchTlsVerify,
    ...(config.opensearchCaFile ? { ca: readCaBundle(config.opensearchCaFile) } : {}),
  };
  const nodes = config.opensearchUrls;
  const options: ClientOptions = {
    nodes: [...nodes],
    ssl,
    maxRetries: nodes.length - 1,
    requestTimeout: 120_000,
    compression: undefined,
    nodeSelector: 'round-robin',
    resurrectStrategy: 'ping',
    Connection: DrainingConnection,
    ...(config.opensearchSniff ? { sniffOnStart: true, sniffInterval: 300_000, sniffOnConnectionFault: true } : {}),
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

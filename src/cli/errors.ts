import type { OpenSearchAuthMode } from '../config/config.js';
import { redactUrl } from '../observability/logger.js';
import { UserFacingError } from '../errors.js';

/** Messages of Node's TLS errors that mean "the server certificate could not be verified". */
const CERTIFICATE_PROBLEM =
  /self[- ]signed certificate|unable to (verify|get) .*(certificate|issuer)|certificate (has expired|is not yet valid|signature failure|chain)|altnames|unable to get local issuer|CERT_/i;

export function describeConnectionError(service: string, url: string | readonly string[], error: unknown, auth: OpenSearchAuthMode = 'basic'): UserFacingError {
  const e = error as { meta?: { statusCode?: number }; message?: string; name?: string };
  const status = e.meta?.statusCode;
  const shown = redactUrl(url);
  if (status === 401 || status === 403) {
    const check =
      auth === 'sigv4'
        ? "check that the IAM role trailstream runs as may call this domain or collection (domain access policy and fine-grained access control role mapping, or the Serverless data access policy) and that OPENSEARCH_AWS_REGION and OPENSEARCH_AWS_SERVICE match the endpoint; see docs/amazon-opensearch-service.md"
        : auth === 'none'
          ? 'the cluster requires authentication: set OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD, or OPENSEARCH_AUTH=sigv4 for Amazon OpenSearch Service with IAM'
          : "check OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD (or the credentials in OPENSEARCH_URL) and the user's permissions";
    return new UserFacingError(`${service} at ${shown} refused the credentials (HTTP ${status}): ${check}.`);
  }
  const message = e.message ?? String(error);
  if (CERTIFICATE_PROBLEM.test(message)) {
    return new UserFacingError(
      `${service} at ${shown}: the TLS connection failed because the server certificate could not be verified (${message}). If a private CA signed it, set OPENSEARCH_CA_FILE to that CA's PEM file; check that the host name in OPENSEARCH_URL is one the certificate names. OPENSEARCH_TLS_VERIFY=false turns verification off (never in production).`,
    );
  }
  return new UserFacingError(
    `${service} at ${shown} is not reachable (${e.name ?? 'Error'}: ${message}). Is it running? For the local stack run "npm run stack -- up"; otherwise check OPENSEARCH_URL.`,
  );
}

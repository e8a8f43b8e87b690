import { redactUrl } from '../observability/logger.js';

/** A failure a user can fix, printed as one clear message without a stack trace. */
export class UserFacingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserFacingError';
  }
}

export function describeConnectionError(service: string, url: string, error: unknown): UserFacingError {
  const e = error as { meta?: { statusCode?: number }; message?: string; name?: string };
  const status = e.meta?.statusCode;
  const shown = redactUrl(url);
  if (status === 401 || status === 403) {
    return new UserFacingError(`${service} at ${shown} refused the credentials (HTTP ${status}): check OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD or the role's permissions.`);
  }
  return new UserFacingError(
    `${service} at ${shown} is not reachable (${e.name ?? 'Error'}: ${e.message ?? String(error)}). Is it running? For the local stack run "npm run stack -- up"; otherwise check OPENSEARCH_URL.`,
  );
}

import { pino, type Logger, type DestinationStream } from 'pino';
import type { SecretScrubber } from './secrets.js';

export type { Logger } from 'pino';

/**
 * Paths pino replaces with "[redacted]" wherever they appear in a log line:
 * secrets may travel in config objects, HTTP headers or AWS credential objects,
 * and none of them may ever reach a log.
 */
export const REDACTED_PATHS = [
  'opensearchPassword',
  '*.opensearchPassword',
  'password',
  '*.password',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-amz-security-token"]',
  '*.headers["x-amz-security-token"]',
  'config.opensearchPassword',
  // The OpenSearch client's errors carry the connection (with its basic-auth
  // header and URL credentials) and the request; neither belongs in a log.
  'meta.meta.connection',
  '*.meta.meta.connection',
  'meta.meta.request',
  '*.meta.meta.request',
] as const;

export interface LoggerOptions {
  level: string;
  /** Defaults to stderr, so stdout stays free for command output. */
  destination?: DestinationStream;
  /** Replaces known secret values in every serialized line, whatever field or message they hide in. */
  scrubber?: SecretScrubber;
}

export function createLogger(options: LoggerOptions): Logger {
  const { scrubber } = options;
  return pino(
    {
      level: options.level,
      base: { service: 'trailstream' },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      ...(scrubber ? { hooks: { streamWrite: (line: string) => scrubber.scrub(line) } } : {}),
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/**
 * Removes user:password from a URL before it is logged or shown in an error;
 * a list of URLs (OPENSEARCH_URL with several nodes) comes back comma-separated.
 */
export function redactUrl(url: string | readonly string[]): string {
  if (typeof url !== 'string') return url.map(redactUrl).join(',');
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = u.username ? '[redacted]' : '';
      u.password = u.password ? '[redacted]' : '';
    }
    return u.toString();
  } catch {
    return '[unparseable url]';
  }
}

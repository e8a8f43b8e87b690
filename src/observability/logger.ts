import { pino, type Logger, type DestinationStream } from 'pino';

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
  'config.opensearchPassword',
] as const;

export interface LoggerOptions {
  level: string;
  /** Defaults to stderr, so stdout stays free for command output. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'trailstream' },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** Removes user:password from a URL before it is logged or shown in an error. */
export function redactUrl(url: string): string {
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

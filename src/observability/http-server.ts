import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../errors.js';
import type { HealthStatus } from './health.js';
import type { Logger } from './logger.js';

export interface ObservabilityServerOptions {
  readonly host: string;
  /** 0 is not "off" here: it asks the system for a free port (the caller decides whether to start a server at all). */
  readonly port: number;
  readonly metrics: { readonly contentType: string; metrics(): Promise<string> };
  readonly health: { liveness(): HealthStatus; readiness(): HealthStatus };
  readonly logger?: Logger;
}

export interface ObservabilityServer {
  /** The port actually bound. */
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The worker's HTTP endpoints, on node:http (three fixed routes need no framework):
 *
 * - `GET /metrics`: Prometheus text format;
 * - `GET /healthz`: 200 while the process runs and the worker has not failed, else 503;
 * - `GET /readyz`: 200 when connected and receiving, else 503 with the reasons as JSON.
 *
 * Anything else is 404 (unknown path) or 405 (a method other than GET or HEAD).
 * Resolves once listening; a port in use or an address that cannot be bound is
 * a {@link ConfigError} naming the setting to change.
 */
export async function startObservabilityServer(options: ObservabilityServerOptions): Promise<ObservabilityServer> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((error: unknown) => {
      options.logger?.error({ err: error, url: req.url }, 'metrics server: request failed');
      if (!res.headersSent) send(res, req, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  // Scrapes are short: do not let an idle or slow client hold a socket for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;

  await listen(server, options.host, options.port);
  // Never the reason the process stays up: the worker's own work is.
  server.unref();
  const address = server.address() as AddressInfo;
  return {
    port: address.port,
    host: options.host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(listenError(error, host, port));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Turns a bind failure into a message that names the setting and says what to do. */
export function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (error.code) {
    case 'EADDRINUSE':
      return new ConfigError(
        `TRAILSTREAM_METRICS_PORT=${port}: port ${port} on ${host} is already in use (another worker or program listens there). Set TRAILSTREAM_METRICS_PORT to a free port, or to 0 to run without the metrics server.`,
      );
    case 'EACCES':
      return new ConfigError(
        `TRAILSTREAM_METRICS_PORT=${port}: not allowed to listen on port ${port} (ports below 1024 need privileges). Choose a port of 1024 or more.`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(
        `TRAILSTREAM_METRICS_HOST=${host}: cannot listen on this address (${error.code}): it is not an address of this machine. Use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).`,
      );
    default:
      return new ConfigError(
        `cannot start the metrics server on ${host}:${port} (${error.code ?? error.message}): check TRAILSTREAM_METRICS_HOST and TRAILSTREAM_METRICS_PORT, or set TRAILSTREAM_METRICS_PORT=0 to turn it off.`,
      );
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, options: ObservabilityServerOptions): Promise<void> {
  // Only the path matters; the host header is not trusted for anything.
  const path = (req.url ?? '/').split('?', 1)[0];
  const route = path === '/metrics' || path === '/healthz' || path === '/readyz' ? path : undefined;
  if (route === undefined) {
    send(res, req, 404, 'text/plain; charset=utf-8', 'not found: try /metrics, /healthz or /readyz\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, req, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return;
  }
  switch (route) {
    case '/metrics':
      send(res, req, 200, options.metrics.contentType, await options.metrics.metrics());
      return;
    case '/healthz': {
      const live = options.health.liveness();
      send(res, req, live.ok ? 200 : 503, JSON_TYPE, `${JSON.stringify(live.ok ? { status: 'ok' } : { status: 'failed', reasons: live.reasons })}\n`);
      return;
    }
    case '/readyz': {
      const ready = options.health.readiness();
      send(res, req, ready.ok ? 200 : 503, JSON_TYPE, `${JSON.stringify(ready.ok ? { status: 'ready' } : { status: 'not ready', reasons: ready.reasons })}\n`);
      return;
    }
  }
}

function send(res: ServerResponse, req: IncomingMessage, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}

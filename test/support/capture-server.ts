import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  readonly method: string;
  /** Path and query exactly as they arrived on the wire. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Header names and values in the order and case they arrived. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export type Responder = (req: CapturedRequest) => { status: number; body: unknown; headers?: Record<string, string> };

export interface CaptureServer {
  readonly url: string;
  readonly port: number;
  readonly requests: CapturedRequest[];
  close(): Promise<void>;
}

/**
 * A local HTTP(S) server that records every request (method, raw path, headers,
 * body) and answers what the responder says: a stand-in for OpenSearch where a
 * test needs to see exactly what the client sent.
 */
export async function startCaptureServer(respond: Responder, tls?: { key: string; cert: string }): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const captured: CapturedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
      };
      requests.push(captured);
      const answer = respond(captured);
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(text);
    });
  };
  const server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What OpenSearch answers to GET / (enough for `setup`). */
export const OPENSEARCH_INFO = {
  name: 'capture',
  cluster_name: 'capture',
  version: { distribution: 'opensearch', number: '2.19.0' },
  tagline: 'The OpenSearch Project: https://opensearch.org/',
};

import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A small HTTP proxy that tests put between the worker and a real service
 * (OpenSearch or moto) to inject faults the real service would not produce on
 * demand: refused connections, error statuses, rejected bulk items, slow or
 * truncated responses. Everything not intercepted is passed through unchanged.
 *
 * Requests and responses are buffered whole, which is fine for the sizes the
 * fault tests use (a few MB) and lets a handler look at and rewrite both.
 */

/** A response from the real service, buffered. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** What the proxy sends back to the client. */
export interface ProxyReply {
  readonly status: number;
  readonly headers?: IncomingHttpHeaders | OutgoingHttpHeaders;
  readonly body: Buffer;
  /**
   * Send only this many bytes of the body, then destroy the connection. The
   * announced Content-Length stays that of the whole body, as when a connection
   * breaks mid-transfer.
   */
  readonly truncateAt?: number;
  /** Wait this long before answering (a slow service). */
  readonly delayMs?: number;
}

export interface ProxyExchange {
  readonly method: string;
  /** Path and query string, as the client sent them. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Sends the request (or a rewritten body) to the real service and returns its buffered response. */
  forward(body?: Buffer): Promise<UpstreamResponse>;
}

export type ProxyHandler = (exchange: ProxyExchange) => Promise<ProxyReply>;

export interface ProxyLogEntry {
  readonly at: number;
  readonly method: string;
  readonly url: string;
  readonly status: number;
}

export const passThrough: ProxyHandler = async (ex) => ex.forward();

// Hop-by-hop headers (RFC 9110 §7.6.1) and the framing headers the proxy sets itself.
const DROPPED_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'content-length']);

function copyHeaders(headers: IncomingHttpHeaders | OutgoingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !DROPPED_HEADERS.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

export class FaultProxy {
  /** Every request answered (or cut), in order. */
  readonly log: ProxyLogEntry[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly target: URL;
  private listening = false;
  private portNumber = 0;

  private constructor(
    target: string,
    public handler: ProxyHandler,
  ) {
    this.target = new URL(target);
    this.server = http.createServer((req, res) => void this.serve(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts a proxy to `target` (e.g. http://127.0.0.1:9200) on a free port of 127.0.0.1. */
  static async start(target: string, handler: ProxyHandler = passThrough): Promise<FaultProxy> {
    const proxy = new FaultProxy(target, handler);
    await proxy.listen(0);
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.portNumber}`;
  }

  get isUp(): boolean {
    return this.listening;
  }

  /**
   * The service becomes unreachable: the port stops listening (new connections
   * are refused) and every open connection, idle or mid-request, is cut.
   */
  async goDown(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** The service is reachable again, on the same port. */
  async comeBack(): Promise<void> {
    if (this.listening) return;
    await this.listen(this.portNumber);
  }

  async stop(): Promise<void> {
    await this.goDown();
    this.agent.destroy();
  }

  private async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.portNumber = (this.server.address() as AddressInfo).port;
    this.listening = true;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const exchange: ProxyExchange = {
        method,
        url,
        headers: req.headers,
        body: Buffer.concat(chunks),
        forward: (body) => this.forward(method, url, req.headers, body ?? Buffer.concat(chunks)),
      };
      const reply = await this.handler(exchange);
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      this.log.push({ at: Date.now(), method, url, status: reply.status });
      if (res.destroyed) return;
      res.writeHead(reply.status, { ...copyHeaders(reply.headers ?? {}), 'content-length': String(reply.body.length) });
      if (reply.truncateAt !== undefined && reply.truncateAt < reply.body.length) {
        res.write(reply.body.subarray(0, reply.truncateAt), () => {
          // Let the bytes leave before the connection is cut, as a real reset would.
          setTimeout(() => res.socket?.destroy(), 50);
        });
        return;
      }
      res.end(reply.body);
    } catch {
      // The upstream itself failed (e.g. refused): the client sees a broken connection.
      this.log.push({ at: Date.now(), method, url, status: 0 });
      res.socket?.destroy();
    }
  }

  private forward(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const upstream = http.request(
        {
          host: this.target.hostname,
          port: this.target.port,
          method,
          path: url,
          agent: this.agent,
          headers: { ...copyHeaders(headers), 'content-length': String(body.length) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('error', reject);
          response.on('end', () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}

/** The `_id`s of the documents of a `_bulk` request body (index/create actions). */
export function bulkIds(body: Buffer): string[] {
  return parseBulk(body).map((item) => item.id);
}

interface BulkItem {
  readonly id: string;
  /** The action line and the source line, each with its newline. */
  readonly lines: string;
}

function parseBulk(body: Buffer): BulkItem[] {
  const lines = body.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const items: BulkItem[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const action = JSON.parse(lines[i]!) as Record<string, { _id?: string }>;
    const meta = Object.values(action)[0];
    items.push({ id: meta?._id ?? '', lines: `${lines[i]}\n${lines[i + 1]}\n` });
  }
  return items;
}

export interface BulkRejections {
  readonly handler: ProxyHandler;
  /** Items answered with 429 by the proxy, in total. */
  readonly rejected: () => number;
  /** Bulk requests seen, and the ids in each, in order. */
  readonly requests: readonly { readonly at: number; readonly ids: readonly string[] }[];
}

/**
 * Answers part of the items of `_bulk` requests with 429
 * `es_rejected_execution_exception`, the way a node with a full write queue
 * does. The rejected items are taken out of the request before it is
 * forwarded, so OpenSearch really never sees them: a client that did not retry
 * them would lose them, and the document counts would show it.
 *
 * `shouldReject(id, timesRejectedSoFar)` picks the victims.
 */
export function rejectBulkItems(shouldReject: (id: string, timesRejected: number) => boolean): BulkRejections {
  const times = new Map<string, number>();
  let rejected = 0;
  const requests: { at: number; ids: string[] }[] = [];
  // Elasticsearch names itself on every answer (X-Elastic-Product), and its client refuses answers without it:
  // the proxy's own answers carry what the real server last sent.
  let product: IncomingHttpHeaders = {};
  const remember = (upstream: UpstreamResponse): UpstreamResponse => {
    const p = upstream.headers['x-elastic-product'];
    if (p !== undefined) product = { 'x-elastic-product': p };
    return upstream;
  };
  const handler: ProxyHandler = async (ex) => {
    if (ex.method !== 'POST' || !ex.url.split('?')[0]!.endsWith('/_bulk')) return remember(await ex.forward());
    const items = parseBulk(ex.body);
    requests.push({ at: Date.now(), ids: items.map((i) => i.id) });
    const reject = items.map((item) => {
      const n = times.get(item.id) ?? 0;
      if (!shouldReject(item.id, n)) return false;
      times.set(item.id, n + 1);
      return true;
    });
    const kept = items.filter((_, i) => !reject[i]);
    let keptResults: unknown[] = [];
    if (kept.length > 0) {
      const upstream = remember(await ex.forward(Buffer.from(kept.map((k) => k.lines).join(''))));
      if (upstream.status !== 200) return upstream;
      keptResults = (JSON.parse(upstream.body.toString('utf8')) as { items: unknown[] }).items;
    }
    const results: unknown[] = [];
    let k = 0;
    for (let i = 0; i < items.length; i++) {
      if (reject[i]) {
        rejected++;
        results.push({
          index: {
            status: 429,
            error: {
              type: 'es_rejected_execution_exception',
              reason: 'rejected execution of coordinating operation [fault-proxy: write queue full]',
            },
          },
        });
      } else {
        results.push(keptResults[k++]);
      }
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=UTF-8', ...product },
      body: Buffer.from(JSON.stringify({ errors: true, items: results })),
    };
  };
  return { handler, rejected: () => rejected, requests };
}

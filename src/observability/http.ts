import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config.ts';

/** `body`: the request's body, read by the listener within HTTP_MAX_BODY_BYTES (empty for most requests). */
export type Route = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/** The port and the listener's limits: the `http` settings of src/config.ts (`HTTP_*`), one definition. */
export type HttpOptions = { readonly port: number } & Config['http'];

/**
 * Sent with every response, whatever answers: a route, the 404, the 413, an
 * error, or the parser's own 400/408/431. Every body is either per-request
 * state or personal data, so nothing may be cached; nosniff keeps a browser
 * from reading JSON as HTML.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
});

/**
 * The service's one HTTP listener (health, metrics, the agent API). It shares
 * the event loop with the pipeline, so no client may hold it: requests have
 * header and total deadlines, idle connections close, connections are capped,
 * and bodies are bounded (read here, once, for every path). Routes are exact paths, or prefixes written
 * `/prefix/*` (the agent API's `/v1/*`); anything else is 404.
 */
export async function startHttp(o: HttpOptions, routes: Record<string, Route>): Promise<HttpServer> {
  const server: Server = createServer(
    {
      headersTimeout: o.headersTimeoutMs,
      requestTimeout: o.requestTimeoutMs,
      keepAliveTimeout: o.keepAliveTimeoutMs,
      // Node checks the two deadlines above on this period (30 s by default,
      // which would let a slow client hold a socket that much longer).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(o.headersTimeoutMs / 4))),
    },
    (req, res) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) > o.maxBodyBytes) {
        tooLarge(req, res);
        return;
      }
      readBody(req, o.maxBodyBytes).then(
        (body) => (body ? dispatch(routes, req, res, body) : tooLarge(req, res)),
        () => req.destroy(),
      );
    },
  );
  server.maxConnections = o.maxConnections;
  // The deadlines above end with the request; a client that stops reading
  // its response (its socket's buffers full) is cut off by inactivity.
  server.timeout = o.requestTimeoutMs;
  server.on('timeout', (socket: Socket) => socket.destroy());
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => answerClientError(err, socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (o.host === undefined) server.listen(o.port, resolve);
    else server.listen(o.port, o.host, resolve);
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : o.port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets would otherwise hold the stop for keepAliveTimeout.
        server.closeIdleConnections();
      }),
  };
}

function dispatch(routes: Record<string, Route>, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const path = (req.url ?? '/').split('?')[0]!;
  const route = routes[path] ?? prefixRoute(routes, path);
  if (!route) {
    json(res, 404, { error: 'not found' });
    return;
  }
  Promise.resolve()
    .then(() => route(req, res, body))
    .catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"internal error"}');
    });
}

/** The whole body, or null once it passes the limit. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        resolve(null);
      } else {
        chunks.push(chunk);
      }
    };
    req.on('data', onData);
    req.once('end', () => resolve(size <= limit ? Buffer.concat(chunks) : null));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client went away'));
    });
  });
}

// The agent API's error shape (src/api/schemas.ts), which the API documents for 413.
const TOO_LARGE = JSON.stringify({ error: { code: 'BAD_REQUEST', message: 'the body is too large' } });

/** 413, and the connection closes: the rest of the body is not read. */
function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  res.shouldKeepAlive = false;
  res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
  res.end(TOO_LARGE, () => req.socket.destroy());
}

/**
 * Node's own answer to a request it could not parse or that ran out of time,
 * with the same headers as every other response.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413 : 400;
  // As Node does: answer only when nothing of a response went out yet.
  if (socket.writable && socket.bytesWritten === 0 && err.code !== 'ECONNRESET') {
    const reason = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' }[status];
    const headers = Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`HTTP/1.1 ${status} ${reason}\r\n${headers}connection: close\r\ncontent-length: 0\r\n\r\n`);
  }
  socket.destroy();
}

function prefixRoute(routes: Record<string, Route>, path: string): Route | undefined {
  for (const [pattern, route] of Object.entries(routes)) {
    if (pattern.endsWith('/*') && path.startsWith(pattern.slice(0, -1))) return route;
  }
  return undefined;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

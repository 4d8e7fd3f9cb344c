import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The service's one HTTP listener: health now, metrics and the agent API as
 * they are added. Routes are exact paths, or prefixes written `/prefix/*`
 * (the agent API's `/v1/*`); anything else is 404.
 */
export async function startHttp(port: number, routes: Record<string, Route>): Promise<HttpServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes[path] ?? prefixRoute(routes, path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    Promise.resolve(route(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"internal error"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
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

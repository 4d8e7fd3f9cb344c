import { createServer } from 'node:https';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { TestPki } from './certs.ts';

/**
 * Test scaffolding around the real registry: an https reverse proxy (test
 * certificate) that answers 401 unless the request carries the expected basic
 * auth, and otherwise forwards it unchanged to the registry. It records what
 * it let through, so a test can show which requests carried the credentials.
 */
export interface BasicAuthProxy {
  /** The registry's URL as seen through the proxy (same path). */
  readonly url: string;
  readonly forwarded: { method: string; path: string }[];
  readonly refused: { method: string; path: string }[];
  close(): Promise<void>;
}

export async function startBasicAuthProxy(registryUrl: string, pki: TestPki, credentials: { username: string; password: string }): Promise<BasicAuthProxy> {
  const target = new URL(registryUrl);
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const forwarded: BasicAuthProxy['forwarded'] = [];
  const refused: BasicAuthProxy['refused'] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const entry = { method: req.method ?? 'GET', path: req.url ?? '/' };
    if (req.headers.authorization !== expected) {
      refused.push(entry);
      req.resume();
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="registry"' });
      res.end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
      return;
    }
    forwarded.push(entry);
    const { authorization: _a, host: _h, ...headers } = req.headers;
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error_code: 502, message: err.message }));
    });
    req.pipe(upstream);
  };
  const server = createServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) }, handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`,
    forwarded,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

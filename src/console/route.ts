import { readFileSync } from 'node:fs';
import type { Route } from '../observability/http.ts';

/**
 * The console's static page, served by the service itself: one HTML file, a
 * small script and a stylesheet (src/console/static/), no build step. The
 * assets are public and hold no data; the page asks for an API token and
 * reads everything it shows from the agent API with it.
 */

const DIR = new URL('./static/', import.meta.url);

const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/console': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

/**
 * Only the page's own script, style and the API on the same origin; no framing,
 * no referrer. Cache-Control: no-store and nosniff come from the listener, as
 * for every response.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export const CONSOLE_PATH = '/console';

/** The console's routes for the service's HTTP listener (read once, at start-up). */
export function consoleRoutes(): Record<string, Route> {
  const routes: Record<string, Route> = {};
  for (const [path, a] of Object.entries(ASSETS)) {
    const body = readFileSync(new URL(a.file, DIR));
    routes[path] = (req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' }).end('{"error":"method not allowed"}');
        return;
      }
      res.writeHead(200, { 'content-type': a.type, 'content-length': body.length, ...SECURITY_HEADERS });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
  }
  return routes;
}

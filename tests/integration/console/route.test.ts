import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startHttp } from '../../../src/observability/http.ts';
import { loadConfig } from '../../../src/config.ts';
import { consoleRoutes } from '../../../src/console/route.ts';

const html = readFileSync(new URL('../../../src/console/static/index.html', import.meta.url), 'utf8');

describe('console assets over HTTP', () => {
  it('are served with a strict content security policy; nothing else under /console', async () => {
    const http = await startHttp({ port: 0, ...loadConfig({}).http }, consoleRoutes());
    try {
      const base = `http://127.0.0.1:${http.port}`;
      const page = await fetch(`${base}/console`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(await page.text()).toBe(html);
      expect((await fetch(`${base}/console/console.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
      expect((await fetch(`${base}/console/secrets.json`)).status).toBe(404);
      expect((await fetch(`${base}/console`, { method: 'POST' })).status).toBe(405);
    } finally {
      await http.close();
    }
  });
});

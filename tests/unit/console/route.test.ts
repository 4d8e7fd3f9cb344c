import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

const html = readFileSync(new URL('../../../src/console/static/index.html', import.meta.url), 'utf8');
const js = readFileSync(new URL('../../../src/console/static/console.js', import.meta.url), 'utf8');

describe('console assets', () => {
  it('load only their own script and style, with no inline script', () => {
    const srcs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(srcs.sort()).toEqual(['/console/console.css', '/console/console.js']);
    expect(html).not.toMatch(/<script>(?!<)/);
    expect(html).not.toMatch(/ on[a-z]+="/);
  });

  it('write API data as text, never as HTML, and send the token as a bearer header', () => {
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    expect(js).toContain('authorization: `Bearer ${t}`');
    expect(js).not.toMatch(/localStorage/);
  });
});

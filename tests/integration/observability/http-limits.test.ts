import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { TOPICS } from '../../../src/events/topics.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { profile } from '../../support/events.ts';
import { uniqueName } from '../../support/stack.ts';
import { waitForStatus } from './scrape.ts';

// The HTTP listener shares the event loop with the pipeline: a slow or greedy
// client must not hold it, and every answer carries the same safety headers.
// Small limits here so a test takes seconds; the defaults are in src/config.ts.

const LIMITS = { headersTimeoutMs: 2_000, requestTimeoutMs: 3_000, maxConnections: 6, maxBodyBytes: 1_024 };
const TOKEN = randomBytes(24).toString('base64url');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RawExchange {
  /** Everything the server sent. */
  readonly received: string;
  /** Bytes of the request the client had sent when the connection closed. */
  readonly sent: number;
  readonly closedByServer: boolean;
}

/** Opens a raw connection and sends `parts` one by one, `everyMs` apart, until done or closed. */
function rawClient(port: number, parts: readonly string[], everyMs: number): { socket: Socket; done: Promise<RawExchange> } {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let sent = 0;
  let finishedSending = false;
  socket.on('data', (d) => (received += d.toString('latin1')));
  socket.on('error', () => {});
  const done = new Promise<RawExchange>((resolve) => {
    socket.on('close', () => resolve({ received, sent, closedByServer: !finishedSending }));
  });
  socket.once('connect', async () => {
    for (const p of parts) {
      if (socket.destroyed || socket.writableEnded) return;
      socket.write(p);
      sent += Buffer.byteLength(p);
      if (everyMs > 0) await sleep(everyMs);
    }
    finishedSending = true;
  });
  return { socket, done };
}

function headersOf(raw: string): { status: number; headers: Record<string, string> } {
  const [head = ''] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers };
}

describe('the HTTP listener on the real stack', () => {
  let h: Harness;
  let port: number;
  const customer = uniqueName('C-http');

  beforeAll(async () => {
    h = await startHarness({
      HTTP_HOST: '127.0.0.1',
      HTTP_HEADERS_TIMEOUT_MS: String(LIMITS.headersTimeoutMs),
      HTTP_REQUEST_TIMEOUT_MS: String(LIMITS.requestTimeoutMs),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
      HTTP_MAX_CONNECTIONS: String(LIMITS.maxConnections),
      HTTP_MAX_BODY_BYTES: String(LIMITS.maxBodyBytes),
      API_TOKENS: JSON.stringify([{ name: 'crm', sha256: createHash('sha256').update(TOKEN).digest('hex'), scopes: ['features:read', 'tasks:read'] }]),
    });
    port = h.app.httpPort!;
    await h.produce(TOPICS.customerProfiles, profile(customer, { marketingConsent: true }));
    await h.waitForConsumed(1);
    // Consuming a record does not yet mean ready (shards may still be taken
    // over); the header check below expects /readyz to answer 200.
    await waitForStatus(port, '/readyz', 200);
  });
  afterAll(() => h?.stop());

  it('sends Cache-Control: no-store and X-Content-Type-Options: nosniff with every response', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const requests: { path: string; init?: RequestInit; status: number }[] = [
      { path: '/healthz', status: 200 },
      { path: '/readyz', status: 200 },
      { path: '/metrics', status: 200 },
      { path: '/v1/openapi.json', status: 200 },
      { path: '/console', status: 200 },
      { path: '/console/console.js', status: 200 },
      { path: '/console', init: { method: 'POST' }, status: 405 },
      { path: `/v1/customers/${customer}/features`, init: { headers: auth }, status: 200 },
      { path: `/v1/customers/${customer}/features`, status: 401 },
      { path: '/v1/customers/%E0%A4%A/features', init: { headers: auth }, status: 400 },
      { path: '/v1/nothing-here', status: 404 },
      { path: '/nothing-here', status: 404 },
      { path: '/v1/openapi.json', init: { method: 'DELETE' }, status: 405 },
      { path: '/healthz', init: { method: 'POST', body: 'x'.repeat(LIMITS.maxBodyBytes + 1) }, status: 413 },
      { path: '/v1/openapi.json', init: { method: 'POST', body: 'x'.repeat(LIMITS.maxBodyBytes + 1) }, status: 413 },
      { path: '/v1/tasks/T-x/outcome', init: { method: 'POST', headers: auth, body: 'x'.repeat(LIMITS.maxBodyBytes + 1) }, status: 413 },
    ];
    for (const r of requests) {
      const res = await fetch(`http://127.0.0.1:${port}${r.path}`, r.init);
      await res.arrayBuffer();
      expect(res.status, `${r.init?.method ?? 'GET'} ${r.path}`).toBe(r.status);
      expect(res.headers.get('cache-control'), r.path).toBe('no-store');
      expect(res.headers.get('x-content-type-options'), r.path).toBe('nosniff');
    }
    // Node's own answers (a request it cannot parse) carry them too.
    const bad = await rawClient(port, ['NOT HTTP AT ALL\r\n\r\n'], 0).done;
    expect(headersOf(bad.received)).toMatchObject({ status: 400, headers: { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } });
  });

  it('refuses the same body size everywhere, declared or chunked', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/v1/openapi.json', '/v1/tasks/T-x/outcome', '/console', '/nowhere']) {
      const declared = await rawClient(port, [`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${LIMITS.maxBodyBytes + 1}\r\n\r\n`], 0).done;
      expect(headersOf(declared.received).status, path).toBe(413);
      const chunk = 'y'.repeat(LIMITS.maxBodyBytes + 1);
      const chunked = await rawClient(port, [`POST ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`, `${chunk.length.toString(16)}\r\n${chunk}\r\n`], 50).done;
      expect(headersOf(chunked.received).status, path).toBe(413);
    }
    // At the limit a body is read and dropped, and the route answers.
    const fits = await fetch(`http://127.0.0.1:${port}/healthz`, { method: 'POST', body: 'x'.repeat(LIMITS.maxBodyBytes) });
    expect(fits.status).toBe(200);
  });

  it('cuts off a slow-body and a slow-header client while /healthz keeps answering', async () => {
    // One byte every 200 ms: the body would take 20 s, the headers 10 s.
    const slowBody = rawClient(port, [`POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n`, ...'b'.repeat(100)], 200);
    const slowHeaders = rawClient(port, [...'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 's'.repeat(40)], 200);
    let bothClosed = false;
    const closed = Promise.all([slowBody.done, slowHeaders.done]).finally(() => (bothClosed = true));
    const health: { status: number; ms: number }[] = [];
    while (!bothClosed) {
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.text();
      health.push({ status: res.status, ms: performance.now() - t0 });
      await sleep(100);
    }
    const [body, headers] = await closed;
    // The server closed both before they finished sending, with a 408.
    expect(body.closedByServer).toBe(true);
    expect(headersOf(body.received).status).toBe(408);
    expect(headers.closedByServer).toBe(true);
    expect(headersOf(headers.received)).toMatchObject({ status: 408, headers: { 'cache-control': 'no-store' } });
    // Meanwhile every /healthz was answered, each well within a second (a generous bound, not a benchmark).
    expect(health.length).toBeGreaterThan(5);
    expect(health.every((r) => r.status === 200)).toBe(true);
    expect(Math.max(...health.map((r) => r.ms))).toBeLessThan(1_000);
  });

  it('closes connections beyond the cap at once, and serves again once they are gone', async () => {
    // fetch's pooled keep-alive connections count too: let them expire (1 s and Node's 1 s grace).
    await sleep(2_500);
    // Each holder has sent half a request, so the server counts it and waits for the rest.
    const holders = Array.from({ length: LIMITS.maxConnections }, () => rawClient(port, ['GET /healthz HTTP/1.1\r\n'], 0));
    await Promise.all(holders.map((c) => new Promise((r) => c.socket.once('connect', r))));
    await sleep(100);
    const beyond = await rawClient(port, ['GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], 0).done;
    expect(beyond.received).toBe('');
    // The holders were not disturbed by the refusal: none has an answer yet.
    expect(holders.every((c) => !c.socket.destroyed)).toBe(true);
    for (const c of holders) c.socket.destroy();
    await Promise.all(holders.map((c) => c.done));
    // The server notices the closed sockets asynchronously; it serves again.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      const r = await rawClient(port, ['GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], 0).done;
      status = headersOf(r.received).status;
      if (status !== 200) await sleep(100);
    }
    expect(status).toBe(200);
  });

  it('closes half-open requests left alone after the header deadline', async () => {
    const idle = await rawClient(port, ['GET /healthz HTTP/1.1\r\n'], 0).done;
    expect(idle.closedByServer).toBe(false); // it sent its one part and waited
    expect(headersOf(idle.received).status).toBe(408);
  });
});

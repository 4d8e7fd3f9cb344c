import { createServer } from 'node:net';

/** A port nothing listens on right now (the OS picks it), for processes a test starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `n` ports for the nodes of a Redis Cluster: each free, and its cluster bus
 * port (port + 10000) free too, so they are picked below 55536.
 */
export async function freeClusterPorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let tries = 0; out.length < n; tries++) {
    if (tries > 500) throw new Error(`no ${n} free port pairs (port, port + 10000) between 20000 and 29999`);
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (!out.includes(port) && (await canListen(port)) && (await canListen(port + 10_000))) out.push(port);
  }
  return out;
}

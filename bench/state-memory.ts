// What the encoded states of bench/state-size.ts --blobs cost in Redis:
// each is SET under a key of the service's shape (`cq:{C000001}`, the length
// of `cs:{C000001}`), asked for MEMORY USAGE (SAMPLES 0) and deleted again,
// a few hundred at a time. Touches the shared Redis: run it under the stack lock.
//
//   flock /tmp/carestream-stack.lock npm exec -- node bench/state-memory.ts FILE
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

const file = process.argv[2];
if (!file) throw new Error('usage: node bench/state-memory.ts FILE (from bench/state-size.ts --blobs FILE)');
const data = readFileSync(file);
const blobs: Buffer[] = [];
for (let at = 0; at < data.length; ) {
  const n = data.readUInt32BE(at);
  blobs.push(data.subarray(at + 4, at + 4 + n));
  at += 4 + n;
}
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
await redis.connect();
const usage: number[] = [];
try {
  for (let i = 0; i < blobs.length; i += 250) {
    const batch = blobs.slice(i, i + 250);
    const keys = batch.map((_, j) => `cq:{C${String(i + j + 1).padStart(6, '0')}}`);
    const p = redis.pipeline();
    batch.forEach((b, j) => p.set(keys[j]!, b));
    keys.forEach((k) => p.call('MEMORY', 'USAGE', k, 'SAMPLES', '0'));
    p.del(...keys);
    const res = await p.exec();
    for (let j = 0; j < batch.length; j++) usage.push(Number(res![batch.length + j]![1]));
  }
} finally {
  redis.disconnect();
}
usage.sort((a, b) => a - b);
const q = (p: number) => usage[Math.min(usage.length - 1, Math.floor(p * usage.length))]!;
const mean = usage.reduce((a, x) => a + x, 0) / usage.length;
console.log(`${usage.length} states: MEMORY USAGE mean ${mean.toFixed(1)}  p50 ${q(0.5)}  p95 ${q(0.95)}  p99 ${q(0.99)}  max ${usage[usage.length - 1]} B`);

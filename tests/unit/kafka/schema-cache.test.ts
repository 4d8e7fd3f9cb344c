import { describe, expect, it } from 'vitest';
import { avroTypeFor } from '../../../src/events/avro.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { ConcurrencyLimit, LruCache, SingleFlight } from '../../../src/kafka/schema-cache.ts';
import { SCHEMA_CACHE_DEFAULTS } from '../../../src/config.ts';
import type { SchemaFetch } from '../../../src/kafka/serde.ts';
import { Serde } from '../../../src/kafka/serde.ts';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { SCHEMA_IDS, framed, inputSchemas, sampleValues, testSerde } from './avro-fixtures.ts';
import { frame } from '../../../src/events/avro.ts';

describe('LruCache', () => {
  it('evicts the least recently used entry beyond its capacity', () => {
    const c = new LruCache<string, number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1); // a is now the most recent
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
    expect(c.size).toBe(2);
  });

  it('forgets an entry once its TTL has passed', () => {
    let now = 1_000;
    const c = new LruCache<string, boolean>(10, () => now);
    c.set('miss', true, 500);
    c.set('hit', true);
    now = 1_499;
    expect(c.get('miss')).toBe(true);
    now = 1_500;
    expect(c.get('miss')).toBeUndefined();
    expect(c.size).toBe(1);
    now = 10 ** 12;
    expect(c.get('hit')).toBe(true);
  });
});

describe('ConcurrencyLimit and SingleFlight', () => {
  it('never runs more than the limit at once, and runs everything', async () => {
    const limit = new ConcurrencyLimit(3);
    let active = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        limit.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, i % 3));
          active--;
          return i;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(peak).toBe(3);
  });

  it('shares one pending call per key and forgets it when it settles', async () => {
    const sf = new SingleFlight<number, number>();
    let calls = 0;
    const task = async () => {
      calls++;
      await new Promise((r) => setImmediate(r));
      return calls;
    };
    const [a, b] = await Promise.all([sf.run(1, task), sf.run(1, task)]);
    expect([a, b, calls]).toEqual([1, 1, 1]);
    expect(sf.inFlight).toBe(0);
    await sf.run(1, task);
    expect(calls).toBe(2);
  });
});

describe('the Serde schema cache against a counting schema source', () => {
  const topic = TOPICS.transactions;
  const payload = avroTypeFor(topic).toBuffer(sampleValues(topic)[0]);

  it('1,000 unknown ids, five records each, at once: one request per id, all UNKNOWN_SCHEMA, then none', async () => {
    const { serde, calls } = testSerde();
    const ids = Array.from({ length: 1_000 }, (_, i) => 50_000 + i);
    const records = ids.flatMap((id) => Array.from({ length: 5 }, () => frame(id, payload)));
    const results = await Promise.all(records.map((r) => serde.decode(topic, r)));
    expect(calls.length).toBe(1_000);
    expect(new Set(calls).size).toBe(1_000);
    for (const [i, d] of results.entries()) {
      expect(d).toEqual({ ok: false, reason: 'UNKNOWN_SCHEMA', message: `schema id ${ids[Math.floor(i / 5)]} is unknown to the registry or not compatible with ${topic}` });
    }
    expect(serde.cacheStats).toMatchObject({ unknown: 1_000, registryRequests: 1_000, inFlight: 0 });
    // Within the TTL, the same ids again cost nothing.
    await Promise.all(records.map((r) => serde.decode(topic, r)));
    expect(calls.length).toBe(1_000);
  });

  it('bounds memory: at most SCHEMA_MISS_CACHE_SIZE unknown ids and SCHEMA_CACHE_SIZE found schemas are kept', async () => {
    const cache = { ...SCHEMA_CACHE_DEFAULTS, size: 2, missSize: 100 };
    const { serde } = testSerde(inputSchemas(), { cache });
    for (let id = 60_000; id < 61_000; id++) await serde.decode(topic, frame(id, payload));
    expect(serde.cacheStats.unknown).toBe(100);
    for (const t of [TOPICS.transactions, TOPICS.channelEvents, TOPICS.customerProfiles]) {
      const d = await serde.decode(t, framed(t, avroTypeFor(t).toBuffer(sampleValues(t)[0])));
      expect(d.ok).toBe(true);
    }
    expect(serde.cacheStats.found).toBe(2);
  });

  it('asks about an unknown id again once its TTL has passed, and finds a schema registered meanwhile', async () => {
    let now = 0;
    const schemas = inputSchemas();
    const { serde, calls } = testSerde(schemas, { cache: { ...SCHEMA_CACHE_DEFAULTS, missTtlMs: 60_000 }, now: () => now });
    const late = frame(777, payload);
    expect(await serde.decode(topic, late)).toMatchObject({ ok: false, reason: 'UNKNOWN_SCHEMA' });
    schemas.set(777, schemas.get(SCHEMA_IDS[topic])!);
    now = 59_999;
    expect(await serde.decode(topic, late)).toMatchObject({ ok: false, reason: 'UNKNOWN_SCHEMA' });
    now = 60_000;
    expect(await serde.decode(topic, late)).toMatchObject({ ok: true });
    expect(calls).toEqual([777, 777]);
  });

  it('one request for a burst of records with a new known id; never more than SCHEMA_REGISTRY_MAX_IN_FLIGHT at once', async () => {
    let active = 0;
    let peak = 0;
    const calls: number[] = [];
    const schemas = inputSchemas();
    const fetchSchema: SchemaFetch = async (id) => {
      calls.push(id);
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 1));
      active--;
      const schema = schemas.get(id);
      return schema === undefined ? null : { schema };
    };
    const serde = new Serde({} as SchemaRegistry, 'http://registry.invalid', { fetchSchema, cache: { ...SCHEMA_CACHE_DEFAULTS, maxInFlight: 2 } });
    const burst = await Promise.all(Array.from({ length: 5_000 }, () => serde.decode(topic, framed(topic, payload))));
    expect(burst.every((d) => d.ok)).toBe(true);
    expect(calls).toEqual([SCHEMA_IDS[topic]]);
    await Promise.all(Array.from({ length: 200 }, (_, i) => serde.decode(topic, frame(90_000 + i, payload))));
    expect(calls.length).toBe(201);
    expect(peak).toBe(2);
  });

  it('a registry failure is not remembered: the decode rejects (the chunk is retried) and the next one asks again', async () => {
    let fail = true;
    const schemas = inputSchemas();
    const fetchSchema: SchemaFetch = async (id) => {
      if (fail) throw new Error('registry answered 503 for schema id ' + id);
      return { schema: schemas.get(id)! };
    };
    const serde = new Serde({} as SchemaRegistry, 'http://registry.invalid', { fetchSchema });
    await expect(serde.decode(topic, framed(topic, payload))).rejects.toThrow(/503/);
    fail = false;
    expect(await serde.decode(topic, framed(topic, payload))).toMatchObject({ ok: true });
    expect(serde.cacheStats.unknown).toBe(0);
  });
});

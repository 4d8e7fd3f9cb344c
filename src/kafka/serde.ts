import avro from 'avsc';
import type { Type } from 'avsc';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { DECODE_DEFAULTS, SCHEMA_CACHE_DEFAULTS, type Config } from '../config.ts';
import { avroShapeOf, checkAvroPayload, type AvroShape, type DecodeLimits } from '../events/avro-guard.ts';
import { avroTypeFor, avroTypeForSchema, frame, unframe } from '../events/avro.ts';
import { valueSubject, type Topic } from '../events/topics.ts';
import type { EventOf } from '../events/types.ts';
import type { DeadLetterReason } from '../events/types.ts';
import { refusalMessage, registryConnection, registryGet, type RegistryConnection } from '../security/registry-access.ts';
import { ConcurrencyLimit, LruCache, SingleFlight } from './schema-cache.ts';

export type Decoded<T extends Topic> =
  | { readonly ok: true; readonly value: EventOf<T>; readonly schemaId: number }
  | { readonly ok: false; readonly reason: DeadLetterReason; readonly message: string };

/** A writer schema by id as the registry gives it; null when the registry does not know the id. */
export type SchemaFetch = (id: number) => Promise<{ readonly schema: string; readonly schemaType?: string } | null>;

export interface SerdeOptions {
  readonly limits?: DecodeLimits;
  readonly cache?: Config['schemaCache'];
  /** Where writer schemas come from; by default the registry of the connection (GET /schemas/ids/{id}). */
  readonly fetchSchema?: SchemaFetch;
  readonly now?: () => number;
}

/** The Serde options a Config asks for. */
export function serdeOptions(config: Pick<Config, 'decode' | 'schemaCache'>): SerdeOptions {
  return { limits: config.decode, cache: config.schemaCache };
}

interface WriterEntry {
  readonly reader: Type;
  readonly resolver: avro.Resolver;
  /** The writer schema's shape, which the bytes are checked against before avsc reads them. */
  readonly shape: AvroShape;
}

/**
 * Confluent-framed Avro in and out. Writers' schemas are fetched from the
 * registry once per id and resolved against our reader schema, so records
 * written with an older (BACKWARD-compatible) version decode into today's shape.
 *
 * Memory and registry load are bounded whatever ids the records carry: found
 * schemas live in an LRU, unknown ids in another LRU for a TTL, a lookup in
 * flight is shared by every record asking for the same id, and only a few
 * lookups go to the registry at once.
 */
export class Serde {
  private readonly registry: SchemaRegistry;
  private readonly connection: RegistryConnection;
  private readonly writerIds = new Map<Topic, number>();
  private readonly limits: DecodeLimits;
  private readonly cacheSettings: Config['schemaCache'];
  private readonly fetchSchema: SchemaFetch;
  private readonly found: LruCache<string, WriterEntry>;
  private readonly unknown: LruCache<string, true>;
  /** Per topic and id, so a burst of records with a new id parses and resolves it once. */
  private readonly resolving = new SingleFlight<string, WriterEntry | null>();
  /** Per id: one registry request however many topics or records ask. */
  private readonly fetching = new SingleFlight<number, Awaited<ReturnType<SchemaFetch>>>();
  private readonly registryLimit: ConcurrencyLimit;
  private registryRequests = 0;

  /** `connection`: the registry's URL, or its URL with credentials and CA (createRegistryConnection). */
  constructor(registry: SchemaRegistry, connection: string | RegistryConnection, options: SerdeOptions = {}) {
    this.registry = registry;
    this.connection = typeof connection === 'string' ? registryConnection(connection, undefined) : connection;
    this.limits = options.limits ?? DECODE_DEFAULTS;
    this.cacheSettings = options.cache ?? SCHEMA_CACHE_DEFAULTS;
    this.fetchSchema = options.fetchSchema ?? ((id) => this.fetchFromRegistry(id));
    const now = options.now ?? Date.now;
    this.found = new LruCache(this.cacheSettings.size, now);
    this.unknown = new LruCache(this.cacheSettings.missSize, now);
    this.registryLimit = new ConcurrencyLimit(this.cacheSettings.maxInFlight);
  }

  /** How much the schema cache holds and has cost: for tests and diagnostics. */
  get cacheStats(): { readonly found: number; readonly unknown: number; readonly registryRequests: number; readonly inFlight: number } {
    return { found: this.found.size, unknown: this.unknown.size, registryRequests: this.registryRequests, inFlight: this.fetching.inFlight };
  }

  /** Remembers the ids registerSchemas() got, so encoding needs no lookup. */
  useIds(ids: Readonly<Partial<Record<Topic, number>>>): void {
    for (const [t, id] of Object.entries(ids)) if (id !== undefined) this.writerIds.set(t as Topic, id);
  }

  async schemaIdFor(topic: Topic): Promise<number> {
    let id = this.writerIds.get(topic);
    if (id === undefined) {
      id = await this.registry.getLatestSchemaId(valueSubject(topic));
      this.writerIds.set(topic, id);
    }
    return id;
  }

  async encode<T extends Topic>(topic: T, value: EventOf<T>): Promise<Buffer> {
    return frame(await this.schemaIdFor(topic), avroTypeFor(topic).toBuffer(value));
  }

  /** Synchronous encode for hot paths, once schemaIdFor(topic) has been awaited. */
  encodeKnown<T extends Topic>(topic: T, value: EventOf<T>): Buffer {
    const id = this.writerIds.get(topic);
    if (id === undefined) throw new Error(`schema id of ${topic} not loaded`);
    return frame(id, avroTypeFor(topic).toBuffer(value));
  }

  /**
   * Never throws for bad input: every failure is a dead-letter reason with a
   * message free of personal data. Rejects only when the registry cannot be
   * reached (the caller retries).
   */
  async decode<T extends Topic>(topic: T, bytes: Buffer | null): Promise<Decoded<T>> {
    if (!bytes) return { ok: false, reason: 'BAD_FRAMING', message: 'record has no value' };
    const u = unframe(bytes);
    if ('error' in u) return { ok: false, reason: 'BAD_FRAMING', message: u.message };
    const r = await this.writerEntry(topic, u.schemaId);
    if (!r) return { ok: false, reason: 'UNKNOWN_SCHEMA', message: `schema id ${u.schemaId} is unknown to the registry or not compatible with ${topic}` };
    // avsc trusts declared counts and lengths (see avro-guard.ts): checked first.
    const refused = checkAvroPayload(u.payload, r.shape, this.limits);
    if (refused !== undefined) return { ok: false, reason: 'AVRO_DECODE', message: `Avro payload refused before decoding with schema ${u.schemaId}: ${refused}` };
    try {
      return { ok: true, value: r.reader.fromBuffer(u.payload, r.resolver) as EventOf<T>, schemaId: u.schemaId };
    } catch (err) {
      // avsc's messages describe the position, not the data.
      return { ok: false, reason: 'AVRO_DECODE', message: `Avro payload does not decode with schema ${u.schemaId}: ${String((err as Error)?.message).slice(0, 200)}` };
    }
  }

  private async writerEntry(topic: Topic, id: number): Promise<WriterEntry | null> {
    const key = `${topic}#${id}`;
    const hit = this.found.get(key);
    if (hit) return hit;
    if (this.unknown.get(key)) return null;
    return this.resolving.run(key, async () => {
      const entry = await this.loadWriter(topic, id);
      if (entry) this.found.set(key, entry);
      else this.unknown.set(key, true, this.cacheSettings.missTtlMs);
      return entry;
    });
  }

  /** The reader, resolver and shape for a writer schema id; null when the registry does not know it or it does not fit the topic. */
  private async loadWriter(topic: Topic, id: number): Promise<WriterEntry | null> {
    const body = await this.fetching.run(id, () =>
      this.registryLimit.run(() => {
        this.registryRequests++;
        return this.fetchSchema(id);
      }),
    );
    if (!body) return null;
    if (body.schemaType && body.schemaType !== 'AVRO') return null;
    const reader = avroTypeFor(topic);
    try {
      const writer = avroTypeForSchema(JSON.parse(body.schema));
      return { reader, resolver: reader.createResolver(writer), shape: avroShapeOf(writer) };
    } catch {
      return null;
    }
  }

  private async fetchFromRegistry(id: number): ReturnType<SchemaFetch> {
    const res = await registryGet(this.connection, `/schemas/ids/${id}`);
    if (res.status === 404) return null;
    if (res.status < 200 || res.status >= 300) throw new Error(refusalMessage(res.status, this.connection) ?? `registry answered ${res.status} for schema id ${id}`);
    return JSON.parse(res.body) as { schema: string; schemaType?: string };
  }
}

import avro from 'avsc';
import type { Type } from 'avsc';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { avroTypeFor, avroTypeForSchema, frame, unframe } from '../events/avro.ts';
import { valueSubject, type Topic } from '../events/topics.ts';
import type { EventOf } from '../events/types.ts';
import type { DeadLetterReason } from '../events/types.ts';
import { refusalMessage, registryConnection, registryGet, type RegistryConnection } from '../security/registry-access.ts';

export type Decoded<T extends Topic> =
  | { readonly ok: true; readonly value: EventOf<T>; readonly schemaId: number }
  | { readonly ok: false; readonly reason: DeadLetterReason; readonly message: string };

/**
 * Confluent-framed Avro in and out. Writers' schemas are fetched from the
 * registry once per id and resolved against our reader schema, so records
 * written with an older (BACKWARD-compatible) version decode into today's shape.
 */
export class Serde {
  private readonly registry: SchemaRegistry;
  private readonly connection: RegistryConnection;
  private readonly writerIds = new Map<Topic, number>();
  /** Promises, so a burst of records with a new schema id makes one registry request, not thousands. */
  private readonly resolvers = new Map<string, Promise<{ reader: Type; resolver: avro.Resolver } | null>>();

  /** `connection`: the registry's URL, or its URL with credentials and CA (createRegistryConnection). */
  constructor(registry: SchemaRegistry, connection: string | RegistryConnection) {
    this.registry = registry;
    this.connection = typeof connection === 'string' ? registryConnection(connection, undefined) : connection;
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

  /** Never throws: every failure is a dead-letter reason with a message free of personal data. */
  async decode<T extends Topic>(topic: T, bytes: Buffer | null): Promise<Decoded<T>> {
    if (!bytes) return { ok: false, reason: 'BAD_FRAMING', message: 'record has no value' };
    const u = unframe(bytes);
    if ('error' in u) return { ok: false, reason: 'BAD_FRAMING', message: u.message };
    const key = `${topic}#${u.schemaId}`;
    let pending = this.resolvers.get(key);
    if (!pending) {
      pending = this.loadResolver(topic, u.schemaId);
      this.resolvers.set(key, pending);
      // A registry that could not be reached is asked again next time.
      pending.catch(() => this.resolvers.delete(key));
    }
    const r = await pending;
    if (!r) return { ok: false, reason: 'UNKNOWN_SCHEMA', message: `schema id ${u.schemaId} is unknown to the registry or not compatible with ${topic}` };
    try {
      return { ok: true, value: r.reader.fromBuffer(u.payload, r.resolver) as EventOf<T>, schemaId: u.schemaId };
    } catch (err) {
      // avsc's messages describe the position, not the data.
      return { ok: false, reason: 'AVRO_DECODE', message: `Avro payload does not decode with schema ${u.schemaId}: ${(err as Error).message.slice(0, 200)}` };
    }
  }

  /** The reader and resolver for a writer schema id; null when the registry does not know it. */
  private async loadResolver(topic: Topic, id: number): Promise<{ reader: Type; resolver: avro.Resolver } | null> {
    const res = await registryGet(this.connection, `/schemas/ids/${id}`);
    if (res.status === 404) return null;
    if (res.status < 200 || res.status >= 300) throw new Error(refusalMessage(res.status, this.connection) ?? `registry answered ${res.status} for schema id ${id}`);
    const body = JSON.parse(res.body) as { schema: string; schemaType?: string };
    if (body.schemaType && body.schemaType !== 'AVRO') return null;
    const reader = avroTypeFor(topic);
    try {
      const writer = avroTypeForSchema(JSON.parse(body.schema));
      return { reader, resolver: reader.createResolver(writer) };
    } catch {
      return null;
    }
  }
}

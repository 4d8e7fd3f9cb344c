// An in-memory container runtime client for the decisions of src/stack: it
// keeps containers and networks like a runtime would and records every call.
// It fakes only the runtime's API; nothing here stands in for Kafka.
import type { ContainerRuntime, ContainerSpec, FoundContainer } from '../../../src/stack/containers.ts';

export interface FakeContainer extends FoundContainer {
  readonly env: Readonly<Record<string, string>>;
  readonly network: string | undefined;
  readonly aliases: readonly string[];
  readonly bindHost: string | undefined;
}

export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, Readonly<Record<string, string>>>();
  readonly calls: string[] = [];
  private next = 1;

  /** A container the fake "already had", e.g. someone else's or one left by an earlier run. */
  seed(c: Omit<FakeContainer, 'id' | 'env' | 'network' | 'aliases' | 'bindHost'> & Partial<FakeContainer>): string {
    const id = c.id ?? `seed${this.next++}`;
    this.containers.set(id, { env: {}, network: undefined, aliases: [], bindHost: undefined, ...c, id });
    return id;
  }

  async listByLabel(label: string, value: string): Promise<FoundContainer[]> {
    this.calls.push(`list ${label}=${value}`);
    return [...this.containers.values()].filter((c) => c.labels[label] === value).map((c) => ({ ...c, hostPorts: c.running ? c.hostPorts : [] }));
  }

  async ensureNetwork(name: string, labels: Readonly<Record<string, string>>): Promise<void> {
    if (this.networks.has(name)) return;
    this.calls.push(`network create ${name}`);
    this.networks.set(name, labels);
  }

  async removeNetwork(name: string): Promise<boolean> {
    this.calls.push(`network remove ${name}`);
    if ([...this.containers.values()].some((c) => c.network === name)) throw new Error(`network ${name} has active endpoints`);
    return this.networks.delete(name);
  }

  async run(spec: ContainerSpec, network: string): Promise<string> {
    this.calls.push(`run ${spec.name}`);
    if (!this.networks.has(network)) throw new Error(`network ${network} not found`);
    if ([...this.containers.values()].some((c) => c.name === spec.name)) throw new Error(`Conflict: the container name "/${spec.name}" is already in use`);
    const id = `c${this.next++}`;
    this.containers.set(id, {
      id,
      name: spec.name,
      image: spec.image,
      labels: { ...spec.labels },
      running: true,
      hostPorts: [spec.port.host],
      env: spec.env,
      network,
      aliases: spec.aliases,
      bindHost: '127.0.0.1',
    });
    return id;
  }

  private set(id: string, running: boolean): void {
    const c = this.containers.get(id);
    if (!c) throw new Error(`no such container ${id}`);
    this.containers.set(id, { ...c, running });
  }

  async start(id: string): Promise<void> {
    this.calls.push(`start ${this.containers.get(id)?.name ?? id}`);
    this.set(id, true);
  }

  async stop(id: string): Promise<void> {
    this.calls.push(`stop ${this.containers.get(id)?.name ?? id}`);
    this.set(id, false);
  }

  async remove(id: string): Promise<void> {
    this.calls.push(`remove ${this.containers.get(id)?.name ?? id}`);
    if (!this.containers.delete(id)) throw new Error(`no such container ${id}`);
  }

  /** Host ports published by running containers. */
  publishedPorts(): Set<number> {
    return new Set([...this.containers.values()].filter((c) => c.running).flatMap((c) => c.hostPorts));
  }
}

import type Dockerode from 'dockerode';
import type { ContainerRuntime, ContainerSpec, FoundContainer } from './containers.ts';

/**
 * The ContainerRuntime of containers.ts on the Docker API (Docker or Podman),
 * through the client testcontainers finds (DOCKER_HOST, the socket, a
 * testcontainers config). Only plumbing: every decision is in containers.ts.
 * Returns undefined when no runtime answers.
 *
 * This file cannot run on a machine without a container runtime (this one has
 * none); the decisions it carries out are unit-tested with a fake runtime.
 */
export async function dockerRuntime(): Promise<ContainerRuntime | undefined> {
  let client: Awaited<ReturnType<typeof import('testcontainers')['getContainerRuntimeClient']>>;
  let ImageName: typeof import('testcontainers')['ImageName'];
  try {
    const tc = await import('testcontainers');
    ImageName = tc.ImageName;
    client = await tc.getContainerRuntimeClient();
  } catch {
    return undefined;
  }
  const docker: Dockerode = client.container.dockerode;

  const found = (c: Dockerode.ContainerInfo): FoundContainer => ({
    id: c.Id,
    name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
    image: c.Image,
    labels: c.Labels ?? {},
    running: c.State === 'running',
    hostPorts: (c.Ports ?? []).map((p) => p.PublicPort).filter((p): p is number => typeof p === 'number'),
  });

  return {
    async listByLabel(label, value) {
      const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${label}=${value}`] }) });
      return list.map(found);
    },
    async ensureNetwork(name, labels) {
      const existing = await docker.listNetworks({ filters: JSON.stringify({ name: [name] }) });
      if (existing.some((n) => n.Name === name)) return;
      await docker.createNetwork({ Name: name, Labels: { ...labels }, CheckDuplicate: true });
    },
    async removeNetwork(name) {
      const existing = await docker.listNetworks({ filters: JSON.stringify({ name: [name] }) });
      if (!existing.some((n) => n.Name === name)) return false;
      await docker.getNetwork(name).remove();
      return true;
    },
    async run(spec: ContainerSpec, network: string) {
      const image = ImageName.fromString(spec.image);
      if (!(await client.image.exists(image))) await client.image.pull(image);
      const port = `${spec.port.container}/tcp`;
      const container = await docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
        Labels: { ...spec.labels },
        ExposedPorts: { [port]: {} },
        HostConfig: {
          PortBindings: { [port]: [{ HostIp: '127.0.0.1', HostPort: String(spec.port.host) }] },
          NetworkMode: network,
        },
        NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [...spec.aliases] } } },
      });
      await container.start();
      return container.id;
    },
    async start(id) {
      await docker.getContainer(id).start();
    },
    async stop(id) {
      await docker.getContainer(id).stop();
    },
    async remove(id) {
      await docker.getContainer(id).remove({ force: true, v: true });
    },
  };
}

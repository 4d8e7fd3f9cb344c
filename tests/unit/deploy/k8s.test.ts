import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_PSEUDONYM_KEY, loadConfig, type Config } from '../../../src/config.ts';
import { INPUT_TOPICS } from '../../../src/events/topics.ts';
import { defaultRuleSet, parseRuleSet, RULE_IDS } from '../../../src/rules/config.ts';
import {
  environmentFor,
  exampleSecret,
  podEnvironment,
  K8S_DIR,
  k8sManifests,
  kustomization,
  manifestsOfKind,
  onlyManifest,
  podSpecOf,
  quantity,
  repoFiles,
  selects,
  type Container,
  type PodDisruptionBudgetSpec,
  type Probe,
  type ScaledObjectSpec,
  type ServiceSpec,
  type TriggerAuthenticationSpec,
  type WorkloadSpec,
} from './manifests.ts';

// deploy/k8s must describe a pod that runs: the probes on the listener's
// paths and port, a grace period that outlasts the graceful stop, secrets
// from the Secret, the rule file where RULES_FILE says, and the Service, PDB
// and ScaledObject pointing at that pod and its consumer group. Which
// variables may be set at all is checked in env-vars.test.ts.

const deployment = onlyManifest<WorkloadSpec>('Deployment');
const podLabels = deployment.spec?.template?.metadata?.labels ?? {};
const pod = podSpecOf(deployment)!;
const container: Container = pod.containers.find((c) => c.name === 'carestream')!;
const env = container.env ?? [];
/** The variables as the manifest sets them (secret values stood in for). */
const rawEnv = environmentFor(container);
/** What the service makes of them, with the Secret's and ConfigMap's files mounted. */
const ownKey = 'a-pseudonym-key-of-the-banks-own-0123456789';
const config: Config = loadConfig(podEnvironment(pod, container, { 'pseudonym-key': ownKey }));
const scaledObject = onlyManifest<ScaledObjectSpec>('ScaledObject');
const secretKeys = new Set(Object.keys({ ...exampleSecret.data, ...exampleSecret.stringData }));
const secretName = exampleSecret.metadata.name;

/** A probe's or Service's port, resolved to a number through the container's named ports. */
function portNumber(port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function probePath(probe: Probe | undefined): { path: string | undefined; port: number | undefined } {
  return { path: probe?.httpGet?.path, port: portNumber(probe?.httpGet?.port) };
}

/** The volume mount (and its volume) a file path lies under. */
function mountOf(path: string) {
  const mount = (container.volumeMounts ?? []).find((m) => path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
  return { mount, volume: mount ? pod.volumes?.find((v) => v.name === mount.name) : undefined };
}

/** The key of a Secret or ConfigMap volume that a file under its mount shows. */
function keyAt(path: string, mountPath: string, items: { key: string; path: string }[] | undefined): string | undefined {
  const rel = path.slice(mountPath.replace(/\/$/, '').length + 1);
  return items ? items.find((i) => i.path === rel)?.key : rel;
}

const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|TOKENS|PSEUDONYM_KEY|PRIVATE_KEY)$/;

describe('the checker itself', () => {
  it('reads quantities and selectors', () => {
    expect(quantity('500m')).toBe(0.5);
    expect(quantity('512Mi')).toBe(512 * 2 ** 20);
    expect(quantity('1Gi')).toBeGreaterThan(quantity('512Mi'));
    expect(() => quantity('lots')).toThrow();
    expect(selects({ a: '1' }, { a: '1', b: '2' })).toBe(true);
    expect(selects({ a: '1', c: '3' }, { a: '1', b: '2' })).toBe(false);
    expect(selects({}, { a: '1' })).toBe(false);
  });

  it('takes a stand-in for secret values, so that loadConfig sees every variable', () => {
    const e = environmentFor({ name: 'c', env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] });
    expect(Object.keys(e)).toEqual(['A', 'B']);
    expect(e.B!.length).toBeGreaterThanOrEqual(16);
  });
});

describe('deploy/k8s/kustomization.yaml', () => {
  it('applies every manifest of the folder, and nothing that is not there', () => {
    const files = repoFiles(K8S_DIR).filter((f) => /\.ya?ml$/.test(f));
    const notApplied = ['kustomization.yaml', 'secret.example.yaml'];
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => !notApplied.includes(f)));
  });

  it('gives every document a kind and a name, and leaves the namespace to the kustomization', () => {
    expect(kustomization.namespace).toBeTruthy();
    for (const { file, manifest } of k8sManifests) {
      expect(manifest.apiVersion, file).toBeTruthy();
      expect(manifest.kind, file).toBeTruthy();
      expect(manifest.metadata?.name, file).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(manifest.metadata.namespace, `${file} sets its own namespace`).toBeUndefined();
    }
  });

  it('never applies a Secret: credentials do not live in the repository', () => {
    expect(manifestsOfKind('Secret')).toEqual([]);
  });

  it('sets the image the Deployment names', () => {
    expect(kustomization.images?.map((i) => i.name)).toContain(container.image?.split(':')[0]);
  });
});

describe('Deployment', () => {
  it("has a carestream container that runs the image's command with a V8 heap limit at most half its memory limit", () => {
    expect(container).toBeDefined();
    // deploy/Dockerfile's CMD, with the heap limit between node and the entry point.
    const cmd = /^CMD \[(.*)\]$/m.exec(readFileSync(new URL('../../../deploy/Dockerfile', import.meta.url), 'utf8'))![1]!.split(',').map((s) => JSON.parse(s.trim()) as string);
    expect(cmd).toEqual(['node', 'src/main.ts']);
    const [node, heap, ...rest] = container.command ?? [];
    expect([node, ...rest]).toEqual(cmd);
    const mib = Number(/^--max-old-space-size=(\d+)$/.exec(heap ?? '')?.[1]);
    expect(mib).toBeGreaterThan(0);
    // The bench's catch-up peak was the heap limit plus about 240 MiB (docs/operations/performance.md).
    expect(mib * 2 ** 20).toBeLessThanOrEqual(quantity(container.resources!.limits!.memory!) / 2);
    expect(container.args).toBeUndefined();
  });

  it('has a valid configuration: explicit endpoints, nothing resolved or started', () => {
    expect(config.stack.mode).toBe('explicit');
    expect(config.kafka.brokers?.length).toBeGreaterThan(0);
    expect(config.registry.url).toBeDefined();
    expect(config.redis.url).toBeDefined();
  });

  it('exposes the HTTP listener on HTTP_PORT as the named port http', () => {
    expect(container.ports?.find((p) => p.name === 'http')?.containerPort).toBe(config.httpPort);
  });

  it('probes liveness on /healthz and readiness on /readyz, on the listener', () => {
    expect(probePath(container.livenessProbe)).toEqual({ path: '/healthz', port: config.httpPort });
    expect(probePath(container.readinessProbe)).toEqual({ path: '/readyz', port: config.httpPort });
    // Liveness must not be the readiness check: a Kafka outage would restart every pod.
    expect(container.livenessProbe?.httpGet?.path).not.toBe('/readyz');
    if (container.startupProbe) expect(probePath(container.startupProbe).path).toBe('/healthz');
  });

  it('gives Prometheus the listener as its scrape target', () => {
    const annotations = deployment.spec?.template?.metadata?.annotations ?? {};
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(Number(annotations['prometheus.io/port'])).toBe(config.httpPort);
    expect(annotations['prometheus.io/path']).toBe('/metrics');
  });

  it('requests and limits CPU and memory, requests within limits', () => {
    const { requests = {}, limits = {} } = container.resources ?? {};
    for (const r of ['cpu', 'memory']) {
      expect(requests[r], `requests.${r}`).toBeDefined();
      expect(limits[r], `limits.${r}`).toBeDefined();
      expect(quantity(requests[r]!)).toBeLessThanOrEqual(quantity(limits[r]!));
    }
  });

  it('runs as a user that is not root, without privileges, on a read-only root filesystem', () => {
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    const sc = container.securityContext ?? {};
    expect(sc.runAsUser ?? pod.securityContext?.runAsUser).not.toBe(0);
    expect(sc.privileged ?? false).toBe(false);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.capabilities?.drop).toContain('ALL');
    expect(sc.capabilities?.add ?? []).toEqual([]);
    // It never calls the Kubernetes API.
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('gives the graceful stop (SHUTDOWN_TIMEOUT_MS) time to finish before the kill', () => {
    // Default 30 s on Kubernetes: an unset terminationGracePeriodSeconds is no answer here.
    expect(pod.terminationGracePeriodSeconds).toBeDefined();
    expect(pod.terminationGracePeriodSeconds!).toBeGreaterThan(config.consumer.shutdownTimeoutMs / 1000);
  });

  it('takes secrets from the Secret, never as plain values', () => {
    for (const v of env.filter((e) => SECRET_NAME.test(e.name))) {
      expect(v.value, `${v.name} is set in the manifest`).toBeUndefined();
      expect(v.valueFrom?.secretKeyRef, `${v.name} is not from a Secret`).toBeDefined();
    }
    // The explicit stack refuses the development key; the pod's key is the Secret's.
    expect(config.state.pseudonymKey).not.toBe(DEVELOPMENT_PSEUDONYM_KEY);
    expect(config.state.pseudonymKey).toBe(ownKey);
  });

  it("refuses to start on secret.example.yaml's placeholder key, applied unchanged", () => {
    expect(exampleSecret.stringData?.['pseudonym-key']).toBeDefined();
    expect(() => loadConfig(podEnvironment(pod, container))).toThrow(/the example's placeholder is refused/);
  });

  it('refers only to keys the Secret has (secret.example.yaml)', () => {
    for (const v of env.filter((e) => e.valueFrom?.secretKeyRef)) {
      const ref = v.valueFrom!.secretKeyRef!;
      expect(ref.name, v.name).toBe(secretName);
      expect([...secretKeys], v.name).toContain(ref.key);
    }
  });

  it('points each secret *_FILE setting at a key of a mounted Secret', () => {
    const files = env.filter((e) => e.name.endsWith('_FILE') && SECRET_NAME.test(e.name.slice(0, -'_FILE'.length)));
    expect(files.length).toBeGreaterThan(0);
    for (const v of files) {
      const { mount, volume } = mountOf(v.value ?? '');
      expect(mount, `${v.name}=${v.value} is on no volume`).toBeDefined();
      expect(volume?.secret?.secretName, `${v.name} is not on a Secret volume`).toBe(secretName);
      expect([...secretKeys], v.name).toContain(keyAt(v.value!, mount!.mountPath, volume!.secret!.items));
    }
  });

  it('mounts the Secret read-only and readable by the pod only', () => {
    const volume = pod.volumes?.find((v) => v.secret?.secretName === secretName);
    expect(volume).toBeDefined();
    expect(container.volumeMounts?.find((m) => m.name === volume!.name)?.readOnly).toBe(true);
    // No "other" permission bits.
    expect((volume!.secret!.defaultMode ?? 0o644) & 0o007).toBe(0);
  });

  it('reads RULES_FILE from the rules ConfigMap, mounted so that changes reach the pod', () => {
    const rulesFile = rawEnv.RULES_FILE;
    expect(rulesFile).toBeDefined();
    expect(config.rulesFile).toBeDefined();
    const { mount, volume } = mountOf(rulesFile!);
    expect(volume?.configMap?.name, 'RULES_FILE is not on a ConfigMap volume').toBe(onlyManifest('ConfigMap').metadata.name);
    // A subPath mount never sees ConfigMap updates: the reload on change would never fire.
    expect(mount!.subPath).toBeUndefined();
    const key = keyAt(rulesFile!, mount!.mountPath, volume!.configMap!.items);
    expect(Object.keys(onlyManifest('ConfigMap').data ?? {})).toContain(key);
  });

  it('never runs more pods than partitions during a rollout', () => {
    // A pod beyond TOPIC_PARTITIONS gets no partitions and is never ready, so a
    // surge at the maximum replica count would stall the rollout.
    const maxReplicas = scaledObject.spec?.maxReplicaCount ?? deployment.spec?.replicas ?? 1;
    const surge = deployment.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%';
    if (maxReplicas >= config.topics.partitions) expect(surge).toBe(0);
    expect(deployment.spec?.replicas ?? 1).toBeLessThanOrEqual(config.topics.partitions);
  });

  it('selects its own pods', () => {
    expect(selects(deployment.spec?.selector?.matchLabels, podLabels)).toBe(true);
  });
});

describe('ConfigMap (the rule file)', () => {
  const configMap = onlyManifest('ConfigMap');
  const raw = configMap.data?.['rules.json'] ?? '';

  it('parses with the rule parser and is the shipped rule book', () => {
    const ruleSet = parseRuleSet(JSON.parse(raw));
    expect(ruleSet).toEqual(defaultRuleSet());
  });

  it('writes every rule out, so an overlay sees what it can tune', () => {
    const json = JSON.parse(raw) as { rules?: Record<string, object>; tiers?: object; policy?: object };
    expect(Object.keys(json.rules ?? {}).sort()).toEqual([...RULE_IDS].sort());
    expect(json.tiers).toBeDefined();
    expect(json.policy).toBeDefined();
  });
});

describe('Service', () => {
  const service = onlyManifest<ServiceSpec>('Service');

  it('selects the Deployment\'s pods', () => {
    expect(selects(service.spec?.selector, podLabels)).toBe(true);
  });

  it('forwards to the HTTP listener', () => {
    const port = service.spec?.ports?.find((p) => p.name === 'http');
    expect(port).toBeDefined();
    expect(portNumber(port!.targetPort ?? port!.port)).toBe(config.httpPort);
  });
});

describe('PodDisruptionBudget', () => {
  const pdb = onlyManifest<PodDisruptionBudgetSpec>('PodDisruptionBudget');

  it('selects exactly the Deployment\'s pods', () => {
    expect(pdb.spec?.selector?.matchLabels).toEqual(deployment.spec?.selector?.matchLabels);
    expect(selects(pdb.spec?.selector?.matchLabels, podLabels)).toBe(true);
  });

  it('lets voluntary disruptions through, one at a time', () => {
    const { maxUnavailable, minAvailable } = pdb.spec ?? {};
    expect(maxUnavailable === undefined).not.toBe(minAvailable === undefined);
    if (maxUnavailable !== undefined) expect(maxUnavailable).toBe(1);
    // minAvailable as high as the smallest replica count would block every drain.
    if (typeof minAvailable === 'number') expect(minAvailable).toBeLessThan(scaledObject.spec?.minReplicaCount ?? 1);
  });
});

describe('KEDA ScaledObject and TriggerAuthentication', () => {
  const spec = scaledObject.spec ?? {};
  const triggers = spec.triggers ?? [];

  it('scales the Deployment', () => {
    expect(spec.scaleTargetRef?.name).toBe(deployment.metadata.name);
    expect(spec.scaleTargetRef?.kind ?? 'Deployment').toBe('Deployment');
  });

  it('reads the lag of the configured consumer group on every input topic', () => {
    expect(triggers.length).toBeGreaterThan(0);
    for (const t of triggers) {
      expect(t.type).toBe('kafka');
      expect(t.metadata?.consumerGroup).toBe(config.kafka.groupId);
      expect(t.metadata?.bootstrapServers).toBe(config.kafka.brokers!.join(','));
      expect(Number(t.metadata?.lagThreshold)).toBeGreaterThan(0);
      expect(t.metadata?.allowIdleConsumers ?? 'false').toBe('false');
    }
    expect(triggers.map((t) => t.metadata?.topic).sort()).toEqual([...INPUT_TOPICS].sort());
  });

  it('stays within the partition count and never scales to zero', () => {
    expect(spec.maxReplicaCount).toBeDefined();
    expect(spec.maxReplicaCount!).toBeLessThanOrEqual(config.topics.partitions);
    expect(spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(spec.minReplicaCount!).toBeLessThanOrEqual(spec.maxReplicaCount!);
  });

  it('logs in to Kafka as the Deployment does: same mechanism, TLS, user, password and CA', () => {
    const KEDA_SASL: Record<string, string> = { 'scram-sha-256': 'scram_sha256', 'scram-sha-512': 'scram_sha512', plain: 'plaintext' };
    const sasl = config.security.kafka.sasl;
    const auth = onlyManifest<TriggerAuthenticationSpec>('TriggerAuthentication').spec?.secretTargetRef ?? [];
    const keyOf = (parameter: string) => auth.find((r) => r.parameter === parameter)?.key;
    /** The Secret key behind a variable: a secretKeyRef, or the file a *_FILE path names. */
    const secretKeyOf = (name: string): string | undefined => {
      const v = env.find((e) => e.name === name);
      if (v?.valueFrom?.secretKeyRef) return v.valueFrom.secretKeyRef.key;
      if (!v?.value) return undefined;
      const { mount, volume } = mountOf(v.value);
      return mount && volume?.secret ? keyAt(v.value, mount.mountPath, volume.secret.items) : undefined;
    };
    for (const t of triggers) {
      expect(t.metadata?.sasl ?? 'none').toBe(sasl ? KEDA_SASL[sasl.mechanism] : 'none');
      expect(t.metadata?.tls ?? 'disable').toBe(config.security.kafka.ssl ? 'enable' : 'disable');
    }
    if (sasl) {
      expect(keyOf('username')).toBe(secretKeyOf('KAFKA_SASL_USERNAME'));
      expect(keyOf('password')).toBe(secretKeyOf('KAFKA_SASL_PASSWORD_FILE') ?? secretKeyOf('KAFKA_SASL_PASSWORD'));
    }
    if (config.security.kafka.ssl?.ca) expect(keyOf('ca')).toBe(secretKeyOf('KAFKA_SSL_CA_FILE'));
  });

  it('logs in with a TriggerAuthentication whose secrets exist', () => {
    const auths = manifestsOfKind<TriggerAuthenticationSpec>('TriggerAuthentication');
    for (const t of triggers) {
      const name = t.authenticationRef?.name;
      expect(name).toBeDefined();
      expect(auths.map((a) => a.metadata.name)).toContain(name);
    }
    for (const a of auths) {
      for (const ref of a.spec?.secretTargetRef ?? []) {
        expect(ref.name, ref.parameter).toBe(secretName);
        expect([...secretKeys], ref.parameter).toContain(ref.key);
      }
    }
  });
});

describe('secret.example.yaml', () => {
  it('is a Secret whose every key is used by the Deployment or by KEDA', () => {
    expect(exampleSecret.kind).toBe('Secret');
    const used = new Set<string>();
    for (const v of env) {
      if (v.valueFrom?.secretKeyRef) used.add(v.valueFrom.secretKeyRef.key);
      if (v.name.endsWith('_FILE') && v.value?.startsWith('/')) {
        const { mount, volume } = mountOf(v.value);
        if (volume?.secret) used.add(keyAt(v.value, mount!.mountPath, volume.secret.items) ?? '');
      }
    }
    for (const a of manifestsOfKind<TriggerAuthenticationSpec>('TriggerAuthentication')) {
      for (const ref of a.spec?.secretTargetRef ?? []) used.add(ref.key);
    }
    expect([...secretKeys].filter((k) => !used.has(k)), 'keys nothing reads').toEqual([]);
  });
});

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

// Reading the deployment files for the deploy tests: the Kubernetes manifests
// the kustomization applies, and small helpers over their shapes. Only the
// fields the tests look at are typed.

export const ROOT = new URL('../../../', import.meta.url);
export const K8S_DIR = 'deploy/k8s/';

export const readRepoFile = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8');
export const repoFiles = (dir: string): string[] => readdirSync(new URL(dir, ROOT)).sort();

export type Labels = Readonly<Record<string, string>>;

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { resource: string };
  };
}

export interface Probe {
  httpGet?: { path?: string; port?: number | string };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  env?: EnvVar[];
  envFrom?: unknown[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
}

export interface Volume {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[] };
  secret?: { secretName: string; items?: { key: string; path: string }[]; defaultMode?: number };
  emptyDir?: object;
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number; fsGroup?: number };
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
}

export interface Manifest<Spec = unknown> {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Labels };
  spec?: Spec;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  automountServiceAccountToken?: boolean;
}

/**
 * Every YAML document of a file, as plain objects (empty documents dropped).
 * Read as YAML 1.1, as Kubernetes reads manifests: `0440` is octal there and
 * `yes` a boolean.
 */
export function parseManifests(text: string, file = 'manifest'): Manifest[] {
  return parseAllDocuments(text, { version: '1.1' }).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const js: unknown = doc.toJS();
    return js === null || js === undefined ? [] : [js as Manifest];
  });
}

export interface Kustomization {
  namespace?: string;
  resources: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

export const kustomization = parse(readRepoFile(`${K8S_DIR}kustomization.yaml`), { version: '1.1' }) as Kustomization;

/** The documents `kubectl apply -k deploy/k8s` applies, in order, with the file each came from. */
export const k8sManifests: { file: string; manifest: Manifest }[] = kustomization.resources.flatMap((file) =>
  parseManifests(readRepoFile(K8S_DIR + file), file).map((manifest) => ({ file, manifest })),
);

/** The example Secret (never applied): which keys the real one must have. */
export const exampleSecret: Manifest = parseManifests(readRepoFile(`${K8S_DIR}secret.example.yaml`))[0]!;

/** The manifests of a kind; `Spec` is what the caller expects their spec to hold. */
export function manifestsOfKind<Spec = unknown>(kind: string): Manifest<Spec>[] {
  return k8sManifests.map((m) => m.manifest).filter((m) => m.kind === kind) as Manifest<Spec>[];
}

/** The one manifest of a kind; throws when there is none or more than one. */
export function onlyManifest<Spec = unknown>(kind: string): Manifest<Spec> {
  const all = manifestsOfKind<Spec>(kind);
  if (all.length !== 1) throw new Error(`expected one ${kind} in ${K8S_DIR}, found ${all.length}`);
  return all[0]!;
}

export interface WorkloadSpec {
  replicas?: number;
  selector?: { matchLabels?: Labels };
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
  template?: { metadata?: { labels?: Labels; annotations?: Labels }; spec?: PodSpec };
  jobTemplate?: { spec?: { template?: { spec?: PodSpec } } };
}

export interface ServiceSpec {
  selector?: Labels;
  ports?: { name?: string; port: number; targetPort?: number | string; protocol?: string }[];
}

export interface PodDisruptionBudgetSpec {
  selector?: { matchLabels?: Labels };
  maxUnavailable?: number | string;
  minAvailable?: number | string;
}

export interface ScaledObjectSpec {
  scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string };
  minReplicaCount?: number;
  maxReplicaCount?: number;
  triggers?: { type: string; metadata?: Record<string, string>; authenticationRef?: { name: string; kind?: string } }[];
}

export interface TriggerAuthenticationSpec {
  secretTargetRef?: { parameter: string; name: string; key: string }[];
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet']);

/** The pod spec of a workload (Deployment, StatefulSet, ...), or of a CronJob's job. */
export function podSpecOf(m: Manifest): PodSpec | undefined {
  const spec = m.spec as WorkloadSpec | undefined;
  if (WORKLOAD_KINDS.has(m.kind)) return spec?.template?.spec;
  if (m.kind === 'CronJob') return spec?.jobTemplate?.spec?.template?.spec;
  if (m.kind === 'Pod') return m.spec as PodSpec | undefined;
  return undefined;
}

/** Every container (init containers too) of every workload the kustomization applies, with its pod. */
export function k8sContainers(): { workload: string; pod: PodSpec; container: Container }[] {
  return k8sManifests.flatMap(({ manifest }) => {
    const pod = podSpecOf(manifest);
    if (!pod) return [];
    return [...(pod.initContainers ?? []), ...pod.containers].map((container) => ({ workload: `${manifest.kind}/${manifest.metadata.name}`, pod, container }));
  });
}

/** Whether every key/value of a label selector is among the labels (an empty selector selects nothing here). */
export function selects(selector: Labels | undefined, labels: Labels | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

/** A Kubernetes quantity (`500m`, `2`, `512Mi`, `1G`) as a number of base units. */
export function quantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q.trim());
  if (!m) throw new Error(`not a quantity: ${q}`);
  const factor: Record<string, number> = {
    '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
  };
  return Number(m[1]) * factor[m[2] ?? '']!;
}

/** The files a Secret or ConfigMap volume shows, by path in the mount; undefined for other volumes. */
export function volumeFiles(volume: Volume | undefined): Record<string, string> | undefined {
  let data: Record<string, string> | undefined;
  let items: { key: string; path: string }[] | undefined;
  if (volume?.secret) {
    // The repository has only the example of the Secret: its keys stand for the real ones.
    if (volume.secret.secretName !== exampleSecret.metadata.name) return undefined;
    data = {
      ...Object.fromEntries(Object.entries(exampleSecret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])),
      ...exampleSecret.stringData,
    };
    items = volume.secret.items;
  } else if (volume?.configMap) {
    const name = volume.configMap.name;
    data = k8sManifests.find(({ manifest: m }) => m.kind === 'ConfigMap' && m.metadata.name === name)?.manifest.data;
    items = volume.configMap.items;
  }
  if (!data) return undefined;
  const files = data;
  return items ? Object.fromEntries(items.map((i) => [i.path, files[i.key] ?? ''])) : { ...files };
}

/**
 * The container's environment with its Secret and ConfigMap volumes laid out
 * in a temporary folder, and paths into them pointing there: loadConfig reads
 * the files a *_FILE setting names, so it can only be run on the pod as
 * Kubernetes would mount it.
 */
export function podEnvironment(pod: PodSpec, container: Container, replaced: Record<string, string> = {}): Record<string, string> {
  const root = mkdtempSync(join(tmpdir(), 'cs-pod-'));
  const mounts = (container.volumeMounts ?? []).map((m) => ({ ...m, mountPath: m.mountPath.replace(/\/$/, '') }));
  for (const mount of mounts) {
    const files = volumeFiles(pod.volumes?.find((v) => v.name === mount.name));
    for (const [path, example] of Object.entries(files ?? {})) {
      // What an operator puts in place of an example's placeholder.
      const text = replaced[path] ?? example;
      if (mount.subPath !== undefined && mount.subPath !== path) continue;
      const target = join(root, mount.subPath !== undefined ? mount.mountPath : join(mount.mountPath, path));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
  }
  const env = environmentFor(container);
  for (const [name, value] of Object.entries(env)) {
    if (mounts.some((m) => value === m.mountPath || value.startsWith(`${m.mountPath}/`))) env[name] = join(root, value);
  }
  return env;
}

/**
 * A container's environment as the service would see it, for loadConfig:
 * plain values as they are, and a stand-in of the right kind for values
 * Kubernetes fills in (a secret's stand-in is long enough for any minimum).
 */
export function environmentFor(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of container.env ?? []) {
    if (v.value !== undefined) env[v.name] = String(v.value);
    else if (v.valueFrom?.fieldRef) env[v.name] = 'carestream-7d9f8c6b5-x2x4q';
    else if (v.valueFrom?.secretKeyRef || v.valueFrom?.configMapKeyRef) env[v.name] = 'stand-in-for-a-secret-value-0123456789';
  }
  return env;
}

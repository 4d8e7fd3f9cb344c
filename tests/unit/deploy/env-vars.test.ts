import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../../src/config.ts';
import { IMAGES } from '../../../src/stack/containers.ts';
import { SECURITY_VARIABLES } from '../../../src/security/settings.ts';
import { k8sContainers, podEnvironment } from './manifests.ts';

// The deployment files must speak the configuration's language: a variable
// src/config.ts does not know is silently ignored at run time, so a typo in
// docker-compose.yml or deploy/Dockerfile would go unnoticed. These checks
// read the repository's files and nothing else.

const ROOT = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8');
const KNOWN: ReadonlySet<string> = new Set(CONFIG_VARIABLES);

/** Names carestream does not read; empty when every name is known. */
function unknownVariables(names: Iterable<string>): string[] {
  return [...names].filter((n) => !KNOWN.has(n)).sort();
}

// ---- docker-compose.yml ---------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: unknown };
  ports?: (string | number | { target?: number })[];
}

const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> };
const services = compose.services;

/** An `environment:` section as a map, whether written as a map or as a list of NAME=value. */
function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((line) => {
        const eq = line.indexOf('=');
        return eq < 0 ? [line, ''] : [line.slice(0, eq), line.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** Compose interpolation with nothing set in the shell: ${X:-d} and ${X-d} give d, ${X} gives ''. */
function interpolateDefaults(value: string): string {
  return value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}/g, (_m, d: string | undefined) => d ?? '');
}

function isCarestream(name: string, service: ComposeService): boolean {
  const dockerfile = typeof service.build === 'object' ? service.build.dockerfile : undefined;
  return name === 'carestream' || dockerfile === 'deploy/Dockerfile' || service.build === 'deploy';
}

const carestreamServices = Object.entries(services).filter(([name, s]) => isCarestream(name, s));

// ---- deploy/Dockerfile ----------------------------------------------------------

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Instructions in order, continuation lines joined, comments dropped. */
function dockerInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\S+)\s*(.*)$/s.exec(full);
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]! });
  }
  return out;
}

interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

function dockerStages(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const as = parts.findIndex((p) => p.toUpperCase() === 'AS');
      stages.push({ from: parts[0] ?? '', name: as >= 0 ? parts[as + 1] : undefined, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return stages;
}

/** The final stage and the earlier stages it is built FROM, base first: what the image carries. */
function finalStageChain(stages: Stage[]): Stage[] {
  const chain: Stage[] = [];
  let stage = stages.at(-1);
  while (stage) {
    chain.unshift(stage);
    const base = stage.from;
    stage = stages.slice(0, stages.indexOf(stage)).find((s) => s.name === base);
  }
  return chain;
}

/** Variable names an ENV instruction sets: `ENV A=1 B="x y"` or the old `ENV A value`. */
function envNames(args: string): string[] {
  const first = /^([A-Za-z_][A-Za-z0-9_]*)(=|\s)/.exec(args);
  if (!first) return [];
  if (first[2] !== '=') return [first[1]!];
  const names: string[] = [];
  const pair = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|(?:[^\s\\]|\\.)*)/g;
  for (const m of args.matchAll(pair)) names.push(m[1]!);
  return names;
}

const stages = dockerStages(dockerInstructions(read('deploy/Dockerfile')));
const runtime = finalStageChain(stages);
const runtimeInstructions = runtime.flatMap((s) => s.instructions);

// ---- .env.example ---------------------------------------------------------------

interface EnvExampleEntry {
  readonly active: boolean;
  readonly value: string;
  /** The comment lines directly above the assignment. */
  readonly doc: string;
}

function parseEnvExample(text: string): Map<string, EnvExampleEntry> {
  const entries = new Map<string, EnvExampleEntry>();
  let doc: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const assignment = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (assignment) {
      entries.set(assignment[2]!, { active: !assignment[1], value: assignment[3]!.trim(), doc: doc.join('\n') });
      doc = [];
    } else if (line.startsWith('#')) {
      doc.push(line);
    } else {
      doc = [];
    }
  }
  return entries;
}

const envExample = parseEnvExample(read('.env.example'));
const EXPLICIT_STACK = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL'] as const;

// ---------------------------------------------------------------------------------

describe('the checker itself', () => {
  it('reports a misspelt variable', () => {
    expect(unknownVariables(['KAFKA_BROKER', 'LOG_LEVEL', 'HTTP_PROT'])).toEqual(['HTTP_PROT', 'KAFKA_BROKER']);
  });

  it('reads ENV in both forms and stages with their names', () => {
    expect(envNames('A=1 B="x y" C=\'z\' D=a\\ b')).toEqual(['A', 'B', 'C', 'D']);
    expect(envNames('LEGACY some value')).toEqual(['LEGACY']);
    const s = dockerStages(dockerInstructions('FROM x AS a\nENV A=1\nFROM b\nFROM a AS c\nUSER \\\n  node\n'));
    expect(finalStageChain(s).map((st) => st.from)).toEqual(['x', 'a']);
    expect(s[2]!.instructions).toEqual([{ keyword: 'USER', args: 'node' }]);
  });

  it('reads both forms of a compose environment', () => {
    expect(environmentOf({ environment: ['A=1', 'B=x=y', 'C'] })).toEqual({ A: '1', B: 'x=y', C: '' });
    expect(environmentOf({ environment: { A: 1, B: null } })).toEqual({ A: '1', B: '' });
    expect(interpolateDefaults('${LOG_LEVEL:-info}/${X-y}/${Z}')).toEqual('info/y/');
  });
});

describe('docker-compose.yml', () => {
  it('has a carestream service built from deploy/Dockerfile', () => {
    expect(carestreamServices.map(([name]) => name)).toContain('carestream');
    expect(services.carestream?.build).toEqual({ context: '.', dockerfile: 'deploy/Dockerfile' });
  });

  it.each(carestreamServices)('service %s sets only variables src/config.ts knows', (_name, service) => {
    const names = Object.keys(environmentOf(service));
    expect(names.length).toBeGreaterThan(0);
    expect(unknownVariables(names), 'not in CONFIG_VARIABLES (src/config.ts)').toEqual([]);
  });

  it.each(carestreamServices)('service %s has a valid configuration with an explicit stack inside compose', (_name, service) => {
    const env = Object.fromEntries(Object.entries(environmentOf(service)).map(([k, v]) => [k, interpolateDefaults(v)]));
    const config = loadConfig(env);
    // All three endpoints set: the resolver must not start containers or processes.
    expect(config.kafka.brokers).toBeDefined();
    expect(config.registry.url).toBeDefined();
    expect(config.redis.url).toBeDefined();
    // ...and each one names a service of this file.
    const hosts = [
      ...config.kafka.brokers!.map((b) => b.split(':')[0]!),
      new URL(config.registry.url!).hostname,
      new URL(config.redis.url!).hostname,
    ];
    for (const host of hosts) expect(Object.keys(services)).toContain(host);
    // Kafka must advertise the listener carestream bootstraps from.
    const advertised = environmentOf(services.kafka!).KAFKA_ADVERTISED_LISTENERS ?? '';
    for (const broker of config.kafka.brokers!) expect(advertised).toContain(`//${broker}`);
    // The HTTP port is published.
    const ports = (service.ports ?? []).map((p) => (typeof p === 'object' ? String(p.target) : String(p).split(':').at(-1)));
    expect(ports).toContain(String(config.httpPort));
  });

  it('uses the images of the container path (src/stack/containers.ts)', () => {
    expect(services.kafka?.image).toBe(IMAGES.kafka);
    expect(services['schema-registry']?.image).toBe(IMAGES.registry);
    expect(services.redis?.image).toBe(IMAGES.redis);
  });

  it('waits only on services that have a healthcheck', () => {
    for (const [name, service] of Object.entries(services)) {
      const deps = service.depends_on;
      if (!deps || Array.isArray(deps)) continue;
      for (const [dep, { condition }] of Object.entries(deps)) {
        expect(Object.keys(services), `${name} depends on ${dep}`).toContain(dep);
        if (condition === 'service_healthy') expect(services[dep]?.healthcheck?.test, `${dep} has no healthcheck`).toBeDefined();
      }
    }
  });
});

describe('deploy/Dockerfile', () => {
  it('is multi-stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
  });

  it('sets no variable in the final image that src/config.ts does not know (besides NODE_ENV)', () => {
    const names = runtimeInstructions.filter((i) => i.keyword === 'ENV').flatMap((i) => envNames(i.args));
    expect(names).toContain('NODE_ENV');
    expect(unknownVariables(names.filter((n) => n !== 'NODE_ENV')), 'not in CONFIG_VARIABLES (src/config.ts)').toEqual([]);
  });

  it('runs the final stage as a user that is not root', () => {
    const user = runtimeInstructions.filter((i) => i.keyword === 'USER').at(-1)?.args.trim();
    expect(user, 'the final stage has no USER').toBeDefined();
    const name = user!.split(':')[0]!;
    expect(['root', '0', '']).not.toContain(name);
  });

  it('starts the service and exposes its default HTTP port', () => {
    const cmd = runtimeInstructions.filter((i) => i.keyword === 'CMD').at(-1)?.args;
    expect(JSON.parse(cmd ?? 'null')).toEqual(['node', 'src/main.ts']);
    const exposed = runtimeInstructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(exposed).toContain(String(loadConfig({}).httpPort));
    expect(runtimeInstructions.some((i) => i.keyword === 'HEALTHCHECK' && i.args.includes('/healthz'))).toBe(true);
  });
});

describe('deploy/k8s', () => {
  const containers = k8sContainers();

  it('has the carestream container', () => {
    expect(containers.map((c) => c.container.name)).toContain('carestream');
  });

  it.each(containers.map((c) => [`${c.workload} ${c.container.name}`, c.container] as const))('%s sets only variables src/config.ts knows', (_name, container) => {
    const names = (container.env ?? []).map((e) => e.name);
    expect(names.length).toBeGreaterThan(0);
    expect(unknownVariables(names), 'not in CONFIG_VARIABLES (src/config.ts)').toEqual([]);
    // A repeated name: Kubernetes keeps the last one, silently.
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    // envFrom would let a ConfigMap or Secret set names nobody checks here.
    expect(container.envFrom).toBeUndefined();
    // Kubernetes refuses `value: 6` or `value: true`: values must be strings.
    const notStrings = (container.env ?? []).filter((e) => e.value !== undefined && typeof e.value !== 'string').map((e) => e.name);
    expect(notStrings, 'quote these values').toEqual([]);
  });

  it.each(containers.map((c) => [`${c.workload} ${c.container.name}`, c] as const))('%s has a valid configuration, its secret files included', (_name, { pod, container }) => {
    expect(() => loadConfig(podEnvironment(pod, container, { 'pseudonym-key': 'a-pseudonym-key-of-the-banks-own-0123456789' }))).not.toThrow();
  });
});

describe('.env.example', () => {
  it.each(CONFIG_VARIABLES)('documents %s with what it is, its default and an example', (name) => {
    const entry = envExample.get(name);
    expect(entry, `${name} is missing from .env.example`).toBeDefined();
    expect(entry!.doc).toContain(name);
    expect(entry!.doc).toMatch(/Default:/);
    expect(entry!.doc).toMatch(/Example:/);
  });

  it('names only variables src/config.ts knows', () => {
    expect(unknownVariables(envExample.keys())).toEqual([]);
  });

  it('leaves the explicit stack commented out, so that copying it changes no resolution', () => {
    for (const name of EXPLICIT_STACK) expect(envExample.get(name)?.active, name).toBe(false);
  });

  it('holds the defaults on its active lines, and its examples are valid values', () => {
    const active = Object.fromEntries([...envExample].filter(([, e]) => e.active).map(([k, e]) => [k, e.value]));
    // Writing LOG_LEVEL's default down still counts as asking for it (the CLI then logs JSON).
    expect({ ...loadConfig(active), logLevelExplicit: false }).toEqual(loadConfig({}));
    // The commented-out examples of the explicit stack, enabled together.
    const explicit = Object.fromEntries(EXPLICIT_STACK.map((k) => [k, envExample.get(k)!.value]));
    expect(() => loadConfig({ ...active, ...explicit })).not.toThrow();
  });

  // Security settings come in groups and name files that must exist:
  // tests/unit/security/env-example.test.ts checks their examples with their companions.
  const SECURITY: readonly string[] = SECURITY_VARIABLES;
  it.each(CONFIG_VARIABLES.filter((n) => n !== 'CARESTREAM_CONFIG_FILE' && !SECURITY.includes(n)))('gives a valid example for %s', (name) => {
    let example = /Example:\s*(\S+)/.exec(envExample.get(name)?.doc ?? '')?.[1];
    expect(example, `${name} has no example`).toBeDefined();
    // A file loadConfig reads: its example is a path, checked with a stand-in file.
    if (name === 'PSEUDONYM_KEY_FILE') {
      expect(example!.startsWith('/'), `${name}'s example is an absolute path`).toBe(true);
      example = join(mkdtempSync(join(tmpdir(), 'cs-env-')), 'pseudonym-key');
      writeFileSync(example, 'a-key-of-at-least-16-characters\n');
    }
    const explicit = (EXPLICIT_STACK as readonly string[]).includes(name)
      ? Object.fromEntries(EXPLICIT_STACK.map((k) => [k, envExample.get(k)!.value]))
      : {};
    expect(() => loadConfig({ ...explicit, [name]: example })).not.toThrow();
  });
});

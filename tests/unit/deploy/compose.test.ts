// docker-compose.yml must show something on a first `docker compose up`: the
// stack of the container path, the service with an example API token, and a
// one-shot generator that replays a synthetic bank through the carestream
// image's own commands. Reads the repository's files only.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../../src/config.ts';
import { IMAGES } from '../../../src/stack/containers.ts';

const ROOT = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8');

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  pull_policy?: string;
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, { condition?: string }>;
  volumes?: string[];
  command?: string[];
  restart?: string;
  healthcheck?: { test?: string[] };
}

const composeText = read('docker-compose.yml');
const services = (parse(composeText) as { services: Record<string, Service> }).services;

/** Compose interpolation with nothing set in the shell: ${X:-d} gives d. */
const withDefaults = (env: Record<string, unknown> = {}): Record<string, string> =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? '').replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}/g, (_m, d: string | undefined) => d ?? '')]));

/** The example token the compose file and the README document; public, never for production. */
const EXAMPLE_TOKEN = 'compose-example-token-not-for-production';

describe('docker-compose.yml', () => {
  it('runs the stack, the service, the generator, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(['carestream', 'generator', 'grafana', 'kafka', 'prometheus', 'redis', 'schema-registry']);
    expect(services.kafka!.image).toBe(IMAGES.kafka);
    expect(services['schema-registry']!.image).toBe(IMAGES.registry);
    expect(services.redis!.image).toBe(IMAGES.redis);
    expect(services.carestream!.build).toEqual({ context: '.', dockerfile: 'deploy/Dockerfile' });
    expect(services.prometheus!.image).toMatch(/^prom\/prometheus:v\d/);
    expect(services.grafana!.image).toMatch(/^grafana\/grafana:\d/);
  });

  it('sets only configuration variables on the carestream image, and valid ones', () => {
    for (const name of ['carestream', 'generator']) {
      const env = withDefaults(services[name]!.environment);
      expect(Object.keys(env).filter((k) => !(CONFIG_VARIABLES as readonly string[]).includes(k)), name).toEqual([]);
      // As the image runs it (deploy/Dockerfile sets CARESTREAM_STACK=explicit): the development key would be refused.
      const config = loadConfig({ CARESTREAM_STACK: 'explicit', ...env });
      // An explicit stack of this file's services: nothing is resolved or started.
      expect(config.kafka.brokers, name).toEqual(['kafka:19092']);
      expect(new URL(config.registry.url!).hostname, name).toBe('schema-registry');
      expect(new URL(config.redis.url!).hostname, name).toBe('redis');
      // Not the development default: the image runs with CARESTREAM_STACK=explicit.
      expect(config.state.pseudonymKey, name).not.toBe(loadConfig({}).state.pseudonymKey);
    }
  });

  describe('the generator', () => {
    const g = services.generator!;

    it('is a one-shot run of the carestream image, after carestream is ready', () => {
      expect(g.image).toBe(services.carestream!.image);
      expect(g.build).toBeUndefined();
      expect(g.pull_policy).toBe('never');
      expect(g.restart).toBe('no');
      expect(g.depends_on?.carestream?.condition).toBe('service_healthy');
      // carestream's health is readiness, so the generator starts once topics and schemas exist.
      expect(services.carestream!.healthcheck?.test?.join(' ')).toContain('/readyz');
    });

    it('uses the same stack and business calendar as the service', () => {
      const ge = withDefaults(g.environment);
      const ce = withDefaults(services.carestream!.environment);
      for (const k of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL', 'BUSINESS_TIME_ZONE', 'PSEUDONYM_KEY']) expect(ge[k], k).toBe(ce[k]);
    });

    it('runs the mounted script, which generates and replays with the image commands', () => {
      const mount = g.volumes?.find((v) => v.startsWith('./deploy/compose/generator.sh:'));
      expect(mount).toBeDefined();
      const inContainer = mount!.split(':')[1]!;
      expect(g.command?.slice(0, 2)).toEqual(['sh', inContainer]);
      const [customers, days] = g.command!.slice(2).map(Number);
      expect(customers).toBeGreaterThan(0);
      expect(days).toBeGreaterThan(0);

      const script = read('deploy/compose/generator.sh');
      const generate = /node bin\/carestream\.mjs generate .*--out (\S+)/.exec(script);
      const replay = /node bin\/carestream\.mjs replay (\S+)/.exec(script);
      expect(generate, 'generate').not.toBeNull();
      expect(replay, 'replay').not.toBeNull();
      // What it replays is what it generated, written where the read-only image allows.
      expect(replay![1]).toBe(generate![1]);
      expect(generate![1]).toMatch(/^\/tmp\//);
      expect(script).toMatch(/--labels \/tmp\//);
      expect(script.indexOf('generate --')).toBeLessThan(script.indexOf('replay /'));
      // A second `up` must not replay the same events again (they would be LATE).
      expect(script).toContain("fetchTopicOffsets('bank.transactions.v1')");
    });
  });

  describe('the example API token', () => {
    const config = loadConfig(withDefaults(services.carestream!.environment));

    it('is configured by its SHA-256 only, with read scopes', () => {
      const sha = createHash('sha256').update(EXAMPLE_TOKEN).digest('hex');
      const token = config.api.tokens.find((t) => t.sha256 === sha);
      expect(token, 'no configured token has the example token\'s SHA-256').toBeDefined();
      expect(token!.name).toMatch(/example/);
      expect([...token!.scopes].sort()).toEqual(['features:read', 'tasks:read']);
      expect(String(services.carestream!.environment!.API_TOKENS)).not.toContain(EXAMPLE_TOKEN);
    });

    it('is documented as an example, never for production, in the file and the README', () => {
      for (const [where, text] of [['docker-compose.yml', composeText], ['README.md', read('README.md')]] as const) {
        expect(text, where).toContain(EXAMPLE_TOKEN);
        expect(text, where).toMatch(/never[^.]*production/i);
      }
    });
  });
});

import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.ts';
import { resolveStack, describeStack } from '../../src/stack/resolve.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: { kafkaBrokers: string[]; registryUrl: string; redisUrl: string; source: string };
    /** The `cluster` project only (tests/integration/cluster-setup.ts): the stack's single Redis, while `stack` names the cluster. */
    singleRedisUrl: string;
  }
}

/**
 * Resolves the stack once for the whole integration suite — explicit settings,
 * containers where a runtime answers, else local processes (started or reused) —
 * and hands the endpoints to the test files. Nothing here is a mock.
 */
export default async function setup(project: TestProject) {
  const started = Date.now();
  const stack = await resolveStack(loadConfig(), (line) => console.log(`[stack] ${line}`));
  console.log(`[stack] integration suite uses the ${describeStack(stack)} (resolved in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  project.provide('stack', { kafkaBrokers: [...stack.kafkaBrokers], registryUrl: stack.registryUrl, redisUrl: stack.redisUrl, source: stack.source });
  return async () => {
    await stack.release();
  };
}

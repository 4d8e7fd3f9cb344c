import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../src/api/openapi.ts';
import { featuresSchema, tasksSchema } from '../../../src/api/schemas.ts';

interface Doc {
  openapi: string;
  paths: Record<string, { get: { security: Record<string, string[]>[]; responses: Record<string, unknown>; parameters?: { name: string }[] } }>;
  components: { schemas: Record<string, { required?: string[]; $schema?: string; $id?: string }>; securitySchemes: Record<string, { type: string; scheme: string }> };
}

function refsOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsOf(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsOf(v, out);
    }
  }
  return out;
}

describe('OpenAPI document', () => {
  const doc = JSON.parse(JSON.stringify(openApiDocument())) as Doc;

  it('is OpenAPI 3.1 with both customer endpoints, each needing its scope', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/v1/customers/{customerId}/features']!.get.security).toEqual([{ bearerAuth: ['features:read'] }]);
    expect(doc.paths['/v1/customers/{customerId}/tasks']!.get.security).toEqual([{ bearerAuth: ['tasks:read'] }]);
    expect(doc.paths['/v1/customers/{customerId}/tasks']!.get.parameters!.map((p) => p.name)).toEqual(['customerId', 'limit']);
    expect(doc.paths['/v1/openapi.json']!.get.security).toEqual([]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const path of ['/v1/customers/{customerId}/features', '/v1/customers/{customerId}/tasks']) {
      expect(Object.keys(doc.paths[path]!.get.responses).sort()).toEqual(['200', '400', '401', '403', '404', '405', '500', '503']);
    }
  });

  it('has its body schemas generated from the zod schemas the responses are checked with', () => {
    expect(doc.components.schemas.CustomerFeatures!.required!.sort()).toEqual(Object.keys(featuresSchema.shape).sort());
    expect(doc.components.schemas.CustomerTasks!.required!.sort()).toEqual(Object.keys(tasksSchema.shape).sort());
    for (const s of Object.values(doc.components.schemas)) {
      expect(s.$schema).toBeUndefined();
      expect(s.$id).toBeUndefined();
    }
  });

  it('has no reference to a schema it does not define', () => {
    const refs = refsOf(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) {
      expect(r).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[r.split('/').at(-1)!], r).toBeDefined();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { accessOf, endpointOf } from '../../../src/api/access-log.ts';
import { pseudonym } from '../../../src/state/encode.ts';

describe('access log', () => {
  it('names every endpoint with a bounded label', () => {
    expect(endpointOf('GET', '/v1/customers/C-1/features')).toEqual({ endpoint: 'customer_features', customerId: 'C-1' });
    expect(endpointOf('GET', '/v1/customers/C%2D1/tasks')).toEqual({ endpoint: 'customer_tasks', customerId: 'C-1' });
    expect(endpointOf('GET', '/v1/tasks').endpoint).toBe('task_queue');
    expect(endpointOf('POST', '/v1/tasks/T-1/outcome').endpoint).toBe('task_outcome');
    expect(endpointOf('GET', '/v1/overview').endpoint).toBe('overview');
    expect(endpointOf('GET', '/v1/openapi.json').endpoint).toBe('openapi');
    expect(endpointOf('GET', '/v1/anything/else').endpoint).toBe('other');
    // A bad percent-encoding still names the endpoint (the API answers 400).
    expect(endpointOf('GET', '/v1/customers/%E0/tasks').endpoint).toBe('customer_tasks');
  });

  it('names the customer by the keyed hash only, and not at all without a key', () => {
    const a = accessOf({ method: 'GET', path: '/v1/customers/C-000123/tasks', status: 200, client: 'crm-east' }, 'k1');
    expect(a).toEqual({ endpoint: 'customer_tasks', client: 'crm-east', status: 200, customer: pseudonym('C-000123', 'k1') });
    expect(JSON.stringify(a)).not.toContain('C-000123');
    expect(accessOf({ method: 'GET', path: '/v1/customers/C-000123/tasks', status: 200, client: 'crm-east' }, 'k2').customer).not.toBe(a.customer);
    expect(accessOf({ method: 'GET', path: '/v1/customers/C-000123/tasks', status: 401, client: undefined }, undefined)).toEqual({ endpoint: 'customer_tasks', client: null, status: 401, customer: null });
  });
});

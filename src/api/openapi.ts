import { z } from 'zod';
import {
  contactSchema, customerIdSchema, errorSchema, featuresSchema, LIMIT, outcomeSchema, profileSchema,
  suppressionSchema, tallySchema, taskSchema, tasksSchema,
} from './schemas.ts';
import { SCOPES, type Scope } from './tokens.ts';
import { careKpisSchema, careTaskQueueSchema, careTaskSchema, outcomeAcceptedSchema, outcomeRequestSchema, overviewSchema, QUEUE_LIMIT } from './care-task-schemas.ts';
import { CARE_TASK_STATUSES } from '../tasks/care-task-status.ts';
import { AUDIT_LIMIT, auditEntrySchema, careStatusSchema, customerAuditSchema } from './audit-schemas.ts';
import { OUTREACH_KINDS, PRIORITIES } from '../events/types.ts';

/**
 * The OpenAPI 3.1 document of the agent API, served at /v1/openapi.json. Its
 * schemas are generated from the zod schemas the responses are validated
 * with (OpenAPI 3.1 uses JSON Schema 2020-12, which z.toJSONSchema writes).
 */

const COMPONENTS: readonly [string, z.ZodType][] = [
  ['CustomerFeatures', featuresSchema],
  ['CustomerTasks', tasksSchema],
  ['Tally', tallySchema],
  ['Profile', profileSchema],
  ['Task', taskSchema],
  ['Suppression', suppressionSchema],
  ['Contact', contactSchema],
  ['ContactOutcome', outcomeSchema],
  ['Error', errorSchema],
  ['CareTask', careTaskSchema],
  ['CareTaskQueue', careTaskQueueSchema],
  ['OutcomeRequest', outcomeRequestSchema],
  ['OutcomeAccepted', outcomeAcceptedSchema],
  ['CareKpis', careKpisSchema],
  ['Overview', overviewSchema],
  ['CustomerAudit', customerAuditSchema],
  ['AuditEntry', auditEntrySchema],
  ['CareStatus', careStatusSchema],
];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of COMPONENTS) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', uri: (id) => ref(id).$ref });
  // $schema and $id are implied by the document (jsonSchemaDialect) and its location.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...rest }]) => [id, rest]));
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });

function customerOperation(operationId: string, summary: string, scope: Scope, body: string, extraParameters: unknown[] = []) {
  const { $schema: _s, ...idSchema } = z.toJSONSchema(customerIdSchema, { target: 'draft-2020-12' });
  return {
    get: {
      operationId,
      summary,
      tags: ['customers'],
      security: [{ bearerAuth: [scope] }],
      parameters: [{ name: 'customerId', in: 'path', required: true, schema: idSchema }, ...extraParameters],
      responses: {
        '200': { description: 'OK (personal data masked)', content: { 'application/json': { schema: ref(body) } } },
        '400': errorResponse('malformed customer id or query'),
        '401': { ...errorResponse('no bearer token, or one that is not configured'), headers: { 'WWW-Authenticate': { schema: { type: 'string' } } } },
        '403': { ...errorResponse(`the token lacks the scope ${scope}`), headers: { 'WWW-Authenticate': { schema: { type: 'string' } } } },
        '404': errorResponse('nothing is known about this customer'),
        '405': errorResponse('a method other than GET'),
        '500': errorResponse('internal error, or a response that failed its schema'),
        '503': errorResponse(operationId === 'getCustomerAudit' ? 'the service is starting, or Kafka could not be read in time (Retry-After)' : 'the service is starting'),
      },
    },
  };
}

const authResponses = (scope: Scope) => ({
  '401': { ...errorResponse('no bearer token, or one that is not configured'), headers: { 'WWW-Authenticate': { schema: { type: 'string' } } } },
  '403': { ...errorResponse(`the token lacks the scope ${scope}`), headers: { 'WWW-Authenticate': { schema: { type: 'string' } } } },
});

const queueOperation = {
  get: {
    operationId: 'getCareTaskQueue',
    summary: 'The contact centre\'s queue: care tasks by due time, with their status and time left',
    tags: ['care tasks'],
    security: [{ bearerAuth: ['tasks:read'] }],
    parameters: [
      { name: 'status', in: 'query', required: false, description: 'comma-separated statuses; default open,overdue', schema: { type: 'string', examples: ['open,overdue'] }, 'x-values': [...CARE_TASK_STATUSES] },
      { name: 'priority', in: 'query', required: false, schema: { type: 'string', enum: [...PRIORITIES] } },
      { name: 'kind', in: 'query', required: false, schema: { type: 'string', enum: ['FRAUD_CHECK', ...OUTREACH_KINDS] } },
      { name: 'dueBefore', in: 'query', required: false, description: 'only tasks due strictly before this ISO-8601 instant', schema: { type: 'string', format: 'date-time' } },
      { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: QUEUE_LIMIT.max, default: QUEUE_LIMIT.default } },
      { name: 'offset', in: 'query', required: false, schema: { type: 'integer', minimum: 0, default: 0 } },
    ],
    responses: {
      '200': { description: 'OK', content: { 'application/json': { schema: ref('CareTaskQueue') } } },
      '400': errorResponse('a malformed query'),
      ...authResponses('tasks:read'),
      '405': errorResponse('a method other than GET'),
      '500': errorResponse('internal error'),
      '503': errorResponse('the service is starting'),
    },
  },
};

const outcomeOperation = {
  post: {
    operationId: 'postContactOutcome',
    summary: 'Record a contact outcome: published as a CONTACT_OUTCOME channel event; the task\'s status changes once the pipeline applies it',
    tags: ['care tasks'],
    security: [{ bearerAuth: ['outcomes:write'] }],
    parameters: [{ name: 'taskId', in: 'path', required: true, schema: { type: 'string' } }],
    requestBody: { required: true, content: { 'application/json': { schema: ref('OutcomeRequest') } } },
    responses: {
      '202': { description: 'published to Kafka', content: { 'application/json': { schema: ref('OutcomeAccepted') } } },
      '400': errorResponse('a malformed task id or body'),
      ...authResponses('outcomes:write'),
      '404': errorResponse('no such care task'),
      '405': errorResponse('a method other than POST'),
      '413': errorResponse('a body over HTTP_MAX_BODY_BYTES (4 KiB by default)'),
      '500': errorResponse('internal error'),
      '503': errorResponse('the service is starting, or Kafka did not take the event'),
    },
  },
};

const overviewOperation = {
  get: {
    operationId: 'getOverview',
    summary: 'What the console shows at a glance: readiness, open and overdue tasks by priority, suppressions by reason, care KPIs by tier',
    tags: ['care tasks'],
    security: [{ bearerAuth: ['tasks:read'] }],
    responses: {
      '200': { description: 'OK', content: { 'application/json': { schema: ref('Overview') } } },
      ...authResponses('tasks:read'),
      '405': errorResponse('a method other than GET'),
      '500': errorResponse('internal error'),
      '503': errorResponse('the service is starting'),
    },
  },
};

let cached: object | undefined;

export function openApiDocument(): object {
  cached ??= {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'carestream agent API',
      version: '1',
      description: 'Read-only view of a customer for contact-centre tools: features, recent tasks and suppressions with their reasons and evidence, contacts and outcomes. No name, ID number or full account number is ever returned.',
    },
    security: [{ bearerAuth: [] }],
    paths: {
      '/v1/customers/{customerId}/features': customerOperation('getCustomerFeatures', 'The customer\'s tier and features, as of their latest event', 'features:read', 'CustomerFeatures'),
      '/v1/customers/{customerId}/tasks': customerOperation('getCustomerTasks', 'Recent tasks and suppressions with reasons and evidence, contacts and outcomes', 'tasks:read', 'CustomerTasks', [
        { name: 'limit', in: 'query', required: false, description: 'at most this many of each list', schema: { type: 'integer', minimum: 1, maximum: LIMIT.max, default: LIMIT.default } },
      ]),
      '/v1/customers/{customerId}/audit': customerOperation('getCustomerAudit', 'The audit trail: every task and suppression of the customer published in [from, to), read from the task and suppression topics, with reasons, evidence, rule, rule-set version and each task\'s care status', 'tasks:read', 'CustomerAudit', [
        { name: 'from', in: 'query', required: false, description: 'ISO-8601 instant (publish time, inclusive); default: the start of the topics', schema: { type: 'string', format: 'date-time' } },
        { name: 'to', in: 'query', required: false, description: 'ISO-8601 instant (publish time, exclusive); default: now', schema: { type: 'string', format: 'date-time' } },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: AUDIT_LIMIT.max, default: AUDIT_LIMIT.default } },
        { name: 'offset', in: 'query', required: false, schema: { type: 'integer', minimum: 0, default: 0 } },
      ]),
      '/v1/tasks': queueOperation,
      '/v1/overview': overviewOperation,
      '/v1/tasks/{taskId}/outcome': outcomeOperation,
      '/v1/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: `An opaque token whose SHA-256 is configured (API_TOKENS, API_TOKENS_FILE). Scopes: ${SCOPES.join(', ')}.`,
        },
      },
    },
  };
  return cached;
}

/**
 * The gateway's OpenAPI 3.1 document, assembled from the code: each feature describes its
 * own operations and schemas in its openapi.ts (registry, exchange, log, audit, services,
 * delivery; the routes validate with the same objects, see http/validate.ts); this file
 * adds ops and docs, turns each operation's error codes into problem responses, and puts
 * it together. Message-type schemas come from the SchemaRegistry, error codes from the catalogue.
 * Served by http/docs.ts at /api/v1/openapi.json and browsable at /docs.
 */
import { catalogue, type ErrorCode } from '../errors';
import { problemType } from './error-pages';
import type { SchemaRegistry } from '../schemas/registry';
import { packageVersion } from '../schemas/paths';
import { componentSchemas } from './openapi-components';
import { json, pathParam, ref, reqId, type Json, type Op } from './openapi-helpers';
import { exchangePaths, exchangeSchemas } from '../exchange/openapi';
import { registryPaths, registrySchemas } from '../registry/openapi';
import { logPaths, logSchemas } from '../log/openapi';
import { auditPaths, auditSchemas } from '../audit/openapi';
import { deliveryPaths, deliverySchemas } from '../delivery/openapi';
import { webhookBatchSchema, webhookMessageSchema, webhooks } from './openapi-webhooks';
import { servicePaths, serviceSchemas } from '../services/openapi';
import { documentPaths, documentSchemas } from '../documents/openapi';
import { casePaths, caseSchemas } from '../cases/openapi';
import { supervisionPaths, supervisionSchemas } from '../supervision/openapi';
import { statsPaths, statsSchemas } from '../stats/openapi';
import { adminPaths, adminSchemas } from '../admin/openapi';
import { adapterPaths, adapterSchemas } from '../adapters/openapi';
import { certificatePaths, certificateSchemas } from '../trust/openapi';

export const OPENAPI_PATH = '/api/v1/openapi.json';

const DESCRIPTION = [
  'Inter-agency data exchange between the government service hall and the departments of the city:',
  'members push typed messages (e.g. `case-record`) to each other under exchange agreements, pull their inbox',
  'and acknowledge what they received. Every error is `application/problem+json` (RFC 9457) with a catalogue `code`',
  '(see the `Problem` schema); lists are `{items, next}` with `?after=<cursor>&limit=`; times are RFC 3339 with offset.',
  'Every step of every exchange is recorded in an append-only transparency log (RFC 9162 Merkle tree with signed',
  'checkpoints) that auditors can check offline with standard tools (tag `log`).',
  '',
  '政务数据交换网关：成员单位按交换协议互相推送报文（如办件信息），拉取收件箱并签收。',
].join('\n');

/** One example problem per catalogue code (components.examples, referenced by the error responses). */
function problemExamples(): Json {
  const out: Json = {};
  for (const c of Object.keys(catalogue) as ErrorCode[]) {
    const { status, title } = catalogue[c];
    out[c] = { summary: title, value: { type: problemType(c), title, status, detail: title, code: c, requestId: '0195f0c2-6d1e-7c3a-9f00-2b1d4e5a6c7d' } };
  }
  return out;
}

/** Error responses of one operation, grouped by HTTP status; each lists its catalogue codes. */
function errorResponses(codes: ErrorCode[]): Json {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const c of new Set(codes)) byStatus.set(catalogue[c].status, [...(byStatus.get(catalogue[c].status) ?? []), c]);
  const out: Json = {};
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const list = byStatus.get(status)!;
    const headers: Json = { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } };
    if (status === 429 || status === 503) headers['Retry-After'] = { $ref: '#/components/headers/RetryAfter' };
    const examples: Json = {};
    for (const c of list) examples[c] = { $ref: `#/components/examples/${c}` };
    out[String(status)] = {
      description: list.map((c) => `\`${c}\`: ${catalogue[c].title}`).join('<br>\n'),
      'x-error-codes': list,
      headers,
      content: { 'application/problem+json': { schema: ref('Problem'), examples } },
    };
  }
  return out;
}

const API_COMMON: ErrorCode[] = ['GW_ERR_AUTH_TOKEN_IN_QUERY', 'GW_ERR_RATE_LIMITED', 'GW_ERR_STORE_UNAVAILABLE', 'GW_ERR_INTERNAL'];
const AUTH: ErrorCode[] = ['GW_ERR_AUTH_MISSING_TOKEN', 'GW_ERR_AUTH_INVALID_TOKEN'];
const CSRF: ErrorCode[] = ['GW_ERR_AUTH_CSRF'];
const BODY: ErrorCode[] = ['GW_ERR_HTTP_MALFORMED_JSON', 'GW_ERR_HTTP_BODY_TOO_LARGE', 'GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE'];

function operation(method: string, route: string, op: Op): Json {
  const api = route.startsWith('/api/v1/');
  const errors = [
    ...(api && method === 'post' ? BODY : []),
    ...(api && !op.public ? AUTH : []),
    ...(api && !op.public && method !== 'get' ? CSRF : []),
    // a path parameter that is not valid percent-encoding
    ...(route.includes('{') ? (['GW_ERR_REQUEST_INVALID'] as const) : []),
    ...(op.errors ?? []),
    ...(api ? API_COMMON : ['GW_ERR_INTERNAL' as const]),
  ];
  return {
    tags: [op.tag],
    operationId: op.id,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.public ? { security: [] } : {}),
    ...(op.params ? { parameters: op.params } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: op.body.required ?? true,
            description: op.body.description,
            content: { [op.body.mediaType ?? 'application/json']: { schema: op.body.schema, ...(op.body.examples ? { examples: op.body.examples } : {}) } },
          },
        }
      : {}),
    responses: { ...op.ok, ...errorResponses(errors) },
  };
}

function paths(types: string[]): Record<string, Record<string, Op>> {
  return {
    '/healthz': {
      get: { tag: 'ops', id: 'healthz', public: true, summary: 'Liveness: the process is up', ok: { 200: json('up', ref('Health')) } },
    },
    '/readyz': {
      get: {
        tag: 'ops',
        id: 'readyz',
        public: true,
        summary: 'Readiness: the database is reachable and migrated',
        ok: { 200: json('ready', ref('Ready')) },
        errors: ['GW_ERR_STORE_UNAVAILABLE'],
      },
    },
    '/metrics': {
      get: {
        tag: 'ops',
        id: 'metrics',
        public: true,
        summary: 'Prometheus metrics',
        ok: { 200: { description: 'Prometheus text exposition format', headers: reqId, content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    '/docs': {
      get: {
        tag: 'docs',
        id: 'docs',
        public: true,
        summary: 'This documentation, browsable (Swagger UI, served locally)',
        ok: { 200: { description: 'HTML page', headers: reqId, content: { 'text/html': { schema: { type: 'string' } } } } },
      },
    },
    '/errors': {
      get: {
        tag: 'docs',
        id: 'errorCodes',
        public: true,
        summary: 'The error catalogue: every code a problem answer can carry (HTML, or JSON with Accept: application/json)',
        ok: { 200: { description: 'the catalogue', headers: reqId, content: { 'text/html': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'object' } } } } },
      },
    },
    '/errors/{code}': {
      get: {
        tag: 'docs',
        id: 'errorCode',
        public: true,
        summary: 'What one error code means: the page a problem `type` points to',
        params: [pathParam('code', 'catalogue code', { type: 'string', enum: Object.keys(catalogue) }, 'GW_ERR_SCHEMA_INVALID')],
        ok: { 200: { description: 'the code explained', headers: reqId, content: { 'text/html': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'object' } } } } },
        errors: ['GW_ERR_REQUEST_INVALID'],
      },
    },
    [OPENAPI_PATH]: {
      get: { tag: 'docs', id: 'openapi', public: true, summary: 'This OpenAPI 3.1 document', ok: { 200: json('the document', { type: 'object' }) } },
    },
    ...registryPaths(types),
    ...exchangePaths(types),
    ...logPaths(),
    ...auditPaths(),
    ...servicePaths(),
    ...deliveryPaths(),
    ...documentPaths(),
    ...casePaths(),
    ...supervisionPaths(),
    ...statsPaths(),
    ...adminPaths(),
    ...adapterPaths(),
    ...certificatePaths(),
  };
}

/** Builds the OpenAPI 3.1 document. Pure apart from reading package.json (once). */
export function buildOpenApi(deps: { schemas: SchemaRegistry; publicUrl?: string | null }): object {
  const types = deps.schemas.types();
  const outPaths: Json = {};
  for (const [route, methods] of Object.entries(paths(types))) {
    const item: Json = {};
    for (const [method, op] of Object.entries(methods)) item[method] = operation(method, route, op);
    outPaths[route] = item;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'xgw exchange gateway API',
      version: packageVersion(),
      summary: 'Inter-agency data exchange for city governments / 政务数据共享交换网关',
      description: DESCRIPTION,
    },
    servers: [{ url: deps.publicUrl ?? '/', description: deps.publicUrl ? 'this gateway' : 'the gateway serving this document' }],
    tags: [
      { name: 'exchange', description: 'Push, pull and acknowledge messages (报文交换)' },
      { name: 'registry', description: 'Members and message types (目录)' },
      { name: 'log', description: 'The exchange log: signed checkpoints, entries and RFC 9162 proofs for auditors (存证日志)' },
      { name: 'audit', description: 'Traces and evidence bundles for auditors and supervisors (电子监察)' },
      { name: 'services', description: 'Synchronous data-sharing services of the agencies (共享查询)' },
      { name: 'documents', description: 'Official documents (公文): import from plain text' },
      { name: 'cases', description: 'Case supervision (办件 电子监察): timelines, 并联审批 branches, working-day deadlines' },
      { name: 'supervision', description: '电子监察 cards: 黄牌 warnings before a case branch\'s legal limit, 红牌 after it (supervisors and auditors)' },
      { name: 'stats', description: 'Case statistics for supervisors and auditors: 办结率, 按时办结率, working days, overdue (JSON or CSV)' },
      { name: 'admin', description: 'Administration: the registry (members, webhooks, systems and tokens, agreements, people) and the outbox (dead letters, replay) (运维管理)' },
      { name: 'auth', description: 'Login sessions for people (登录)' },
      { name: 'ops', description: 'Health and metrics (运维)' },
      { name: 'docs', description: 'This documentation' },
    ],
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    paths: outPaths,
    webhooks: webhooks(),
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'A member system token (`xgs_…`) or a login session token (`xgu_…` from POST /api/v1/auth/login).',
        },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'xgw_session',
          description: 'The web console: the session of POST /api/v1/auth/login with `session: "cookie"`; state-changing requests also send `X-CSRF-Token`.',
        },
      },
      headers: {
        XRequestId: { description: "the request id (the caller's X-Request-Id if given, else generated)", schema: { type: 'string' } },
        RetryAfter: { description: 'seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
        Location: { description: 'URL of the message: /api/v1/messages/{id}', schema: { type: 'string' } },
      },
      schemas: { ...componentSchemas(deps.schemas), ...exchangeSchemas(deps.schemas), ...registrySchemas(), ...logSchemas(), ...auditSchemas(), ...deliverySchemas(), ...serviceSchemas(), ...documentSchemas(), ...caseSchemas(), ...supervisionSchemas(), ...statsSchemas(), ...adminSchemas(), ...adapterSchemas(), ...certificateSchemas(), WebhookMessage: webhookMessageSchema, WebhookBatch: webhookBatchSchema },
      examples: problemExamples(),
    },
  };
}

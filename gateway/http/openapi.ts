/**
 * The gateway's OpenAPI 3.1 document, built from the code: message-type schemas come from
 * the SchemaRegistry, the push envelope from pushRequestSchema, error codes from the catalogue.
 * Served by http/docs.ts at /api/v1/openapi.json and browsable at /docs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { catalogue, type ErrorCode } from '../errors';
import { problemType } from './error-pages';
import type { SchemaRegistry } from '../schemas/registry';
import { projectRoot } from '../schemas/paths';
import { componentSchemas, MESSAGE_STATUSES } from './openapi-components';
import { json, pathParam, query, ref, reqId, type Json, type Op } from './openapi-helpers';
import { logPaths, logSchemas } from '../log/openapi';
import { auditPaths, auditSchemas } from '../audit/openapi';
import { deliveryPaths, deliverySchemas } from '../delivery/openapi';
import { servicePaths, serviceSchemas } from '../services/openapi';
import { documentPaths, documentSchemas } from '../documents/openapi';

export const OPENAPI_PATH = '/api/v1/openapi.json';

let cachedVersion: string | undefined;
function packageVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version?: unknown };
      cachedVersion = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
    } catch {
      cachedVersion = '0.0.0';
    }
  }
  return cachedVersion;
}

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

/** Push bodies built from the shared examples in schemas/examples (a valid case record and case status). */
function pushExamples(): Record<string, { summary: string; value: unknown }> {
  const example = (type: string) => JSON.parse(fs.readFileSync(path.join(projectRoot(), 'schemas', 'examples', `${type}.example.json`), 'utf8')) as { caseNo: string };
  const record = example('case-record');
  const status = example('case-status');
  return {
    'case-record': {
      summary: '大厅向住建局推送办件信息 (the hall sends a case record to 住建局)',
      value: { to: 'housing', type: 'case-record', messageId: 'hall-2026-000123', caseId: record.caseNo, purpose: 'case-handling', payload: record },
    },
    'case-status': {
      summary: '住建局向大厅反馈办理状态 (住建局 reports the case status to the hall)',
      value: { to: 'hall', type: 'case-status', messageId: 'housing-2026-000456', caseId: status.caseNo, purpose: 'status-feedback', payload: status },
    },
  };
}

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
const BODY: ErrorCode[] = ['GW_ERR_HTTP_MALFORMED_JSON', 'GW_ERR_HTTP_BODY_TOO_LARGE', 'GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE'];

function operation(method: string, route: string, op: Op): Json {
  const api = route.startsWith('/api/v1/');
  const errors = [
    ...(api && method === 'post' ? BODY : []),
    ...(api && !op.public ? AUTH : []),
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
  const messageId = pathParam('id', 'gateway message id (UUIDv7), from the receipt or the inbox', { type: 'string', format: 'uuid' });
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
    '/api/v1/auth/login': {
      post: {
        tag: 'auth',
        id: 'login',
        public: true,
        summary: 'Log in with login and password; answers a session token (登录)',
        description: 'Repeated failures for one login are rate limited (429 with Retry-After).',
        body: { schema: ref('LoginRequest') },
        ok: { 200: json('logged in', ref('LoginResponse')) },
        errors: ['GW_ERR_REQUEST_INVALID', 'GW_ERR_AUTH_BAD_CREDENTIALS', 'GW_ERR_AUTH_RATE_LIMITED'],
      },
    },
    '/api/v1/auth/logout': {
      post: {
        tag: 'auth',
        id: 'logout',
        summary: 'End the login session of the bearer token (system tokens are not affected)',
        ok: { 204: { description: 'logged out', headers: reqId } },
      },
    },
    '/api/v1/auth/me': {
      get: { tag: 'auth', id: 'whoAmI', summary: 'Who the bearer token belongs to', ok: { 200: json('the caller', ref('Principal')) } },
    },
    '/api/v1/members': {
      get: { tag: 'registry', id: 'listMembers', summary: 'Members of the gateway (成员单位)', ok: { 200: json('all members', ref('MemberList')) } },
    },
    '/api/v1/members/{code}/services': {
      get: {
        tag: 'registry',
        id: 'memberServices',
        summary: 'What a member accepts: message types, their schemas and allowed senders',
        params: [pathParam('code', 'member code', { type: 'string' }, 'housing')],
        ok: { 200: json('the member services', ref('MemberServices')) },
        errors: ['GW_ERR_REGISTRY_UNKNOWN_MEMBER'],
      },
    },
    '/api/v1/schemas': {
      get: { tag: 'registry', id: 'listSchemas', summary: 'The message types', ok: { 200: json('message types', ref('SchemaList')) } },
    },
    '/api/v1/schemas/{type}': {
      get: {
        tag: 'registry',
        id: 'getSchema',
        summary: 'The JSON Schema (2020-12) of a message type',
        params: [pathParam('type', 'message type', { type: 'string', enum: types }, types[0])],
        ok: {
          200: {
            description: 'the schema (also in components.schemas under the type name)',
            headers: reqId,
            content: { 'application/schema+json': { schema: { type: 'object' } } },
          },
        },
        errors: ['GW_ERR_SCHEMA_UNKNOWN_TYPE'],
      },
    },
    '/api/v1/messages': {
      post: {
        tag: 'exchange',
        id: 'pushMessage',
        summary: 'Send a message to another member (推送报文)',
        description:
          'Checked in this order: envelope → receiver → type → agreement → payload schema. ' +
          'Idempotent on `messageId`: the same message again answers 200 with the original receipt; ' +
          'different content under a used `messageId` is a conflict.',
        body: { schema: ref('PushRequest'), examples: pushExamples() },
        ok: {
          202: json('accepted and queued', ref('Receipt'), { Location: { $ref: '#/components/headers/Location' } }),
          200: json('a duplicate of an accepted message: the original receipt', ref('Receipt'), { Location: { $ref: '#/components/headers/Location' } }),
        },
        errors: [
          'GW_ERR_REQUEST_INVALID',
          'GW_ERR_REGISTRY_UNKNOWN_MEMBER',
          'GW_ERR_SCHEMA_UNKNOWN_TYPE',
          'GW_ERR_SCHEMA_INVALID',
          'GW_ERR_DOCUMENT_CLASSIFIED',
          'GW_ERR_EXCHANGE_NO_AGREEMENT',
          'GW_ERR_EXCHANGE_PURPOSE_NOT_ALLOWED',
          'GW_ERR_EXCHANGE_DUPLICATE_CONFLICT',
          'GW_ERR_TRUST_BAD_SIGNATURE',
          'GW_ERR_TRUST_CERTIFICATE_INVALID',
          'GW_ERR_OVERLOADED',
        ],
      },
    },
    '/api/v1/messages/{id}': {
      get: {
        tag: 'exchange',
        id: 'getMessage',
        summary: 'A message with its delivery state and history (sender or receiver only)',
        params: [messageId],
        ok: { 200: json('the message', ref('Message')) },
        errors: ['GW_ERR_EXCHANGE_MESSAGE_NOT_FOUND'],
      },
    },
    '/api/v1/messages/{id}/ack': {
      post: {
        tag: 'exchange',
        id: 'ackMessage',
        summary: 'Accept or reject a received message (签收 / 退回); receiver only',
        description: 'Repeating the same answer is harmless; a different answer after the first is a conflict.',
        params: [messageId],
        body: { schema: ref('AckRequest') },
        ok: { 200: json('the message in its new state, with the signed acknowledgement receipt', ref('AckResponse')) },
        errors: ['GW_ERR_REQUEST_INVALID', 'GW_ERR_EXCHANGE_MESSAGE_NOT_FOUND', 'GW_ERR_EXCHANGE_NOT_RECEIVER', 'GW_ERR_EXCHANGE_ALREADY_ACKNOWLEDGED'],
      },
    },
    '/api/v1/inbox': {
      get: {
        tag: 'exchange',
        id: 'pullInbox',
        summary: "The caller's received messages in commit order (收件箱); pulling counts as delivery",
        params: [
          query('after', 'the `next` cursor of the previous page', { type: 'string' }),
          query('limit', 'page size', { type: 'integer', minimum: 1, maximum: 500, default: 50 }),
          query('type', 'only this message type', { type: 'string', enum: types }),
          query('status', 'only messages in this status', { type: 'string', enum: MESSAGE_STATUSES }),
        ],
        ok: { 200: json('a page of messages', ref('InboxPage')) },
        errors: ['GW_ERR_REQUEST_INVALID', 'GW_ERR_LIST_BAD_CURSOR'],
      },
    },
    ...logPaths(),
    ...auditPaths(),
    ...servicePaths(),
    ...deliveryPaths(),
    ...documentPaths(),
  };
}

/** The exchange log (routes in log/routes.ts). */
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
      { name: 'admin', description: 'Outbox administration: dead letters and replay (运维管理)' },
      { name: 'auth', description: 'Login sessions for people (登录)' },
      { name: 'ops', description: 'Health and metrics (运维)' },
      { name: 'docs', description: 'This documentation' },
    ],
    security: [{ bearerAuth: [] }],
    paths: outPaths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'A member system token (`xgs_…`) or a login session token (`xgu_…` from POST /api/v1/auth/login).',
        },
      },
      headers: {
        XRequestId: { description: "the request id (the caller's X-Request-Id if given, else generated)", schema: { type: 'string' } },
        RetryAfter: { description: 'seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
        Location: { description: 'URL of the message: /api/v1/messages/{id}', schema: { type: 'string' } },
      },
      schemas: { ...componentSchemas(deps.schemas), ...logSchemas(), ...auditSchemas(), ...deliverySchemas(), ...serviceSchemas(), ...documentSchemas() },
      examples: problemExamples(),
    },
  };
}

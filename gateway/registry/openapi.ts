/**
 * The registry and login operations and schemas of the OpenAPI document (merged by
 * http/openapi.ts; routes in registry/routes.ts, which validate with the same objects).
 */
import { json, keysOf, page, pathParam, ref, reqId, str, time, type Json, type Op } from '../http/openapi-helpers';
import type { MemberKind } from './members';
import { ROLES } from './users';

const MEMBER_KINDS = keysOf<MemberKind>({ hall: true, municipal: true, vertical: true, station: true });

/** POST /auth/login (published as LoginRequest; the route validates with it). */
export const loginRequestSchema = {
  type: 'object',
  required: ['login', 'password'],
  properties: {
    login: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: 256, format: 'password' },
    session: {
      type: 'string',
      enum: ['token', 'cookie'],
      default: 'token',
      description:
        '`token` (default): the answer carries the session token for `Authorization: Bearer`. `cookie` (the web console): the token is set as an HttpOnly, ' +
        'SameSite=Strict cookie and the answer carries only `csrfToken`, to send as `X-CSRF-Token` with every state-changing request.',
    },
  },
} satisfies Json;

export function registryPaths(types: string[]) {
  return {
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
      get: { tag: 'auth', id: 'whoAmI', summary: 'Who the bearer token (or session cookie) belongs to; with the cookie also its csrfToken', ok: { 200: json('the caller', ref('Principal')) } },
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
  } satisfies Record<string, Record<string, Op>>;
}

/** Members, message types, login and the caller (see the `registry` and `auth` operations). */
export function registrySchemas(): Json {
  return {
    Member: {
      type: 'object',
      required: ['code', 'name', 'kind', 'uscc', 'adapter', 'delivery'],
      properties: {
        code: str('member code', { pattern: '^[a-z][a-z0-9-]{1,31}$' }),
        name: str('成员单位名称 (member name)'),
        kind: { type: 'string', enum: MEMBER_KINDS },
        uscc: str('统一社会信用代码 (unified social credit code)'),
        adapter: str('adapter the member is connected through'),
        delivery: { type: 'string', enum: ['push', 'pull'] },
      },
    },
    MemberList: page(ref('Member'), 'All members of the gateway (one page).'),
    MemberServices: {
      type: 'object',
      required: ['member', 'adapter', 'messageTypes', 'services', 'inbound'],
      properties: {
        member: {
          type: 'object',
          required: ['code', 'name', 'kind', 'adapter'],
          properties: { code: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string', enum: MEMBER_KINDS }, adapter: { type: 'string' } },
        },
        messageTypes: {
          type: 'array',
          items: {
            type: 'object',
            required: ['type', 'schema', 'jsonSchema', 'senders'],
            properties: {
              type: { type: 'string' },
              schema: str('URL of the JSON Schema'),
              jsonSchema: { type: ['object', 'null'], description: 'the JSON Schema itself' },
              senders: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['sender', 'purposes'],
                  properties: { sender: { type: 'string' }, purposes: { type: 'array', items: { type: 'string' } } },
                },
              },
            },
          },
        },
        adapter: {
          type: ['object', 'null'],
          description: "the member's adapter (how the gateway converts and transports for it)",
          required: ['name', 'version', 'title', 'mappingVersion', 'delivers'],
          properties: { name: str('adapter name'), version: str('adapter version'), title: str('what it talks to'), mappingVersion: str('version of its field mappings and code tables'), delivers: { type: 'array', items: { type: 'string' } } },
        },
        services: {
          type: 'array',
          description: 'synchronous services (POST the url with X-Purpose and X-Case-Id)',
          items: {
            type: 'object',
            required: ['name', 'title', 'operation', 'url', 'callers', 'requestSchema', 'responseSchema'],
            properties: {
              name: str('service name'),
              title: str('Chinese title'),
              operation: str("the agency's SOAP operation"),
              url: str('where to POST'),
              callers: { type: 'array', items: { type: 'object', required: ['sender', 'purposes'], properties: { sender: { type: 'string' }, purposes: { type: 'array', items: { type: 'string' } } } } },
              requestSchema: { type: 'object' },
              responseSchema: { type: 'object' },
            },
          },
        },
        inbound: {
          type: ['object', 'null'],
          description: 'the SOAP endpoint the gateway serves this agency (agency → gateway), with its WSDL',
          required: ['url', 'wsdl', 'soapVersion', 'encoding', 'operations'],
          properties: {
            url: str('SOAP endpoint'),
            wsdl: str('WSDL URL'),
            soapVersion: { enum: ['1.1', '1.2'] },
            encoding: { enum: ['utf-8', 'gbk'] },
            operations: { type: 'array', items: { type: 'object', required: ['operation', 'becomes'], properties: { operation: { type: 'string' }, becomes: str('message type it becomes') } } },
          },
        },
      },
    },
    SchemaList: page(
      { type: 'object', required: ['type', 'href'], properties: { type: { type: 'string' }, href: str('URL of the JSON Schema') } },
      'The message types of the gateway.',
    ),
    LoginRequest: loginRequestSchema,
    User: {
      type: 'object',
      required: ['id', 'login', 'name', 'role', 'department'],
      properties: {
        id: { type: 'string', format: 'uuid' },
        login: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string', enum: [...ROLES] },
        department: str('member code of the user department'),
      },
    },
    LoginResponse: {
      type: 'object',
      required: ['tokenType', 'expiresAt', 'user'],
      properties: {
        token: str('session token (xgu_…), send as Authorization: Bearer (not with session=cookie)'),
        tokenType: { type: 'string', enum: ['Bearer', 'Cookie'] },
        csrfToken: str('with session=cookie: send as X-CSRF-Token with every POST'),
        expiresAt: time('when the session ends'),
        user: ref('User'),
      },
    },
    Principal: {
      description: 'Who is calling: a member system (system token) or a person (login session).',
      oneOf: [
        {
          type: 'object',
          required: ['kind', 'member', 'system'],
          properties: { kind: { type: 'string', const: 'system' }, member: { type: 'string' }, system: { type: 'string' } },
        },
        {
          type: 'object',
          required: ['kind', 'member', 'userId', 'login', 'role'],
          properties: {
            kind: { type: 'string', const: 'user' },
            member: { type: 'string' },
            userId: { type: 'string', format: 'uuid' },
            login: { type: 'string' },
            role: { type: 'string', enum: [...ROLES] },
            csrfToken: { type: 'string', description: 'only when called with the session cookie: send as X-CSRF-Token' },
          },
        },
      ],
    },
  };
}

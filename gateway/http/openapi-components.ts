/**
 * The reusable schema components of the OpenAPI document (see openapi.ts).
 * Enumerations are derived from the code's own types and tables (error catalogue,
 * statuses, roles) so that the document cannot drift from what the gateway answers.
 */
import { catalogue, MAX_FIELD_ERRORS, type ErrorCode } from '../errors';
import { pushRequestSchema } from '../exchange/push';
import type { MessageEvent, MessageStatus } from '../exchange/types';
import { messageLifecycle } from '../exchange/lifecycle';
import type { DigestAlg } from '../crypto/digest';
import type { MemberKind } from '../registry/members';
import { ROLES } from '../registry/users';
import type { SchemaRegistry } from '../schemas/registry';
import { SIG_ALGS } from '../crypto/sign';
import { count, hash32, nullable, page, ref, str, time, type Json } from './openapi-helpers';

export { ref, type Json };


/** `Record<T, true>` forces every member of a string union to be listed (and nothing else). */
const keysOf = <T extends string>(all: Record<T, true>): T[] => Object.keys(all) as T[];

/** The message lifecycle table's statuses and events (exchange/lifecycle.ts). */
export const MESSAGE_STATUSES: MessageStatus[] = [...messageLifecycle.statuses];
const MESSAGE_EVENTS: MessageEvent[] = [...messageLifecycle.events];
const DIGEST_ALGS = keysOf<DigestAlg>({ sha256: true, sm3: true });
const MEMBER_KINDS = keysOf<MemberKind>({ hall: true, municipal: true, vertical: true, station: true });

/** Every catalogue code, in catalogue order: the Problem `code` enum. */
export const ERROR_CODES = Object.keys(catalogue) as ErrorCode[];


/** A message-type schema as a component: the registry's schema minus `$schema`/`$id` (an OAS 3.1 document is one 2020-12 resource). */
export function messageTypeComponent(schemas: SchemaRegistry, type: string): Json {
  const { $schema: _s, $id: _i, ...content } = schemas.schemaOf(type) as Json;
  return structuredClone(content);
}

/** `payload`: exactly one of the registered message-type schemas. */
export const payloadSchema = (types: string[], description: string): Json => ({
  type: 'object',
  description,
  oneOf: types.map(ref),
});

function problemDescription(): string {
  const rows = ERROR_CODES.map((c) => `| \`${c}\` | ${catalogue[c].status} | ${catalogue[c].title} |`);
  return [
    'RFC 9457 problem details (`application/problem+json`); `code` identifies the error, one per row:',
    '',
    '| code | status | title |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}

const messageProps: Json = {
  id: str('gateway message id (UUIDv7)', { format: 'uuid' }),
  messageId: str("the sender's own idempotency key, kept as given"),
  from: str('sender member code'),
  to: str('receiver member code'),
  type: str('message type, e.g. case-record'),
  caseId: nullable(str('办件编号 (case number) this message belongs to')),
  purpose: str('用途 (purpose) allowed by the exchange agreement'),
  status: { type: 'string', enum: MESSAGE_STATUSES },
  digest: ref('Digest'),
  receivedAt: time('when the gateway accepted the message'),
  updatedAt: time('last status change'),
};
const messageRequired = Object.keys(messageProps).concat('payload');

export function componentSchemas(schemas: SchemaRegistry): Json {
  const types = schemas.types();
  const typeSchemas: Json = {};
  for (const t of types) typeSchemas[t] = messageTypeComponent(schemas, t);
  const payload = payloadSchema(types, 'the message content; valid against the schema of its `type`');

  return {
    ...typeSchemas,
    Problem: {
      type: 'object',
      description: problemDescription(),
      required: ['type', 'title', 'status', 'detail', 'code', 'requestId'],
      properties: {
        type: str('URI reference of the error type: /errors/<code>, a page of this gateway explaining the code', { format: 'uri-reference' }),
        title: str('short summary of the error type (fixed per code)'),
        status: { type: 'integer', minimum: 400, maximum: 599, description: 'the HTTP status' },
        detail: str('what went wrong with this request'),
        code: { type: 'string', enum: ERROR_CODES, description: 'catalogue code GW_ERR_<AREA>_<WHAT>' },
        requestId: str('the X-Request-Id of this request (quote it when reporting a problem)'),
        errors: { type: 'array', maxItems: MAX_FIELD_ERRORS, description: `validation errors, one per field (the first ${MAX_FIELD_ERRORS})`, items: ref('FieldError') },
        errorCount: { type: 'integer', minimum: 1, description: `how many validation errors were found (with \`errors\`; more than listed when over ${MAX_FIELD_ERRORS})` },
      },
    },
    FieldError: {
      type: 'object',
      required: ['pointer', 'message'],
      properties: { pointer: str('JSON pointer (RFC 6901) into the request body or query'), message: str('what is wrong there') },
    },
    Digest: {
      type: 'object',
      required: ['alg', 'value'],
      properties: { alg: { type: 'string', enum: DIGEST_ALGS }, value: str('lowercase hex', { pattern: '^[0-9a-f]+$' }) },
    },
    PushRequest: {
      ...pushRequestSchema,
      description: 'A message to send to another member. 发送给其他成员单位的报文。',
      properties: { ...pushRequestSchema.properties, payload },
    },
    Receipt: {
      type: 'object',
      description: 'The answer to a push; a repeated push with the same messageId and content gets the same receipt.',
      required: ['id', 'messageId', 'status', 'digest', 'receivedAt', 'log', 'signature'],
      properties: {
        signature: {
          ...ref('BatchSignature'),
          description: "The gateway's signature (log key) over this receipt's canonical JSON without `signature`, as a batch signature.",
        },
        id: messageProps.id,
        messageId: messageProps.messageId,
        status: { type: 'string', const: 'queued' },
        digest: ref('Digest'),
        receivedAt: messageProps.receivedAt,
        log: {
          type: 'object',
          description:
            "Where the push was recorded in the exchange log: the `message.received` entry's index and leaf hash. " +
            'Once a checkpoint covers it, GET /api/v1/log/proof/inclusion?index= proves it is in the signed log.',
          required: ['index', 'leafHash'],
          properties: { index: count('log entry index'), leafHash: hash32('leaf hash H(0x00 ‖ entry)') },
        },
      },
    },
    BatchSignature: {
      type: 'object',
      description:
        'One signature over many texts (one group commit): `value` signs the canonical JSON `manifest` {v, signer, hashAlg, size, root, at}; ' +
        'the signed text is leaf `index` of an RFC 9162 tree of `size` leaves with root `root`, proven by `proof`. ' +
        'Check: leaf = H(0x00 ‖ text); verify the inclusion proof to the manifest root; verify `value` over `manifest` with the certificate (openssl dgst -verify).',
      required: ['signer', 'alg', 'certificate', 'manifest', 'value', 'index', 'proof'],
      additionalProperties: false,
      properties: {
        signer: { type: 'string', description: "member code, or 'gateway'" },
        alg: { type: 'string', enum: [...SIG_ALGS] },
        certificate: hash32('SHA-256 fingerprint of the signing certificate (DER)'),
        manifest: { type: 'string', description: 'canonical JSON of the signed manifest' },
        value: { type: 'string', contentEncoding: 'base64' },
        index: count('position of the signed text in the batch'),
        proof: { type: 'array', items: hash32('proof node') },
      },
    },
    AckReceipt: {
      type: 'object',
      description: "The receiving department's signed answer (签收回执 / 退回); signed on its behalf with its key.",
      required: ['v', 'kind', 'id', 'messageId', 'from', 'to', 'result', 'reason', 'digest', 'at', 'signature'],
      properties: {
        v: { const: 1 },
        kind: { const: 'acknowledgement' },
        id: messageProps.id,
        messageId: messageProps.messageId,
        from: { type: 'string' },
        to: { type: 'string' },
        result: { enum: ['accepted', 'rejected'] },
        reason: { type: ['string', 'null'] },
        digest: ref('Digest'),
        at: { type: 'string', format: 'date-time' },
        signature: ref('BatchSignature'),
      },
    },
    AckResponse: {
      description: 'The message in its new state, with the signed acknowledgement receipt.',
      allOf: [ref('Message')],
      properties: { receipt: ref('AckReceipt') },
      required: ['receipt'],
    },
    MessageSummary: {
      type: 'object',
      description: 'A message as listed in the inbox.',
      required: messageRequired,
      properties: { ...messageProps, payload },
    },
    Message: {
      type: 'object',
      description: 'A message with its delivery state and full history (visible to its sender and receiver only).',
      required: [...messageRequired, 'delivery', 'history'],
      properties: {
        ...messageProps,
        payload,
        delivery: {
          type: ['object', 'null'],
          required: ['mode', 'status', 'attempts', 'nextAttemptAt', 'lastError'],
          properties: {
            mode: { type: 'string', enum: ['push', 'pull'] },
            status: { type: 'string', enum: ['pending', 'in_flight', 'delivered', 'dead'] },
            attempts: { type: 'integer', minimum: 0 },
            nextAttemptAt: nullable(time('next webhook attempt, while pending')),
            lastError: nullable(str('error of the last failed attempt')),
          },
        },
        history: {
          type: 'array',
          description: 'every state change, oldest first; event-specific details (e.g. `reason`, `via`) are added as properties',
          items: {
            type: 'object',
            required: ['event', 'at', 'actor'],
            properties: { event: { type: 'string', enum: MESSAGE_EVENTS }, at: time('when'), actor: str('member/system or member/login') },
            additionalProperties: true,
          },
        },
      },
    },
    AckRequest: {
      type: 'object',
      required: ['result'],
      properties: {
        result: { type: 'string', enum: ['accepted', 'rejected'] },
        reason: str('required when rejecting (退回原因)', { maxLength: 2000 }),
      },
    },
    InboxPage: page(ref('MessageSummary'), 'A page of received messages in commit order.'),
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
    LoginRequest: {
      type: 'object',
      required: ['login', 'password'],
      properties: { login: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 256, format: 'password' } },
    },
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
      required: ['token', 'tokenType', 'expiresAt', 'user'],
      properties: {
        token: str('session token (xgu_…), send as Authorization: Bearer'),
        tokenType: { type: 'string', const: 'Bearer' },
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
          },
        },
      ],
    },
    Health: { type: 'object', required: ['status'], properties: { status: { type: 'string', const: 'ok' } } },
    Ready: {
      type: 'object',
      required: ['status', 'database'],
      properties: { status: { type: 'string', const: 'ready' }, database: str('store kind') },
    },
  };
}

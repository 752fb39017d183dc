/**
 * The exchange operations and schemas of the OpenAPI document (merged by
 * http/openapi.ts; routes in exchange/routes.ts, which validate with the same objects).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { count, hash32, json, keysOf, nullable, page, pageParams, pathParam, query, ref, str, time, type Json, type Op } from '../http/openapi-helpers';
import { payloadSchema } from '../http/openapi-components';
import { projectRoot } from '../schemas/paths';
import type { SchemaRegistry } from '../schemas/registry';
import { pushRequestSchema } from './push';
import type { MessageEvent, MessageStatus } from './types';
import { messageLifecycle } from './lifecycle';

/** The message lifecycle table's statuses and events (exchange/lifecycle.ts), in its order. */
export const MESSAGE_STATUSES: MessageStatus[] = [...messageLifecycle.statuses];
const MESSAGE_EVENTS: MessageEvent[] = [...messageLifecycle.events];

/** POST /messages/{id}/ack (published as AckRequest; the route validates with it). */
export const ackRequestSchema = {
  type: 'object',
  required: ['result'],
  properties: {
    result: { type: 'string', enum: ['accepted', 'rejected'] },
    reason: str('required when rejecting (退回原因)', { maxLength: 2000 }),
  },
  if: { required: ['result'], properties: { result: { const: 'rejected' } } },
  then: { required: ['reason'], properties: { reason: { type: 'string', minLength: 1 } } },
} satisfies Json;

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

export function exchangePaths(types: string[]) {
  const messageId = pathParam('id', 'gateway message id (UUIDv7), from the receipt or the inbox', { type: 'string', format: 'uuid' });
  return {
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
      get: {
        tag: 'exchange',
        id: 'listMailbox',
        summary: "A department's received or sent messages, newest first (收件箱/发件箱); read only",
        description:
          'Listing changes nothing (GET /api/v1/inbox is the pull that counts as delivery; reading a message with GET /api/v1/messages/{id} does not count either). ' +
          'A department system reconciles what it sent with `direction=sent&from=…&to=…` (each item has the payload `digest`), following `next`. ' +
          'Department systems and clerks list their own ' +
          "member's mailbox; auditors and supervisors name the member. Payloads and histories: GET /api/v1/messages/{id}.",
        params: [
          query('direction', '`received` (收件, the default) or `sent` (发件)', { type: 'string', enum: ['received', 'sent'] }),
          query('box', 'the same as `direction`, older name: `in` = received, `out` = sent', { type: 'string', enum: ['in', 'out'] }),
          query('member', 'whose mailbox (auditors and supervisors only; others: their own)', { type: 'string', minLength: 1, maxLength: 200 }),
          query('status', 'only messages in this status', { type: 'string', enum: MESSAGE_STATUSES }),
          query('type', 'only this message type', { type: 'string', enum: types }),
          query('caseId', '办件编号 (case number)', { type: 'string', minLength: 1, maxLength: 200 }),
          query('from', 'accepted by the gateway at or after (RFC 3339 with offset)', { type: 'string', format: 'date-time' }),
          query('to', 'accepted by the gateway at or before (RFC 3339 with offset)', { type: 'string', format: 'date-time' }),
          ...pageParams(),
        ],
        ok: { 200: json('a page of messages, newest first', ref('MailboxPage')) },
        errors: ['GW_ERR_REQUEST_INVALID', 'GW_ERR_LIST_BAD_CURSOR', 'GW_ERR_AUTH_FORBIDDEN'],
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
  } satisfies Record<string, Record<string, Op>>;
}

/** The properties of a message's header and state (also the webhook body's, http/openapi-webhooks.ts). */
export const messageProps: Json = {
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

/** The exchange answers and requests (see the `exchange` operations). */
export function exchangeSchemas(schemas: SchemaRegistry): Json {
  const payload = payloadSchema(schemas.types(), 'the message content; valid against the schema of its `type`');
  // A stored message's body may have passed the retention period: read back from the archive, or dropped (null).
  const storedPayload = { anyOf: [payload, { type: 'null', description: 'dropped by the retention policy (see `retention`); `digest` still names it' }] };
  const retention = {
    type: 'object',
    description: 'Present when the body has left the database under the retention policy: archived (read back and checked against `digest`) or dropped.',
    required: ['at', 'mode'],
    properties: {
      at: time('when the body left the database'),
      mode: { type: 'string', enum: ['archive', 'drop'] },
      sha256: str('the archive file\'s name: SHA-256 of the archived body (mode archive)'),
    },
  };
  return {
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
      properties: { ...messageProps, payload: storedPayload, retention },
    },
    Message: {
      type: 'object',
      description: 'A message with its delivery state and full history (visible to its sender and receiver only).',
      required: [...messageRequired, 'delivery', 'history'],
      properties: {
        ...messageProps,
        payload: storedPayload,
        retention,
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
    AckRequest: ackRequestSchema,
    InboxPage: page(ref('MessageSummary'), 'A page of received messages in commit order.'),
    MailboxPage: {
      ...page(
        { type: 'object', required: messageRequired.filter((k) => k !== 'payload'), properties: messageProps },
        "A page of a member's received or sent messages, newest first.",
      ),
    },
  };
}

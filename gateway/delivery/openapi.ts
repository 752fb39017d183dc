/**
 * The outbox administration operations and schemas of the OpenAPI document
 * (merged by http/openapi.ts; routes in delivery/routes.ts).
 */
import { count, json, nullable, page, pathParam, query, ref, str, time, type Json, type Op } from '../http/openapi-helpers';

const filterParams = [
  query('receiver', 'only deliveries to this member', { type: 'string', pattern: '^[a-z][a-z0-9-]{1,63}$' }),
  query('type', 'only this message type', { type: 'string', pattern: '^[a-z][a-z0-9-]{1,63}$' }),
  query('caseId', 'only this case (办件编号)', { type: 'string', minLength: 1, maxLength: 64 }),
  query('from', 'dead-lettered at or after (RFC 3339 with offset)', { type: 'string', format: 'date-time' }),
  query('to', 'dead-lettered at or before (RFC 3339 with offset)', { type: 'string', format: 'date-time' }),
];

const code = { type: 'string', pattern: '^[a-z][a-z0-9-]{1,63}$' };

/** POST /admin/dead-letters/replay (published as ReplayFilter; the route validates with it). */
export const replayFilterSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    receiver: code,
    type: code,
    caseId: { type: 'string', minLength: 1, maxLength: 64 },
    from: time('dead-lettered at or after'),
    to: time('dead-lettered at or before'),
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} satisfies Json;

export function deliveryPaths() {
  return {
    '/api/v1/admin/dead-letters': {
      get: {
        tag: 'admin',
        id: 'listDeadLetters',
        summary: 'Deliveries the outbox gave up on (死信), oldest first; admin role',
        params: [...filterParams, query('after', 'the `next` cursor of the previous page', { type: 'string' }), query('limit', 'page size', { type: 'integer', minimum: 1, maximum: 500, default: 50 })],
        ok: { 200: json('a page of dead letters', ref('DeadLetterPage')) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_LIST_BAD_CURSOR'],
      },
    },
    '/api/v1/admin/dead-letters/{id}/replay': {
      post: {
        tag: 'admin',
        id: 'replayDeadLetter',
        summary: 'Put one dead letter back in the outbox with a fresh attempt budget (重投); admin role',
        description: 'Recorded in the message history and the signed log as message.replayed, naming the admin.',
        params: [pathParam('id', 'gateway message id', { type: 'string', format: 'uuid' })],
        ok: { 200: json('what was replayed', ref('ReplayResult')) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_DEAD_LETTER_NOT_FOUND'],
      },
    },
    '/api/v1/admin/dead-letters/replay': {
      post: {
        tag: 'admin',
        id: 'replayDeadLetters',
        summary: 'Replay the dead letters matching a filter, oldest first (批量重投); admin role',
        description: 'At least one filter is required. Each replay is recorded like a single one.',
        body: { schema: ref('ReplayFilter') },
        ok: { 200: json('what was replayed', ref('ReplayResult')) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID'],
      },
    },
  } satisfies Record<string, Record<string, Op>>;
}

export function deliverySchemas(): Json {
  return {
    DeadLetter: {
      type: 'object',
      required: ['id', 'messageId', 'from', 'to', 'type', 'caseId', 'attempts', 'lastError', 'deadAt', 'receivedAt'],
      properties: {
        id: str('gateway message id', { format: 'uuid' }),
        messageId: str("the sender's messageId"),
        from: str('sender member code'),
        to: str('receiver member code'),
        type: str('message type'),
        caseId: nullable(str('办件编号')),
        attempts: count('delivery attempts made'),
        lastError: nullable(str('what the last attempt ran into')),
        deadAt: time('when it was dead-lettered'),
        receivedAt: time('when the gateway accepted it'),
      },
    },
    DeadLetterPage: page(ref('DeadLetter'), 'dead letters'),
    ReplayFilter: replayFilterSchema,
    ReplayResult: {
      type: 'object',
      required: ['replayed', 'ids'],
      properties: { replayed: count('how many were put back in the outbox'), ids: { type: 'array', items: str('gateway message id', { format: 'uuid' }) } },
    },
  };
}

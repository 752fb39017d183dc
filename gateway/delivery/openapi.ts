/**
 * The outbox administration operations and schemas of the OpenAPI document
 * (merged by http/openapi.ts; routes in delivery/routes.ts).
 */
import { OWN_ERRORS } from './own-status';
import { count, json, nullable, page, pageParams, pathParam, query, ref, str, time, type Json, type Op } from '../http/openapi-helpers';

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
        params: [...filterParams, ...pageParams()],
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
    '/api/v1/admin/delivery': {
      get: {
        tag: 'admin',
        id: 'deliveryStatus',
        summary: 'The outbox per member (投递状态): backlog and its oldest, dead letters, last success, last error; admin role',
        description:
          '`backlog`: messages to the member not yet delivered (pending or in flight; for a pull member: not yet pulled). ' +
          '`lastError`: the newest error still on a delivery (a retry due, or a dead letter); a success clears its own. Active members, by code.',
        params: [
          query('member', 'only this member', code),
          query('mode', 'only members delivered this way', { type: 'string', enum: ['push', 'pull'] }),
          ...pageParams(),
        ],
        ok: { 200: json('a page of members with their outbox figures', ref('MemberDeliveryPage')) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_LIST_BAD_CURSOR'],
      },
    },
    '/api/v1/delivery/status': {
      get: {
        tag: 'exchange',
        id: 'ownDeliveryStatus',
        summary: "The calling department's own outbox: backlog, dead letters, whether paused, its newest delivery errors (systems, clerks, signers)",
        description:
          'The figures of `GET /admin/delivery` for the caller\'s member only, whether an admin paused its deliveries, and its ' +
          `newest ${OWN_ERRORS} deliveries still carrying an error (a retry due, or a dead letter; a success clears its own). Nothing of another member's deliveries.`,
        params: [],
        ok: { 200: json("the department's outbox", ref('OwnDelivery')) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID'],
      },
    },
    '/api/v1/admin/members/{code}/webhook/test': {
      post: {
        tag: 'admin',
        id: 'testWebhook',
        summary: "Send a signed test event to a member's webhook and say how it went (测试回调); admin role",
        description:
          'The very request a message makes (body, headers, RFC 9421 signature; see `webhooks` → `test`) with `type: webhook-test` and ' +
          '`X-Xgw-Event: test`, sent once to the configured URL, also while the webhook is inactive. A failure is an answer, not an error: ' +
          '`ok: false` with the HTTP status or what went wrong. Nothing is stored or retried.',
        params: [pathParam('code', 'member code', code, 'housing')],
        ok: { 200: json('the outcome of the test request', ref('WebhookTestResult')) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_UNKNOWN_MEMBER', 'GW_ERR_REGISTRY_NOT_FOUND'],
      },
    },
  } satisfies Record<string, Record<string, Op>>;
}

/** A member's outbox figures: in the admin's MemberDelivery and a department's OwnDelivery alike. */
const outboxFigures = {
  member: str('member code'),
  deliveryMode: { type: 'string', enum: ['push', 'pull'] },
  webhook: nullable({ type: 'object', required: ['url', 'active'], properties: { url: str('webhook URL'), active: { type: 'boolean' } } }),
  backlog: count('messages not yet delivered (pending or in flight; for a pull member: not yet pulled)'),
  inFlight: {
    type: 'object',
    description: "what the outbox has out to the member now (every gateway process's live claims): delivery.perReceiverConcurrency bounds the requests",
    required: ['requests', 'messages'],
    properties: { requests: count('webhook or SOAP requests out'), messages: count('the messages they carry (more than requests for a member with batchMax)') },
  },
  oldestPendingAt: nullable(time('when the oldest of them was accepted')),
  deadLetters: count('dead letters waiting for a replay'),
  lastSuccessAt: nullable(time('when a delivery last succeeded (push, pull or acknowledgement)')),
};

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
    MemberDelivery: {
      type: 'object',
      required: ['member', 'name', 'deliveryMode', 'webhook', 'backlog', 'inFlight', 'oldestPendingAt', 'deadLetters', 'lastSuccessAt', 'lastError'],
      properties: {
        ...outboxFigures,
        name: str('member name'),
        lastError: nullable({
          type: 'object',
          required: ['at', 'message', 'error'],
          properties: { at: time('when'), message: str('gateway message id', { format: 'uuid' }), error: str('what the attempt ran into') },
        }),
      },
    },
    MemberDeliveryPage: page(ref('MemberDelivery'), 'members with their outbox figures'),
    OwnDelivery: {
      type: 'object',
      required: ['member', 'deliveryMode', 'webhook', 'backlog', 'inFlight', 'oldestPendingAt', 'deadLetters', 'lastSuccessAt', 'paused', 'pausedAt', 'recentErrors'],
      properties: {
        ...outboxFigures,
        paused: { type: 'boolean', description: 'an admin paused its push deliveries (they wait, attempts untouched)' },
        pausedAt: nullable(time('paused since')),
        recentErrors: {
          type: 'array',
          maxItems: OWN_ERRORS,
          description: 'its newest deliveries still carrying an error, newest first',
          items: {
            type: 'object',
            required: ['at', 'message', 'status', 'attempts', 'error'],
            properties: {
              at: time('when the attempt failed'),
              message: str('gateway message id', { format: 'uuid' }),
              status: { type: 'string', enum: ['pending', 'dead'], description: 'pending: a retry is due; dead: dead-lettered' },
              attempts: count('attempts made'),
              error: str('what the last attempt ran into'),
            },
          },
        },
      },
    },
    WebhookTestResult: {
      type: 'object',
      required: ['member', 'url', 'active', 'id', 'ok', 'httpStatus', 'latencyMs', 'error'],
      properties: {
        member: str('member code'),
        url: str('the URL called'),
        active: { type: 'boolean', description: 'whether the outbox uses this webhook now' },
        id: str("the test event's id (its Idempotency-Key)", { format: 'uuid' }),
        ok: { type: 'boolean', description: 'the endpoint answered 2xx' },
        httpStatus: nullable({ type: 'integer', description: 'the HTTP status answered (null: no answer)' }),
        latencyMs: count('how long the request took, in milliseconds'),
        error: nullable(str('why it failed (HTTP status, timeout, connection error)')),
      },
    },
    ReplayResult: {
      type: 'object',
      required: ['replayed', 'ids'],
      properties: { replayed: count('how many were put back in the outbox'), ids: { type: 'array', items: str('gateway message id', { format: 'uuid' }) } },
    },
  };
}


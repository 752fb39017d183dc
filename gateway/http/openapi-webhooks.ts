/**
 * The OpenAPI 3.1 `webhooks` of the document (merged by http/openapi.ts): the requests
 * the outbox makes to members delivered by push (adapters/rest/webhook.ts), their
 * RFC 9421 signature (crypto/http-signature.ts) and what the answers mean (delivery/worker.ts).
 */
import { ref, type Json } from './openapi-helpers';
import { messageProps } from '../exchange/openapi';
import { MAX_BATCH } from '../../adapters/rest/rest-adapter';

const header = (name: string, description: string, schema: Json = { type: 'string' }, required = true): Json => ({ name, in: 'header', required, description, schema });

const WEBHOOK_RETRIES =
  'Answer **2xx** once you have the message (stored it, or already had it: the same `Idempotency-Key` again). ' +
  'Anything else — **4xx and 5xx alike**, a redirect (never followed), a timeout (`delivery.requestTimeoutMs`, default 10 s) ' +
  'or a network error — is a failed attempt, recorded in the message history (`delivery_failed`, with the HTTP status) and ' +
  'retried with exponential backoff and full jitter (a wait drawn up to `delivery.backoffBaseMs` · 2^(n−1), 1 s doubling, capped by `delivery.backoffMaxMs` 15 min, never below half the base) ' +
  'up to `delivery.maxAttempts` (8) attempts; then the message is dead-lettered (`dead_lettered`; an admin replays it: ' +
  'POST /api/v1/admin/dead-letters/{id}/replay). A 4xx is not final: to refuse a message for good, answer 2xx and reject it ' +
  'with POST /api/v1/messages/{id}/ack `{"result":"rejected","reason":…}`. An acknowledgement (or a pull of the inbox) ' +
  'settles the delivery: no further attempts. Attempts may overlap a lost answer, so the same message can arrive twice: ' +
  'deduplicate on `Idempotency-Key`. The answer body is read and ignored.';

const WEBHOOK_SIGNATURE =
  'Each request is signed with HTTP Message Signatures (RFC 9421) by the gateway log key (GET /api/v1/log/key: `keyId`, ' +
  '`publicKey`, `httpSignatureAlg`), label `xgw`, over `("@method" "@target-uri" "content-digest")` with `created`, ' +
  '`expires` (created + 300 s), a fresh `nonce` per request (refuse one you saw: a replay), `keyid` and `tag="xgw-webhook"`; ' +
  '`alg` is `ed25519`, `ecdsa-p256-sha256` or `rsa-pss-sha512` after the key. An SM2 key (not in the RFC 9421 registry) signs ' +
  'SM2-with-SM3 (DER r,s, distinguishing ID 1234567812345678) and `alg` is left out. The README shows the check in Node and with openssl.';

const WEBHOOK_BATCH =
  `For a member whose adapter config sets \`batchMax\` above 1 (\`adapters.<code>.batchMax\`, up to ${MAX_BATCH}), the outbox posts its ` +
  'messages together instead of one per request: up to `batchMax` of the messages it claimed for the member at once, in one ' +
  '`WebhookBatch` with one signature, every request in this shape however few it carries. The answer is for all of them: 2xx ' +
  'delivers each one, anything else is a failed attempt of each, retried on its own schedule (a retry may carry other messages, ' +
  'so there is no `Idempotency-Key`: deduplicate on each message `id`; `attempt` is its own attempt number). The receiver\'s ' +
  'circuit breaker counts one failed request once, however many messages it carried, and its probe (while the breaker is open) is ' +
  'a batch of one. The outbox counts requests in flight, not messages: a member has at most `delivery.perReceiverConcurrency` ' +
  'requests out at once, each carrying up to `batchMax` messages.';

/** The OpenAPI 3.1 `webhooks`: the requests the gateway makes to members delivered by push. */
export function webhooks(): Json {
  const kinds = {
    message: { operationId: 'webhookMessage', summary: 'A message delivered to its receiver (推送投递)', body: 'WebhookMessage' },
    messages: { operationId: 'webhookMessages', summary: 'Messages delivered to their receiver in one request (批量推送, adapter config batchMax)', body: 'WebhookBatch' },
    test: { operationId: 'webhookTest', summary: 'A test event (POST /api/v1/admin/members/{code}/webhook/test)', body: 'WebhookMessage' },
  };
  const oneMessage = [
    header('Idempotency-Key', 'the gateway message id: the same on every attempt of one message', { type: 'string', format: 'uuid' }),
    header('X-Xgw-Message-Id', 'the gateway message id (as Idempotency-Key)', { type: 'string', format: 'uuid' }),
    header('X-Xgw-Delivery-Attempt', 'which attempt this is (1, 2, …; a replayed dead letter starts again at 1)', { type: 'string', pattern: '^[0-9]+$' }),
  ];
  const request = (kind: keyof typeof kinds, description: string, own: Json[]) => ({
    post: {
      tags: ['exchange'],
      operationId: kinds[kind].operationId,
      summary: kinds[kind].summary,
      description: `${description}\n\n${WEBHOOK_SIGNATURE}\n\n${WEBHOOK_RETRIES}`,
      security: [],
      parameters: [
        header('Content-Type', 'always JSON', { type: 'string', const: 'application/json; charset=utf-8' }),
        ...own,
        header('Content-Digest', 'RFC 9530: `sha-256=:<base64 SHA-256 of the body>:`', { type: 'string', pattern: '^sha-256=:[A-Za-z0-9+/]{43}=:$' }),
        header('Signature-Input', 'RFC 9421: `xgw=("@method" "@target-uri" "content-digest");created=…;expires=…;nonce="…";keyid="…";alg="…";tag="xgw-webhook"`', {
          type: 'string',
          pattern: '^xgw=\\("@method" "@target-uri" "content-digest"\\);created=[0-9]+;expires=[0-9]+;nonce="[^"]+";keyid="[0-9a-f]{64}"(;alg="[a-z0-9-]+")?;tag="xgw-webhook"$',
        }),
        header('Signature', 'RFC 9421: `xgw=:<base64 signature over the signature base>:`', { type: 'string', pattern: '^xgw=:[A-Za-z0-9+/=]+:$' }),
      ],
      requestBody: { required: true, content: { 'application/json': { schema: ref(kinds[kind].body) } } },
      responses: {
        '2XX': { description: 'delivered: the message is recorded `delivered` (via push) in its history; no more attempts' },
        '4XX': { description: 'a failed attempt, retried like a 5xx (a 4xx is not a refusal: reject with POST /api/v1/messages/{id}/ack)' },
        '5XX': { description: 'a failed attempt: retried with backoff, dead-lettered after `delivery.maxAttempts`' },
      },
    },
  });
  return {
    message: request('message', 'POST to the webhook URL of the receiving member (GET/PUT /api/v1/admin/members/{code}/webhook) for each message, from the outbox.', oneMessage),
    messages: request('messages', `POST to the webhook URL of the receiving member, from the outbox, when its adapter config sets \`batchMax\`.\n\n${WEBHOOK_BATCH}`, [
      header('X-Xgw-Batch-Size', 'how many messages the body carries (1 to `batchMax`)', { type: 'string', pattern: '^[1-9][0-9]*$' }),
    ]),
    test: request('test', 'Sent once, when an admin tests the endpoint; not a message: nothing is retried or recorded. `type` is `webhook-test`. To a member with `batchMax` it comes as a `WebhookBatch` of one (the `messages` webhook, with `X-Xgw-Event: test`).', [
      ...oneMessage,
      header('X-Xgw-Event', 'present on test events only', { type: 'string', const: 'test' }),
    ]),
  };
}

/** The body of a webhook request (adapters/rest/webhook.ts webhookBody): a message's header and its payload. */
const { status: _status, updatedAt: _updatedAt, ...messageHeader } = messageProps;
export const webhookMessageSchema = {
  type: 'object',
  description: "A message as a webhook delivers it; a test event has `type: webhook-test` and `from: gateway`.",
  required: [...Object.keys(messageHeader), 'payload'],
  additionalProperties: false,
  properties: { ...messageHeader, payload: { type: 'object', description: 'the message payload, valid against the schema of `type` (GET /api/v1/types/{type})' } },
} satisfies Json;

/** The body of a batch webhook request (adapters/rest/webhook.ts webhookBatchBody): messages, each with its attempt number. */
export const webhookBatchSchema = {
  type: 'object',
  description: 'Messages a webhook delivers in one request (adapter config `batchMax` above 1): each as in WebhookMessage, with its own attempt number.',
  required: ['messages'],
  additionalProperties: false,
  properties: {
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_BATCH,
      items: {
        type: 'object',
        required: [...webhookMessageSchema.required, 'attempt'],
        additionalProperties: false,
        properties: { ...webhookMessageSchema.properties, attempt: { type: 'integer', minimum: 1, description: 'which attempt this is for this message (1, 2, …)' } },
      },
    },
  },
} satisfies Json;

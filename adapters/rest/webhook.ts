import { randomUUID } from 'node:crypto';
import { deadlineAgent } from '../http-agent';
import type { DeliveryAttempt, OutboundMessage, RequestSigner } from '../types';

/**
 * The connections webhook requests go out on (keep-alive, idle sockets closed after 4 s; a redirect is
 * not followed: it is a failed attempt like any non-2xx answer). undici's own request API, not fetch:
 * fetch (undici behind the WHATWG layer) cost 412–551 µs of CPU per 2 KB POST here, this 53–88 µs
 * (20,000 requests, 50 at a time). The attempt's deadline covers everything (see deadlineAgent).
 */
const webhooks = deadlineAgent();

/** One message as a webhook carries it (the OpenAPI `webhooks` section publishes it as WebhookMessage). */
const webhookMessage = (m: OutboundMessage) => ({
  id: m.id,
  messageId: m.messageId,
  from: m.from,
  to: m.to,
  type: m.type,
  caseId: m.caseId,
  purpose: m.purpose,
  digest: m.digest,
  receivedAt: m.receivedAt,
  payload: m.payload,
});

/** What a webhook request for one message carries: a WebhookMessage. */
const webhookBody = (m: OutboundMessage): string => JSON.stringify(webhookMessage(m));

/** What a webhook request for several messages carries (WebhookBatch): each message with its attempt number. */
const webhookBatchBody = (items: Array<{ message: OutboundMessage; attempt: number }>): string =>
  JSON.stringify({ messages: items.map((i) => ({ ...webhookMessage(i.message), attempt: i.attempt })) });

export interface WebhookOptions {
  timeoutMs: number;
  /** Signs the request (RFC 9421, the gateway's key); absent: unsigned. */
  sign?: RequestSigner;
  /** Extra headers, e.g. x-xgw-event: test. */
  headers?: Record<string, string>;
}

/**
 * POSTs a message to a receiver's webhook. 2xx means delivered; anything else,
 * a timeout or a network error is a failed attempt. Idempotency-Key lets the
 * receiver drop a redelivery after a lost answer; the signature (a fresh nonce
 * per request) lets it authenticate the gateway and refuse a replayed request.
 */
export function postWebhook(url: string, m: OutboundMessage, attempt: number, opts: WebhookOptions): Promise<DeliveryAttempt> {
  const headers = { 'idempotency-key': m.id, 'x-xgw-message-id': m.id, 'x-xgw-delivery-attempt': String(attempt) };
  return post(url, webhookBody(m), headers, opts);
}

/**
 * POSTs several messages to a receiver's webhook in one request (a WebhookBatch, one signature for
 * all): 2xx means every one of them was delivered; anything else fails the attempt of each. No
 * Idempotency-Key (a retry may carry other messages): the receiver drops redeliveries by each message's id.
 */
export function postWebhookBatch(url: string, items: Array<{ message: OutboundMessage; attempt: number }>, opts: WebhookOptions): Promise<DeliveryAttempt> {
  return post(url, webhookBatchBody(items), { 'x-xgw-batch-size': String(items.length) }, opts);
}

async function post(url: string, body: string, own: Record<string, string>, opts: WebhookOptions): Promise<DeliveryAttempt> {
  const started = Date.now();
  try {
    const target = new URL(url);
    const res = await webhooks.request({
      origin: target.origin,
      path: target.pathname + target.search,
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...own,
        ...opts.headers,
        ...opts.sign?.({ method: 'POST', url, body, nonce: randomUUID() }),
      },
      body,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    await res.body.dump({ limit: 1024 * 1024 }).catch(() => undefined);
    const durationMs = Date.now() - started;
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    return ok ? { ok: true, httpStatus: res.statusCode, durationMs } : { ok: false, httpStatus: res.statusCode, error: `HTTP ${res.statusCode}`, durationMs };
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    const error = e.name === 'TimeoutError' ? `timeout after ${opts.timeoutMs} ms` : e.code ?? e.cause?.code ?? e.message;
    return { ok: false, error, durationMs: Date.now() - started };
  }
}

import { randomUUID } from 'node:crypto';
import type { DeliveryAttempt, OutboundMessage, RequestSigner } from '../types';

/** What a webhook request carries (the OpenAPI `webhooks` section publishes it as WebhookMessage). */
export const webhookBody = (m: OutboundMessage): string =>
  JSON.stringify({
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
export async function postWebhook(url: string, m: OutboundMessage, attempt: number, opts: WebhookOptions): Promise<DeliveryAttempt> {
  const started = Date.now();
  const body = webhookBody(m);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'idempotency-key': m.id,
        'x-xgw-message-id': m.id,
        'x-xgw-delivery-attempt': String(attempt),
        ...opts.headers,
        ...opts.sign?.({ method: 'POST', url, body, nonce: randomUUID() }),
      },
      body,
      signal: AbortSignal.timeout(opts.timeoutMs),
      redirect: 'error',
    });
    await res.arrayBuffer().catch(() => undefined);
    const durationMs = Date.now() - started;
    return res.ok ? { ok: true, httpStatus: res.status, durationMs } : { ok: false, httpStatus: res.status, error: `HTTP ${res.status}`, durationMs };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const error = e.name === 'TimeoutError' ? `timeout after ${opts.timeoutMs} ms` : e.cause?.code ?? e.message;
    return { ok: false, error, durationMs: Date.now() - started };
  }
}

import type { DeliveryAttempt, OutboundMessage } from '../types';

/**
 * POSTs a message to a receiver's webhook. 2xx means delivered; anything else,
 * a timeout or a network error is a failed attempt. Idempotency-Key lets the
 * receiver drop a redelivery after a lost answer.
 */
export async function postWebhook(url: string, m: OutboundMessage, attempt: number, timeoutMs: number): Promise<DeliveryAttempt> {
  const started = Date.now();
  const body = JSON.stringify({
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
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'idempotency-key': m.id,
        'x-xgw-message-id': m.id,
        'x-xgw-delivery-attempt': String(attempt),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    await res.arrayBuffer().catch(() => undefined);
    const durationMs = Date.now() - started;
    return res.ok ? { ok: true, httpStatus: res.status, durationMs } : { ok: false, httpStatus: res.status, error: `HTTP ${res.status}`, durationMs };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const error = e.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : e.cause?.code ?? e.message;
    return { ok: false, error, durationMs: Date.now() - started };
  }
}

import { postWebhook, postWebhookBatch } from '../../adapters/rest/webhook';
import type { OutboundMessage, RequestSigner } from '../../adapters/types';
import type { Db } from '../store/db';
import type { Clock } from '../clock';
import { formatTime } from '../clock';
import { newId } from '../ids';
import { canonicalJson } from '../crypto/canonical';
import { digestHex } from '../crypto/digest';
import { getWebhook } from '../registry/admin-members';

export const TEST_EVENT_TYPE = 'webhook-test';

export interface WebhookTestResult {
  member: string;
  url: string;
  /** Whether the outbox uses this webhook now (an inactive one can be tested before it is switched on). */
  active: boolean;
  /** The test event's id (its Idempotency-Key). */
  id: string;
  ok: boolean;
  httpStatus: number | null;
  latencyMs: number;
  error: string | null;
}

/**
 * Sends one signed test event to a member's webhook — the very request a message
 * makes (same body shape, headers and RFC 9421 signature; a WebhookBatch of one for a
 * member that takes batches), with `type: webhook-test` and `X-Xgw-Event: test` — and
 * says how it went. Not a message: nothing is stored, retried or logged in the message log.
 */
export async function testWebhook(deps: { db: Db; clock: Clock; sign: RequestSigner; timeoutMs: number; batch: boolean }, code: string): Promise<WebhookTestResult> {
  const webhook = await getWebhook({ db: deps.db }, code);
  const id = newId();
  const payload = { test: true, note: '网关发送的测试事件，无需处理 (a test event from the gateway: nothing to do)' };
  const event: OutboundMessage = {
    id,
    messageId: id,
    from: 'gateway',
    to: code,
    type: TEST_EVENT_TYPE,
    caseId: null,
    purpose: TEST_EVENT_TYPE,
    payload,
    digest: { alg: 'sha256', value: digestHex('sha256', canonicalJson(payload)) },
    receivedAt: formatTime(deps.clock.now()),
    conversion: null,
    maybeDelivered: false,
  };
  const opts = { timeoutMs: deps.timeoutMs, sign: deps.sign, headers: { 'x-xgw-event': 'test' } };
  const r = deps.batch ? await postWebhookBatch(webhook.url, [{ message: event, attempt: 1 }], opts) : await postWebhook(webhook.url, event, 1, opts);
  return { member: code, url: webhook.url, active: webhook.active, id, ok: r.ok, httpStatus: r.httpStatus ?? null, latencyMs: r.durationMs, error: r.error ?? null };
}

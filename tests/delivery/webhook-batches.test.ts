import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { TEST_PASSWORD, type TestGateway } from '../support/gateway';
import type { Hit, Receiver } from '../support/receiver';
import { startWebhookGateway, type WebhookSetup } from '../support/webhook-receivers';
import { verify } from '../../gateway/crypto/sign';
import { loadPublicKey } from '../../gateway/crypto/keys';
import { contentDigest, signatureBase } from '../../gateway/crypto/http-signature';

/**
 * Batch webhooks (adapter config batchMax, adapters/rest/webhook.ts postWebhookBatch): housing takes
 * up to 5 messages per request, docstation one per request. Every batch request is one signed
 * WebhookBatch, each message in it is delivered once with its own attempt and history event, a
 * failed request fails each of its messages (retried on their own) and counts once for the breaker.
 */
const BATCH_MAX = 5;
let w: WebhookSetup;
let t: TestGateway;
let housing: Receiver;
let docstation: Receiver;
let batchBody: (body: unknown) => boolean;
let validationErrors: () => unknown;

beforeAll(async () => {
  w = await startWebhookGateway(
    'WB',
    { concurrency: 32, perReceiverConcurrency: 16, breakAfterFailures: 3, maxAttempts: 5, backoffBaseMs: 1000, backoffMaxMs: 8000, requestTimeoutMs: 30_000 },
    { housing: { batchMax: BATCH_MAX } },
  );
  ({ t, housing, docstation } = w);
  const doc = (await t.call('GET', '/api/v1/openapi.json')).body;
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  ajv.addSchema(doc, 'oas');
  const validate = ajv.getSchema('oas#/components/schemas/WebhookBatch')!;
  batchBody = (body) => validate(body) as boolean;
  validationErrors = () => validate.errors;
});
afterAll(() => w?.close());
beforeEach(() => {
  housing.reset();
  docstation.reset();
});

/** The gateway's RFC 9421 signature on a request checks out against its log key (SM2 here). */
async function expectSigned(hit: Hit, url: string): Promise<void> {
  const key = (await t.call('GET', '/api/v1/log/key', { token: t.tokens.housing })).body;
  expect(hit.headers['content-digest']).toBe(contentDigest(hit.raw));
  const input = String(hit.headers['signature-input']);
  expect(input).toContain(`keyid="${key.keyId}"`);
  const base = signatureBase({ method: hit.method, url, contentDigest: contentDigest(hit.raw) }, input.replace(/^xgw=/, ''));
  const sig = Buffer.from(/^xgw=:(.*):$/.exec(String(hit.headers.signature))![1]!, 'base64');
  expect(verify('SM2-SM3', base, sig, loadPublicKey(key.publicKey))).toBe(true);
}

const eventsOf = async (ids: string[], events: string[]) =>
  (
    await t.db.store.query<{ message_id: string; event: string; detail: Record<string, unknown> }>(
      `SELECT message_id, event, detail FROM message_events WHERE message_id = ANY($1::uuid[]) AND event = ANY($2::text[]) ORDER BY id`,
      [ids, events],
    )
  ).rows;

test('a member with batchMax gets its messages in signed WebhookBatch requests of at most batchMax; each is delivered once with its own event; others still get one per request', async () => {
  const toHousing = await w.pushMany('housing', 12);
  const toDocstation = await w.pushMany('docstation', 2);
  expect(await t.gw.deps.delivery.runOnce()).toBe(14);

  // housing: 12 messages in batches (5 + 5 + 2 when claimed together), never more than batchMax in one request
  expect(housing.hits.length).toBeLessThan(12);
  const carried = housing.hits.flatMap((h) => h.body.messages as Array<{ id: string; attempt: number }>);
  expect(carried.map((m) => m.id).sort()).toEqual([...toHousing].sort());
  for (const hit of housing.hits) {
    if (!batchBody(hit.body)) throw new Error(`not a WebhookBatch: ${JSON.stringify(validationErrors())}`);
    const n = hit.body.messages.length;
    expect(n).toBeLessThanOrEqual(BATCH_MAX);
    expect(hit.headers['x-xgw-batch-size']).toBe(String(n));
    expect(hit.headers['idempotency-key']).toBeUndefined();
    for (const m of hit.body.messages) expect(m).toMatchObject({ to: 'housing', type: 'case-record', attempt: 1 });
    await expectSigned(hit, housing.url);
  }

  // docstation: one WebhookMessage per request, as before
  expect(docstation.hits.map((h) => h.headers['idempotency-key']).sort()).toEqual([...toDocstation].sort());
  expect(docstation.hits.every((h) => h.body.messages === undefined && typeof h.body.id === 'string')).toBe(true);

  // each housing message delivered once, its event naming the size of the request it went in
  const sizeOf = new Map<string, number>(housing.hits.flatMap((h) => h.body.messages.map((m: { id: string }) => [m.id, h.body.messages.length as number] as const)));
  const delivered = await eventsOf(toHousing, ['delivered']);
  expect(delivered.map((e) => e.message_id).sort()).toEqual([...toHousing].sort());
  for (const e of delivered) {
    const size = sizeOf.get(e.message_id)!;
    expect(e.detail).toMatchObject({ via: 'push', attempt: 1, httpStatus: 200, ...(size > 1 ? { batch: size } : {}) });
  }
  const statuses = await t.db.store.query<{ status: string }>(`SELECT DISTINCT status FROM deliveries WHERE message_id = ANY($1::uuid[])`, [toHousing]);
  expect(statuses.rows).toEqual([{ status: 'delivered' }]);
});

test('a failed batch request fails each of its messages (retried on their own, with their attempt number) and counts once for the breaker', async () => {
  const ids = await w.pushMany('housing', BATCH_MAX);
  housing.reply = () => ({ status: 503 });
  expect(await t.gw.deps.delivery.runOnce()).toBe(BATCH_MAX);
  expect(housing.hits).toHaveLength(1);

  const failed = await eventsOf(ids, ['delivery_failed']);
  expect(failed.map((e) => e.message_id).sort()).toEqual([...ids].sort());
  for (const e of failed) expect(e.detail).toMatchObject({ attempt: 1, httpStatus: 503, batch: BATCH_MAX, error: 'HTTP 503' });
  // one request failed: one failure, below breakAfterFailures (3) although five messages failed
  const breaker = await t.db.store.query<{ failures: number; probe: boolean }>(`SELECT failures, probe_at IS NOT NULL AS probe FROM receiver_delivery WHERE receiver = 'housing'`);
  expect(breaker.rows).toEqual([{ failures: 1, probe: false }]);

  // after the backoff, the same messages again, in one request, each on its second attempt
  housing.reset();
  t.clock.advance(8000);
  expect(await t.gw.deps.delivery.runOnce()).toBe(BATCH_MAX);
  expect(housing.hits).toHaveLength(1);
  expect(housing.hits[0]!.body.messages.map((m: { id: string; attempt: number }) => [m.id, m.attempt]).sort()).toEqual(ids.map((id) => [id, 2]).sort());
  expect((await eventsOf(ids, ['delivered'])).map((e) => e.detail.attempt)).toEqual(ids.map(() => 2));
  const closed = await t.db.store.query<{ failures: number }>(`SELECT failures FROM receiver_delivery WHERE receiver = 'housing'`);
  expect(closed.rows).toEqual([{ failures: 0 }]);
});

test("an admin's webhook test reaches a member with batchMax as a signed WebhookBatch of one; a member without, as a WebhookMessage", async () => {
  const admin = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
  for (const [code, rx] of [['housing', housing], ['docstation', docstation]] as const) {
    const r = await t.call('POST', `/api/v1/admin/members/${code}/webhook/test`, { token: admin });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ member: code, ok: true, httpStatus: 200 });
    expect(rx.hits).toHaveLength(1);
    const hit = rx.hits[0]!;
    expect(hit.headers['x-xgw-event']).toBe('test');
    await expectSigned(hit, rx.url);
    if (code === 'housing') {
      if (!batchBody(hit.body)) throw new Error(`not a WebhookBatch: ${JSON.stringify(validationErrors())}`);
      expect(hit.body.messages).toEqual([expect.objectContaining({ id: r.body.id, type: 'webhook-test', attempt: 1 })]);
      expect(hit.headers['x-xgw-batch-size']).toBe('1');
    } else expect(hit.body).toMatchObject({ id: r.body.id, type: 'webhook-test' });
  }
});

test("the webhook test follows a batchMax set in the registry's adapterConfig (not only in the gateway config)", async () => {
  const admin = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
  const set = (adapterConfig: Record<string, unknown>) => t.call('PATCH', '/api/v1/admin/members/docstation', { token: admin, body: { adapterConfig } });
  expect((await set({ batchMax: 3 })).status).toBe(200);
  try {
    const r = await t.call('POST', '/api/v1/admin/members/docstation/webhook/test', { token: admin });
    expect(r.body).toMatchObject({ member: 'docstation', ok: true });
    expect(docstation.hits).toHaveLength(1);
    if (!batchBody(docstation.hits[0]!.body)) throw new Error(`not a WebhookBatch: ${JSON.stringify(validationErrors())}`);
    expect(docstation.hits[0]!.body.messages).toEqual([expect.objectContaining({ id: r.body.id, type: 'webhook-test' })]);
  } finally {
    expect((await set({})).status).toBe(200);
  }
});

test('batchMax is checked against the adapter config schema: 0 and more than 100 are refused at start', async () => {
  for (const bad of [0, 101]) {
    await expect(startWebhookGateway('WX', {}, { housing: { batchMax: bad } })).rejects.toThrow(/batchMax/);
  }
});

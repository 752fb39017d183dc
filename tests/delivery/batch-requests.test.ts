import { TEST_PASSWORD, type TestGateway } from '../support/gateway';
import type { Receiver } from '../support/receiver';
import { until } from '../support/faulty-store';
import { startWebhookGateway, type WebhookSetup } from '../support/webhook-receivers';

/**
 * The outbox counts requests, not messages (#16, delivery/claim.ts): housing takes up to 4 messages to a
 * webhook request (batchMax), docstation one. A process has 3 requests in flight at most
 * (delivery.concurrency) and a receiver 2 (perReceiverConcurrency), however many messages they carry;
 * the probe of a receiver whose breaker is open is one request of one message.
 */
const BATCH_MAX = 4;
let w: WebhookSetup;
let t: TestGateway;
let housing: Receiver;
let docstation: Receiver;

beforeAll(async () => {
  w = await startWebhookGateway(
    'BR',
    { concurrency: 3, perReceiverConcurrency: 2, breakAfterFailures: 2, maxAttempts: 10, backoffBaseMs: 1000, backoffMaxMs: 8000, requestTimeoutMs: 30_000 },
    { housing: { batchMax: BATCH_MAX } },
  );
  ({ t, housing, docstation } = w);
});
afterAll(() => w?.close());
beforeEach(() => {
  housing.reset();
  docstation.reset();
});

const runOnce = () => t.gw.deps.delivery.runOnce();
const carried = (r: Receiver) => r.hits.map((h) => (h.body.messages as unknown[]).length);
const statuses = async (ids: string[]) =>
  (await t.db.store.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM deliveries WHERE message_id = ANY($1::uuid[]) GROUP BY status`, [ids])).rows;

test('a slow receiver that takes batches holds perReceiverConcurrency requests of batchMax each, not that many messages; the other receiver is still served', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  housing.reply = () => ({ after: held });
  const toHousing = await w.pushMany('housing', BATCH_MAX);
  // a first pass (as one process would): housing's four in one request, held
  const first = runOnce();
  const passes = [first];
  try {
    await until(() => housing.hits.length === 1, 'the first request posted', 20_000);
    toHousing.push(...(await w.pushMany('housing', 2 * BATCH_MAX)));
    const toDocstation = await w.pushMany('docstation', 3);
    // a second pass (another process): four messages of housing's are in flight, but one request of its two: one more
    passes.push(runOnce());
    await until(() => housing.hits.length === 2, 'the second request posted', 20_000);
    await until(async () => (await statuses(toDocstation)).every((s) => s.status === 'delivered'), 'docstation delivered', 20_000);
    expect(carried(housing)).toEqual([BATCH_MAX, BATCH_MAX]);
    const inFlight = await t.db.store.query<{ n: number; requests: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT request)::int AS requests FROM deliveries WHERE receiver = 'housing' AND status = 'in_flight'`,
    );
    expect(inFlight.rows).toEqual([{ n: 2 * BATCH_MAX, requests: 2 }]);
    // what the admin's 投递状态 and the department's own status show: two requests out, carrying eight messages
    const admin = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
    const status = await t.call('GET', '/api/v1/admin/delivery?member=housing', { token: admin });
    expect(status.body.items[0]).toMatchObject({ member: 'housing', inFlight: { requests: 2, messages: 2 * BATCH_MAX } });
    const own = await t.call('GET', '/api/v1/delivery/status', { token: t.tokens.housing });
    expect(own.body.inFlight).toEqual({ requests: 2, messages: 2 * BATCH_MAX });
    // a third pass finds housing at its two requests, and nothing else due
    expect(await runOnce()).toBe(0);
    expect(housing.hits).toHaveLength(2);
  } finally {
    release();
    await Promise.all(passes);
  }
  await runOnce();
  // released: the last four went in a third request once a slot was free; each message once
  expect(carried(housing)).toEqual([BATCH_MAX, BATCH_MAX, BATCH_MAX]);
  const ids = housing.hits.flatMap((h) => (h.body.messages as Array<{ id: string }>).map((m) => m.id));
  expect([...ids].sort()).toEqual([...toHousing].sort());
  expect(await statuses(toHousing)).toEqual([{ status: 'delivered', n: 3 * BATCH_MAX }]);
  expect((await t.call('GET', '/api/v1/delivery/status', { token: t.tokens.housing })).body.inFlight).toEqual({ requests: 0, messages: 0 });
});

test("a batch receiver whose breaker is open is probed with one message at a time, in a batch of one", async () => {
  housing.reply = () => ({ status: 503 });
  const ids = await w.pushMany('housing', 8);
  expect(await runOnce()).toBe(8); // two requests of four fail: two failures in a row open the breaker
  expect(carried(housing)).toEqual([BATCH_MAX, BATCH_MAX]);
  const breaker = await t.db.store.query<{ failures: number; probe: boolean }>(`SELECT failures, probe_at IS NOT NULL AS probe FROM receiver_delivery WHERE receiver = 'housing'`);
  expect(breaker.rows).toEqual([{ failures: 2, probe: true }]);

  housing.reset();
  t.clock.advance(60_000); // every message due again, and the probe
  housing.reply = () => ({ status: 503 });
  expect(await runOnce()).toBe(1);
  expect(carried(housing)).toEqual([1]);

  // back: the probe succeeds, the breaker closes and the rest go in batches again
  housing.reset();
  t.clock.advance(60_000);
  await runOnce();
  expect(carried(housing)[0]).toBe(1);
  await runOnce();
  expect(carried(housing).reduce((a, b) => a + b, 0)).toBe(8);
  expect(Math.max(...carried(housing))).toBe(BATCH_MAX);
  expect(await statuses(ids)).toEqual([{ status: 'delivered', n: 8 }]);
});

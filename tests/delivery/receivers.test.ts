import { TEST_PASSWORD, type TestGateway } from '../support/gateway';
import type { Receiver } from '../support/receiver';
import { until } from '../support/faulty-store';
import { startWebhookGateway, type WebhookSetup } from '../support/webhook-receivers';
import { DeliveryWorker } from '../../gateway/delivery/worker';

/**
 * Retries without storms (#16): per-receiver concurrency, pause/resume, the per-receiver
 * retry budget. Two push receivers: housing (made slow or down) and docstation (healthy).
 */
// Long enough that the fast receiver's six deliveries finish before the hung requests time out, even on a loaded machine.
const TIMEOUT = 5000;
let w: WebhookSetup;
let t: TestGateway;
let slow: Receiver;
let fast: Receiver;
let admin: string;

beforeAll(async () => {
  w = await startWebhookGateway('RX', { requestTimeoutMs: TIMEOUT, maxAttempts: 100, backoffBaseMs: 1000, backoffMaxMs: 8000, concurrency: 4, perReceiverConcurrency: 2, breakAfterFailures: 3 });
  ({ t, housing: slow, docstation: fast } = w);
  admin = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
});
afterAll(() => w?.close());
beforeEach(() => {
  slow.reset();
  fast.reset();
});

const push = (to: string) => w.push(to);
const pushMany = (to: string, n: number) => w.pushMany(to, n);
const statusOf = async (id: string) => (await t.call('GET', `/api/v1/messages/${id}`, { token: t.tokens.hall })).body.status as string;
const runOnce = () => t.gw.deps.delivery.runOnce();

test('a slow receiver holds at most perReceiverConcurrency slots: the fast receiver is served while it hangs', async () => {
  slow.reply = () => 'hang';
  const slowIds = await pushMany('housing', 4);
  t.clock.advance(1); // the slow receiver's messages are older: first in the queue
  const fastIds = await pushMany('docstation', 6);
  const pass = runOnce();
  try {
    await until(() => fast.hits.length === 6, 'every fast message posted', TIMEOUT * 4);
    // all six went through the two free slots while the slow receiver's two requests still hang
    // (the last outcome is committed a moment after its answer reached the receiver)
    await until(async () => (await Promise.all(fastIds.map(statusOf))).every((s) => s === 'delivered'), 'every fast message delivered', TIMEOUT);
    expect(slow.hits).toHaveLength(2);
    const inFlight = await t.db.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE receiver = 'housing' AND status = 'in_flight'`);
    expect(inFlight.rows[0]!.n).toBe(2);
  } finally {
    slow.reply = () => 'ok'; // back: its other messages go once the hung ones time out
    await pass;
  }
  t.clock.advance(8000);
  await runOnce();
  for (const id of slowIds) expect(await statusOf(id)).toBe('delivered');
});

test('an admin pauses a receiver: nothing is sent to it (the others still are); resumed, its messages go; both in the signed log', async () => {
  const pause = await t.call('POST', '/api/v1/admin/members/housing/delivery/pause', { token: admin });
  expect(pause.status).toBe(200);
  expect(pause.body).toMatchObject({ member: 'housing', paused: true, pausedBy: 'hall/t.admin', pausedAt: expect.any(String) });
  // pausing again changes nothing and records nothing
  expect((await t.call('POST', '/api/v1/admin/members/housing/delivery/pause', { token: admin })).body.paused).toBe(true);

  const held = await pushMany('housing', 3);
  const other = await push('docstation');
  t.clock.advance(3600_000);
  expect(await runOnce()).toBe(1);
  expect(slow.hits).toHaveLength(0);
  expect(fast.hits).toHaveLength(1);
  for (const id of held) expect(await statusOf(id)).toBe('queued');
  expect(await statusOf(other)).toBe('delivered');
  // the pause is in the database, not in this worker: another worker (as another process has) claims nothing either
  const d = t.gw.deps;
  const another = new DeliveryWorker(d.store, d.adapters, t.clock, d.config.delivery, d.log, d.config.trust.logHashAlg);
  expect(await another.runOnce()).toBe(0);
  expect((await t.call('GET', '/api/v1/admin/members/housing/delivery', { token: admin })).body.paused).toBe(true);

  const resume = await t.call('POST', '/api/v1/admin/members/housing/delivery/resume', { token: admin });
  expect(resume.body).toEqual({ member: 'housing', paused: false, pausedAt: null, pausedBy: null });
  await runOnce();
  expect(slow.hits.map((h) => h.body.id).sort()).toEqual([...held].sort());
  for (const id of held) expect(await statusOf(id)).toBe('delivered');
  // attempts untouched by the pause: each was delivered on its first attempt
  const rows = await t.db.store.query<{ attempts: number }>(`SELECT attempts FROM deliveries WHERE message_id = ANY($1::uuid[])`, [held]);
  expect(rows.rows.map((r) => r.attempts)).toEqual(Array(held.length).fill(1));

  const log = await t.db.store.query<{ entry: string }>(`SELECT entry FROM log_entries WHERE kind = 'registry.changed' ORDER BY idx DESC LIMIT 2`);
  expect(log.rows.map((r) => JSON.parse(r.entry)).reverse()).toEqual([
    expect.objectContaining({ object: 'delivery', action: 'paused', key: 'housing', by: 'hall/t.admin' }),
    expect.objectContaining({ object: 'delivery', action: 'resumed', key: 'housing', by: 'hall/t.admin' }),
  ]);

  const clerk = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.clerk', password: TEST_PASSWORD } })).body.token;
  expect((await t.call('POST', '/api/v1/admin/members/housing/delivery/pause', { token: clerk })).status).toBe(403);
  const unknown = await t.call('POST', '/api/v1/admin/members/nobody/delivery/pause', { token: admin });
  expect([unknown.status, unknown.body.code]).toEqual([404, 'GW_ERR_REGISTRY_UNKNOWN_MEMBER']);
});

test('a receiver that is down gets a bounded retry rate however many messages wait (one probe at a time); back, everything is delivered', async () => {
  slow.reply = () => ({ status: 503 });
  const STEP = 1000; // injected time per pass
  /** Runs `steps` passes one STEP apart; the attempts the receiver saw at each. */
  const passes = async (steps: number) => {
    const perPass: number[] = [];
    for (let i = 0; i < steps; i++) {
      const before = slow.hits.length;
      await runOnce();
      perPass.push(slow.hits.length - before);
      t.clock.advance(STEP);
    }
    return perPass;
  };
  const ids = await pushMany('housing', 5);
  const first = await passes(10); // the breaker opens after 3 failures in a row
  const other = await push('docstation'); // other receivers are not held back meanwhile
  ids.push(...(await pushMany('housing', 20)));
  const piledUp = await passes(40);
  // 25 messages waiting, each would retry on its own backoff (about 25 / 4.5 s ≈ 5 attempts a second at 8 s max);
  // with the breaker: at most one probe per pass, and probes spaced by backoff with full jitter (mean ≥ 2 s once grown)
  expect(Math.max(...piledUp)).toBeLessThanOrEqual(1);
  const probes = piledUp.reduce((a, b) => a + b, 0);
  expect(probes).toBeLessThanOrEqual(30);
  expect(probes).toBeGreaterThanOrEqual(3); // it keeps probing
  expect(first.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10);
  expect(await statusOf(other)).toBe('delivered');
  const state = await t.db.store.query<{ failures: number }>(`SELECT failures FROM receiver_delivery WHERE receiver = 'housing'`);
  expect(state.rows[0]!.failures).toBeGreaterThanOrEqual(3); // open

  // back: the next probe succeeds, the breaker closes and the backlog drains in that pass
  slow.reply = () => 'ok';
  t.clock.advance(8000);
  await runOnce();
  for (const id of ids) expect(await statusOf(id)).toBe('delivered');
  const after = await t.db.store.query<{ failures: number; probe_at: Date | null }>(`SELECT failures, probe_at FROM receiver_delivery WHERE receiver = 'housing'`);
  expect(after.rows[0]).toEqual({ failures: 0, probe_at: null });
});

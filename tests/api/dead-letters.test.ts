import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { startReceiver, type Receiver } from '../support/receiver';
import { sampleCaseRecord } from '../fixtures/case-record';
import { demoMembers } from '../../gateway/registry/demo';

let t: TestGateway;
let rx: Receiver;
let admin: string;
let seq = 0;

beforeAll(async () => {
  rx = await startReceiver();
  const members = demoMembers.map((m) => (m.code === 'housing' ? { ...m, deliveryMode: 'push' as const, webhookUrl: rx.url } : m));
  t = await startTestGateway({ members, config: { delivery: { requestTimeoutMs: 1500, maxAttempts: 2, backoffBaseMs: 1000, backoffMaxMs: 2000 } } });
  admin = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
});
beforeEach(() => rx.reset());

async function push(caseNo = `FZ-DEAD-${String(++seq).padStart(4, '0')}`) {
  const record = sampleCaseRecord({ caseNo });
  const res = await t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { to: 'housing', type: 'case-record', messageId: `dead-${++seq}`, caseId: caseNo, purpose: 'case-handling', payload: record },
  });
  expect(res.status).toBe(202);
  return res.body.id as string;
}

/** Runs the outbox until nothing is due, moving the clock past every backoff. */
async function drain() {
  for (let i = 0; i < 5; i++) {
    await t.gw.deps.delivery.runOnce();
    t.clock.advance(5_000);
  }
}

const messageOf = async (id: string) => (await t.call('GET', `/api/v1/messages/${id}`, { token: t.tokens.hall })).body;
const deadLetters = async (query = '') => (await t.call('GET', `/api/v1/admin/dead-letters${query}`, { token: admin })).body;

test('a receiver that keeps failing: dead letter after maxAttempts; replay by id delivers it and is in the history and the signed log', async () => {
  rx.reply = () => ({ status: 503 });
  const id = await push();
  await drain();
  expect((await messageOf(id)).status).toBe('dead_lettered');
  const page = await deadLetters('?receiver=housing');
  expect(page.items).toEqual([expect.objectContaining({ id, to: 'housing', type: 'case-record', attempts: 2, lastError: 'HTTP 503' })]);

  rx.reply = () => 'ok';
  const replay = await t.call('POST', `/api/v1/admin/dead-letters/${id}/replay`, { token: admin });
  expect(replay.status).toBe(200);
  expect(replay.body).toEqual({ replayed: 1, ids: [id] });
  expect((await messageOf(id)).status).toBe('queued');
  await t.gw.deps.delivery.runOnce();
  const m = await messageOf(id);
  expect(m.status).toBe('delivered');
  expect(m.history.map((h: { event: string }) => h.event)).toEqual(['received', 'queued', 'delivery_failed', 'delivery_failed', 'dead_lettered', 'replayed', 'delivered']);
  expect(m.history.find((h: { event: string }) => h.event === 'replayed')).toMatchObject({ actor: 'hall/t.admin', previousAttempts: 2, lastError: 'HTTP 503' });
  const entries = await t.db.store.query<{ kind: string; entry: string }>(`SELECT kind, entry FROM log_entries WHERE message_id = $1 ORDER BY idx`, [id]);
  expect(entries.rows.map((r) => r.kind)).toEqual([
    'message.received', 'message.delivery_failed', 'message.delivery_failed', 'message.dead_lettered', 'message.replayed', 'message.delivered',
  ]);
  expect(JSON.parse(entries.rows[4].entry)).toMatchObject({ actor: 'hall/t.admin' });
  expect((await deadLetters('?receiver=housing')).items).toEqual([]);
  // a second replay of the same message: it is no longer a dead letter
  const again = await t.call('POST', `/api/v1/admin/dead-letters/${id}/replay`, { token: admin });
  expect([again.status, again.body.code]).toEqual([404, 'GW_ERR_DEAD_LETTER_NOT_FOUND']);
});

test('bulk replay by filter replays only the matching dead letters, oldest first', async () => {
  rx.reply = () => ({ status: 500 });
  const a = await push('FZ-BULK-0001');
  const b = await push('FZ-BULK-0002');
  const c = await push('FZ-BULK-0003');
  await drain();
  const listed = await deadLetters('?receiver=housing&limit=2');
  expect(listed.items.map((x: { id: string }) => x.id)).toEqual([a, b]);
  expect(listed.next).toEqual(expect.any(String));
  expect((await deadLetters(`?receiver=housing&after=${listed.next}`)).items.map((x: { id: string }) => x.id)).toEqual([c]);

  rx.reply = () => 'ok';
  const one = await t.call('POST', '/api/v1/admin/dead-letters/replay', { token: admin, body: { caseId: 'FZ-BULK-0002' } });
  expect(one.body).toEqual({ replayed: 1, ids: [b] });
  const rest = await t.call('POST', '/api/v1/admin/dead-letters/replay', { token: admin, body: { receiver: 'housing', type: 'case-record' } });
  expect(rest.body).toEqual({ replayed: 2, ids: [a, c] });
  await t.gw.deps.delivery.runOnce();
  for (const id of [a, b, c]) expect((await messageOf(id)).status).toBe('delivered');
});

test('bad requests: no filter, unknown filter, bad time, non-admin; nothing is replayed', async () => {
  rx.reply = () => ({ status: 500 });
  const id = await push();
  await drain();
  const none = await t.call('POST', '/api/v1/admin/dead-letters/replay', { token: admin, body: {} });
  expect([none.status, none.body.code]).toEqual([400, 'GW_ERR_REQUEST_INVALID']);
  const unknown = await t.call('POST', '/api/v1/admin/dead-letters/replay', { token: admin, body: { reciever: 'housing' } });
  expect(unknown.body.errors).toEqual([{ pointer: '/reciever', message: 'unknown property' }]);
  const badTime = await t.call('GET', '/api/v1/admin/dead-letters?from=yesterday', { token: admin });
  expect([badTime.status, badTime.body.errors[0].pointer]).toEqual([400, '/from']);
  const clerk = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.clerk', password: TEST_PASSWORD } })).body.token;
  for (const token of [clerk, t.tokens.hall]) {
    const r = await t.call('POST', `/api/v1/admin/dead-letters/${id}/replay`, { token });
    expect([r.status, r.body.code]).toEqual([403, 'GW_ERR_AUTH_FORBIDDEN']);
  }
  expect(await t.call('POST', '/api/v1/admin/dead-letters/not-a-uuid/replay', { token: admin }).then((r) => r.status)).toBe(404);
  expect((await messageOf(id)).status).toBe('dead_lettered');
});

test('a replay starts the attempt count afresh: one more failure goes back to retrying, not straight back to the dead letters', async () => {
  rx.reply = () => ({ status: 503 });
  const id = await push('FZ-AGAIN-0001');
  await drain();
  expect((await deadLetters('?caseId=FZ-AGAIN-0001')).items).toEqual([expect.objectContaining({ id, attempts: 2 })]);
  expect((await t.call('POST', `/api/v1/admin/dead-letters/${id}/replay`, { token: admin })).status).toBe(200);

  // the receiver is still down: the replayed message fails once more
  expect(await t.gw.deps.delivery.runOnce()).toBe(1);
  const m = await messageOf(id);
  expect(m.status).toBe('failed');
  const last = m.history.at(-1);
  expect(last).toMatchObject({ event: 'delivery_failed', attempt: 1, nextAttemptAt: expect.any(String) });
  expect((await deadLetters('?caseId=FZ-AGAIN-0001')).items).toEqual([]);
  const [row] = (await t.db.store.query<{ status: string; attempts: number }>('SELECT status, attempts FROM deliveries WHERE message_id = $1', [id])).rows;
  expect(row).toEqual({ status: 'pending', attempts: 1 });

  // the second failure after the replay uses up the fresh budget (maxAttempts 2): dead again, with 2 attempts
  t.clock.advance(5_000);
  expect(await t.gw.deps.delivery.runOnce()).toBe(1);
  expect((await messageOf(id)).status).toBe('dead_lettered');
  expect((await deadLetters('?caseId=FZ-AGAIN-0001')).items).toEqual([expect.objectContaining({ id, attempts: 2, lastError: 'HTTP 503' })]);
  const events = (await messageOf(id)).history.map((h: { event: string }) => h.event);
  expect(events.slice(events.indexOf('replayed'))).toEqual(['replayed', 'delivery_failed', 'delivery_failed', 'dead_lettered']);
  // leave no dead letter behind for other tests
  rx.reply = () => 'ok';
  await t.call('POST', `/api/v1/admin/dead-letters/${id}/replay`, { token: admin });
  await t.gw.deps.delivery.runOnce();
  expect((await messageOf(id)).status).toBe('delivered');
});

test('a replay never replays a message already delivered or acknowledged: not by id, not by filter', async () => {
  rx.reply = () => 'ok';
  const since = new Date(t.clock.now()).toISOString(); // dead letters of earlier tests stay out of the bulk replay
  const delivered = await push('FZ-DONE-0001');
  await t.gw.deps.delivery.runOnce();
  expect((await messageOf(delivered)).status).toBe('delivered');
  rx.reply = () => ({ status: 503 });
  const acked = await push('FZ-DONE-0002');
  const dead = await push('FZ-DONE-0003');
  await drain();
  expect((await messageOf(acked)).status).toBe('dead_lettered');
  // the receiver had it after all (it pulled it): it acknowledges the dead letter
  const ack = await t.call('POST', `/api/v1/messages/${acked}/ack`, { token: t.tokens.housing, body: { result: 'accepted' } });
  expect(ack.status).toBe(200);
  expect((await messageOf(acked)).status).toBe('acknowledged');

  rx.reset();
  for (const id of [delivered, acked]) {
    const r = await t.call('POST', `/api/v1/admin/dead-letters/${id}/replay`, { token: admin });
    expect([r.status, r.body.code]).toEqual([404, 'GW_ERR_DEAD_LETTER_NOT_FOUND']);
  }
  const bulk = await t.call('POST', '/api/v1/admin/dead-letters/replay', { token: admin, body: { receiver: 'housing', from: since } });
  expect(bulk.body).toEqual({ replayed: 1, ids: [dead] });
  await t.gw.deps.delivery.runOnce();
  expect(rx.hits.map((h) => h.body.id)).toEqual([dead]);
  expect((await messageOf(acked)).status).toBe('acknowledged');
  expect((await messageOf(delivered)).history.filter((h: { event: string }) => h.event === 'replayed')).toEqual([]);
});

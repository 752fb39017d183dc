import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord } from '../fixtures/case-record';
import { isGatewayError } from '../../gateway/errors';
import { Lifecycle } from '../../gateway/lifecycle';
import { ARRIVAL, lockMessages, messageLifecycle, recordStep, type MessageStep } from '../../gateway/exchange/lifecycle';
import type { MessageStatus } from '../../gateway/exchange/types';

/**
 * The message lifecycle table (gateway/exchange/lifecycle.ts): every step it allows
 * works on a real database — history event, status, delivery job and log entry in
 * one transaction — and every step it does not allow is refused with the table's
 * catalogue error and writes nothing.
 */
let t: TestGateway;
let id: string;

beforeAll(async () => {
  t = await startTestGateway();
  const res = await t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { to: 'housing', type: 'case-record', messageId: 'lifecycle-1', caseId: 'FZ-LC-0001', purpose: 'case-handling', payload: sampleCaseRecord({ caseNo: 'FZ-LC-0001' }) },
  });
  expect(res.status).toBe(202);
  id = res.body.id;
});
afterAll(async () => {
  await t?.close();
});

const steps = messageLifecycle.events.filter((e): e is MessageStep => !(ARRIVAL.events as readonly string[]).includes(e));
const allowed = steps.flatMap((event) => messageLifecycle.step(event).from.map((from) => [from, event] as const));
const refused = steps.flatMap((event) => messageLifecycle.statuses.filter((s) => !messageLifecycle.allows(s, event)).map((from) => [from, event] as const));
/** The delivery job's status in a message status, as the outbox leaves it. */
const deliveryIn: Record<MessageStatus, string> = {
  received: 'pending', queued: 'pending', failed: 'in_flight', delivered: 'delivered', dead_lettered: 'dead', acknowledged: 'delivered', rejected: 'delivered',
};
const expectedDelivery: Record<MessageStep, string | null> = {
  delivered: 'delivered', delivery_failed: 'pending', dead_lettered: 'dead', acknowledged: 'delivered', rejected: 'delivered', replayed: 'pending',
};

async function putInStatus(status: MessageStatus) {
  await t.db.store.query('UPDATE messages SET status = $2 WHERE id = $1', [id, status]);
  await t.db.store.query('UPDATE deliveries SET status = $2 WHERE message_id = $1', [id, deliveryIn[status]]);
}
const counts = async () =>
  (await t.db.store.query<{ events: number; entries: number }>(
    'SELECT (SELECT count(*)::int FROM message_events WHERE message_id = $1) AS events, (SELECT count(*)::int FROM log_entries WHERE message_id = $1) AS entries',
    [id],
  )).rows[0]!;

test('the table is the message lifecycle the gateway keeps (statuses and OpenAPI unchanged)', () => {
  expect(messageLifecycle.statuses).toEqual(['received', 'queued', 'delivered', 'acknowledged', 'rejected', 'failed', 'dead_lettered']);
  expect(Object.fromEntries(messageLifecycle.events.map((e) => [e, messageLifecycle.step(e)]))).toEqual({
    received: { from: [], to: 'received' },
    queued: { from: ['received'], to: 'queued' },
    delivered: { from: ['queued', 'failed'], to: 'delivered', delivery: 'delivered' },
    delivery_failed: { from: ['queued', 'failed'], to: 'failed', delivery: 'pending' },
    dead_lettered: { from: ['queued', 'failed'], to: 'dead_lettered', delivery: 'dead' },
    acknowledged: { from: ['queued', 'delivered', 'failed', 'dead_lettered'], to: 'acknowledged', delivery: 'delivered' },
    rejected: { from: ['queued', 'delivered', 'failed', 'dead_lettered'], to: 'rejected', delivery: 'delivered' },
    replayed: { from: ['dead_lettered'], to: 'queued', delivery: 'pending' },
  });
});

test('a new message arrives received → queued: the write batch takes these names from the table', async () => {
  expect(ARRIVAL).toEqual({ events: ['received', 'queued'], status: 'queued' });
  const m = await t.call('GET', `/api/v1/messages/${id}`, { token: t.tokens.hall });
  expect([m.body.status, m.body.history.map((h: { event: string }) => h.event)]).toEqual(['queued', ['received', 'queued']]);
});

test.each(allowed)('allowed: %s --%s--> the table\'s status, history event, delivery job and log entry', async (from, event) => {
  await putInStatus(from);
  const before = await counts();
  const at = t.clock.now();
  await t.db.store.tx(async (db) => {
    await recordStep(db, 'sha256', await lockMessages(db, [id]), { event, at, actor: 'test/lifecycle', detail: { step: `${from}:${event}` } });
  });
  const m = (await t.db.store.query<{ status: string; delivery: string }>(
    'SELECT m.status, d.status AS delivery FROM messages m JOIN deliveries d ON d.message_id = m.id WHERE m.id = $1', [id],
  )).rows[0]!;
  expect(m).toEqual({ status: messageLifecycle.step(event).to, delivery: expectedDelivery[event] });
  expect(await counts()).toEqual({ events: before.events + 1, entries: before.entries + 1 });
  const last = await t.db.store.query<{ event: string; kind: string; entry: string }>(
    `SELECT (SELECT event FROM message_events WHERE message_id = $1 ORDER BY id DESC LIMIT 1) AS event,
            (SELECT kind FROM log_entries WHERE message_id = $1 ORDER BY idx DESC LIMIT 1) AS kind,
            (SELECT entry FROM log_entries WHERE message_id = $1 ORDER BY idx DESC LIMIT 1) AS entry`,
    [id],
  );
  expect(last.rows[0]).toMatchObject({ event, kind: `message.${event}` });
  expect(JSON.parse(last.rows[0]!.entry)).toMatchObject({
    message: { id, messageId: 'lifecycle-1', from: 'hall', to: 'housing', type: 'case-record', caseId: 'FZ-LC-0001' },
    actor: 'test/lifecycle',
    detail: { step: `${from}:${event}` },
  });
});

test.each(refused)('refused: %s --%s--> a catalogue error, and nothing is written', async (from, event) => {
  await putInStatus(from);
  const before = await counts();
  const err = await t.db.store
    .tx(async (db) => recordStep(db, 'sha256', await lockMessages(db, [id]), { event, at: t.clock.now(), actor: 'test/lifecycle' }))
    .then(() => null, (e: unknown) => e);
  expect(isGatewayError(err)).toBe(true);
  const final = from === 'acknowledged' || from === 'rejected';
  expect(err).toMatchObject({ code: final ? 'GW_ERR_EXCHANGE_ALREADY_ACKNOWLEDGED' : 'GW_ERR_EXCHANGE_INVALID_TRANSITION', status: 409 });
  expect(await counts()).toEqual(before);
  expect((await t.db.store.query<{ status: string }>('SELECT status FROM messages WHERE id = $1', [id])).rows[0]!.status).toBe(from);
});

test('the refusals named in the issue: replaying a delivered message, delivering a dead-lettered one, rejecting an acknowledged one', () => {
  const codeOf = (from: MessageStatus, event: MessageStep): [string, string | undefined] | null => {
    try {
      messageLifecycle.next(from, event, id);
      return null;
    } catch (e) {
      if (!isGatewayError(e)) throw e;
      return [e.code, e.detail];
    }
  };
  expect(codeOf('delivered', 'replayed')).toEqual(['GW_ERR_EXCHANGE_INVALID_TRANSITION', `the message ${id} is delivered: replayed is allowed only when it is dead_lettered`]);
  expect(codeOf('dead_lettered', 'delivered')?.[0]).toBe('GW_ERR_EXCHANGE_INVALID_TRANSITION');
  expect(codeOf('acknowledged', 'rejected')).toEqual(['GW_ERR_EXCHANGE_ALREADY_ACKNOWLEDGED', `the message ${id} is already acknowledged; nothing follows`]);
  // A receiver may still acknowledge a dead-lettered message it has read: the ack settles it.
  expect(codeOf('dead_lettered', 'acknowledged')).toBeNull();
});

test('the generic table refuses a table that lets an event leave a final status', () => {
  expect(
    () =>
      new Lifecycle<'new' | 'done', 'create' | 'reopen'>({
        subject: 'thing',
        statuses: { new: true, done: true },
        creation: 'create',
        transitions: { create: { from: [], to: 'new' }, reopen: { from: ['done'], to: 'new' } },
        final: { statuses: ['done'], refusal: 'GW_ERR_EXCHANGE_ALREADY_ACKNOWLEDGED' },
        refusal: 'GW_ERR_EXCHANGE_INVALID_TRANSITION',
      }),
  ).toThrow('thing lifecycle: reopen leaves the final status done');
});

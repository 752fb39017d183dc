/**
 * A department in push mode gets its supervision notice on its webhook, through the outbox
 * like any message: the card's notice is delivered, signed as the hall's, and its delivery
 * is in the message's history.
 */
import { startTestGateway, type TestGateway } from '../support/gateway';
import { startReceiver, type Receiver } from '../support/receiver';
import { caseMessages } from '../support/cases';
import { demoMembers } from '../../gateway/registry/demo';

jest.setTimeout(120_000);

let t: TestGateway;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  t = await startTestGateway({ members: demoMembers.map((m) => (m.code === 'housing' ? { ...m, deliveryMode: 'push' as const, webhookUrl: rx.url } : m)) });
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
});

test('the notice of a red card reaches the department\'s webhook through the outbox', async () => {
  await caseMessages(t).record('WH-2026-0924-001', 'housing', '2026-09-24T10:00:00+08:00', 5); // due 10/9
  t.clock.set('2026-10-12T09:00:00+08:00');
  const run = await t.gw.deps.supervision.runOnce();
  expect(run.raised.map((c) => [c.caseNo, c.kind])).toEqual([['WH-2026-0924-001', 'overdue']]);
  await t.gw.deps.delivery.runOnce();
  const notices = rx.hits.filter((h) => h.raw.includes('supervision-notice'));
  expect(notices).toHaveLength(1);
  expect(notices[0]!.raw).toContain(run.raised[0]!.id);
  expect(notices[0]!.raw).toContain('红牌');
  const card = (await t.db.store.query<{ notice_message_id: string }>('SELECT notice_message_id FROM supervision_cards WHERE id = $1', [run.raised[0]!.id])).rows[0]!;
  const message = await t.call('GET', `/api/v1/messages/${card.notice_message_id}`, { token: t.tokens.housing });
  expect(message.body).toMatchObject({ from: 'hall', to: 'housing', type: 'supervision-notice', status: 'delivered' });
});

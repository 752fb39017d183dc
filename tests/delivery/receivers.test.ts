import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { startReceiver, type Receiver } from '../support/receiver';
import { until } from '../support/faulty-store';
import { sampleCaseRecord } from '../fixtures/case-record';
import { demoAgreements, demoMembers } from '../../gateway/registry/demo';

/**
 * Retries without storms (#16): per-receiver concurrency, pause/resume, the per-receiver
 * retry budget. Two push receivers: housing (made slow or down) and docstation (healthy).
 */
const TIMEOUT = 1500;
let t: TestGateway;
let slow: Receiver;
let fast: Receiver;
let admin: string;
let seq = 0;

beforeAll(async () => {
  [slow, fast] = await Promise.all([startReceiver(), startReceiver()]);
  const urls: Record<string, string> = { housing: slow.url, docstation: fast.url };
  const members = demoMembers.map((m) => (urls[m.code] ? { ...m, deliveryMode: 'push' as const, webhookUrl: urls[m.code]! } : m));
  const agreements = [...demoAgreements, { sender: 'hall', receiver: 'docstation', messageType: 'case-record', purposes: ['case-handling'] }];
  t = await startTestGateway({
    members,
    agreements,
    config: { delivery: { requestTimeoutMs: TIMEOUT, maxAttempts: 3, backoffBaseMs: 1000, backoffMaxMs: 8000, concurrency: 4, perReceiverConcurrency: 2 } },
  });
  admin = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
});
afterAll(async () => {
  await t?.close();
  await Promise.all([slow?.close(), fast?.close()]);
});
beforeEach(() => {
  slow.reset();
  fast.reset();
});

async function push(to: string): Promise<string> {
  const caseNo = `FZ-RX-${String(++seq).padStart(5, '0')}`;
  const res = await t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { to, type: 'case-record', messageId: `rx-${seq}`, caseId: caseNo, purpose: 'case-handling', payload: sampleCaseRecord({ caseNo }) },
  });
  expect(res.status).toBe(202);
  return res.body.id as string;
}
const pushMany = async (to: string, n: number) => {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await push(to));
  return ids;
};
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
    expect(slow.hits).toHaveLength(2);
    for (const id of fastIds) expect(await statusOf(id)).toBe('delivered');
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

/**
 * "Already have it" from an agency: a delivered case only when an earlier attempt may
 * really have reached it (deliveries.maybe_delivered, kept across replays).
 */
import { startAgencyWorld, drainOutbox, type AgencyWorld } from '../support/agencies';
import { sampleCaseRecord } from '../fixtures/case-record';

let w: AgencyWorld;
let seq = 0;

beforeAll(async () => {
  w = await startAgencyWorld();
});
afterAll(async () => {
  await w?.close();
});
beforeEach(() => {
  w.agencies.amr.reset();
});

async function push(record = sampleCaseRecord({ caseNo: `JZ-RV-DUP-${String(++seq).padStart(5, '0')}` })) {
  const res = await w.t.call('POST', '/api/v1/messages', {
    token: w.t.tokens.hall,
    body: { to: 'amr', type: 'case-record', messageId: `rv-dup-${++seq}`, caseId: record.caseNo, purpose: 'case-handling', payload: record },
  });
  expect(res.status).toBe(202);
  return { id: res.body.id as string, record };
}
const view = async (id: string) => (await w.t.call('GET', `/api/v1/messages/${id}`, { token: w.t.tokens.hall })).body;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('every attempt timed out (the agency took the case anyway): replaying the dead letter marks it delivered, not dead again', async () => {
  w.agencies.amr.behave({ delayMs: 1500 }); // > timeoutMs 800: every attempt times out
  const { id, record } = await push();
  await drainOutbox(w.t);
  expect((await view(id)).status).toBe('dead_lettered');
  // the agency did process one of the attempts we gave up on
  w.agencies.amr.reset();
  w.agencies.amr.cases.set(record.caseNo, 'SJ-EARLIER-0001');
  await sleep(350); // circuit half-open window
  const replay = await w.t.call('POST', `/api/v1/admin/dead-letters/${id}/replay`, { token: w.admin });
  expect(replay.status).toBe(200);
  await w.t.gw.deps.delivery.runOnce();
  const m = await view(id);
  expect(m.status).toBe('delivered');
});

test('a different message for a case the agency already has is NOT "delivered" just because its first attempt hit a 503', async () => {
  // a first record for the case is delivered normally
  const first = await push(sampleCaseRecord({ caseNo: 'JZ-RV-DUP-SAME-01' }));
  await w.t.gw.deps.delivery.runOnce();
  expect((await view(first.id)).status).toBe('delivered');
  // a corrected record for the same case (new messageId, other content): the agency refuses it as a duplicate.
  const corrected = sampleCaseRecord({ caseNo: 'JZ-RV-DUP-SAME-01' });
  corrected.remarks = '更正：申请人联系电话有误';
  // Without a transient failure this is a dead letter (see agency-delivery.test.ts). With one 503 first:
  w.agencies.amr.behave({ fail: 'http-503', times: 1 });
  const second = await push(corrected);
  await drainOutbox(w.t, 2);
  const m = await view(second.id);
  // the 503 shows the agency never saw attempt 1: attempt 2's duplicate refusal is a real refusal
  expect(m.status).toBe('dead_lettered');
  expect(m.history.find((h: { event: string }) => h.event === 'dead_lettered')).toMatchObject({ reason: 'not retryable' });
});

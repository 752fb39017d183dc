/**
 * The outbox against the SOAP adapters' own limits: a claim outlasts the longest attempt
 * an adapter can make (no second send by another process), and refusals by our own
 * bulkhead or circuit breaker are not attempts (no dead letters while the agency is fine).
 */
import { startAgencyWorld, drainOutbox, type AgencyWorld } from '../support/agencies';
import { sampleCaseRecord } from '../fixtures/case-record';
import { DeliveryWorker } from '../../gateway/delivery/worker';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;

async function push(w: AgencyWorld) {
  const record = sampleCaseRecord({ caseNo: `JZ-RV-CAP-${String(++seq).padStart(5, '0')}` });
  const res = await w.t.call('POST', '/api/v1/messages', {
    token: w.t.tokens.hall,
    body: { to: 'amr', type: 'case-record', messageId: `rv-cap-${seq}`, caseId: record.caseNo, purpose: 'case-handling', payload: record },
  });
  expect(res.status).toBe(202);
  return res.body.id as string;
}

describe('lease shorter than the adapter timeout', () => {
  let w: AgencyWorld;
  beforeAll(async () => {
    // delivery.requestTimeoutMs = 2000 (support/agencies.ts) would make a 4 s lease; the agency's own timeout is 10 s.
    w = await startAgencyWorld({ amr: { timeoutMs: 10_000 } });
  });
  afterAll(async () => {
    await w?.close();
  });

  test('a slow (but successful) SOAP attempt is not sent a second time by another gateway process', async () => {
    const id = await push(w);
    w.agencies.amr.behave({ delayMs: 1500, times: 1 }); // the agency takes 1.5 s (well within its 10 s timeout)
    const d = w.t.gw.deps;
    const processA = d.delivery.runOnce();
    await sleep(300); // A has claimed the job and its SOAP call is in flight
    w.t.clock.advance(4_500); // the clock moves on while the call is in flight (stands for a call of > 4 s, within timeoutMs)
    const processB = new DeliveryWorker(d.store, d.adapters, d.clock, d.config.delivery, d.log, d.config.trust.logHashAlg);
    await Promise.all([processA, processB.runOnce()]);
    const sent = w.agencies.amr.received.filter((c) => c.operation === 'SubmitCase');
    expect(sent.length).toBe(1);
    const m = (await w.t.call('GET', `/api/v1/messages/${id}`, { token: w.t.tokens.hall })).body;
    expect(m.status).toBe('delivered');
  });
});

describe('bulkhead refusals and the attempt budget', () => {
  let w: AgencyWorld;
  beforeAll(async () => {
    w = await startAgencyWorld({ amr: { maxConcurrent: 1, maxQueued: 0 } });
  });
  afterAll(async () => {
    await w?.close();
  });

  test('messages are not dead-lettered because our own bulkhead was full (the agency never failed)', async () => {
    w.agencies.amr.behave({ delayMs: 50 }); // a healthy agency, 50 ms per case
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await push(w));
    await drainOutbox(w.t, 6);
    const statuses = await Promise.all(ids.map(async (id) => (await w.t.call('GET', `/api/v1/messages/${id}`, { token: w.t.tokens.hall })).body));
    const dead = statuses.filter((m) => m.status === 'dead_lettered');
    expect(dead.map((m) => m.delivery?.lastError ?? m.history.filter((h: any) => h.event === 'delivery_failed').map((h: any) => h.error))).toEqual([]);
    expect(statuses.map((m) => m.status)).toEqual(Array(5).fill('delivered'));
    // held back by our own bulkhead: no failed attempt in any history
    expect(statuses.flatMap((m) => m.history.filter((h: { event: string }) => h.event === 'delivery_failed'))).toEqual([]);
  });
});

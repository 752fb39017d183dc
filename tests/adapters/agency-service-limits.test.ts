/**
 * Synchronous calls at the edges: an agency answer that cannot be stored is refused
 * and still recorded; one deadline (timeoutMs) covers waiting for a slot and the call.
 */
import { startAgencyWorld, type AgencyWorld } from '../support/agencies';

const headers = { 'x-purpose': 'case-handling', 'x-case-id': 'JZ-RV-SV-000001' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('agency answer with U+0000', () => {
  let w: AgencyWorld;
  beforeAll(async () => {
    w = await startAgencyWorld();
  });
  afterAll(async () => {
    await w?.close();
  });

  test('is refused as an invalid agency answer (502), still recorded, and does not fail other calls recorded with it', async () => {
    const e = w.agencies.amr.enterprises.get('91350100273896412W')!;
    w.agencies.amr.enterprises.set('91350103MA31QW7R5A', { ...e, TYSHXYDM: '91350103MA31QW7R5A', QYMC: '江州市闽江贸易\u0000有限公司' });
    const [bad, good] = await Promise.all([
      w.t.call('POST', '/api/v1/services/amr/query-enterprise', { token: w.t.tokens.hall, headers, body: { uscc: '91350103MA31QW7R5A' } }),
      w.t.call('POST', '/api/v1/services/amr/query-enterprise', { token: w.t.tokens.hall, headers, body: { uscc: '91350100273896412W' } }),
    ]);
    const recorded = await w.t.db.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM service_calls WHERE request->>'uscc' = '91350103MA31QW7R5A'`);
    // the lookup reached the agency (personal/enterprise data left it) — it must be recorded and logged, failed or not
    expect({ bad: [bad.status, bad.body?.code], good: good.status, recordedBad: Number(recorded.rows[0].n), agencySaw: w.agencies.amr.received.length })
      .toEqual({ bad: [502, 'GW_ERR_AGENCY_INVALID_ANSWER'], good: 200, recordedBad: 1, agencySaw: 2 });
  });
});

describe('deadline', () => {
  let w: AgencyWorld;
  beforeAll(async () => {
    w = await startAgencyWorld({ amr: { timeoutMs: 800, maxConcurrent: 1, maxQueued: 4 }, circuit: { failures: 100, halfOpenAfterMs: 1000 } });
  });
  afterAll(async () => {
    await w?.close();
  });

  test('no caller waits much longer than timeoutMs (800 ms) for an answer', async () => {
    w.agencies.amr.behave({ delayMs: 5000 });
    const took = await Promise.all(
      [0, 1, 2, 3, 4].map(async () => {
        const t0 = Date.now();
        const r = await w.t.call('POST', '/api/v1/services/amr/query-enterprise', { token: w.t.tokens.hall, headers, body: { uscc: '91350100273896412W' } });
        return { status: r.status, code: r.body?.code, ms: Date.now() - t0 };
      }),
    );
    await sleep(100);
    // the callers queued behind the first one get their timeout at the deadline too, not after the ones before them
    expect(Math.max(...took.map((x) => x.ms))).toBeLessThan(1500);
    expect(took.map((x) => [x.status, x.code])).toEqual(Array(5).fill([504, 'GW_ERR_AGENCY_TIMEOUT']));
  });
});

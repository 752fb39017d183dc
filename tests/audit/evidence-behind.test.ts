import { buildEvidence } from '../../gateway/audit/evidence';
import { GatewayError } from '../../gateway/errors';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord } from '../fixtures/case-record';

// An evidence export needs a signed checkpoint covering the case's entries. When none can be
// signed now (the log is still integrating elsewhere, or the signer is unavailable), the export
// refuses with GW_ERR_AUDIT_LOG_BEHIND instead of a bundle whose proofs would not verify.
let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});

test('no checkpoint covers the case yet: GW_ERR_AUDIT_LOG_BEHIND (503); once one is signed, the bundle is built', async () => {
  const record = sampleCaseRecord({ caseNo: 'JZ-LB-20260302-01' });
  const push = await t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { to: 'housing', type: 'case-record', messageId: 'behind-1', caseId: record.caseNo, purpose: 'case-handling', payload: record },
  });
  expect(push.status).toBe(202);
  const src = { db: t.gw.deps.store, clock: t.clock, signCheckpoint: async () => undefined };
  const err = await buildEvidence(src, record.caseNo).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GatewayError);
  expect(err).toMatchObject({ code: 'GW_ERR_AUDIT_LOG_BEHIND', status: 503 });

  const bundle = await buildEvidence({ ...src, signCheckpoint: () => t.gw.deps.integrator.runOnce(true) }, record.caseNo);
  expect(bundle.entries.map((e) => e.index)).toEqual([push.body.log.index]);
});

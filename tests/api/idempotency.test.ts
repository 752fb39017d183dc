/**
 * Idempotency over HTTP, field by field: a messageId names one content ({to, type,
 * caseId, purpose, payload}). An identical retry gets 200 and the very same signed
 * receipt; the same messageId with any one of them changed gets 409
 * GW_ERR_EXCHANGE_DUPLICATE_CONFLICT and stores nothing.
 */
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import { demoAgreements } from '../../gateway/registry/demo';

let t: TestGateway;
beforeAll(async () => {
  // hall may also send case-status to housing, so that only `type` (and the payload it implies) differs
  t = await startTestGateway({ agreements: [...demoAgreements, { sender: 'hall', receiver: 'housing', messageType: 'case-status', purposes: ['case-handling'] }] });
}, 120_000);
afterAll(async () => {
  await t?.close();
});

const record = sampleCaseRecord();
const original = { to: 'housing', type: 'case-record', messageId: 'IDEM-HTTP-1', caseId: record.caseNo, purpose: 'case-handling', payload: record };
const push = (body: Record<string, unknown>) => t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body });
const stored = async () => (await t.db.store.query(`SELECT id FROM messages WHERE sender = 'hall' AND message_id = 'IDEM-HTTP-1'`)).rows;

let first: Awaited<ReturnType<typeof push>>;
beforeAll(async () => {
  first = await push(original);
});

test('the first push is 202; an identical retry is 200 with the very same signed receipt', async () => {
  expect(first.status).toBe(202);
  const again = await push({ ...original });
  expect(again.status).toBe(200);
  expect(again.body).toEqual(first.body);
  expect(await stored()).toHaveLength(1);
});

test('key order and insignificant whitespace do not make a different content', async () => {
  const reordered = Object.fromEntries(Object.entries(original).reverse());
  const res = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, headers: { 'content-type': 'application/json' }, raw: JSON.stringify(reordered, null, 2) });
  expect([res.status, res.body.id]).toEqual([200, first.body.id]);
});

test.each([
  ['to', { to: 'tax' }],
  ['type (with its payload)', { type: 'case-status', payload: sampleCaseStatus({ caseNo: record.caseNo }) }],
  ['caseId', { caseId: 'JZ-OTHER-000009' }],
  ['caseId left out', { caseId: undefined }],
  ['purpose', { purpose: 'parallel-approval' }],
  ['payload', { payload: { ...record, remarks: '改过的内容' } }],
  ['payload, one nested value', { payload: { ...record, materials: record.materials.map((m, i) => (i ? m : { ...m, copies: m.copies + 1 })) } }],
])('the same messageId with a different %s → 409 GW_ERR_EXCHANGE_DUPLICATE_CONFLICT, nothing stored', async (_what, change) => {
  const res = await push({ ...original, ...change });
  expect([res.status, res.body.code]).toEqual([409, 'GW_ERR_EXCHANGE_DUPLICATE_CONFLICT']);
  expect(res.body.detail).toContain(first.body.id);
  expect(await stored()).toHaveLength(1);
});

/**
 * The benchmark's echo baseline answers a receipt-sized JSON (bench/receipt.ts): the same
 * members, nested the same way, and within a few bytes of the signed receipt a real push
 * gets from the gateway (the batch proof's length depends on the message's place in its batch).
 */
import { sampleReceipt } from '../../bench/receipt';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord } from '../fixtures/case-record';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
}, 120_000);
afterAll(async () => {
  await t?.close();
});

const shape = (v: unknown): unknown =>
  Array.isArray(v) ? 'array' : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : typeof v;

test("the echo's answer has a real push receipt's shape and size (a lone push: a batch of one)", async () => {
  const record = sampleCaseRecord();
  const real = await t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { to: 'housing', type: 'case-record', messageId: 'BENCH-RCPT-1', caseId: record.caseNo, purpose: 'case-handling', payload: record },
  });
  expect(real.status).toBe(202);
  const sample = sampleReceipt('BENCH-RCPT-1', 1);
  expect(shape(sample)).toEqual(shape(real.body));
  const [a, b] = [JSON.stringify(sample).length, real.text.length];
  expect(Math.abs(a - b) / b).toBeLessThan(0.03);
});

test('in the bench it stands for a receipt from a group commit of 23: its batch proof has 5 hashes', () => {
  const sample = sampleReceipt('BENCH-RCPT-2') as { signature: { proof: string[] } };
  expect(sample.signature.proof).toHaveLength(5);
});

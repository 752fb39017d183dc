/**
 * The benchmark's echo baseline answers a receipt-sized JSON (bench/receipt.ts): the same
 * members, nested the same way, and within a few bytes of the signed receipt a real push
 * gets from the gateway (the batch proof's length depends on the message's place in its batch).
 */
import { sampleReceipt } from '../../bench/receipt';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { pushCaseRecord } from '../support/exchange-load';

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
  const real = await pushCaseRecord(t.url, t.tokens.hall, 'BENCH-RCPT-1');
  expect(real.status).toBe(202);
  const sample = sampleReceipt('BENCH-RCPT-1', 1);
  expect(shape(sample)).toEqual(shape(real.body));
  // the gateway writes JSON.stringify(receipt): the parsed body stringifies to the same text
  const [a, b] = [JSON.stringify(sample).length, JSON.stringify(real.body).length];
  expect(Math.abs(a - b) / b).toBeLessThan(0.03);
});

test('in the bench it stands for a receipt from a group commit of 23: its batch proof has 5 hashes', () => {
  const sample = sampleReceipt('BENCH-RCPT-2') as { signature: { proof: string[] } };
  expect(sample.signature.proof).toHaveLength(5);
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { startReceiver, type Receiver } from '../support/receiver';
import { sampleCaseRecord } from '../fixtures/case-record';
import { demoMembers } from '../../gateway/registry/demo';

let t: TestGateway;
let rx: Receiver;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-restart-'));
  rx = await startReceiver();
  // amr (here a JSON department) receives by webhook: its outbox must survive the restart too
  const members = demoMembers.map((m) => (m.code === 'amr' ? { ...m, adapter: 'dept-rest', deliveryMode: 'push' as const, webhookUrl: rx.url } : m));
  t = await startTestGateway({ dir, members });
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const body = (i: number) => {
  const record = sampleCaseRecord({ caseNo: `FZ-RS-${String(i).padStart(6, '0')}`, legalLimitDays: 1 + (i % 30) });
  return { to: 'housing', type: 'case-record', messageId: `restart-${i}`, caseId: record.caseNo, purpose: 'case-handling', payload: record };
};

test('30 concurrent pushes, a restart: all 30 are in the inbox with identical ids and digests; a duplicate gets the original receipt', async () => {
  const n = 30;
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: body(i) })));
  expect(answers.map((a) => a.status)).toEqual(Array(n).fill(202));
  const receipts = answers.map((a) => a.body as { id: string; messageId: string; digest: { alg: string; value: string }; receivedAt: string });
  const toAmr = await t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { ...body(99), to: 'amr', messageId: 'restart-amr' },
  });
  expect(toAmr.status).toBe(202);

  const storeBefore = t.gw.deps.store;
  await t.restart();
  expect(t.gw.deps.store).not.toBe(storeBefore); // really a new store on the same database
  const ready = await t.call('GET', '/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body.status).toBe('ready');

  // a duplicate push after the restart: 200 and the original receipt, byte for byte
  const dup = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: body(7) });
  expect(dup.status).toBe(200);
  expect(dup.body).toEqual(receipts[7]);
  // the same messageId with other content is still a conflict
  const conflict = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { ...body(7), purpose: 'parallel-approval' } });
  expect(conflict.status).toBe(409);
  expect(conflict.body.code).toBe('GW_ERR_EXCHANGE_DUPLICATE_CONFLICT');

  const inbox = await t.call('GET', '/api/v1/inbox?limit=500', { token: t.tokens.housing });
  expect(inbox.status).toBe(200);
  const items = inbox.body.items as { id: string; messageId: string; digest: { alg: string; value: string }; receivedAt: string; payload: unknown }[];
  expect(items).toHaveLength(n);
  const byId = new Map(items.map((m) => [m.id, m]));
  for (let i = 0; i < n; i++) {
    const r = receipts[i];
    const m = byId.get(r.id);
    expect(m).toBeDefined();
    expect(m!.messageId).toBe(r.messageId);
    expect(m!.digest).toEqual(r.digest);
    expect(m!.receivedAt).toBe(r.receivedAt);
    expect(m!.payload).toEqual(body(i).payload);
  }

  // history survived, and a new push after the restart continues the inbox order
  const one = await t.call('GET', `/api/v1/messages/${receipts[0].id}`, { token: t.tokens.hall });
  expect(one.body.history.map((h: { event: string }) => h.event)).toEqual(['received', 'queued', 'delivered']);
  const fresh = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: body(n) });
  expect(fresh.status).toBe(202);
  const all = await t.call('GET', '/api/v1/inbox?limit=500', { token: t.tokens.housing });
  expect(all.body.items.map((m: { id: string }) => m.id).at(-1)).toBe(fresh.body.id);
  expect(all.body.items).toHaveLength(n + 1);

  // the webhook outbox survived: the new process delivers the message queued before the restart
  expect(rx.hits).toHaveLength(0);
  expect(await t.gw.deps.delivery.runOnce()).toBe(1);
  expect(rx.hits).toHaveLength(1);
  expect(rx.hits[0].body).toMatchObject({ id: toAmr.body.id, messageId: 'restart-amr', digest: toAmr.body.digest });
});

test('a delivery claimed by a process that died is retried by the restarted one once its lease expires', async () => {
  const res = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { ...body(200), to: 'amr', messageId: 'restart-crash' } });
  expect(res.status).toBe(202);
  // what a crash mid-attempt leaves behind: claimed, attempt counted, lease running
  const lease = new Date(t.clock.now().getTime() + 20_000);
  const claimed = await t.gw.deps.store.query(
    `UPDATE deliveries SET status = 'in_flight', attempts = 1, locked_until = $2 WHERE message_id = $1 AND status = 'pending'`,
    [res.body.id, lease],
  );
  expect(claimed.rowCount).toBe(1);
  await t.restart();
  rx.reset();

  expect(await t.gw.deps.delivery.runOnce()).toBe(0); // the lease still holds
  t.clock.advance(20_000);
  expect(await t.gw.deps.delivery.runOnce()).toBe(1);
  expect(rx.hits).toHaveLength(1);
  expect(rx.hits[0].headers['x-xgw-delivery-attempt']).toBe('2');
  expect(rx.hits[0].headers['idempotency-key']).toBe(res.body.id);
  const m = await t.call('GET', `/api/v1/messages/${res.body.id}`, { token: t.tokens.hall });
  expect(m.body.status).toBe('delivered');
  expect(m.body.delivery).toMatchObject({ status: 'delivered', attempts: 2 });
});

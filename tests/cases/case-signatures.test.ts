/**
 * Signature status per timeline event (GET /api/v1/cases/{caseNo}?verify=true): each event's
 * message is checked as `xgw verify bundle --root` checks the case's evidence bundle. A
 * sender signature altered in the database fails exactly that event; the others stay verified.
 */
import { startSupervisedGateway, supervisorToken, type caseMessages } from '../support/cases';
import os from 'node:os';
import type { TestGateway } from '../support/gateway';

jest.setTimeout(180_000);

let t: TestGateway;
let cases: ReturnType<typeof caseMessages>;
let token: string;
const caseNo = 'SG-2026-0914-001';
const idx: Record<string, number> = {};

beforeAll(async () => {
  ({ t, cases } = await startSupervisedGateway());
  t.clock.set('2026-09-20T10:00:00+08:00');
  token = await supervisorToken(t);
  idx.housing = await cases.record(caseNo, 'housing', '2026-09-14T09:30:00+08:00', 10);
  idx.amr = await cases.record(caseNo, 'amr', '2026-09-14T09:30:00+08:00', 10);
  idx.housingStarted = await cases.status(caseNo, 'housing', 'in_progress', '2026-09-15');
  idx.amrStarted = await cases.status(caseNo, 'amr', 'in_progress', '2026-09-16');
});
afterAll(async () => {
  await t?.close();
});

const view = async (query = '?verify=true') => {
  const r = await t.call('GET', `/api/v1/cases/${caseNo}${query}`, { token });
  expect(r.status).toBe(200);
  return r.body;
};
const statuses = (v: any) => v.timeline.map((e: any) => [e.logIndex, e.signature?.status]);

test('without ?verify the view carries no signature status (the bundle is not built)', async () => {
  const v = await view('');
  expect(v.verification).toBeUndefined();
  expect(v.timeline.map((e: any) => e.signature)).toEqual([undefined, undefined, undefined, undefined]);
});

test('?verify=true: every event is verified, with its signer; the whole bundle passed', async () => {
  const v = await view();
  expect(statuses(v)).toEqual([
    [idx.housing, 'verified'],
    [idx.amr, 'verified'],
    [idx.housingStarted, 'verified'],
    [idx.amrStarted, 'verified'],
  ]);
  expect(v.timeline[0].signature).toMatchObject({ status: 'verified', signer: 'hall', alg: expect.any(String) });
  expect(v.timeline[2].signature).toMatchObject({ status: 'verified', signer: 'housing' });
  expect(v.verification).toMatchObject({ ok: true, failures: 0, checkpointSize: expect.any(Number) });
  expect(v.verification.checkpointSize).toBeGreaterThan(idx.amrStarted!);
  process.stdout.write(`case signatures: ${v.timeline.length} events verified in ${v.verification.durationMs} ms\n`);
});

test('a sender signature altered in the database fails exactly that event', async () => {
  const m = await t.db.store.query<{ id: string; envelope: any }>(
    `SELECT m.id, m.envelope FROM messages m JOIN log_entries le ON le.message_id = m.id AND le.kind = 'message.received' WHERE le.idx = $1`,
    [idx.housingStarted],
  );
  const envelope = m.rows[0]!.envelope;
  const sender = envelope.signatures.find((s: any) => s.role === 'sender');
  const sig = Buffer.from(sender.value, 'base64');
  sig[8] ^= 0x01;
  sender.value = sig.toString('base64');
  await t.db.store.query('UPDATE messages SET envelope = $2 WHERE id = $1', [m.rows[0]!.id, JSON.stringify(envelope)]);

  const v = await view();
  expect(statuses(v)).toEqual([
    [idx.housing, 'verified'],
    [idx.amr, 'verified'],
    [idx.housingStarted, 'failed'],
    [idx.amrStarted, 'verified'],
  ]);
  expect(v.timeline[2].signature.problems).toEqual(
    expect.arrayContaining([expect.objectContaining({ group: 'messages', text: expect.stringContaining('sender signature'), said: [expect.objectContaining({ code: 'signature.invalid' })] })]),
  );
  expect(v.verification).toMatchObject({ ok: false });
  expect(v.verification.failures).toBeGreaterThan(0);
});

test('the department sees the status of its own case; ?verify must be a boolean', async () => {
  const r = await t.call('GET', `/api/v1/cases/${caseNo}?verify=true`, { token: t.tokens.amr });
  expect(r.status).toBe(200);
  expect(r.body.timeline[3].signature.status).toBe('verified');
  const bad = await t.call('GET', `/api/v1/cases/${caseNo}?verify=maybe`, { token });
  expect(bad.status).toBe(400);
  expect(bad.body.code).toBe('GW_ERR_REQUEST_INVALID');
});

test('cost (printed, not asserted): the plain view and ?verify=true on a case of 12 events', async () => {
  const big = 'SG-2026-0914-012';
  for (const d of ['housing', 'amr', 'tax']) await cases.record(big, d, '2026-09-14T09:30:00+08:00', 10);
  for (const d of ['housing', 'amr', 'tax']) await cases.status(big, d, 'in_progress', '2026-09-15');
  for (const d of ['housing', 'amr', 'tax']) await cases.status(big, d, 'correction', '2026-09-16');
  for (const d of ['housing', 'amr', 'tax']) await cases.status(big, d, 'in_progress', '2026-09-17');
  const median = async (query: string) => {
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const r = await t.call('GET', `/api/v1/cases/${big}${query}`, { token });
      expect(r.status).toBe(200);
      if (query) expect(r.body.timeline.map((e: any) => e.signature.status)).toEqual(Array(12).fill('verified'));
      ms.push(performance.now() - started);
    }
    return Math.round(ms.sort((a, b) => a - b)[2]!);
  };
  const plain = await median('');
  const verified = await median('?verify=true');
  process.stdout.write(`case of 12 events: plain view median ${plain} ms, ?verify=true median ${verified} ms (load ${os.loadavg()[0].toFixed(1)})\n`);
});

/**
 * Two message batches in flight at once (groupCommit.overlapMinBatch): the next batch is
 * sealed and sent while the one before it is still being committed, and the database's
 * lock on the exchange sequence row decides which commits first. Whatever it decides,
 * seq order, log order and the receipts stay one order, and nothing is stored twice.
 * The service-call records do the same (the log's sequence row orders them).
 * Real gateway, real database, real SOAP agency; the wrapped store only holds or counts statements.
 */
import { FaultyStore, gate, holdFirstUntilSecond, isCallBatch, isPushBatch, until } from '../support/faulty-store';
import { startAgencyWorld, type AgencyWorld } from '../support/agencies';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { pushCaseRecord } from '../support/exchange-load';
import { verifyStoredLog } from '../../gateway/log/audit-log';

let t: TestGateway;
let faulty: FaultyStore;
beforeAll(async () => {
  t = await startTestGateway({
    config: { groupCommit: { maxBatch: 256, maxQueue: 20_000, maxWaitMs: 0, overlapMinBatch: 2 } },
    wrapStore: (s) => (faulty = new FaultyStore(s)),
  });
}, 120_000);
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  faulty.before = null;
});

type Row = { message_id: string; seq: string; idx: string };
const received = async (prefix: string) =>
  (
    await t.db.store.query<Row>(
      `SELECT m.message_id, m.seq::text, le.idx::text FROM messages m JOIN log_entries le ON le.message_id = m.id AND le.kind = 'message.received'
       WHERE m.message_id LIKE $1 ORDER BY m.seq`,
      [`${prefix}%`],
    )
  ).rows;

test('a batch sent beside a held one commits first: it takes the lower seq and log indices, and the receipts say so', async () => {
  const held = gate();
  let heldOne = false;
  faulty.before = async (s) => {
    if (!isPushBatch(s) || heldOne) return;
    heldOne = true;
    await held.wait; // the first batch, sealed and on its way, waits before the database
  };
  const first = pushCaseRecord(t.url, t.tokens.hall, 'ov-first');
  await until(() => heldOne, 'the first batch to be held');
  // Two waiting (= overlapMinBatch): a second batch starts beside the held one and commits.
  const later = await Promise.all(['ov-later-1', 'ov-later-2'].map((id) => pushCaseRecord(t.url, t.tokens.hall, id)));
  expect(later.map((a) => a.status)).toEqual([202, 202]);
  held.open();
  const a = await first;
  expect(a.status).toBe(202);

  const rows = await received('ov-');
  expect(rows.map((r) => r.message_id)).toEqual(['ov-later-1', 'ov-later-2', 'ov-first']);
  // Log order is seq order, and each receipt names its message's entry.
  expect(rows.map((r) => Number(r.idx))).toEqual([...rows.map((r) => Number(r.idx))].sort((x, y) => x - y));
  const receipts = new Map([...later, a].map((x) => [x.body.messageId as string, x.body.log.index as number]));
  for (const r of rows) expect(receipts.get(r.message_id)).toBe(Number(r.idx));
  expect((await verifyStoredLog(t.db.store, {})).ok).toBe(true);
}, 120_000);

test('under a burst two batches run at once, never three, and every message is stored once, in one dense order', async () => {
  faulty.maxRunning.push = 0;
  holdFirstUntilSecond(faulty, isPushBatch);
  const ids = Array.from({ length: 120 }, (_, i) => `burst-${i}`);
  const answers = await Promise.all(ids.map((id) => pushCaseRecord(t.url, t.tokens.hall, id)));
  expect(answers.filter((x) => x.status !== 202).map((x) => [x.status, x.body?.code])).toEqual([]);
  expect(faulty.maxRunning.push).toBe(2);

  const rows = await received('burst-');
  expect(rows.map((r) => r.message_id).sort()).toEqual([...ids].sort());
  const all = (
    await t.db.store.query<{ n: number; seqs: number; span: number; events: number; deliveries: number; entries: number; max_idx: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT seq)::int AS seqs, (max(seq) - min(seq) + 1)::int AS span,
              (SELECT count(*)::int FROM message_events) AS events, (SELECT count(*)::int FROM deliveries) AS deliveries,
              (SELECT count(*)::int FROM log_entries) AS entries, (SELECT max(idx)::int FROM log_entries) AS max_idx
       FROM messages`,
    )
  ).rows[0]!;
  expect(all).toMatchObject({ n: 123, seqs: 123, span: 123, events: 123, deliveries: 123 });
  expect(all.max_idx).toBe(all.entries - 1); // dense log indices
  // Over every message: ordered by seq, their log indices increase too.
  const order = (await received('')).map((r) => Number(r.idx));
  expect(order).toEqual([...order].sort((x, y) => x - y));
  const byId = new Map(rows.map((r) => [r.message_id, Number(r.idx)]));
  answers.forEach((x, i) => expect(x.body.log.index).toBe(byId.get(ids[i]!)));
  expect((await verifyStoredLog(t.db.store, {})).ok).toBe(true);
}, 180_000);

describe('service-call records', () => {
  let w: AgencyWorld;
  let calls: FaultyStore;
  beforeAll(async () => {
    // Room for the whole burst at the agency (its bulkhead and deadline are not what this tests).
    w = await startAgencyWorld({
      config: { groupCommit: { overlapMinBatch: 2 } },
      amr: { maxConcurrent: 64, maxQueued: 64, timeoutMs: 30_000 },
      wrapStore: (s) => (calls = new FaultyStore(s)),
    });
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  test('two record statements run at once, never three; every call is recorded once and its answer names its own log entry', async () => {
    holdFirstUntilSecond(calls, isCallBatch);
    const call = (caseId: string) =>
      w.t.call('POST', '/api/v1/services/amr/query-enterprise', {
        token: w.t.tokens.hall, headers: { 'x-purpose': 'case-handling', 'x-case-id': caseId }, body: { uscc: '91350100273896412W' },
      });
    const caseIds = Array.from({ length: 40 }, (_, i) => `JZ-OV-${String(i).padStart(6, '0')}`);
    const answers = await Promise.all(caseIds.map(call));
    calls.before = null;
    expect(answers.filter((a) => a.status !== 200).map((a) => [a.status, a.body?.code])).toEqual([]);
    expect(calls.maxRunning.call).toBe(2);

    const rows = (
      await w.t.db.store.query<{ id: string; case_id: string; idx: string }>(
        `SELECT c.id, c.case_id, le.idx::text FROM service_calls c JOIN log_entries le ON le.message_id = c.id AND le.kind = 'service.called'
         WHERE c.case_id LIKE 'JZ-OV-%'`,
      )
    ).rows;
    expect(rows.map((r) => r.case_id).sort()).toEqual(caseIds);
    const idxOf = new Map(rows.map((r) => [r.id, Number(r.idx)]));
    for (const a of answers) expect(a.body.log.index).toBe(idxOf.get(a.body.id));
    const log = (await w.t.db.store.query<{ n: number; top: number }>(`SELECT count(*)::int AS n, max(idx)::int AS top FROM log_entries`)).rows[0]!;
    expect(log.top).toBe(log.n - 1);
    expect((await verifyStoredLog(w.t.db.store, {})).ok).toBe(true);
  }, 180_000);
});

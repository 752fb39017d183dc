/**
 * One bad request never hurts another: a message the database refuses, in a group
 * commit it shares with other senders' messages, fails alone; the others are stored
 * and answered 202 with valid signed receipts, and the log stays dense.
 */
import { startTestGateway, type TestGateway } from '../support/gateway';
import { FaultyStore, allSettleWithin, gate, holdNextPushBatch, isCallBatch, isPushBatch, sqlError, until } from '../support/faulty-store';
import { startAgencyWorld, type AgencyWorld } from '../support/agencies';
import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import { preparePush } from '../../gateway/exchange/push';
import { pushDeps } from '../../gateway/deps';
import { verifyReceipt } from '../../gateway/exchange/receipts';

let t: TestGateway;
let faulty: FaultyStore;
let seq = 0;

beforeAll(async () => {
  // One batch in flight (no second beside it): the messages queued behind a held batch share the next commit.
  t = await startTestGateway({ config: { groupCommit: { overlapMinBatch: 0 } }, wrapStore: (s) => (faulty = new FaultyStore(s)) });
}, 120_000);
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  faulty.before = null;
});

/** A valid push from each of four senders (different departments), by HTTP. */
function pushesFromFourSenders(tag: string) {
  const status = (from: string) =>
    t.call('POST', '/api/v1/messages', {
      token: t.tokens[from],
      body: { to: 'hall', type: 'case-status', messageId: `${tag}-${from}`, purpose: 'status-feedback', payload: sampleCaseStatus() },
    });
  return [
    t.call('POST', '/api/v1/messages', {
      token: t.tokens.hall,
      body: { to: 'housing', type: 'case-record', messageId: `${tag}-hall`, purpose: 'case-handling', payload: sampleCaseRecord() },
    }),
    status('housing'),
    status('amr'),
    status('tax'),
  ];
}

/** Holds the next push batch; `queuedBehind(n)` waits until n messages wait behind it (to share the next commit). */
async function holdNextBatch() {
  const hold = await holdNextPushBatch(faulty, () =>
    t.call('POST', '/api/v1/messages', {
      token: t.tokens.hall,
      body: { to: 'housing', type: 'case-record', messageId: `gate-${++seq}`, purpose: 'case-handling', payload: sampleCaseRecord() },
    }),
  );
  return { ...hold, queuedBehind: (n: number) => until(() => t.gw.deps.writer.queued === n, `${n} messages queued behind the held batch`) };
}

async function expectDenseLog() {
  const r = await t.db.store.query<{ n: string; top: string | null }>(`SELECT count(*) AS n, max(idx) AS top FROM log_entries`);
  expect(Number(r.rows[0].top)).toBe(Number(r.rows[0].n) - 1);
}

function expectStoredReceipts(answers: Array<{ status: number; body: any }>) {
  const logCert = t.gw.deps.trust.logSigner.certPem!;
  for (const a of answers) {
    expect(a.status).toBe(202);
    expect(verifyReceipt(a.body, logCert)).toBe(true);
  }
}

test('a message PostgreSQL really refuses (a lone surrogate that slipped past validation) fails alone; four other senders in its batch get 202', async () => {
  const hold = await holdNextBatch();
  const good = pushesFromFourSenders(`real-${++seq}`);
  // Prepared like any push from amr, then given a value the checks would have refused: the write path must cope anyway.
  const poisoned = preparePush(pushDeps(t.gw.deps), { kind: 'system', member: 'amr', system: 'default' }, {
    to: 'hall', type: 'case-status', messageId: `real-poison-${seq}`, purpose: 'status-feedback', payload: sampleCaseStatus(),
  });
  // In a field PostgreSQL reads as jsonb (the rows' small fields): the payload and envelope columns are json
  // (migration 033), which takes any JSON text, and the gateway's own checks refuse such strings at the door.
  poisoned.caseId = 'JZ-x\ud800y';
  await hold.queuedBehind(4);
  const bad = t.gw.deps.writer.submit(poisoned);
  await hold.queuedBehind(5);
  const before = faulty.batches.length;
  hold.release();

  const settled = await allSettleWithin<unknown>([hold.first, ...good, bad], 60_000);
  const answers = await Promise.all(good);
  expectStoredReceipts(answers);
  expect(settled.at(-1)).toMatchObject({ status: 'rejected', reason: { code: 'GW_ERR_REQUEST_UNSTORABLE', status: 422 } });
  // The five shared one statement, which the database refused; the others were then written without the bad one.
  const after = faulty.batches.slice(before).filter((b) => b.kind === 'push');
  expect(after[0]).toEqual({ kind: 'push', rows: 1, ok: true }); // the held one
  expect(after[1]).toEqual({ kind: 'push', rows: 5, ok: false });
  expect(after.slice(2).filter((b) => b.ok).reduce((n, b) => n + b.rows, 0)).toBe(4);
  const stored = await t.db.store.query(`SELECT 1 FROM messages WHERE message_id = $1`, [poisoned.messageId]);
  expect(stored.rows).toHaveLength(0);
  await expectDenseLog();
}, 120_000);

test('a statement failing because of one marked message (injected) fails only that request: 422 for it, 202 + valid receipts for the others', async () => {
  const hold = await holdNextBatch();
  faulty.before = ((held) => async (s: Parameters<NonNullable<FaultyStore['before']>>[0]) => {
    await held?.(s);
    if (isPushBatch(s) && String(s.params?.[0]).includes('POISON-MARKER')) throw sqlError('22P05', 'unsupported Unicode escape sequence');
  })(faulty.before);
  const tag = `marker-${++seq}`;
  const good = pushesFromFourSenders(tag);
  const bad = t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { to: 'tax', type: 'case-record', messageId: `${tag}-bad`, purpose: 'case-handling', payload: sampleCaseRecord({ remarks: 'POISON-MARKER' }) },
  });
  await hold.queuedBehind(5);
  hold.release();
  await allSettleWithin([hold.first, ...good, bad], 60_000);
  expectStoredReceipts(await Promise.all(good));
  const refused = await bad;
  expect([refused.status, refused.body.code]).toEqual([422, 'GW_ERR_REQUEST_UNSTORABLE']);
  expect(JSON.stringify(refused.body)).not.toContain('Unicode'); // the database's words (which may quote data) stay in the log

  // The gateway keeps serving: the same senders push again at once.
  faulty.before = null;
  expectStoredReceipts(await Promise.all(pushesFromFourSenders(`${tag}-again`)));
  await expectDenseLog();
}, 120_000);

describe('service-call records', () => {
  let w: AgencyWorld;
  let calls: FaultyStore;
  beforeAll(async () => {
    // One record batch in flight: the records queued behind a held one share the next statement.
    w = await startAgencyWorld({ config: { groupCommit: { overlapMinBatch: 0 } }, wrapStore: (s) => (calls = new FaultyStore(s)) });
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  test('a call record the database refuses (injected) fails only that call; the calls recorded with it get their signed answers', async () => {
    const g = gate();
    let held = false;
    calls.before = async (s) => {
      if (!isCallBatch(s)) return;
      if (!held) {
        held = true;
        await g.wait;
      }
      if (String(s.params?.[0]).includes('JZ-POISON-MARK')) throw sqlError('22P05', 'unsupported Unicode escape sequence');
    };
    const call = (caseId: string) =>
      w.t.call('POST', '/api/v1/services/amr/query-enterprise', {
        token: w.t.tokens.hall, headers: { 'x-purpose': 'case-handling', 'x-case-id': caseId }, body: { uscc: '91350100273896412W' },
      });
    const first = call('JZ-ISO-000000');
    await until(() => held, 'the first call record to reach the database');
    const recorder = (w.t.gw.deps.services as unknown as { recorder: { queued: number } }).recorder;
    const good = ['JZ-ISO-000001', 'JZ-ISO-000002', 'JZ-ISO-000003'].map(call);
    const bad = call('JZ-POISON-MARK1');
    await until(() => recorder.queued === 4, 'four call records queued behind the held one');
    g.open();
    await allSettleWithin<unknown>([first, ...good, bad], 60_000);
    for (const r of [await first, ...(await Promise.all(good))]) {
      expect(r.status).toBe(200);
      expect(Number.isInteger(r.body.log.index)).toBe(true);
    }
    const refused = await bad;
    expect([refused.status, refused.body.code]).toEqual([422, 'GW_ERR_REQUEST_UNSTORABLE']);
    expect(calls.batches.filter((b) => b.kind === 'call' && !b.ok && b.rows === 4)).toHaveLength(1);
    const recorded = await w.t.db.store.query<{ case_id: string }>(`SELECT case_id FROM service_calls WHERE case_id LIKE 'JZ-ISO-%' ORDER BY case_id`);
    expect(recorded.rows.map((r) => r.case_id)).toEqual(['JZ-ISO-000000', 'JZ-ISO-000001', 'JZ-ISO-000002', 'JZ-ISO-000003']);
  }, 120_000);
});

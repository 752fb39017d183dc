/**
 * The supervision schedule and its idempotence, in one process: the gateway's runner started
 * after "downtime" evaluates every open case against the clock (red cards only for what fell
 * past due meanwhile, no late yellow ones), then runs every intervalMs; two runners at once
 * (a second gateway on the same database: its own pool on PostgreSQL, the one store on
 * PGlite) raise each card once, with one log entry and one notice each; raising a card that
 * exists is a no-op at the database (the unique key). Two real processes: runners-processes.test.ts.
 */
import { ManualClock } from '../../gateway/clock';
import { buildConfig } from '../../gateway/config';
import { createGateway, type Gateway } from '../../gateway/gateway';
import { openPostgres } from '../../gateway/store/postgres';
import type { Store } from '../../gateway/store/db';
import { raiseCards } from '../../gateway/supervision/cards';
import type { SupervisionRun } from '../../gateway/supervision/runner';
import { discardLogs, startTestGateway, type TestGateway } from '../support/gateway';
import { caseMessages } from '../support/cases';

jest.setTimeout(180_000);

let t: TestGateway;
let cases: ReturnType<typeof caseMessages>;
beforeAll(async () => {
  t = await startTestGateway({ config: { supervision: { enabled: false, intervalMs: 10 } } });
  cases = caseMessages(t);
});
afterAll(async () => {
  await t?.close();
});

const count = async (sql: string, params: unknown[] = []) => (await t.db.store.query<{ n: number }>(sql, params)).rows[0]!.n;

test('started after downtime it catches up on every open case (red only), then runs on its interval with the clock', async () => {
  // due 10/9 (see cards.test.ts); accepted Fri 10/16, 5 days: 10/19–10/23, so due 10/23 and warned on 10/21
  await cases.record('RN-2026-0924-X', 'housing', '2026-09-24T10:00:00+08:00', 5);
  await cases.record('RN-2026-1016-Y', 'housing', '2026-10-16T10:00:00+08:00', 5);
  t.clock.set('2026-10-20T09:00:00+08:00'); // the gateway was down from before 9/30 until now: 8 working days over (10/10, 10/12–16, 10/19, 10/20)
  const runner = t.gw.deps.supervision;
  const runs: SupervisionRun[] = [];
  const secondRaise = new Promise<void>((resolve) =>
    runner.onRun((run) => {
      runs.push(run);
      if (runs.length === 1) t.clock.set('2026-10-21T09:00:00+08:00'); // a day passes before the next run
      if (run.raised.some((c) => c.caseNo === 'RN-2026-1016-Y')) resolve();
    }),
  );
  runner.start();
  await secondRaise;
  await runner.stop();
  expect(runs[0]!.raised.map((c) => [c.caseNo, c.kind, c.workingDaysLeft])).toEqual([['RN-2026-0924-X', 'overdue', -8]]);
  expect(runs.flatMap((r) => r.raised).map((c) => [c.caseNo, c.kind])).toEqual([
    ['RN-2026-0924-X', 'overdue'],
    ['RN-2026-1016-Y', 'warning'],
  ]);
  expect(await count(`SELECT count(*)::int AS n FROM supervision_cards WHERE case_no = 'RN-2026-0924-X' AND kind = 'warning'`)).toBe(0);
});

describe('two runners at once', () => {
  let second: Gateway;
  let store: Store;
  beforeAll(async () => {
    store = t.db.url ? openPostgres(t.db.url, { max: 4 }) : t.db.store;
    second = await createGateway(buildConfig({ ...t.gw.deps.config, port: 0 } as never), {
      clock: t.clock as ManualClock, store, logDestination: discardLogs(), processMetrics: false, startDelivery: false, startIntegrator: false,
    });
  });
  afterAll(async () => {
    await second?.close();
    if (store !== t.db.store) await store?.close();
  });

  test('each card raised exactly once, with one log entry and one notice, whichever runner raised it', async () => {
    const n = 12;
    for (let i = 0; i < n; i++) await cases.record(`RN-2026-1102-${String(i).padStart(2, '0')}`, 'housing', '2026-11-02T10:00:00+08:00', 3); // due 11/5
    for (const day of ['2026-11-04', '2026-11-09']) {
      t.clock.set(`${day}T09:00:00+08:00`);
      const [a, b] = await Promise.all([t.gw.deps.supervision.runOnce(), second.deps.supervision.runOnce()]);
      const raised = [...a.raised, ...b.raised].filter((c) => c.caseNo.startsWith('RN-2026-1102-'));
      expect(raised).toHaveLength(n);
      expect(new Set(raised.map((c) => c.caseNo)).size).toBe(n);
    }
    expect(await count(`SELECT count(*)::int AS n FROM supervision_cards WHERE case_no LIKE 'RN-2026-1102-%'`)).toBe(2 * n);
    expect(await count(`SELECT count(*)::int AS n FROM log_entries WHERE kind = 'supervision.card_raised' AND case_id LIKE 'RN-2026-1102-%'`)).toBe(2 * n);
    expect(await count(`SELECT count(DISTINCT log_idx)::int AS n FROM supervision_cards WHERE case_no LIKE 'RN-2026-1102-%'`)).toBe(2 * n);
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE type = 'supervision-notice' AND case_id LIKE 'RN-2026-1102-%'`)).toBe(2 * n);
    expect(await count(`SELECT count(*)::int AS n FROM supervision_cards WHERE case_no LIKE 'RN-2026-1102-%' AND notice_status = 'sent'`)).toBe(2 * n);
  });

  test('a card that exists is not raised again, nor logged (the unique key, ON CONFLICT DO NOTHING)', async () => {
    const before = await count(`SELECT count(*)::int AS n FROM log_entries`);
    const again = await t.db.store.tx((db) =>
      raiseCards(db, 'sha256', t.clock.now(), '2026-11-09', [{ caseNo: 'RN-2026-1102-00', department: 'housing', kind: 'overdue', dueOn: '2026-11-05', workingDaysLeft: -2 }]),
    );
    expect(again).toEqual([]);
    expect(await count(`SELECT count(*)::int AS n FROM log_entries`)).toBe(before);
  });

  test('a notice left pending (a crash after raising) is sent by the next run of either runner, once', async () => {
    const [card] = (await t.db.store.query<{ id: string; notice_message_id: string }>(`SELECT id, notice_message_id FROM supervision_cards WHERE case_no = 'RN-2026-1102-01' AND kind = 'overdue'`)).rows;
    await t.db.store.query(`UPDATE supervision_cards SET notice_status = 'pending', notice_message_id = NULL WHERE id = $1`, [card!.id]);
    const [a, b] = await Promise.all([t.gw.deps.supervision.runOnce(), second.deps.supervision.runOnce()]);
    expect(a.noticesSent + b.noticesSent).toBeGreaterThanOrEqual(1);
    const after = (await t.db.store.query<{ notice_status: string; notice_message_id: string }>(`SELECT notice_status, notice_message_id FROM supervision_cards WHERE id = $1`, [card!.id])).rows[0];
    expect(after).toEqual({ notice_status: 'sent', notice_message_id: card!.notice_message_id }); // the same message: a duplicate push
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE type = 'supervision-notice' AND case_id = 'RN-2026-1102-01'`)).toBe(2);
  });
});

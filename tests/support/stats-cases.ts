import type { TestGateway } from './gateway';
import { sampleCaseRecord, samplePersonCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import { raiseCards } from '../../gateway/supervision/cards';
import type { CardKind } from '../../gateway/supervision/rules';

/**
 * The statistics fixtures (tests/stats/case-stats.test.ts hand-computes every figure from
 * them; the supervisor's dashboard test shows them), on the 2026 calendar, today 2026-10-20:
 *
 *   case  matter  accepted      limit  branches: outcome                            working days
 *   S1    A       Tue 09-01     5      housing: approved Fri 09-04 (due 09-08)        3, on time
 *   S2    A       Tue 09-01     3      housing: approved Wed 09-09 (due Fri 09-04)    6, late
 *   S3    B       Mon 09-21     5      tax: refused Mon 09-28 (due Tue 09-29:         4, on time
 *                                      中秋 Fri 09-25 is a holiday)
 *   S4    B       Tue 09-01     3      housing: in progress (due 09-04)               open, overdue now
 *   S5    A       Tue 09-01     5      amr approved Thu 09-03, housing Mon 09-07      2 / 4; case 4, on time
 *   S6    A       Mon 08-31     3      amr: returned Wed 09-02                        退回, not 办结
 *
 * Supervision cards, the ones the daily runs would have raised (warning window 2 working days):
 *   S2 housing 黄牌 09-03 (due 09-04), 红牌 09-07;  S3 tax 黄牌 09-24 (2 left: 09-28, 09-29);
 *   S4 housing 黄牌 09-03, 红牌 by the real runner on today;  S5 housing 黄牌 09-04 (due 09-08).
 * So housing 3 黄 2 红, tax 1 黄, amr none; matter A 2 黄 1 红, B 2 黄 1 红.
 */
export const STATS_TODAY = '2026-10-20T10:00:00+08:00';
export const MATTER_A = sampleCaseRecord().matter;
export const MATTER_B = samplePersonCaseRecord().matter;

let seq = 0;

async function push(t: TestGateway, from: string, to: string, type: 'case-record' | 'case-status', payload: { caseNo: string }): Promise<void> {
  const purpose = type === 'case-record' ? 'parallel-approval' : 'status-feedback';
  const r = await t.call('POST', '/api/v1/messages', { token: t.tokens[from], body: { to, type, messageId: `st-${++seq}`, caseId: payload.caseNo, purpose, payload } });
  if (r.status !== 202) throw new Error(`push failed: ${r.status} ${r.text}`);
}

/** hall → department: a case record of matter A or B accepted on that day at 10:00. */
export const recordCase = (t: TestGateway, caseNo: string, matter: 'A' | 'B', to: string, acceptedOn: string, legalLimitDays: number) =>
  push(t, 'hall', to, 'case-record', (matter === 'A' ? sampleCaseRecord : samplePersonCaseRecord)({ caseNo, acceptedAt: `${acceptedOn}T10:00:00+08:00`, legalLimitDays }));

/** department → hall: a status of its branch on that day at 15:00. */
const status = (t: TestGateway, caseNo: string, from: string, s: 'in_progress' | 'completed' | 'returned', on: string, result?: 'approved' | 'denied') =>
  push(t, from, 'hall', 'case-status', sampleCaseStatus({ caseNo, status: s, result, occurredAt: `${on}T15:00:00+08:00`, department: `${from}局` }));

/** Pushes S1–S6 through the exchange (the clock should stand at STATS_TODAY). */
export async function seedStatsCases(t: TestGateway): Promise<void> {
  await recordCase(t, 'ST-2026-S1', 'A', 'housing', '2026-09-01', 5);
  await status(t, 'ST-2026-S1', 'housing', 'completed', '2026-09-04', 'approved');
  await recordCase(t, 'ST-2026-S2', 'A', 'housing', '2026-09-01', 3);
  await status(t, 'ST-2026-S2', 'housing', 'completed', '2026-09-09', 'approved');
  await recordCase(t, 'ST-2026-S3', 'B', 'tax', '2026-09-21', 5);
  await status(t, 'ST-2026-S3', 'tax', 'completed', '2026-09-28', 'denied');
  await recordCase(t, 'ST-2026-S4', 'B', 'housing', '2026-09-01', 3);
  await status(t, 'ST-2026-S4', 'housing', 'in_progress', '2026-09-02');
  await recordCase(t, 'ST-2026-S5', 'A', 'housing', '2026-09-01', 5);
  await recordCase(t, 'ST-2026-S5', 'A', 'amr', '2026-09-01', 5);
  await status(t, 'ST-2026-S5', 'amr', 'completed', '2026-09-03', 'approved');
  await status(t, 'ST-2026-S5', 'housing', 'completed', '2026-09-07', 'approved');
  await recordCase(t, 'ST-2026-S6', 'A', 'amr', '2026-08-31', 3);
  await status(t, 'ST-2026-S6', 'amr', 'returned', '2026-09-02');
  await seedStatsCards(t);
}

/** A card as the runner raises it (its log entry included) on a past day at 16:00. */
async function raiseOn(t: TestGateway, day: string, caseNo: string, department: string, kind: CardKind, dueOn: string, workingDaysLeft: number | null): Promise<void> {
  await t.db.store.tx((db) => raiseCards(db, t.gw.deps.config.trust.logHashAlg, new Date(`${day}T16:00:00+08:00`), day, [{ caseNo, department, kind, dueOn, workingDaysLeft }]));
}

/** The cards of the table above: four historical ones, then a real supervision run today (S4's red card). */
export async function seedStatsCards(t: TestGateway): Promise<void> {
  await raiseOn(t, '2026-09-03', 'ST-2026-S2', 'housing', 'warning', '2026-09-04', 1);
  await raiseOn(t, '2026-09-03', 'ST-2026-S4', 'housing', 'warning', '2026-09-04', 1);
  await raiseOn(t, '2026-09-04', 'ST-2026-S5', 'housing', 'warning', '2026-09-08', 2);
  await raiseOn(t, '2026-09-07', 'ST-2026-S2', 'housing', 'overdue', '2026-09-04', -1);
  await raiseOn(t, '2026-09-24', 'ST-2026-S3', 'tax', 'warning', '2026-09-29', 2);
  const run = await t.gw.deps.supervision.runOnce();
  const raised = run.raised.map((c) => `${c.caseNo}/${c.department}/${c.kind}`);
  if (raised.join() !== 'ST-2026-S4/housing/overdue') throw new Error(`unexpected cards today: ${raised.join()}`);
}

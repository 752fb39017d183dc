/**
 * 特别程序 (听证、检验、检测、鉴定、专家评审) stops a branch's clock "as the rules say"
 * (行政许可法 art. 45: the time they take is not counted in the limit), like 补正: a
 * `case-status` of `special_procedure` suspends the branch, `in_progress` resumes it. Over
 * real HTTP and the real exchange, across Mid-Autumn and National Day 2026 (9/25 and
 * 10/1–10/7 rest days, Saturday 10/10 a 调休 working day).
 *
 * Both cases are accepted Thu 9/24 with 5 working days: without suspension due Fri 10/9
 * (9/28, 9/29, 9/30, 10/8, 10/9), 黄牌 on 9/30, 红牌 on 10/10. SP-B goes to expert review
 * on Mon 9/28 (9/28 still counts) and resumes on Fri 10/9: 9/29, 9/30, 10/8, 10/9 are not
 * counted, so 4 days are left after 10/9: 10/10 (Sat, worked), 10/12, 10/13, 10/14 → due
 * Wed 10/14; 黄牌 on Mon 10/12, 红牌 on 10/15.
 */
import type { TestGateway } from '../support/gateway';
import { startSupervisedGateway, supervisorToken, type caseMessages } from '../support/cases';
import { BRANCH_LIFECYCLE, branchEventOf, caseStatusOf } from '../../gateway/cases/lifecycle';

jest.setTimeout(180_000);

let t: TestGateway;
let cases: ReturnType<typeof caseMessages>;
const sup = () => supervisorToken(t);
const view = async (caseNo: string) => (await t.call('GET', `/api/v1/cases/${caseNo}`, { token: await sup() })).body;
const on = async (day: string) => {
  t.clock.set(`${day}T16:00:00+08:00`);
  return (await t.gw.deps.supervision.runOnce()).raised.map((c) => `${c.caseNo}/${c.kind}`);
};
const ACCEPTED = '2026-09-24T10:00:00+08:00';

beforeAll(async () => {
  ({ t, cases } = await startSupervisedGateway());
});
afterAll(async () => {
  await t?.close();
});

test('the lifecycle: special_procedure suspends, in_progress resumes; it ends with a decision only after resuming, or refused/returned', () => {
  expect(branchEventOf('special_procedure')).toBe('start_special_procedure');
  expect(BRANCH_LIFECYCLE.step('start_special_procedure').clock).toBe('suspend');
  expect(BRANCH_LIFECYCLE.walk(['open', 'progress', 'start_special_procedure', 'progress', 'approve'])).toBe('completed');
  expect(BRANCH_LIFECYCLE.walk(['open', 'start_special_procedure', 'deny'])).toBe('refused');
  expect(() => BRANCH_LIFECYCLE.walk(['open', 'start_special_procedure', 'approve'])).toThrow();
  expect(() => BRANCH_LIFECYCLE.walk(['open', 'start_special_procedure', 'request_correction'])).toThrow();
  const b = (status: any) => ({ status, required: true });
  expect(caseStatusOf([b('special_procedure'), b('in_progress')])).toBe('special_procedure');
  expect(caseStatusOf([b('special_procedure'), b('correction')])).toBe('correction');
});

test('expert review from 9/28: no due date and no yellow card on 9/30, while the case without it gets one', async () => {
  await cases.record('SP-2026-0924-A', 'housing', ACCEPTED, 5);
  await cases.record('SP-2026-0924-B', 'housing', ACCEPTED, 5);
  await cases.status('SP-2026-0924-B', 'housing', 'in_progress', '2026-09-25');
  await cases.status('SP-2026-0924-B', 'housing', 'special_procedure', '2026-09-28');
  expect(await on('2026-09-30')).toEqual(['SP-2026-0924-A/warning']);
  const b = await view('SP-2026-0924-B');
  expect(b).toMatchObject({ status: 'special_procedure', dueOn: null });
  expect(b.branches[0]).toMatchObject({ status: 'special_procedure', dueOn: null, workingDaysUsed: 1, suspensions: [{ from: '2026-09-28', to: null, reason: 'special_procedure' }] });
  expect(b.timeline.map((e: any) => e.event)).toEqual(['record', 'progress', 'start_special_procedure']);
});

test('resumed on 10/9 after National Day: due 10/14 (the 调休 Saturday counts); the cards move with it', async () => {
  await cases.status('SP-2026-0924-B', 'housing', 'in_progress', '2026-10-09');
  expect(await on('2026-10-09')).toEqual([]);
  const b = await view('SP-2026-0924-B');
  expect(b).toMatchObject({ status: 'in_progress', dueOn: '2026-10-14', workingDaysUsed: 1, workingDaysLeft: 4 });
  expect(b.branches[0].suspensions).toEqual([{ from: '2026-09-28', to: '2026-10-09', reason: 'special_procedure' }]);
  expect(await on('2026-10-10')).toEqual(['SP-2026-0924-A/overdue']); // A is over its limit; B has 3 days left
  expect(await on('2026-10-12')).toEqual(['SP-2026-0924-B/warning']); // 10/13, 10/14: 2 left
  expect((await view('SP-2026-0924-B')).workingDaysLeft).toBe(2);
  expect(await on('2026-10-14')).toEqual([]); // due today: not overdue yet
  expect(await on('2026-10-15')).toEqual(['SP-2026-0924-B/overdue']);
});

test('a 补正 requested during the special procedure is not applied (the timeline says why); completing after it counts the suspension out', async () => {
  await cases.record('SP-2026-0924-C', 'amr', ACCEPTED, 5);
  await cases.status('SP-2026-0924-C', 'amr', 'special_procedure', '2026-09-28');
  await cases.status('SP-2026-0924-C', 'amr', 'correction', '2026-09-29');
  await cases.status('SP-2026-0924-C', 'amr', 'in_progress', '2026-10-12');
  await cases.status('SP-2026-0924-C', 'amr', 'completed', '2026-10-13');
  const c = await view('SP-2026-0924-C');
  expect(c.timeline.map((e: any) => [e.event, e.applied])).toEqual([['record', true], ['start_special_procedure', true], ['request_correction', false], ['progress', true], ['approve', true]]);
  expect(c.timeline[2].note).toMatch(/special_procedure/);
  // counted: 9/28, then 10/13 (10/12 ends the suspension and is not counted): 2 working days, due 10/16
  expect(c).toMatchObject({ status: 'completed', completedOn: '2026-10-13', workingDaysUsed: 2, dueOn: '2026-10-16', overdue: false });
});

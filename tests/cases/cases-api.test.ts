/**
 * Case supervision over real HTTP: the hall sends one case to two departments (并联审批),
 * one asks for 补正 across National Day 2026, both complete; another case is refused by
 * one department while the other still works; a late step after the end is kept in the
 * timeline but not applied. Due dates are the hand-counted ones of tests/cases/calendar.test.ts.
 * The live tables equal a rebuild from the log; /readyz warns about an uncovered year.
 */
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { sampleCaseRecord, samplePersonCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import { upsertUser } from '../../gateway/registry/users';

jest.setTimeout(180_000);

let t: TestGateway;
const people: Record<string, string> = {};
let seq = 0;

beforeAll(async () => {
  t = await startTestGateway();
  t.clock.set('2026-10-20T10:00:00+08:00');
  for (const [login, role, department] of [['sup', 'supervisor', 'hall'], ['aud', 'auditor', 'hall'], ['housing.clerk', 'clerk', 'housing']] as const) {
    await upsertUser(t.db.store, { login, name: login, role, department, password: TEST_PASSWORD });
    people[login] = (await t.call('POST', '/api/v1/auth/login', { body: { login, password: TEST_PASSWORD } })).body.token;
  }
});
afterAll(async () => {
  await t?.close();
});

async function push(from: string, to: string, type: 'case-record' | 'case-status', payload: { caseNo: string }): Promise<number> {
  const purpose = type === 'case-record' ? 'parallel-approval' : 'status-feedback';
  const r = await t.call('POST', '/api/v1/messages', { token: t.tokens[from], body: { to, type, messageId: `${from}-${++seq}`, caseId: payload.caseNo, purpose, payload } });
  expect(r.status).toBe(202);
  return r.body.log.index as number;
}
const record = (caseNo: string, to: string, over: Record<string, unknown> = {}) =>
  push('hall', to, 'case-record', samplePersonCaseRecord({ caseNo, acceptedAt: '2026-09-14T09:30:00+08:00', legalLimitDays: 10, ...over }));
const status = (caseNo: string, from: string, s: string, on: string, over: Record<string, unknown> = {}) =>
  push(from, 'hall', 'case-status', sampleCaseStatus({ caseNo, status: s as any, result: undefined, occurredAt: `${on}T15:00:00+08:00`, department: `${from}局`, ...over }));
const get = (path: string, token = people.sup!) => t.call('GET', path, { token });
const branch = (view: any, department: string) => view.branches.find((b: any) => b.department === department);

describe('并联审批 with 补正 across National Day', () => {
  const caseNo = 'GL-2026-0914-001';
  let recordIdx: number;

  test('two case records open two branches, each due on the tenth working day after acceptance', async () => {
    recordIdx = await record(caseNo, 'housing');
    await record(caseNo, 'amr');
    const r = await get(`/api/v1/cases/${caseNo}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ caseNo, status: 'accepted', legalLimitDays: 10, dueOn: '2026-09-28', hall: 'hall' });
    expect(r.body.branches.map((b: any) => [b.department, b.status, b.dueOn])).toEqual([
      ['housing', 'accepted', '2026-09-28'],
      ['amr', 'accepted', '2026-09-28'],
    ]);
    expect(r.body.timeline[0]).toMatchObject({ logIndex: recordIdx, event: 'record', department: 'housing', applied: true });
  });

  test('补正 suspends the housing branch: no due date while the applicant has not supplied', async () => {
    await status(caseNo, 'housing', 'in_progress', '2026-09-15');
    await status(caseNo, 'amr', 'in_progress', '2026-09-15');
    await status(caseNo, 'housing', 'correction', '2026-09-17');
    const r = await get(`/api/v1/cases/${caseNo}`);
    expect(r.body).toMatchObject({ status: 'correction', dueOn: null });
    expect(branch(r.body, 'housing')).toMatchObject({ status: 'correction', dueOn: null, workingDaysUsed: 3, suspensions: [{ from: '2026-09-17', to: null }] });
    expect(branch(r.body, 'amr')).toMatchObject({ status: 'in_progress', dueOn: '2026-09-28' });
  });

  test('supplied after the holiday: due 10/19; the case completes only when both branches do', async () => {
    await status(caseNo, 'amr', 'completed', '2026-09-24', { result: 'approved' });
    let r = await get(`/api/v1/cases/${caseNo}`);
    expect(r.body.status).toBe('correction');
    expect(branch(r.body, 'amr')).toMatchObject({ status: 'completed', completedOn: '2026-09-24', workingDaysUsed: 9, workingDaysLeft: 1, overdue: false });

    await status(caseNo, 'housing', 'in_progress', '2026-10-09');
    r = await get(`/api/v1/cases/${caseNo}`);
    expect(r.body).toMatchObject({ status: 'in_progress', dueOn: '2026-10-19' });
    expect(branch(r.body, 'housing').suspensions).toEqual([{ from: '2026-09-17', to: '2026-10-09', reason: 'correction' }]);

    const lastIdx = await status(caseNo, 'housing', 'completed', '2026-10-16', { result: 'approved' });
    r = await get(`/api/v1/cases/${caseNo}`);
    expect(r.body).toMatchObject({ status: 'completed', completedOn: '2026-10-16', dueOn: '2026-10-19', workingDaysUsed: 9, workingDaysLeft: 1, overdue: false });
    expect(branch(r.body, 'housing')).toMatchObject({ status: 'completed', dueOn: '2026-10-19', workingDaysUsed: 9 });
    expect(r.body.timeline).toHaveLength(8);
    expect(r.body.timeline[7]).toMatchObject({ logIndex: lastIdx, event: 'approve', department: 'housing', departmentName: 'housing局', officer: '王立新', applied: true });
  });

  test('the applicant: in full for the case\'s department, masked for supervisors and auditors; other departments do not see the case', async () => {
    const own = await get(`/api/v1/cases/${caseNo}`, t.tokens.housing);
    expect(own.body.applicant).toMatchObject({ name: '林晓梅', phone: '13859012345' });
    expect(own.body.applicant.idNumber).toMatch(/^350102198503120\d{2}[\dX]$/);
    for (const who of [people.sup!, people.aud!]) {
      const masked = (await get(`/api/v1/cases/${caseNo}`, who)).body.applicant;
      expect(masked).toMatchObject({ name: '林**', phone: '138****2345' });
      expect(masked.idNumber).toMatch(/^350102\*{8}\d{3}[\dX]$/);
    }
    const other = await get(`/api/v1/cases/${caseNo}`, t.tokens.tax);
    expect([other.status, other.body.code]).toEqual([404, 'GW_ERR_CASE_NOT_FOUND']);
    const unknown = await get('/api/v1/cases/NO-SUCH-CASE');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'GW_ERR_CASE_NOT_FOUND']);
    const bad = await get('/api/v1/cases/x');
    expect([bad.status, bad.body.code]).toEqual([400, 'GW_ERR_REQUEST_INVALID']);
  });
});

describe('refusal, late steps, overdue, lists', () => {
  test('one refusal ends the case as refused; a step after the end is in the timeline, not applied', async () => {
    const caseNo = 'GL-2026-0914-002';
    await record(caseNo, 'housing');
    await record(caseNo, 'tax');
    await status(caseNo, 'housing', 'in_progress', '2026-09-15');
    await status(caseNo, 'tax', 'completed', '2026-09-16', { result: 'denied' });
    await status(caseNo, 'tax', 'in_progress', '2026-09-17');
    const r = await get(`/api/v1/cases/${caseNo}`);
    expect(r.body).toMatchObject({ status: 'refused', completedOn: '2026-09-16' });
    expect(branch(r.body, 'tax')).toMatchObject({ status: 'refused' });
    expect(branch(r.body, 'housing')).toMatchObject({ status: 'in_progress' });
    expect(r.body.timeline.at(-1)).toMatchObject({ event: 'progress', department: 'tax', applied: false, note: expect.stringContaining('already refused') });
  });

  test('an open case past its due date is overdue; lists filter and page by keyset', async () => {
    // Accepted Tue 9/1, 3 days: due Fri 9/4; today is 10/20.
    await push('hall', 'housing', 'case-record', sampleCaseRecord({ caseNo: 'GL-2026-0901-003', acceptedAt: '2026-09-01T10:00:00+08:00', legalLimitDays: 3 }));
    const one = await get('/api/v1/cases/GL-2026-0901-003');
    expect(one.body).toMatchObject({ dueOn: '2026-09-04', overdue: true, status: 'accepted' });
    expect(one.body.workingDaysLeft).toBeLessThan(0);

    const overdue = await get('/api/v1/cases?overdue=true');
    expect(overdue.body.items.map((c: any) => c.caseNo)).toEqual(['GL-2026-0901-003']);
    expect((await get('/api/v1/cases?status=refused')).body.items.map((c: any) => c.caseNo)).toEqual(['GL-2026-0914-002']);
    expect((await get('/api/v1/cases?department=tax')).body.items.map((c: any) => c.caseNo)).toEqual(['GL-2026-0914-002']);
    expect((await get('/api/v1/cases?dueBefore=2026-09-30')).body.items.map((c: any) => c.caseNo)).toEqual(['GL-2026-0901-003', 'GL-2026-0914-002']);
    expect((await get('/api/v1/cases?from=2026-09-10&to=2026-09-30')).body.items).toHaveLength(2);
    expect((await get(`/api/v1/cases?matter=${sampleCaseRecord().matter.code}`)).body.items.map((c: any) => c.caseNo)).toEqual(['GL-2026-0901-003']);

    const first = await get('/api/v1/cases?limit=2');
    expect(first.body.items.map((c: any) => c.caseNo)).toEqual(['GL-2026-0901-003', 'GL-2026-0914-001']);
    const second = await get(`/api/v1/cases?limit=2&after=${first.body.next}`);
    expect(second.body).toEqual({ items: [expect.objectContaining({ caseNo: 'GL-2026-0914-002', status: 'refused', departments: ['housing', 'tax'] })], next: null });

    // A department lists only its own cases; a clerk of housing as its system does.
    expect((await get('/api/v1/cases', t.tokens.tax)).body.items.map((c: any) => c.caseNo)).toEqual(['GL-2026-0914-002']);
    expect((await get('/api/v1/cases', people['housing.clerk'])).body.items).toHaveLength(3);
    expect((await get('/api/v1/cases?department=housing', t.tokens.tax)).body.items).toEqual([]);
    const bad = await get('/api/v1/cases?overdue=maybe');
    expect([bad.status, bad.body.code]).toEqual([400, 'GW_ERR_REQUEST_INVALID']);
  });

  test('a deadline in a year the calendar does not cover: 503 GW_ERR_CASE_CALENDAR_UNCOVERED, no guessed date', async () => {
    await push('hall', 'housing', 'case-record', sampleCaseRecord({ caseNo: 'GL-2026-1225-004', acceptedAt: '2026-12-25T10:00:00+08:00', legalLimitDays: 10 }));
    const r = await get('/api/v1/cases/GL-2026-1225-004');
    expect([r.status, r.body.code]).toEqual([503, 'GW_ERR_CASE_CALENDAR_UNCOVERED']);
    expect(r.body.detail).toMatch(/2027/);
    const listed = await get('/api/v1/cases?dueBefore=2099-01-01');
    expect(listed.body.items.map((c: any) => c.caseNo)).not.toContain('GL-2026-1225-004');
  });
});

test('rebuilding every case from the log alone gives the live tables', async () => {
  const snapshot = async () => {
    const q = async (sql: string) => (await t.db.store.query(sql)).rows;
    return {
      cases: await q('SELECT * FROM cases ORDER BY case_no'),
      branches: await q('SELECT * FROM case_branches ORDER BY case_no, department'),
      events: await q('SELECT * FROM case_events ORDER BY case_no, idx'),
    };
  };
  await t.gw.deps.cases.catchUp();
  const live = await snapshot();
  expect(live.cases).toHaveLength(4);
  expect(live.events.length).toBeGreaterThan(12);
  expect(await t.gw.deps.cases.rebuild()).toBe(4);
  expect(await snapshot()).toEqual(live);
});

test('the live fold takes the payloads of case messages this gateway committed from memory; a rebuild reads them from the database', async () => {
  const cases = t.gw.deps.cases;
  await cases.catchUp();
  // No fold may run while the push commits: one that read the new log entry between the commit and the
  // commit listener (remember) would rightly read that body from the database, and this counts reads.
  await cases.settled();
  const before = cases.bodiesRead;
  await record('GL-2026-0914-MEM', 'housing');
  await cases.catchUp();
  expect((await get('/api/v1/cases/GL-2026-0914-MEM')).body.branches.map((b: any) => b.department)).toEqual(['housing']);
  expect(cases.bodiesRead).toBe(before);
  await cases.rebuild();
  expect(cases.bodiesRead - before).toBeGreaterThan(12);
});

test('/readyz warns when the working-day calendar does not cover the current or next year', async () => {
  t.clock.set('2025-06-01T10:00:00+08:00');
  // (the server's own warnings, e.g. PostgreSQL's autovacuum off, are not the calendar's)
  const calendarWarnings = (body: { warnings?: string[] }) => (body.warnings ?? []).filter((w) => w.includes('CALENDAR'));
  const covered = await t.call('GET', '/readyz');
  expect(covered.status).toBe(200);
  expect(calendarWarnings(covered.body)).toEqual([]);
  t.clock.set('2026-10-20T10:00:00+08:00');
  const warned = await t.call('GET', '/readyz');
  expect(warned.status).toBe(200);
  expect(warned.body.status).toBe('ready');
  expect(calendarWarnings(warned.body)).toEqual([expect.stringMatching(/GW_ERR_CASE_CALENDAR_UNCOVERED.*2027/)]);
});

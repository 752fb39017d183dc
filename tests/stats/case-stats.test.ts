/**
 * Case statistics against hand-computed fixtures on the 2026 calendar: the cases S1–S6 of
 * tests/support/stats-cases.ts (the table of their dates and outcomes is there), today 2026-10-20.
 * p90 is the continuous percentile: [3,4,6] → 4 + 0.8·(6−4) = 5.6.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { MATTER_A, MATTER_B, recordCase, seedStatsCases, STATS_TODAY } from '../support/stats-cases';
import { upsertUser } from '../../gateway/registry/users';
import { CSV_COLUMNS } from '../../gateway/stats/csv';

jest.setTimeout(180_000);

let t: TestGateway;
let sup = '';
const A = MATTER_A.code;
const B = MATTER_B.code;
const get = (path: string, headers: Record<string, string> = {}) => t.call('GET', path, { token: sup, headers });

beforeAll(async () => {
  t = await startTestGateway();
  t.clock.set(STATS_TODAY);
  await upsertUser(t.db.store, { login: 'sup', name: 'sup', role: 'supervisor', department: 'hall', password: TEST_PASSWORD });
  sup = (await t.call('POST', '/api/v1/auth/login', { body: { login: 'sup', password: TEST_PASSWORD } })).body.token;
  await seedStatsCases(t);
});
afterAll(async () => {
  await t?.close();
});

/** One row: received, completed, 办结率, on time, 按时办结率, avg, p90, overdue now, refusals, returned[, 黄牌, 红牌]. */
type Figures = [number, number, number | null, number, number | null, number | null, number | null, number, number, number, number?, number?];
const row = (key: string, n: Figures) => ({
  key, received: n[0], completed: n[1], completionRate: n[2], onTimeCompleted: n[3], onTimeRate: n[4],
  avgWorkingDays: n[5], p90WorkingDays: n[6], overdueNow: n[7], refusals: n[8], returned: n[9], warningCards: n[10] ?? 0, overdueCards: n[11] ?? 0,
});

test('working days to completion are on the case rows (the slowest required branch)', async () => {
  await t.gw.deps.cases.catchUp();
  const rows = (await t.db.store.query<{ case_no: string; working_days: number | null }>('SELECT case_no, working_days FROM cases ORDER BY case_no')).rows;
  expect(rows.map((r) => [r.case_no, r.working_days])).toEqual([
    ['ST-2026-S1', 3], ['ST-2026-S2', 6], ['ST-2026-S3', 4], ['ST-2026-S4', null], ['ST-2026-S5', 4], ['ST-2026-S6', 2],
  ]);
});

test('per department: branches, on-time rates, p90, overdue now, refusals', async () => {
  const r = await get('/api/v1/stats/cases?groupBy=department');
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ groupBy: 'department', from: null, to: null, asOf: '2026-10-20' });
  expect(r.body.groups).toEqual([
    expect.objectContaining(row('amr', [2, 1, 0.5, 1, 1, 2, 2, 0, 0, 1])),
    expect.objectContaining(row('housing', [4, 3, 0.75, 2, 0.6667, 4.33, 5.6, 1, 0, 0, 3, 2])),
    expect.objectContaining(row('tax', [1, 1, 1, 1, 1, 4, 4, 0, 1, 0, 1, 0])),
  ]);
  expect(r.body.groups[1].label).not.toBe('housing'); // the registry's name
  expect(r.body.total).toEqual({ ...row('total', [7, 5, 0.7143, 4, 0.8, 3.8, 5.2, 1, 1, 1, 4, 2]), label: '合计' });
});

test('per matter and per month: whole cases; a month with nothing completed has null rates', async () => {
  const m = await get('/api/v1/stats/cases?groupBy=matter');
  expect(m.body.groups).toEqual([
    { ...row(A, [4, 3, 0.75, 2, 0.6667, 4.33, 5.6, 0, 0, 1, 2, 1]), label: MATTER_A.name },
    { ...row(B, [2, 1, 0.5, 1, 1, 4, 4, 1, 1, 0, 2, 1]), label: MATTER_B.name },
  ]);
  expect(m.body.total).toMatchObject(row('total', [6, 4, 0.6667, 3, 0.75, 4.25, 5.4, 1, 1, 1, 4, 2]));
  const month = await get('/api/v1/stats/cases?groupBy=month');
  expect(month.body.groups).toEqual([
    { ...row('2026-08', [1, 0, 0, 0, null, null, null, 0, 0, 1]), label: '2026-08' },
    { ...row('2026-09', [5, 4, 0.8, 3, 0.75, 4.25, 5.4, 1, 1, 0, 4, 2]), label: '2026-09' },
  ]);
  const week = await get('/api/v1/stats/cases?groupBy=week');
  expect(week.body.groups.map((g: any) => [g.key, g.received, g.completed])).toEqual([['2026-08-31', 5, 3], ['2026-09-21', 1, 1]]);
});

test('filters: period, matter, department', async () => {
  const sept = await get('/api/v1/stats/cases?groupBy=matter&from=2026-09-01&to=2026-09-30');
  expect(sept.body).toMatchObject({ from: '2026-09-01', to: '2026-09-30', total: row('total', [5, 4, 0.8, 3, 0.75, 4.25, 5.4, 1, 1, 0, 4, 2]) });
  const housing = await get('/api/v1/stats/cases?groupBy=month&department=housing');
  expect(housing.body.groups).toEqual([expect.objectContaining(row('2026-09', [4, 3, 0.75, 2, 0.6667, 4.33, 5.6, 1, 0, 0, 3, 2]))]);
  // amr handles S5 and S6 of matter A; S5's yellow card is housing's, so not counted for amr
  const amr = await get(`/api/v1/stats/cases?groupBy=matter&department=amr`);
  expect(amr.body.groups).toEqual([expect.objectContaining(row(A, [2, 1, 0.5, 1, 1, 4, 4, 0, 0, 1, 0, 0]))]);
  const b = await get(`/api/v1/stats/cases?groupBy=department&matter=${B}`);
  expect(b.body.groups.map((g: any) => [g.key, g.received, g.warningCards, g.overdueCards])).toEqual([['housing', 1, 1, 1], ['tax', 1, 1, 0]]);
  const none = await get('/api/v1/stats/cases?from=2027-01-01');
  expect(none.body).toMatchObject({ groups: [], total: row('total', [0, 0, null, 0, null, null, null, 0, 0, 0]) });
  const bad = await get('/api/v1/stats/cases?from=2026-09-30&to=2026-09-01');
  expect([bad.status, bad.body.code, bad.body.errors]).toEqual([400, 'GW_ERR_REQUEST_INVALID', [{ pointer: '/to', message: 'before from' }]]);
  const unknown = await get('/api/v1/stats/cases?groupBy=year');
  expect([unknown.status, unknown.body.errors[0].pointer]).toEqual([400, '/groupBy']);
});

/** Parses the export (fetch's text() drops the BOM; no field here holds a separator). */
function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
  expect(head!.split(',')).toEqual([...CSV_COLUMNS]);
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [CSV_COLUMNS[i]!, v])));
}

test.each(['department', 'matter', 'month', 'week'])('CSV export (groupBy=%s) has the numbers of the JSON', async (groupBy) => {
  const json = (await get(`/api/v1/stats/cases?groupBy=${groupBy}`)).body;
  const viaFormat = await get(`/api/v1/stats/cases?groupBy=${groupBy}&format=csv`);
  const viaAccept = await get(`/api/v1/stats/cases?groupBy=${groupBy}`, { accept: 'text/csv' });
  expect(viaFormat.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(viaFormat.headers.get('content-disposition')).toBe(`attachment; filename=case-stats-${groupBy}-2026-10-20.csv`);
  expect(viaAccept.text).toBe(viaFormat.text);
  const csv = parseCsv(viaFormat.text);
  const expected = [...json.groups, json.total].map((r: any) => Object.fromEntries(CSV_COLUMNS.map((c) => [c, r[c] === null ? '' : String(r[c])])));
  expect(csv).toEqual(expected);
  expect(csv.length).toBeGreaterThan(1);
});

test('the overdue list: the responsible department, working days over, keyset pages', async () => {
  const r = await get('/api/v1/stats/overdue');
  expect(r.status).toBe(200);
  // due Fri 09-04; after it to Tue 10-20: 18 in September (Sun 09-20 worked, Fri 09-25 中秋 off), 10 in October (10-01..07 off, Sat 10-10 worked)
  expect(r.body).toEqual({
    items: [{ caseNo: 'ST-2026-S4', matter: { code: B, name: MATTER_B.name }, department: 'housing', departmentName: expect.any(String), status: 'in_progress', acceptedOn: '2026-09-01', dueOn: '2026-09-04', workingDaysOver: 28 }],
    next: null,
  });
  expect((await get('/api/v1/stats/overdue?department=tax')).body.items).toEqual([]);
  await recordCase(t, 'ST-2026-S7', 'A', 'tax', '2026-09-01', 1);
  await recordCase(t, 'ST-2026-S7', 'A', 'amr', '2026-09-01', 1);
  const first = await get('/api/v1/stats/overdue?limit=2');
  expect(first.body.items.map((i: any) => [i.caseNo, i.department])).toEqual([['ST-2026-S4', 'housing'], ['ST-2026-S7', 'amr']]);
  const second = await get(`/api/v1/stats/overdue?limit=2&after=${first.body.next}`);
  expect(second.body.items.map((i: any) => [i.caseNo, i.department])).toEqual([['ST-2026-S7', 'tax']]);
  expect(second.body.next).toBeNull();
});

test('the warning list (预警): due today up to the 2nd working day after it, with working days left; not the overdue', async () => {
  // today Tue 10-20; the warning horizon (2 working days) is Thu 10-22
  await recordCase(t, 'ST-2026-S8', 'A', 'housing', '2026-10-16', 3); // 10-19, 10-20, 10-21: 1 day left
  await recordCase(t, 'ST-2026-S9', 'B', 'tax', '2026-10-19', 1); // due today: 0 left
  await recordCase(t, 'ST-2026-S10', 'A', 'amr', '2026-10-19', 4); // 10-20 … 10-23: outside the window
  await recordCase(t, 'ST-2026-S11', 'A', 'amr', '2026-10-16', 4); // 10-19 … 10-22: the last warned day, 2 left
  const r = await get('/api/v1/stats/warnings');
  expect(r.status).toBe(200);
  const item = (caseNo: string, department: string, dueOn: string, left: number, m = MATTER_A) => ({
    caseNo, matter: { code: m.code, name: m.name }, department, departmentName: expect.any(String), status: 'accepted', acceptedOn: expect.any(String), dueOn, workingDaysLeft: left,
  });
  expect(r.body).toEqual({
    items: [item('ST-2026-S11', 'amr', '2026-10-22', 2), item('ST-2026-S8', 'housing', '2026-10-21', 1), item('ST-2026-S9', 'tax', '2026-10-20', 0, MATTER_B)],
    next: null,
  });
  const first = await get('/api/v1/stats/warnings?limit=1');
  expect(first.body.items.map((i: any) => i.caseNo)).toEqual(['ST-2026-S11']);
  const rest = await get(`/api/v1/stats/warnings?limit=5&after=${first.body.next}`);
  expect(rest.body.items.map((i: any) => i.caseNo)).toEqual(['ST-2026-S8', 'ST-2026-S9']);
  expect((await get('/api/v1/stats/warnings?department=tax')).body.items.map((i: any) => i.caseNo)).toEqual(['ST-2026-S9']);
  expect((await get(`/api/v1/stats/warnings?matter=${B}`)).body.items.map((i: any) => i.caseNo)).toEqual(['ST-2026-S9']);
  // the overdue list is unchanged by them
  expect((await get('/api/v1/stats/overdue')).body.items.map((i: any) => i.caseNo)).not.toContain('ST-2026-S9');
});

test('the answers match the schemas the OpenAPI document publishes (CaseStats, OverduePage)', async () => {
  const doc = (await get('/api/v1/openapi.json')).body;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'oas');
  const check = (component: string, body: unknown) => {
    const validate = ajv.getSchema(`oas#/components/schemas/${component}`)!;
    expect({ component, ok: validate(body), errors: validate.errors ?? null }).toEqual({ component, ok: true, errors: null });
  };
  for (const groupBy of ['department', 'matter', 'month', 'week']) check('CaseStats', (await get(`/api/v1/stats/cases?groupBy=${groupBy}`)).body);
  check('CaseStats', (await get('/api/v1/stats/cases?from=2027-01-01')).body);
  check('OverduePage', (await get('/api/v1/stats/overdue?limit=1')).body);
  check('WarningPage', (await get('/api/v1/stats/warnings')).body);
  // a field the schema does not describe would be missed by it: each published row property is what the API sends
  const row = doc.components.schemas.CaseStats.properties.total.properties;
  expect(Object.keys((await get('/api/v1/stats/cases')).body.total).sort()).toEqual(Object.keys(row).sort());
});

/**
 * 电子监察 cards over real HTTP and the real exchange, the clock moved by hand through
 * Mid-Autumn and National Day 2026 (9/25 and 10/1–10/7 rest days, Saturday 10/10 a 调休
 * working day). Every case here is accepted Thu 9/24 with a limit of 5 working days:
 * 9/28, 9/29, 9/30, 10/8, 10/9, so due Fri 10/9. With the default 2 days' warning the
 * yellow card comes on Wed 9/30 (2 working days left: 10/8, 10/9), not on 9/29, and not a
 * week later as 2 calendar days before 10/9 would; the red card on Sat 10/10.
 */
import { TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { startSupervisedGateway, supervisorToken, type caseMessages } from '../support/cases';
import { upsertUser } from '../../gateway/registry/users';
import { countCardsByDepartment } from '../../gateway/supervision/views';

jest.setTimeout(180_000);

let t: TestGateway;
let cases: ReturnType<typeof caseMessages>;
const sup = () => supervisorToken(t);
const ACCEPTED = '2026-09-24T10:00:00+08:00';

beforeAll(async () => {
  ({ t, cases } = await startSupervisedGateway());
});
afterAll(async () => {
  await t?.close();
});

const on = async (day: string) => {
  t.clock.set(`${day}T16:00:00+08:00`);
  return t.gw.deps.supervision.runOnce();
};
const raised = (run: { raised: { caseNo: string; department: string; kind: string }[] }) => run.raised.map((c) => [c.caseNo, c.department, c.kind]);
const cardsOf = async (caseNo: string) => (await t.call('GET', `/api/v1/cases/${caseNo}`, { token: await sup() })).body.cards;

test('no card while more than N working days are left; a completed case never gets one', async () => {
  await cases.record('SV-2026-0924-A', 'housing', ACCEPTED, 5);
  await cases.record('SV-2026-0924-B', 'housing', ACCEPTED, 5); // 并联审批: housing and amr
  await cases.record('SV-2026-0924-B', 'amr', ACCEPTED, 5);
  await cases.record('SV-2026-0924-C', 'housing', ACCEPTED, 5);
  await cases.status('SV-2026-0924-C', 'housing', 'completed', '2026-09-29');
  await cases.status('SV-2026-0924-B', 'amr', 'correction', '2026-09-28'); // 补正: amr's clock stops after 9/28
  expect(raised(await on('2026-09-29'))).toEqual([]);
});

test('the yellow card comes exactly 2 working days before the due date, across the holiday; once', async () => {
  const run = await on('2026-09-30');
  expect(raised(run)).toEqual([
    ['SV-2026-0924-A', 'housing', 'warning'],
    ['SV-2026-0924-B', 'housing', 'warning'],
  ]);
  expect(run.raised[0]).toMatchObject({ dueOn: '2026-10-09', workingDaysLeft: 2 });
  expect(raised(await on('2026-09-30'))).toEqual([]);
  expect(raised(await on('2026-10-05'))).toEqual([]); // National Day: the days left do not change
  expect(raised(await on('2026-10-09'))).toEqual([]); // due today: not overdue yet
});

test('the card is in the signed log, on the case view, and its notice is in the department\'s inbox', async () => {
  const [card] = await cardsOf('SV-2026-0924-A');
  expect(card).toMatchObject({ department: 'housing', kind: 'warning', card: '黄牌', status: 'open', dueOn: '2026-10-09', workingDaysLeft: 2, raisedOn: '2026-09-30', notice: { status: 'sent' } });
  const entry = await t.db.store.query<{ kind: string; case_id: string; entry: string }>('SELECT kind, case_id, entry FROM log_entries WHERE idx = $1', [card.logIndex]);
  expect(entry.rows[0]).toMatchObject({ kind: 'supervision.card_raised', case_id: 'SV-2026-0924-A' });
  expect(JSON.parse(entry.rows[0]!.entry)).toMatchObject({ card: 'warning', colour: '黄牌', cardId: card.id, caseNo: 'SV-2026-0924-A', department: 'housing', dueOn: '2026-10-09' });

  const inbox = await t.call('GET', '/api/v1/inbox?type=supervision-notice', { token: t.tokens.housing });
  expect(inbox.status).toBe(200);
  const notice = inbox.body.items.find((m: any) => m.payload.caseNo === 'SV-2026-0924-A');
  expect(notice).toMatchObject({ id: card.notice.messageId, from: 'hall', to: 'housing', type: 'supervision-notice', caseId: 'SV-2026-0924-A' });
  expect(notice.payload).toEqual({
    cardId: card.id, kind: 'warning', card: '黄牌', caseNo: 'SV-2026-0924-A', matter: expect.objectContaining({ code: expect.any(String) }), department: 'housing',
    legalLimitDays: 5, acceptedOn: '2026-09-24', dueOn: '2026-10-09', workingDaysLeft: 2, raisedOn: '2026-09-30', logIndex: card.logIndex,
  });
  expect(inbox.body.items.filter((m: any) => m.payload.caseNo === 'SV-2026-0924-A')).toHaveLength(1);
  expect(await cardsOf('SV-2026-0924-C')).toEqual([]);
});

test('the red card the day after the due date (a 调休 Saturday); 补正 delays the suspended branch\'s cards', async () => {
  await cases.status('SV-2026-0924-B', 'amr', 'in_progress', '2026-10-09'); // supplied: counted again from 10/10
  const run = await on('2026-10-10');
  expect(raised(run)).toEqual([
    ['SV-2026-0924-A', 'housing', 'overdue'],
    ['SV-2026-0924-B', 'housing', 'overdue'],
  ]);
  expect(run.raised[0]).toMatchObject({ dueOn: '2026-10-09', workingDaysLeft: -1 });
  // amr: 9/28, then 10/10, 10/12, 10/13, 10/14: due 10/14, warned on 10/12, red on 10/15
  expect(raised(await on('2026-10-11'))).toEqual([]);
  expect((await on('2026-10-12')).raised).toEqual([expect.objectContaining({ caseNo: 'SV-2026-0924-B', department: 'amr', kind: 'warning', dueOn: '2026-10-14', workingDaysLeft: 2 })]);
  expect(raised(await on('2026-10-15'))).toEqual([['SV-2026-0924-B', 'amr', 'overdue']]);
  expect(raised(await on('2026-10-30'))).toEqual([]);
  expect((await cardsOf('SV-2026-0924-B')).map((c: any) => [c.department, c.card])).toEqual([['housing', '黄牌'], ['housing', '红牌'], ['amr', '黄牌'], ['amr', '红牌']]);
});

test('a SOAP agency (市场监管) gets its notices too, converted at push for its WSDL (tests/supervision/soap-notices delivers them)', async () => {
  const amr = (await cardsOf('SV-2026-0924-B')).filter((c: any) => c.department === 'amr');
  expect(amr.map((c: any) => c.notice)).toEqual([
    { status: 'sent', messageId: expect.any(String) },
    { status: 'sent', messageId: expect.any(String) },
  ]);
  const converted = await t.db.store.query<{ conversion: any }>('SELECT conversion FROM messages WHERE id = $1', [amr[0].notice.messageId]);
  expect(converted.rows[0]!.conversion.native.operation).toBe('SubmitSupervisionNotice');
});

test('GET /supervision/cards: filters, keyset pages, supervisors and auditors only', async () => {
  await cases.status('SV-2026-0924-A', 'housing', 'completed', '2026-10-30');
  const token = await sup();
  const list = (qs: string) => t.call('GET', `/api/v1/supervision/cards${qs}`, { token });
  const all = await list('');
  expect(all.status).toBe(200);
  expect(all.body.items).toHaveLength(6);
  expect(all.body.next).toBeNull();
  const key = (r: any) => r.body.items.map((c: any) => `${c.caseNo.slice(-1)}/${c.department}/${c.kind}`);
  expect(key(await list('?kind=overdue'))).toEqual(['A/housing/overdue', 'B/housing/overdue', 'B/amr/overdue']);
  expect(key(await list('?department=amr'))).toEqual(['B/amr/warning', 'B/amr/overdue']);
  expect(key(await list('?status=closed'))).toEqual(['A/housing/warning', 'A/housing/overdue']);
  expect(key(await list('?status=open&kind=warning'))).toEqual(['B/housing/warning', 'B/amr/warning']);
  expect(key(await list('?from=2026-10-10&to=2026-10-12'))).toEqual(['A/housing/overdue', 'B/housing/overdue', 'B/amr/warning']);
  const first = await list('?limit=4');
  expect(first.body.items).toHaveLength(4);
  const second = await list(`?limit=4&after=${first.body.next}`);
  expect([...key(first), ...key(second)]).toEqual(key(all));
  expect(second.body.next).toBeNull();

  expect((await t.call('GET', '/api/v1/supervision/cards', { token: t.tokens.housing })).body.code).toBe('GW_ERR_AUTH_FORBIDDEN');
  const bad = await list('?kind=purple');
  expect([bad.status, bad.body.code]).toEqual([400, 'GW_ERR_REQUEST_INVALID']);
  expect((await list('?after=nonsense')).body.code).toBe('GW_ERR_LIST_BAD_CURSOR');

  expect(await countCardsByDepartment(t.db.store, { from: '2026-09-30', to: '2026-10-12' })).toEqual([
    { department: 'amr', warning: 1, overdue: 0 },
    { department: 'housing', warning: 2, overdue: 2 },
  ]);
});

test('the case\'s evidence bundle carries its card entries and notices, and verifies', async () => {
  await upsertUser(t.db.store, { login: 'aud', name: 'aud', role: 'auditor', department: 'hall', password: TEST_PASSWORD });
  const token = (await t.call('POST', '/api/v1/auth/login', { body: { login: 'aud', password: TEST_PASSWORD } })).body.token;
  const bundle = (await t.call('GET', '/api/v1/audit/evidence?caseId=SV-2026-0924-A', { token })).body;
  const kinds = bundle.entries.map((e: any) => JSON.parse(e.entry).kind);
  expect(kinds.filter((k: string) => k === 'supervision.card_raised')).toHaveLength(2);
  expect(bundle.messages.filter((m: any) => m.envelope.header.type === 'supervision-notice')).toHaveLength(2);
  const report = await t.call('GET', '/api/v1/audit/verify?caseId=SV-2026-0924-A', { token });
  expect(report.body.lines.filter((l: any) => !l.ok)).toEqual([]);
  expect([report.status, report.body.ok, report.body.failures]).toEqual([200, true, 0]);
});

test('refused notices (the department was deactivated since): the cards stand, one warning per department and reason a run, with the number of cards', async () => {
  await cases.record('SV-2026-1028-D', 'amr', '2026-10-28T10:00:00+08:00', 1);
  await cases.record('SV-2026-1028-E', 'amr', '2026-10-28T10:00:00+08:00', 1);
  t.clock.set('2026-11-02T15:00:00+08:00');
  const admin = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
  expect((await t.call('DELETE', '/api/v1/admin/members/amr', { token: admin })).status).toBe(200);
  const before = t.logs.length;
  expect(raised(await on('2026-11-02'))).toEqual([['SV-2026-1028-D', 'amr', 'overdue'], ['SV-2026-1028-E', 'amr', 'overdue']]);
  const refused = t.logs.slice(before).filter((l) => String(l.msg).startsWith('supervision notice'));
  expect(refused).toEqual([expect.objectContaining({ to: 'amr', cards: 2, caseId: 'SV-2026-1028-D', error: expect.stringContaining('GW_ERR_REGISTRY_UNKNOWN_MEMBER') })]);
  expect((await cardsOf('SV-2026-1028-D')).map((c: any) => [c.card, c.notice])).toEqual([['红牌', { status: 'failed', messageId: null, error: expect.stringContaining('GW_ERR_REGISTRY_UNKNOWN_MEMBER') }]]);
});

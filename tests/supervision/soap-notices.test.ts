/**
 * 电子监察 notices to the SOAP agencies: a yellow and then a red card on a 税务 branch and a
 * 市场监管 branch, each notice converted at push for the agency's WSDL (ReceiveSupervisionNotice:
 * SOAP 1.2, GBK, UsernameToken; SubmitSupervisionNotice: SOAP 1.1, UTF-8) and delivered over
 * real SOAP to the mock agencies (real node-soap servers), which read it back to the same JSON.
 * Case accepted Thu 9/24 with 5 working days: due Fri 10/9 (Mid-Autumn and National Day),
 * 黄牌 on Wed 9/30 (2 working days left), 红牌 on Sat 10/10 (a 调休 working day).
 */
import iconv from 'iconv-lite';
import { startAgencyWorld, drainOutbox, type AgencyWorld } from '../support/agencies';
import { sampleCaseRecord } from '../fixtures/case-record';
import { TEST_PASSWORD } from '../support/gateway';

jest.setTimeout(180_000);

let w: AgencyWorld;
let sup: string;
const ACCEPTED = '2026-09-24T10:00:00+08:00';
const TAX_CASE = 'SN-2026-0924-T';
const AMR_CASE = 'SN-2026-0924-A';

beforeAll(async () => {
  w = await startAgencyWorld();
  w.t.clock.set('2026-09-24T11:00:00+08:00');
  for (const [caseNo, to] of [[TAX_CASE, 'tax'], [AMR_CASE, 'amr']] as const) {
    const record = sampleCaseRecord({ caseNo, acceptedAt: ACCEPTED, legalLimitDays: 5 });
    const r = await w.t.call('POST', '/api/v1/messages', { token: w.t.tokens.hall, body: { to, type: 'case-record', messageId: `sn-${caseNo}`, caseId: caseNo, purpose: 'case-handling', payload: record } });
    expect(r.status).toBe(202);
  }
  await drainOutbox(w.t);
  expect([...w.agencies.tax.cases.keys(), ...w.agencies.amr.cases.keys()]).toEqual([TAX_CASE, AMR_CASE]);
});
afterAll(async () => {
  await w?.close();
});

const login = async () => (await w.t.call('POST', '/api/v1/auth/login', { body: { login: 't.supervisor', password: TEST_PASSWORD } })).body.token as string;
const on = async (day: string) => {
  w.t.clock.set(`${day}T16:00:00+08:00`);
  const run = await w.t.gw.deps.supervision.runOnce();
  await drainOutbox(w.t);
  sup = await login();
  return run;
};
const cardsOf = async (caseNo: string) => (await w.t.call('GET', `/api/v1/cases/${caseNo}`, { token: sup })).body.cards as any[];
const payloadOf = async (messageId: string) => (await w.t.db.store.query<{ payload: any; status: string }>('SELECT payload, status FROM messages WHERE id = $1', [messageId])).rows[0]!;
const calls = (agency: 'tax' | 'amr', operation: string) => w.agencies[agency].received.filter((c) => c.operation === operation);

test('黄牌: each agency receives the notice over SOAP in its own codes, and reads it back to the JSON the gateway logged', async () => {
  const run = await on('2026-09-30');
  expect(run.raised.map((c: any) => [c.caseNo, c.department, c.kind]).sort()).toEqual([[AMR_CASE, 'amr', 'warning'], [TAX_CASE, 'tax', 'warning']]);

  const [taxCard] = await cardsOf(TAX_CASE);
  expect(taxCard.notice).toMatchObject({ status: 'sent', messageId: expect.any(String) });
  const taxNotice = await payloadOf(taxCard.notice.messageId);
  expect(taxNotice.status).toBe('delivered');
  expect(taxNotice.payload).toMatchObject({ kind: 'warning', card: '黄牌', caseNo: TAX_CASE, department: 'tax', dueOn: '2026-10-09', workingDaysLeft: 2, raisedOn: '2026-09-30' });
  expect(w.agencies.tax.notices.get(taxCard.id)).toEqual(taxNotice.payload);
  const [taxCall] = calls('tax', 'ReceiveSupervisionNotice');
  expect(taxCall!.contentType).toMatch(/application\/soap\+xml.*charset=GBK/i);
  expect(taxCall!.username).toBe('jz-tax-gw');
  const taxXml = iconv.decode(taxCall!.rawBody, 'gbk');
  for (const el of ['<tax:jclx>YJ</tax:jclx>', '<tax:ps>H</tax:ps>', '<tax:bjqx>20261009</tax:bjqx>', '<tax:sygzr>2</tax:sygzr>', `<tax:ywbh>${TAX_CASE}</tax:ywbh>`]) expect(taxXml).toContain(el);

  const [amrCard] = await cardsOf(AMR_CASE);
  const amrNotice = await payloadOf(amrCard.notice.messageId);
  expect(amrNotice.status).toBe('delivered');
  expect(w.agencies.amr.notices.get(amrCard.id)).toEqual(amrNotice.payload);
  const [amrCall] = calls('amr', 'SubmitSupervisionNotice');
  for (const el of ['<amr:JCLX>1</amr:JCLX>', '<amr:PS>Y</amr:PS>', '<amr:BJQX>2026-10-09</amr:BJQX>', `<amr:SLBH>${AMR_CASE}</amr:SLBH>`]) expect(amrCall!.rawXml).toContain(el);
});

test('红牌 past the limit: a negative number of working days left reaches both agencies', async () => {
  const run = await on('2026-10-10');
  expect(run.raised.map((c: any) => c.kind)).toEqual(['overdue', 'overdue']);
  for (const [caseNo, agency] of [[TAX_CASE, 'tax'], [AMR_CASE, 'amr']] as const) {
    const red = (await cardsOf(caseNo)).find((c) => c.kind === 'overdue');
    expect(red.notice.status).toBe('sent');
    expect((await payloadOf(red.notice.messageId)).status).toBe('delivered');
    expect(w.agencies[agency].notices.get(red.id)).toMatchObject({ kind: 'overdue', card: '红牌', caseNo, workingDaysLeft: -1 });
    expect(w.agencies[agency].notices.size).toBe(2);
  }
  expect(iconv.decode(calls('tax', 'ReceiveSupervisionNotice')[1]!.rawBody, 'gbk')).toContain('<tax:jclx>CS</tax:jclx>');
  expect(calls('amr', 'SubmitSupervisionNotice')[1]!.rawXml).toContain('<amr:PS>R</amr:PS>');
});

test('a service call made for the case (X-Case-Id) is on its timeline, with its log index and a verified status; its answer altered in the database fails exactly that event', async () => {
  w.t.clock.set('2026-10-12T09:00:00+08:00');
  sup = await login();
  const call = await w.t.call('POST', '/api/v1/services/tax/query-tax-status', {
    token: w.t.tokens.hall,
    headers: { 'x-purpose': 'case-handling', 'x-case-id': TAX_CASE },
    body: { uscc: '91350100273896412W' },
  });
  expect(call.status).toBe(200);
  const v = (await w.t.call('GET', `/api/v1/cases/${TAX_CASE}?verify=true`, { token: sup })).body;
  const e = v.timeline.find((x: any) => x.event === 'service_call');
  expect(e).toMatchObject({ department: 'tax', service: { name: 'query-tax-status', caller: 'hall' }, signature: { status: 'verified' } });
  expect(v.timeline.map((x: any) => x.logIndex)).toEqual([...v.timeline.map((x: any) => x.logIndex)].sort((a: number, b: number) => a - b));
  expect(v.timeline.map((x: any) => x.signature.status)).toEqual(v.timeline.map(() => 'verified'));
  expect(v.verification.ok).toBe(true);
  const mine = (await w.t.call('GET', `/api/v1/cases/${TAX_CASE}`, { token: w.t.tokens.tax })).body;
  expect(mine.timeline.some((x: any) => x.event === 'service_call')).toBe(true);

  await w.t.db.store.query(`UPDATE service_calls SET response = jsonb_set(response, '{status}', '"cancelled"') WHERE id = $1`, [e.messageId]);
  const altered = (await w.t.call('GET', `/api/v1/cases/${TAX_CASE}?verify=true`, { token: sup })).body;
  expect(altered.timeline.map((x: any) => [x.event, x.signature.status])).toEqual(v.timeline.map((x: any) => [x.event, x.event === 'service_call' ? 'failed' : 'verified']));
  expect(altered.timeline.find((x: any) => x.event === 'service_call').signature.problems).toEqual([expect.objectContaining({ group: 'services', text: expect.stringContaining('altered') })]);
});

import { startAgencyWorld, TAX_CREDENTIALS, type AgencyWorld } from '../support/agencies';
import { sampleCaseRecord } from '../fixtures/case-record';
import { canonicalJson } from '../../gateway/crypto/canonical';
import { digestHex } from '../../gateway/crypto/digest';
import { isAgencyError } from '../../adapters/soap/errors';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import type { EvidenceBundle } from '../../gateway/audit/bundle';
import { TEST_PASSWORD } from '../support/gateway';

let w: AgencyWorld;

beforeAll(async () => {
  w = await startAgencyWorld();
});
afterAll(async () => {
  await w?.close();
});

const inbox = async (token = w.t.tokens.hall) => (await w.t.call('GET', '/api/v1/inbox?type=case-status', { token })).body.items as any[];
const soapUrl = (member: string) => `${w.t.url}/soap/${member}`;
const failure = async (p: Promise<unknown>) => {
  const err = await p.then(() => null, (e: unknown) => e);
  if (!isAgencyError(err)) throw new Error(`expected an AgencyError, got ${String(err)}`);
  return err;
};

test('市场监管 reports 办结 over SOAP 1.1: it becomes a signed, logged case-status in the hall inbox; a re-sent report is the same message', async () => {
  const caseNo = 'JZ-IN-20260302-000001';
  const report = { SLBH: caseNo, ZTDM: '04', ZTMC: '已办结', BLJG: '1', JBR: '林晓', FSSJ: '2026-03-05 16:20:00', YJ: '准予登记。', BMMC: '江州市市场监督管理局' };
  const answer = await w.agencies.amr.reportStatus(soapUrl('amr'), report);
  expect(answer).toMatchObject({ FHDM: '0', XXBH: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  const items = (await inbox()).filter((m) => m.caseId === caseNo);
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ id: answer.XXBH, from: 'amr', type: 'case-status', messageId: `amr-status:${caseNo}:04:20260305162000` });
  expect(items[0].payload).toEqual({
    caseNo, department: '江州市市场监督管理局', status: 'completed', statusName: '已办结', result: 'approved', officer: '林晓', occurredAt: '2026-03-05T16:20:00+08:00', opinion: '准予登记。',
  });
  // provenance: digests of the agency's request element and of the JSON it became
  const { rows } = await w.t.db.store.query<{ entry: string; conversion: any }>(
    `SELECT le.entry, m.conversion FROM log_entries le JOIN messages m ON m.id = le.message_id WHERE le.message_id = $1 AND le.kind = 'message.received'`,
    [answer.XXBH],
  );
  const entry = JSON.parse(rows[0].entry);
  expect(rows[0].conversion.native.text).toContain(`<amr:SLBH>${caseNo}</amr:SLBH>`);
  expect(entry.conversion).toEqual({
    direction: 'from-sender',
    adapter: 'amr-soap',
    adapterVersion: '1.0.0',
    mappingVersion: 'amr-soap/1.0.0',
    operation: 'ReportStatus',
    original: { alg: 'sha256', value: digestHex('sha256', rows[0].conversion.native.text) },
    converted: { alg: 'sha256', value: digestHex('sha256', canonicalJson(items[0].payload)), mediaType: 'application/json' },
  });
  expect(entry.message).toMatchObject({ from: 'amr', to: 'hall', caseId: caseNo, purpose: 'status-feedback' });
  const again = await w.agencies.amr.reportStatus(soapUrl('amr'), report);
  expect(again.XXBH).toBe(answer.XXBH);
  const stored = await w.t.db.store.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE sender = $1 AND message_id = $2', ['amr', items[0].messageId]);
  expect(Number(stored.rows[0].n)).toBe(1); // no second message
});

test('the status goes back to whoever sent the agency the case (here housing), not only to the hall', async () => {
  const record = sampleCaseRecord({ caseNo: 'JZ-IN-HOUSING-01' });
  const sent = await w.t.call('POST', '/api/v1/messages', {
    token: w.t.tokens.housing,
    body: { to: 'amr', type: 'case-record', messageId: 'in-h-1', caseId: record.caseNo, purpose: 'parallel-approval', payload: record },
  });
  expect(sent.status).toBe(202);
  const report = { SLBH: record.caseNo, ZTDM: '02', JBR: '林晓', FSSJ: '2026-03-03 10:00:00', BMMC: '江州市市场监督管理局' };
  // no agreement lets amr send case-status to housing: refused as a Client fault naming the gateway error
  const refused = await failure(w.agencies.amr.reportStatus(soapUrl('amr'), report));
  expect(refused.fault?.reason).toMatch(/^GW_ERR_EXCHANGE_NO_AGREEMENT: no agreement lets amr send case-status to housing/);
});

test('税务 reports over SOAP 1.2 in GBK with its UsernameToken; a wrong password or an unknown code is refused with a fault, nothing stored', async () => {
  const caseNo = 'JZ-IN-TAX-000001';
  const report = { ztxx: { ywbh: caseNo, blzt: 'BZ', blztmc: '需补正', jbr: '赵喆', blsj: '20260304093000', blyj: '请补充：近三个月纳税证明（原件）。', swjg: '国家税务总局江州市税务局' } };
  const answer = await w.agencies.tax.reportStatus(soapUrl('tax'), report);
  expect(answer).toMatchObject({ retCode: '0000', xxbh: expect.any(String) });
  const [msg] = (await inbox()).filter((m) => m.caseId === caseNo);
  expect(msg.payload).toMatchObject({ status: 'correction', officer: '赵喆', opinion: '请补充：近三个月纳税证明（原件）。', occurredAt: '2026-03-04T09:30:00+08:00' });

  const count = async () => Number((await w.t.db.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE sender = 'tax'`)).rows[0].n);
  const before = await count();
  const badAuth = await failure(w.agencies.tax.reportStatus(soapUrl('tax'), { ztxx: { ...report.ztxx, blzt: 'BJ' } }, { credentials: { username: TAX_CREDENTIALS.username, password: 'wrong' } }));
  expect(badAuth.fault).toMatchObject({ subcode: expect.stringContaining('FailedAuthentication'), reason: '身份认证失败' });
  const unmapped = await failure(w.agencies.tax.reportStatus(soapUrl('tax'), { ztxx: { ...report.ztxx, blzt: 'XX' } }));
  expect(unmapped.fault?.reason).toMatch(/^GW_ERR_ADAPTER_UNMAPPED_VALUE: .*blzt.*"XX"/);
  const invalid = await failure(w.agencies.tax.reportStatus(soapUrl('tax'), { ztxx: { ...report.ztxx, blsj: '2026-03-04' } }));
  expect(invalid.fault?.reason).toMatch(/^GW_ERR_ADAPTER_INVALID_NATIVE/);
  expect(await count()).toBe(before);
});

test('hostile XML (DOCTYPE / entities) is refused and the endpoint keeps serving', async () => {
  const evil = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x>&xxe;</x></soap:Body></soap:Envelope>`;
  const res = await fetch(soapUrl('amr'), { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: 'ReportStatus' }, body: evil });
  expect(res.status).toBeGreaterThanOrEqual(400);
  const text = await res.text();
  expect(text).toMatch(/Fault/);
  expect(text).not.toContain('root:');
  const ok = await w.agencies.amr.reportStatus(soapUrl('amr'), { SLBH: 'JZ-IN-AFTER-0001', ZTDM: '01', JBR: '林晓', FSSJ: '2026-03-02 09:40:00', BMMC: '江州市市场监督管理局' });
  expect(ok.FHDM).toBe('0');
});

test("an agency's status report is part of the case's evidence and the bundle verifies offline", async () => {
  const caseNo = 'JZ-IN-EVIDENCE-01';
  const record = sampleCaseRecord({ caseNo });
  expect((await w.t.call('POST', '/api/v1/messages', { token: w.t.tokens.hall, body: { to: 'amr', type: 'case-record', messageId: 'ev-1', caseId: caseNo, purpose: 'case-handling', payload: record } })).status).toBe(202);
  await w.t.gw.deps.delivery.runOnce();
  await w.agencies.amr.reportStatus(soapUrl('amr'), { SLBH: caseNo, ZTDM: '04', BLJG: '1', JBR: '林晓', FSSJ: '2026-03-05 16:20:00', BMMC: '江州市市场监督管理局' });
  const lookup = await w.t.call('POST', '/api/v1/services/amr/query-enterprise', { token: w.t.tokens.hall, body: { uscc: '91350100273896412W' }, headers: { 'x-purpose': 'case-handling', 'x-case-id': caseNo } });
  expect(lookup.status).toBe(200);
  const auditor = (await w.t.call('POST', '/api/v1/auth/login', { body: { login: 't.auditor', password: TEST_PASSWORD } })).body.token;
  await w.t.gw.deps.integrator.runOnce(true);
  const bundle = (await w.t.call('GET', `/api/v1/audit/evidence?caseId=${caseNo}`, { token: auditor })).body as EvidenceBundle;
  expect(bundle.entries.map((e) => JSON.parse(e.entry).kind)).toEqual(expect.arrayContaining(['message.received', 'message.delivered', 'service.called']));
  const root = w.t.gw.deps.trust.pki.rootCertPem;
  const report = verifyBundle(bundle, { rootPems: [root] });
  expect(report.lines.filter((l) => !l.ok)).toEqual([]);
  expect(bundle.serviceCalls).toEqual([expect.objectContaining({ id: lookup.body.id, request: { uscc: '91350100273896412W' }, response: lookup.body.data })]);
  expect(report.lines).toEqual(expect.arrayContaining([expect.objectContaining({ group: 'services', ok: true, index: lookup.body.log.index })]));
  // an altered answer or SOAP text is caught at the call's entry
  const forged = structuredClone(bundle);
  (forged.serviceCalls![0].response as Record<string, unknown>).status = 'revoked';
  forged.serviceCalls![0].nativeResponse = forged.serviceCalls![0].nativeResponse!.replace('<amr:DJZT>1<', '<amr:DJZT>2<');
  const bad = verifyBundle(forged, { rootPems: [root] }).lines.filter((l) => !l.ok);
  expect(bad).toEqual([
    expect.objectContaining({ group: 'services', index: lookup.body.log.index, text: expect.stringMatching(/nativeResponse does not have the digest .*; the bundled response does not have the digest/) }),
  ]);
  const dropped = structuredClone(bundle);
  dropped.serviceCalls = [];
  expect(verifyBundle(dropped, { rootPems: [root] }).lines.filter((l) => !l.ok)).toEqual([expect.objectContaining({ group: 'services', text: expect.stringMatching(/not in the bundle's serviceCalls/) })]);
});

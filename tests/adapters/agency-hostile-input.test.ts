/**
 * Text the gateway must refuse rather than store: bytes that are not valid in the
 * charset an agency's message declares (or, undeclared, in the endpoint's own), and
 * characters PostgreSQL cannot hold (U+0000) — from agencies and from JSON pushes.
 * Nothing is signed, stored or forwarded garbled, and no group commit is put at risk.
 */
import iconv from 'iconv-lite';
import { startAgencyWorld, TAX_CREDENTIALS, type AgencyWorld } from '../support/agencies';
import { wsseHeader } from '../support/wsse';

let w: AgencyWorld;

beforeAll(async () => {
  w = await startAgencyWorld();
});
afterAll(async () => {
  await w?.close();
});

const taxEnvelope = (caseNo: string, officer: string) =>
  `<?xml version="1.0"?>` +
  `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:tax="http://tax.jiangzhou.gov.cn/ws/gateway/v1">` +
  wsseHeader(TAX_CREDENTIALS.username, TAX_CREDENTIALS.password, { created: w.t.clock.now() }) +
  `<soap:Body><tax:ReportCaseStatusRequest><tax:ztxx>` +
  `<tax:ywbh>${caseNo}</tax:ywbh><tax:blzt>SL</tax:blzt><tax:jbr>${officer}</tax:jbr><tax:blsj>20260304093000</tax:blsj><tax:swjg>国家税务总局江州市税务局</tax:swjg>` +
  `</tax:ztxx></tax:ReportCaseStatusRequest></soap:Body></soap:Envelope>`;

test('GBK bytes without a declared charset are not silently turned into U+FFFD and signed', async () => {
  // An agency system that writes GBK but declares nothing to amr's UTF-8 endpoint: refused, not decoded into U+FFFD.
  const caseNo = 'JZ-RV-GBK-000001';
  const xml =
    `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:amr="http://amr.jiangzhou.gov.cn/ws/case/v1"><soap:Body><amr:ReportStatusRequest>` +
    `<amr:SLBH>${caseNo}</amr:SLBH><amr:ZTDM>02</amr:ZTDM><amr:JBR>林晓</amr:JBR><amr:FSSJ>2026-03-05 16:20:00</amr:FSSJ>` +
    `<amr:BMMC>江州市市场监督管理局</amr:BMMC></amr:ReportStatusRequest></soap:Body></soap:Envelope>`;
  const res = await fetch(`${w.t.url}/soap/amr`, { method: 'POST', headers: { 'content-type': 'text/xml', SOAPAction: '"ReportStatus"' }, body: iconv.encode(xml, 'gbk') });
  const answer = await res.text();
  const inbox = (await w.t.call('GET', '/api/v1/inbox?type=case-status', { token: w.t.tokens.hall })).body.items as any[];
  const stored = inbox.filter((m) => m.caseId === caseNo);
  expect({ status: res.status, stored: stored.map((m) => m.payload.officer) }).toEqual({ status: 500, stored: [] });
  expect(answer).toContain('soap:Client');
  expect(answer).toContain('not valid UTF-8');
});

test('a raw U+0000 in an agency report is refused as malformed XML (Sender fault), not a generic Server fault', async () => {
  const caseNo = 'JZ-RV-NUL-000001';
  const xml =
    `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:amr="http://amr.jiangzhou.gov.cn/ws/case/v1"><soap:Body><amr:ReportStatusRequest>` +
    `<amr:SLBH>${caseNo}</amr:SLBH><amr:ZTDM>02</amr:ZTDM><amr:JBR>林晓</amr:JBR><amr:FSSJ>2026-03-05 16:20:00</amr:FSSJ>` +
    `<amr:YJ>正在审查\u0000</amr:YJ><amr:BMMC>江州市市场监督管理局</amr:BMMC>` +
    `</amr:ReportStatusRequest></soap:Body></soap:Envelope>`;
  const res = await fetch(`${w.t.url}/soap/amr`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: '"ReportStatus"' }, body: xml });
  const text = await res.text();
  // SOAP 1.1: a Client fault that says the XML is not acceptable.
  expect(text).toContain('soap:Client');
  expect(text).not.toContain('服务内部错误');
});

test('a payload holding U+0000 never reaches the write path, so it cannot fail the group commit it would share', async () => {
  const { preparePush } = await import('../../gateway/exchange/push');
  const { pushDeps } = await import('../../gateway/deps');
  const deps = w.t.gw.deps;
  expect(() =>
    preparePush(pushDeps(deps), { kind: 'system', member: 'amr', system: 'soap-inbound' }, {
      to: 'hall', type: 'case-status', messageId: 'rv-nul-1', caseId: 'JZ-RV-NUL-000002', purpose: 'status-feedback',
      payload: { caseNo: 'JZ-RV-NUL-000002', department: '江州市市场监督管理局', status: 'in_progress', officer: '林晓', occurredAt: '2026-03-05T16:20:00+08:00', opinion: 'x\u0000' },
    }),
  ).toThrow(expect.objectContaining({ code: 'GW_ERR_REQUEST_UNSTORABLE', extra: { errors: [{ pointer: '/payload/opinion', message: 'contains U+0000, which cannot be stored' }] } }));
});

test('on the JSON API: U+0000 in the payload is a 422 naming the field; a control character in caseId a 400', async () => {
  const { sampleCaseRecord } = await import('../fixtures/case-record');
  const record = { ...sampleCaseRecord({ caseNo: 'JZ-RV-NUL-000004' }), remarks: 'a\u0000b' };
  const res = await w.t.call('POST', '/api/v1/messages', { token: w.t.tokens.hall, body: { to: 'housing', type: 'case-record', messageId: 'rv-nul-json', caseId: record.caseNo, purpose: 'case-handling', payload: record } });
  expect([res.status, res.body.code, res.body.errors]).toEqual([422, 'GW_ERR_REQUEST_UNSTORABLE', [{ pointer: '/payload/remarks', message: 'contains U+0000, which cannot be stored' }]]);
  const literal = { ...record, remarks: 'a\\u0000b' }; // a backslash and "u0000": ordinary text
  const ok = await w.t.call('POST', '/api/v1/messages', { token: w.t.tokens.hall, body: { to: 'housing', type: 'case-record', messageId: 'rv-lit-json', caseId: record.caseNo, purpose: 'case-handling', payload: literal } });
  expect(ok.status).toBe(202);
  const badCase = await w.t.call('POST', '/api/v1/messages', { token: w.t.tokens.hall, body: { to: 'housing', type: 'case-record', messageId: 'rv-ctl-json', caseId: 'JZ\u0001X', purpose: 'case-handling', payload: literal } });
  expect([badCase.status, badCase.body.errors[0].pointer]).toEqual([400, '/caseId']);
});

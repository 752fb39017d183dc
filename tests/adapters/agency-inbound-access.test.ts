import { startTestGateway, type TestGateway } from '../support/gateway';

// Who may post to an agency's inbound SOAP endpoint: nobody unless the config names the
// agency's addresses (amr has no WS-Security to fall back on). The WSDL stays readable.
let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway(); // adapters.amr.inbound.allowFrom not set
});
afterAll(async () => {
  await t?.close();
});

const report = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:amr="http://amr.jiangzhou.gov.cn/ws/case/v1"><soap:Body><amr:ReportStatusRequest>
<amr:SLBH>JZ-ACL-000001</amr:SLBH><amr:ZTDM>04</amr:ZTDM><amr:BLJG>1</amr:BLJG><amr:JBR>某人</amr:JBR><amr:FSSJ>2026-03-05 16:20:00</amr:FSSJ><amr:BMMC>江州市市场监督管理局</amr:BMMC>
</amr:ReportStatusRequest></soap:Body></soap:Envelope>`;

test('without inbound.allowFrom, a status report is refused with a fault and nothing is stored; the WSDL is still served', async () => {
  const res = await fetch(`${t.url}/soap/amr`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"ReportStatus"' }, body: report });
  expect(res.status).toBe(403);
  const text = await res.text();
  expect(text).toMatch(/<faultcode>soap:Client<\/faultcode>/);
  expect(text).toContain('GW_ERR_AUTH_FORBIDDEN: 127.0.0.1 may not call this endpoint');
  const stored = await t.db.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE sender = 'amr'`);
  expect(Number(stored.rows[0].n)).toBe(0);
  expect((await fetch(`${t.url}/soap/amr?wsdl`)).status).toBe(200);
});

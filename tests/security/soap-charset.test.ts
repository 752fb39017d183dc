/**
 * Defect class: a charset label believed over the message itself. A SOAP request whose
 * HTTP charset (e.g. latin1) contradicts its XML declaration (GBK) was decoded as
 * latin1, and the mojibake stored and signed. Only charsets decoded strictly are
 * accepted (UTF-8; GBK/GB2312/GB18030), and a label that contradicts the declaration
 * (or the BOM) is refused: inbound with a SOAP fault carrying GW_ERR_SOAP_CHARSET_INVALID,
 * an agency's answer as GW_ERR_AGENCY_INVALID_ANSWER.
 */
import iconv from 'iconv-lite';
import { CharsetError, decodeXmlBody } from '../../adapters/soap/encoding';
import { startAgencyWorld, TAX_CREDENTIALS, type AgencyWorld } from '../support/agencies';
import { taxReport, wsseHeader } from '../support/wsse';

let w: AgencyWorld;
beforeAll(async () => {
  w = await startAgencyWorld();
});
afterAll(async () => {
  await w?.close();
});

const GBK_DECL = '<?xml version="1.0" encoding="GBK"?>';
const report = (caseNo: string) => taxReport(wsseHeader(TAX_CREDENTIALS.username, TAX_CREDENTIALS.password, { created: w.t.clock.now() }), caseNo, '王堃赟', GBK_DECL);
const post = async (bytes: Buffer, contentType: string) => {
  const res = await fetch(`${w.t.url}/soap/tax`, { method: 'POST', headers: { 'content-type': contentType }, body: bytes });
  const text = decodeXmlBody(Buffer.from(await res.arrayBuffer()), res.headers.get('content-type') ?? undefined);
  return { status: res.status, text: text.replace(/&quot;/g, '"') };
};
const officers = async (caseNo: string) =>
  (await w.t.db.store.query<{ payload: { officer: string } }>(`SELECT payload FROM messages WHERE sender = 'tax' AND case_id = $1`, [caseNo])).rows.map((r) => r.payload.officer);

test.each([
  ['latin1 over GBK bytes declared GBK', 'application/soap+xml; charset=latin1', /unsupported charset "latin1"/],
  ['UTF-8 over GBK bytes declared GBK', 'application/soap+xml; charset=utf-8', /the Content-Type charset "utf-8" contradicts the XML declaration encoding "gbk"/],
  ['windows-1252 over GBK bytes', 'application/soap+xml; charset=windows-1252', /unsupported charset "windows-1252"/],
])('%s: refused with GW_ERR_SOAP_CHARSET_INVALID, nothing stored', async (_name, contentType, why) => {
  const caseNo = `JZ-CS-${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
  const res = await post(iconv.encode(report(caseNo), 'gbk'), contentType);
  expect(res.status).toBe(400);
  expect(res.text).toContain('GW_ERR_SOAP_CHARSET_INVALID');
  expect(res.text).toMatch(why);
  expect(await officers(caseNo)).toEqual([]);
});

test('labels that agree (GBK, GB2312, GB18030 over GBK bytes declared GBK) are decoded strictly and stored as written', async () => {
  for (const [i, label] of ['GBK', 'gb2312', 'GB18030'].entries()) {
    const caseNo = `JZ-CS-OK-00000${i}`;
    const res = await post(iconv.encode(report(caseNo), 'gbk'), `application/soap+xml; charset=${label}`);
    expect(res.status).toBe(200);
    expect(await officers(caseNo)).toEqual(['王堃赟']);
  }
});

test("an agency's answer whose label contradicts its declaration: GW_ERR_AGENCY_INVALID_ANSWER", async () => {
  const answer = `<?xml version="1.0" encoding="GBK"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>` +
    `<tax:QueryTaxStatusResponse xmlns:tax="http://tax.jiangzhou.gov.cn/ws/gateway/v1"><tax:nsrsbh>91350105MA2XK9P1LR</tax:nsrsbh><tax:nsrmc>江州市榕鑫建材有限公司</tax:nsrmc>` +
    `<tax:nsrzt>03</tax:nsrzt><tax:qsbz>N</tax:qsbz><tax:qsje>0.00</tax:qsje><tax:zgswjg>国家税务总局江州市晋安区税务局</tax:zgswjg></tax:QueryTaxStatusResponse></soap:Body></soap:Envelope>`;
  w.agencies.tax.behave({ raw: { body: iconv.encode(answer, 'gbk'), contentType: 'application/soap+xml; charset=ISO-8859-1' } });
  try {
    const res = await w.t.call('POST', '/api/v1/services/tax/query-tax-status', { token: w.t.tokens.hall, body: { uscc: '91350105MA2XK9P1LR' }, headers: { 'x-purpose': 'case-handling', 'x-case-id': 'JZ-CS-ANS-000001' } });
    expect([res.status, res.body.code]).toEqual([502, 'GW_ERR_AGENCY_INVALID_ANSWER']);
    expect(res.body.detail).toMatch(/unsupported charset "iso-8859-1"/);
  } finally {
    w.agencies.tax.reset();
  }
});

test('decodeXmlBody: a BOM that contradicts the label, and an unknown declaration, are refused', () => {
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<a>中</a>')]);
  expect(() => decodeXmlBody(bom, 'text/xml; charset=gbk')).toThrow(CharsetError);
  expect(decodeXmlBody(bom, 'text/xml; charset=utf-8')).toBe('<a>中</a>');
  expect(() => decodeXmlBody(Buffer.from('<?xml version="1.0" encoding="Shift_JIS"?><a/>'))).toThrow(/unsupported charset "shift_jis"/);
});

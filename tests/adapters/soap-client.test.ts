/**
 * SoapClient against the mock agencies over real loopback HTTP: SOAP 1.1 (amr,
 * UTF-8) and SOAP 1.2 (tax, GBK, UsernameToken), the request element byte-for-byte,
 * GBK on the wire, faults, timeouts, unreachable agencies, invalid answers, and the
 * mapping of each onto the gateway's error catalogue and retry policy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import iconv from 'iconv-lite';
import { AMR_NOT_FOUND, AMR_WSDL, AmrMock, startAmrMock } from '../../adapters/amr-soap/mock';
import { SoapClient } from '../../adapters/soap/client';
import { AgencyError, agencyErrorToAdapterError, isRetryable } from '../../adapters/soap/errors';
import { TAX_NOT_FOUND, TAX_WSDL, TaxMock, startTaxMock } from '../../adapters/tax-soap/mock';
import { AdapterError } from '../../adapters/errors';
import { gatewayErrorOf } from '../../gateway/adapters/boundary';

const AMR = 'http://amr.jiangzhou.gov.cn/ws/case/v1';
const TAX = 'http://tax.jiangzhou.gov.cn/ws/gateway/v1';
const creds = { username: 'xgw-gateway', password: 'S3cret&<税务>' };

const submitCase = (slbh: string): string =>
  `<amr:SubmitCaseRequest xmlns:amr="${AMR}">\n  <amr:SLBH>${slbh}</amr:SLBH><amr:SXBM>11350100MB0000000X4000117001</amr:SXBM>` +
  `<amr:SXMC>食品经营许可（新办）</amr:SXMC><amr:SXLX>XK</amr:SXLX><amr:SQRLX>2</amr:SQRLX>` +
  `<amr:SQRMC>福州榕城示范置业有限公司</amr:SQRMC><amr:TYSHXYDM>91350100273896412W</amr:TYSHXYDM><amr:FDDBR>陈建华</amr:FDDBR>` +
  `<amr:LXDH>0591-87654321</amr:LXDH><amr:SLSJ>2026-03-02 09:30:00</amr:SLSJ><amr:SLBM>江州市行政服务中心</amr:SLBM><amr:FDBJSX>020</amr:FDBJSX>` +
  `<amr:CLLB><amr:CL><amr:CLMC>营业执照（副本）</amr:CLMC><amr:FS>1</amr:FS><amr:CLXS>2</amr:CLXS></amr:CL>` +
  `<amr:CL><amr:CLMC>场所平面图</amr:CLMC><amr:FS>2</amr:FS><amr:CLXS>3</amr:CLXS><amr:ZYSF>SM3</amr:ZYSF><amr:ZYZ>66c7f0f4</amr:ZYZ></amr:CL></amr:CLLB>` +
  `<amr:BZ>A&amp;B “急件”</amr:BZ>\n</amr:SubmitCaseRequest>`;
const queryEnterprise = (uscc: string): string => `<amr:QueryEnterpriseRequest xmlns:amr="${AMR}"><amr:TYSHXYDM>${uscc}</amr:TYSHXYDM></amr:QueryEnterpriseRequest>`;
const receiveCase = (ywbh: string): string =>
  `<tax:ReceiveCaseRequest xmlns:tax="${TAX}"><tax:caseDoc><tax:ywbh>${ywbh}</tax:ywbh><tax:sxdm>01</tax:sxdm><tax:sxmc>税务登记（喆犇淼专用）</tax:sxmc>` +
  `<tax:sxlb>01</tax:sxlb><tax:sqrlb>DW</tax:sqrlb><tax:sqrmc>江州喆犇淼科技有限公司（高新区分公司）</tax:sqrmc><tax:nsrsbh>91350102MA2YJ8X3K3</tax:nsrsbh>` +
  `<tax:fddbrxm>王堃赟</tax:fddbrxm><tax:lxdh>0591-1234</tax:lxdh><tax:slrq>20260302093000</tax:slrq><tax:slbm>江州市行政服务中心：税务窗口、综合窗口</tax:slbm>` +
  `<tax:blsx>5</tax:blsx><tax:clxx><tax:item><tax:clmc>申请表</tax:clmc><tax:fs>1</tax:fs><tax:clxs>Y</tax:clxs></tax:item></tax:clxx></tax:caseDoc></tax:ReceiveCaseRequest>`;
const queryTax = (nsrsbh: string): string => `<tax:QueryTaxStatusRequest xmlns:tax="${TAX}"><tax:nsrsbh>${nsrsbh}</tax:nsrsbh></tax:QueryTaxStatusRequest>`;

/** The rejection of `p`, which must reject with an AgencyError. */
async function agencyError(p: Promise<unknown>): Promise<AgencyError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(AgencyError);
  return e as AgencyError;
}

let amr: AmrMock;
let tax: TaxMock;
let amrClient: SoapClient;
let taxClient: SoapClient;
const extraClients: SoapClient[] = [];
const extraServers: http.Server[] = [];

const client = async (o: Partial<Parameters<typeof SoapClient.create>[0]> & { endpoint: string }): Promise<SoapClient> => {
  const c = await SoapClient.create({ wsdlPath: AMR_WSDL, soapVersion: '1.1', encoding: 'utf-8', timeoutMs: 3000, ...o });
  extraClients.push(c);
  return c;
};

/** A plain HTTP server answering every request with `answer`. */
async function rawServer(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<string> {
  const s = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  extraServers.push(s);
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/ws`;
}

beforeAll(async () => {
  [amr, tax] = await Promise.all([startAmrMock(), startTaxMock({ credentials: creds })]);
  amrClient = await SoapClient.create({ wsdlPath: AMR_WSDL, endpoint: amr.url, soapVersion: '1.1', encoding: 'utf-8', timeoutMs: 3000 });
  taxClient = await SoapClient.create({ wsdlPath: TAX_WSDL, endpoint: tax.url, soapVersion: '1.2', encoding: 'gbk', usernameToken: creds, timeoutMs: 3000 });
});
afterAll(async () => {
  for (const c of [amrClient, taxClient, ...extraClients]) c?.close();
  for (const s of extraServers) s.closeAllConnections();
  await Promise.all([amr?.close(), tax?.close(), ...extraServers.map((s) => new Promise((r) => s.close(r)))]);
});
beforeEach(() => {
  amr.reset();
  tax.reset();
});

describe('SOAP 1.1, UTF-8 (amr)', () => {
  test('SubmitCase: the request element arrives byte-for-byte; the answer is parsed as strings', async () => {
    const xml = submitCase('JZ2026030200017');
    const out = await amrClient.invoke('SubmitCase', xml);
    expect(out.response).toEqual({ FHDM: '0', FHXX: '接收成功', SJBH: expect.stringMatching(/^SJ\d{12}$/) });
    expect(amr.received).toHaveLength(1);
    expect(amr.received[0]!.rawXml).toBe(xml);
    expect(amr.received[0]!.rawBody.toString('utf8')).toContain(xml);
    expect(amr.received[0]!.contentType).toBe('text/xml; charset=UTF-8');
    // parsed: strings, leading zeros kept, entities decoded, repeated groups as arrays
    expect(amr.received[0]!.args).toMatchObject({ SQRMC: '福州榕城示范置业有限公司', FDBJSX: '020', BZ: 'A&B “急件”', CLLB: { CL: [{ CLMC: '营业执照（副本）' }, { ZYSF: 'SM3' }] } });
    expect(out.rawRequest).toContain(`<soap:Body>${xml}</soap:Body>`);
    expect(out.rawRequest).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><soap:Envelope xmlns:soap="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/"/);
    expect(out.rawResponse).toContain('SubmitCaseResponse');
    expect(out.durationMs).toBeGreaterThan(0);
  });

  test("the answer is parsed once, by the transport's safe parser: node-soap's own parser never runs on it", async () => {
    const c = await client({ endpoint: amr.url });
    const wsdl = (c as unknown as { client: { wsdl: { xmlToObject: (...a: unknown[]) => unknown } } }).client.wsdl;
    const real = wsdl.xmlToObject.bind(wsdl);
    let parsed = 0;
    wsdl.xmlToObject = (...a: unknown[]) => (parsed++, real(...a));
    const out = await c.invoke('SubmitCase', submitCase('JZ2026030200018'));
    expect(out.response).toMatchObject({ FHDM: '0', FHXX: '接收成功' });
    const fault = await agencyError(c.invoke('SubmitCase', submitCase('JZ2026030200018'))); // a duplicate: a fault answer
    expect(fault.kind).toBe('fault');
    expect(parsed).toBe(0);
  });

  test('a duplicate SLBH is a Client fault: GW_ERR_AGENCY_FAULT with code and Chinese reason, not retryable', async () => {
    await amrClient.invoke('SubmitCase', submitCase('JZ-DUP-1'));
    const e = await agencyError(amrClient.invoke('SubmitCase', submitCase('JZ-DUP-1')));
    expect(e.kind).toBe('fault');
    expect(e.fault).toEqual({ code: 'Client', reason: '受理编号 JZ-DUP-1 已存在，请勿重复推送' });
    expect(e.httpStatus).toBe(500);
    expect(isRetryable(e)).toBe(false);
    const g = agencyErrorToAdapterError(e, '市场监督管理局');
    expect(g).toBeInstanceOf(AdapterError);
    expect(g.code).toBe('GW_ERR_AGENCY_FAULT');
    expect(gatewayErrorOf(g).status).toBe(502);
    expect(g.detail).toBe('市场监督管理局 answered with SOAP fault Client: 受理编号 JZ-DUP-1 已存在，请勿重复推送');
  });

  test('QueryEnterprise: found (rare characters, full-width punctuation) and not found', async () => {
    const demo = await amrClient.invoke('QueryEnterprise', queryEnterprise('91350100273896412W'));
    expect(demo.response).toEqual({ QYXX: { TYSHXYDM: '91350100273896412W', QYMC: '福州榕城示范置业有限公司', FDDBR: '陈建华', DJZT: '1', ZCZB: '5000.00', ZS: '福建省福州市鼓楼区五四路158号', CLRQ: '20030415' } });
    const rare = await amrClient.invoke('QueryEnterprise', queryEnterprise('91350102MA2YJ8X3K3'));
    expect(rare.response.QYXX).toMatchObject({ QYMC: '江州喆犇淼科技有限公司（高新区分公司）', FDDBR: '王堃赟', ZS: '江州市高新区创业路88号（科技园）A座：3层、5层' });
    const e = await agencyError(amrClient.invoke('QueryEnterprise', queryEnterprise('91350100000000000X')));
    expect(e.fault).toEqual({ code: 'Client', reason: AMR_NOT_FOUND });
  });

  test('a Server fault is retryable', async () => {
    amr.behave({ fault: { code: 'Server', reason: '数据库连接失败' }, times: 1 });
    const e = await agencyError(amrClient.invoke('QueryEnterprise', queryEnterprise('91350100273896412W')));
    expect(e.fault).toEqual({ code: 'Server', reason: '数据库连接失败' });
    expect(isRetryable(e)).toBe(true);
    expect(agencyErrorToAdapterError(e, 'amr').detail).toBe('amr answered with SOAP fault Server: 数据库连接失败');
    // times: 1 — the next call is answered normally
    expect((await amrClient.invoke('QueryEnterprise', queryEnterprise('91350100273896412W'))).response.QYXX).toBeDefined();
  });

  test('a request element that is not the operation\'s input is refused before sending', async () => {
    await expect(amrClient.invoke('SubmitCase', queryEnterprise('x'))).rejects.toThrow('SubmitCase takes <SubmitCaseRequest>');
    await expect(amrClient.invoke('NoSuchOperation', queryEnterprise('x'))).rejects.toThrow('no operation NoSuchOperation');
    expect(amr.received).toHaveLength(0);
  });
});

describe('SOAP 1.2, GBK, WS-Security UsernameToken (tax)', () => {
  test('ReceiveCase: GBK bytes on the wire, the element byte-for-byte, 1.2 content type with action', async () => {
    const xml = receiveCase('SW-2026-0001');
    const out = await taxClient.invoke('ReceiveCase', xml);
    expect(out.response).toEqual({ retCode: '0000', retMsg: '接收成功', sllsh: expect.stringMatching(/^SW\d{14}$/) });
    const got = tax.received[0]!;
    expect(got.rawXml).toBe(xml);
    expect(got.username).toBe(creds.username);
    expect(got.contentType).toBe(`application/soap+xml; charset=GBK; action="${TAX}/ReceiveCase"`);
    // the bytes are GBK: GBK decoding gives the text, UTF-8 decoding does not
    const wire = got.rawBody;
    expect(wire.subarray(0, 38).toString('latin1')).toBe('<?xml version="1.0" encoding="GBK"?><s');
    expect(iconv.decode(wire, 'gbk')).toContain('江州喆犇淼科技有限公司（高新区分公司）');
    expect(iconv.decode(wire, 'gbk')).toContain('<tax:fddbrxm>王堃赟</tax:fddbrxm>');
    expect(wire.toString('utf8')).not.toContain('喆犇淼');
    expect(wire.includes(iconv.encode('王堃赟', 'gbk'))).toBe(true);
    expect(wire.includes(Buffer.from('王堃赟', 'utf8'))).toBe(false);
    expect(out.rawRequest).toContain(`<soap:Body>${xml}</soap:Body>`);
    expect(out.rawRequest).toContain('<wsse:Username>xgw-gateway</wsse:Username>');
    expect(out.rawRequest).toContain('#PasswordText">S3cret&amp;&lt;税务&gt;</wsse:Password>');
    expect(out.rawRequest).toMatch(/xmlns:soap="http:\/\/www.w3.org\/2003\/05\/soap-envelope"/);
  });

  test('QueryTaxStatus: a GBK answer decoded, rare characters and full-width punctuation intact', async () => {
    const out = await taxClient.invoke('QueryTaxStatus', queryTax('91350102MA2YJ8X3K3'));
    expect(out.response).toEqual({
      nsrsbh: '91350102MA2YJ8X3K3',
      nsrmc: '江州喆犇淼科技有限公司（高新区分公司）',
      nsrzt: '03',
      qsbz: 'N',
      qsje: '0.00',
      zgswjg: '国家税务总局江州市高新技术产业开发区税务局：第一税务所、办税服务厅',
    });
    expect(out.rawResponse).toMatch(/^<\?xml version="1.0" encoding="GBK"\?>/);
    const arrears = await taxClient.invoke('QueryTaxStatus', queryTax('91350105MA2XK9P1LR'));
    expect(arrears.response).toMatchObject({ qsbz: 'Y', qsje: '128560.35' });
  });

  test('not found and duplicate ywbh are Sender faults (not retryable)', async () => {
    const nf = await agencyError(taxClient.invoke('QueryTaxStatus', queryTax('91350100000000000X')));
    expect(nf.fault).toEqual({ code: 'Sender', reason: TAX_NOT_FOUND });
    expect(nf.httpStatus).toBe(400);
    expect(isRetryable(nf)).toBe(false);
    await taxClient.invoke('ReceiveCase', receiveCase('SW-DUP'));
    const dup = await agencyError(taxClient.invoke('ReceiveCase', receiveCase('SW-DUP')));
    expect(dup.fault).toEqual({ code: 'Sender', reason: '业务编号 SW-DUP 重复，该办件已接收' });
    expect(agencyErrorToAdapterError(dup, '税务局').detail).toBe('税务局 answered with SOAP fault Sender: 业务编号 SW-DUP 重复，该办件已接收');
  });

  test('a Receiver fault is retryable', async () => {
    tax.behave({ fault: { code: 'Receiver', reason: '核心征管系统繁忙' }, times: 1 });
    const e = await agencyError(taxClient.invoke('QueryTaxStatus', queryTax('91350100273896412W')));
    expect(e.fault).toEqual({ code: 'Receiver', reason: '核心征管系统繁忙' });
    expect(isRetryable(e)).toBe(true);
  });

  test.each([
    ['a wrong password', { username: creds.username, password: 'wrong' }],
    ['an unknown user', { username: 'intruder', password: creds.password }],
    ['no UsernameToken', undefined],
  ])('%s: Sender / wsse:FailedAuthentication / 身份认证失败 → GW_ERR_AGENCY_FAULT', async (_name, token) => {
    const c = await client({ wsdlPath: TAX_WSDL, endpoint: tax.url, soapVersion: '1.2', encoding: 'gbk', ...(token ? { usernameToken: token } : {}) });
    const e = await agencyError(c.invoke('QueryTaxStatus', queryTax('91350100273896412W')));
    expect(e.fault).toEqual({ code: 'Sender', subcode: 'wsse:FailedAuthentication', reason: '身份认证失败' });
    expect(isRetryable(e)).toBe(false);
    const g = agencyErrorToAdapterError(e, '税务局');
    expect(g.code).toBe('GW_ERR_AGENCY_FAULT');
    expect(g.detail).toContain('身份认证失败');
    expect(g.detail).toContain('wsse:FailedAuthentication');
    expect(tax.received).toHaveLength(0);
  });
});

describe('timeouts, unreachable agencies, invalid answers', () => {
  test('an answer slower than the timeout: GW_ERR_AGENCY_TIMEOUT quickly, retryable; the next call works', async () => {
    const c = await client({ endpoint: amr.url, timeoutMs: 300 });
    // The agency would answer after 30 s: only the 300 ms deadline ends the call long before that, however busy the machine.
    amr.behave({ delayMs: 30_000, times: 1 });
    const started = Date.now();
    const e = await agencyError(c.invoke('QueryEnterprise', queryEnterprise('91350100273896412W')));
    const took = Date.now() - started;
    expect(e.kind).toBe('timeout');
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(30_000);
    expect(isRetryable(e)).toBe(true);
    const g = agencyErrorToAdapterError(e, 'amr');
    expect(g.code).toBe('GW_ERR_AGENCY_TIMEOUT');
    expect(gatewayErrorOf(g).status).toBe(504);
    expect(g.detail).toBe('amr did not answer within 300 ms');
    expect((await c.invoke('QueryEnterprise', queryEnterprise('91350100273896412W'))).response.QYXX).toBeDefined();
  });

  test('an AbortSignal ends the call at once', async () => {
    amr.behave({ delayMs: 30_000, times: 1 });
    const started = Date.now();
    const e = await agencyError(amrClient.invoke('QueryEnterprise', queryEnterprise('91350100273896412W'), { signal: AbortSignal.timeout(150) }));
    expect(e.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(30_000); // the agency would still be holding its answer
  });

  test('connection refused → GW_ERR_AGENCY_UNAVAILABLE, retryable', async () => {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    const c = await client({ endpoint: `http://127.0.0.1:${port}/amr/ws/case` });
    const e = await agencyError(c.invoke('QueryEnterprise', queryEnterprise('91350100273896412W')));
    expect(e.kind).toBe('unavailable');
    expect(e.message).toBe('could not be reached: connection refused (ECONNREFUSED)');
    expect(isRetryable(e)).toBe(true);
    const g = agencyErrorToAdapterError(e, 'amr');
    expect(g.code).toBe('GW_ERR_AGENCY_UNAVAILABLE');
    expect(g.detail).toBe('amr: could not be reached: connection refused (ECONNREFUSED)');
  });

  test('HTTP 503 without a fault → GW_ERR_AGENCY_UNAVAILABLE with the status, retryable', async () => {
    amr.behave({ fail: 'http-503', times: 1 });
    const e = await agencyError(amrClient.invoke('QueryEnterprise', queryEnterprise('91350100273896412W')));
    expect(e).toMatchObject({ kind: 'unavailable', httpStatus: 503 });
    expect(isRetryable(e)).toBe(true);
    expect(agencyErrorToAdapterError(e, 'amr')).toMatchObject({ code: 'GW_ERR_AGENCY_UNAVAILABLE', detail: 'amr: answered HTTP 503' });
  });

  test('a connection reset → GW_ERR_AGENCY_UNAVAILABLE, retryable', async () => {
    tax.behave({ fail: 'reset', times: 1 });
    const e = await agencyError(taxClient.invoke('QueryTaxStatus', queryTax('91350100273896412W')));
    expect(e.kind).toBe('unavailable');
    expect(e.message).toMatch(/^could not be reached: connection (reset|closed without an answer)/);
    expect(isRetryable(e)).toBe(true);
    expect((await taxClient.invoke('QueryTaxStatus', queryTax('91350100273896412W'))).response.nsrzt).toBe('03');
  });

  test('a connection cut halfway through the answer → unavailable, retryable', async () => {
    const url = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': '1000' });
      res.write('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Bo');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const c = await client({ endpoint: url });
    const e = await agencyError(c.invoke('QueryEnterprise', queryEnterprise('91350100273896412W')));
    expect(e).toMatchObject({ kind: 'unavailable', message: 'could not be reached: connection broken while answering' });
    expect(isRetryable(e)).toBe(true);
  });

  test.each([
    ['not XML', 'text/xml', 'Internal error, please call 12366', /text outside the root element/],
    ['a DOCTYPE (XXE)', 'text/xml', '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&x;</soap:Body></soap:Envelope>', /DOCTYPE declarations are not allowed/],
    ['the wrong response element', 'text/xml; charset=utf-8', '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x:Other xmlns:x="urn:x"/></soap:Body></soap:Envelope>', /expected <QueryEnterpriseResponse>/],
    ['an unknown charset', 'text/xml; charset=x-klingon', '<a/>', /unsupported charset "x-klingon"/],
  ])('%s → GW_ERR_AGENCY_INVALID_ANSWER (502, the agency misbehaves), retryable', async (_name, contentType, body, why) => {
    const url = await rawServer((_req, res) => res.writeHead(200, { 'content-type': contentType }).end(body));
    const c = await client({ endpoint: url });
    const e = await agencyError(c.invoke('QueryEnterprise', queryEnterprise('91350100273896412W')));
    expect(e.kind).toBe('invalid');
    expect(e.message).toMatch(why);
    expect(isRetryable(e)).toBe(true);
    const g = agencyErrorToAdapterError(e, 'amr');
    expect([g.code, gatewayErrorOf(g).status]).toEqual(['GW_ERR_AGENCY_INVALID_ANSWER', 502]);
    expect(g.detail).not.toMatch(/\n\s+at /);
  });

  test('an interim 102 Processing before the answer: the answer is what counts', async () => {
    const answer = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><amr:QueryEnterpriseResponse xmlns:amr="${AMR}"><amr:QYXX><amr:QYMC>江州喆犇淼科技有限公司</amr:QYMC></amr:QYXX></amr:QueryEnterpriseResponse></soap:Body></soap:Envelope>`;
    const url = await rawServer((_req, res) => {
      res.writeProcessing();
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(answer), 20);
    });
    const c = await client({ endpoint: url });
    const out = await c.invoke('QueryEnterprise', queryEnterprise('91350100273896412W'));
    expect([out.httpStatus, out.response]).toEqual([200, { QYXX: { QYMC: '江州喆犇淼科技有限公司' } }]);
  });

  test('an endpoint that is not http(s) → unavailable at once, naming the URL', async () => {
    const c = await client({ endpoint: 'ftp://127.0.0.1/amr/ws/case' });
    const e = await agencyError(c.invoke('QueryEnterprise', queryEnterprise('91350100273896412W')));
    expect([e.kind, e.message]).toEqual(['unavailable', 'bad endpoint URL ftp://127.0.0.1/amr/ws/case']);
  });

  test('an answer over maxResponseBytes is refused', async () => {
    const big = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x>${'长'.repeat(40_000)}</x></soap:Body></soap:Envelope>`;
    const url = await rawServer((_req, res) => res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(big));
    const c = await client({ endpoint: url, maxResponseBytes: 10_000 });
    const e = await agencyError(c.invoke('QueryEnterprise', queryEnterprise('91350100273896412W')));
    expect(e).toMatchObject({ kind: 'invalid', message: expect.stringContaining('exceeds the limit of 10000 bytes') });
  });

  test('a non-AgencyError maps to GW_ERR_INTERNAL without its message; an AdapterError passes through', () => {
    const g = agencyErrorToAdapterError(new Error('secret internals\n    at foo (x.ts:1:1)'), 'amr');
    expect(g.code).toBe('GW_ERR_INTERNAL');
    expect(g.detail).not.toContain('secret');
    const same = new AdapterError('GW_ERR_AGENCY_BUSY', 'x');
    expect(agencyErrorToAdapterError(same, 'amr')).toBe(same);
    expect(isRetryable(new Error('x'))).toBe(false);
  });
});

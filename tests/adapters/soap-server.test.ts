/**
 * soapRouter mounted in an Express app (as the gateway mounts its inbound
 * endpoints), driven over real loopback HTTP with raw requests and with clients:
 * WSDL serving, safety refusals (DOCTYPE, entities, size, depth, malformed) that
 * leave the server serving, GBK both ways, UsernameToken, faults of both versions.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import iconv from 'iconv-lite';
import * as soap from 'soap';
import type { NativeObject } from '../../adapters/types';
import { SoapClient } from '../../adapters/soap/client';
import { parseEnvelope } from '../../adapters/soap/envelope';
import { AgencyError, SoapFault } from '../../adapters/soap/errors';
import { SoapRequestContext, safeEqual, soapRouter } from '../../adapters/soap/server';
import { wsseHeader } from '../support/wsse';

const AMR = 'http://amr.jiangzhou.gov.cn/ws/case/v1';
const TAX = 'http://tax.jiangzhou.gov.cn/ws/gateway/v1';
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const AMR_STATUS_WSDL = path.join(__dirname, '../../adapters/amr-soap/amr-status.wsdl');
const TAX_STATUS_WSDL = path.join(__dirname, '../../adapters/tax-soap/tax-status.wsdl');
const creds = { username: 'tax-bureau', password: 'pass-税务-2026' };

const calls: Array<{ operation: string; args: NativeObject; ctx: SoapRequestContext }> = [];
const errors: unknown[] = [];
let server: http.Server;
let base: string;

function answer(args: NativeObject, ctx: SoapRequestContext, caseNo: unknown, ok: (n: number) => NativeObject): NativeObject {
  calls.push({ operation: ctx.operation, args, ctx });
  if (caseNo === 'FAULT') throw new SoapFault({ code: 'Client', reason: '状态代码不合法', subcode: 'InvalidStatusCode' });
  if (caseNo === 'BOOM') throw new Error('db password is hunter2');
  return ok(calls.length);
}

beforeAll(async () => {
  const app = express();
  app.use(express.json()); // a global JSON parser elsewhere in the app must not disturb SOAP bodies
  app.get('/health', (_req, res) => res.json({ ok: true }));
  const amrRouter = soapRouter({
    wsdl: AMR_STATUS_WSDL,
    soapVersion: '1.1',
    encoding: 'utf-8',
    limits: { maxBytes: 16_384, maxDepth: 12 },
    operations: { ReportStatus: (args, ctx) => answer(args, ctx, args.SLBH, (n) => ({ FHDM: '0', FHXX: '接收成功', XXBH: `MSG-${n}` })) },
    onError: (e) => errors.push(e),
  });
  const taxRouter = soapRouter({
    wsdl: TAX_STATUS_WSDL,
    soapVersion: '1.2',
    encoding: 'gbk',
    authenticate: (u, p) => safeEqual(u, creds.username) && safeEqual(p, creds.password),
    operations: {
      ReportCaseStatus: (args, ctx) => {
        const ztxx = args.ztxx as NativeObject;
        return answer(args, ctx, ztxx.ywbh, (n) => ({ retCode: '0000', retMsg: `已接收：${String(ztxx.jbr)}（𠀀）`, xxbh: `MSG-${n}` }));
      },
    },
    onError: (e) => errors.push(e),
  });
  app.use('/soap/amr', amrRouter);
  app.use('/soap/tax', taxRouter);
  await Promise.all([amrRouter.ready, taxRouter.ready]);
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  calls.length = 0;
  errors.length = 0;
});

interface RawAnswer {
  status: number;
  contentType: string;
  bytes: Buffer;
  text: string;
}

/** POSTs raw bytes (no agent, no keep-alive) and returns the raw answer. */
function post(url: string, body: Buffer | string, contentType: string, extra: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': contentType, 'content-length': bytes.length, ...extra } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const all = Buffer.concat(chunks);
        const contentType = res.headers['content-type'] ?? '';
        resolve({ status: res.statusCode!, contentType, bytes: all, text: iconv.decode(all, /gbk/i.test(contentType) ? 'gbk' : 'utf-8') });
      });
    });
    req.on('error', reject);
    req.end(bytes);
  });
}
const get = async (url: string): Promise<{ status: number; contentType: string; text: string }> => {
  const res = await fetch(url);
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
};

const env11 = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${SOAP11}"><soap:Body>${body}</soap:Body></soap:Envelope>`;
const reportStatus = (slbh: string, extra = ''): string =>
  `<amr:ReportStatusRequest xmlns:amr="${AMR}"><amr:SLBH>${slbh}</amr:SLBH><amr:ZTDM>04</amr:ZTDM><amr:ZTMC>办结</amr:ZTMC><amr:BLJG>1</amr:BLJG>` +
  `<amr:JBR>李淼</amr:JBR><amr:FSSJ>2026-03-05 16:20:00</amr:FSSJ>${extra}<amr:BMMC>江州市市场监督管理局</amr:BMMC></amr:ReportStatusRequest>`;
const postAmr = (body: Buffer | string): Promise<RawAnswer> => post(`${base}/soap/amr`, body, 'text/xml; charset=utf-8', { SOAPAction: `"${AMR}/ReportStatus"` });
const security = (u: string, p: string, type = 'PasswordText'): string => wsseHeader(u, p, { type });
const ztxx = (ywbh: string): string =>
  `<tax:ReportCaseStatusRequest xmlns:tax="${TAX}"><tax:ztxx><tax:ywbh>${ywbh}</tax:ywbh><tax:blzt>BJ</tax:blzt><tax:blztmc>办结</tax:blztmc><tax:bljg>TY</tax:bljg>` +
  `<tax:jbr>王堃赟</tax:jbr><tax:blsj>20260305162000</tax:blsj><tax:blyj>同意（材料齐全、符合规定）：准予办理</tax:blyj><tax:swjg>国家税务总局江州市税务局</tax:swjg></tax:ztxx></tax:ReportCaseStatusRequest>`;
const env12Gbk = (header: string, body: string): Buffer =>
  iconv.encode(`<?xml version="1.0" encoding="GBK"?><soap:Envelope xmlns:soap="${SOAP12}">${header}<soap:Body>${body}</soap:Body></soap:Envelope>`, 'gbk');
const postTax = (body: Buffer | string, charset = 'GBK'): Promise<RawAnswer> =>
  post(`${base}/soap/tax`, body, `application/soap+xml; charset=${charset}; action="${TAX}/ReportCaseStatus"`);
const faultOf = (a: RawAnswer) => parseEnvelope(a.text).fault;

describe('WSDL', () => {
  test('?wsdl is served with the service address rewritten to where it was fetched from', async () => {
    const amr = await get(`${base}/soap/amr?wsdl`);
    expect(amr.status).toBe(200);
    expect(amr.contentType).toBe('text/xml; charset=utf-8');
    expect(amr.text).toContain(`<soap:address location="${base}/soap/amr"/>`);
    expect(amr.text).not.toContain('127.0.0.1:8080');
    const tax = await get(`${base}/soap/tax?WSDL`);
    expect(tax.text).toContain(`<soap12:address location="${base}/soap/tax"/>`);
    expect((await get(`${base}/soap/amr`)).status).toBe(405);
    expect((await get(`${base}/health`)).text).toBe('{"ok":true}');
  });

  test('a plain node-soap client built from the served WSDL calls the service at the advertised address', async () => {
    const client = await soap.createClientAsync(`${base}/soap/amr?wsdl`, { disableCache: true });
    expect(Object.keys(client.describe().AmrStatusService.AmrStatusPort)).toEqual(['ReportStatus']);
    const [result] = await client.ReportStatusAsync({ SLBH: 'JZ-NS-1', ZTDM: '02', JBR: '李淼', FSSJ: '2026-03-05 16:20:00', BMMC: '江州市市场监督管理局' });
    expect(result).toEqual({ FHDM: '0', FHXX: '接收成功', XXBH: 'MSG-1' });
    expect(calls[0]!.args).toEqual({ SLBH: 'JZ-NS-1', ZTDM: '02', JBR: '李淼', FSSJ: '2026-03-05 16:20:00', BMMC: '江州市市场监督管理局' });
  });
});

describe('safety: refused with a fault, and the server keeps serving', () => {
  const billionLaughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>' +
    env11(reportStatus('&lol9;')).replace(/^<\?xml[^>]*\?>/, '');
  const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${env11(reportStatus('&xxe;')).replace(/^<\?xml[^>]*\?>/, '')}`;

  test.each([
    ['billion laughs', billionLaughs, /DOCTYPE declarations are not allowed/],
    ['XXE file:///etc/passwd', xxe, /DOCTYPE declarations are not allowed/],
    ['an ENTITY declaration', `<!ENTITY x "y">${env11(reportStatus('A'))}`, /ENTITY declarations are not allowed/],
    ['an undeclared entity', env11(reportStatus('&xxe;')), /undeclared entity &xxe;/],
    ['mismatched tags', env11('<amr:ReportStatusRequest xmlns:amr="x"><amr:SLBH>1</amr:ZTDM></amr:ReportStatusRequest>'), /does not match/],
    ['not XML at all', 'hello', /text outside the root element/],
    ['an empty body', '', /no root element/],
    ['not an envelope', reportStatus('A'), /not a SOAP envelope/],
    ['too deep', env11(reportStatus('A', `${'<amr:YJ>'.repeat(10)}x${'</amr:YJ>'.repeat(10)}`)), /nested deeper than 12 levels/],
  ])('%s', async (_name, body, why) => {
    const res = await postAmr(body);
    expect(res.status).toBe(500); // SOAP 1.1 faults travel with HTTP 500
    expect(res.contentType).toBe('text/xml; charset=UTF-8');
    const fault = faultOf(res)!;
    expect(fault.code).toBe('Client');
    expect(fault.reason).toMatch(/^请求报文不合法: /);
    expect(fault.reason).toMatch(why);
    expect(res.text).not.toContain('root:');
    expect(res.text).not.toMatch(/lollol/);
    expect(calls).toHaveLength(0);
    // still serving
    const ok = await postAmr(env11(reportStatus('JZ-AFTER')));
    expect(ok.status).toBe(200);
    expect(parseEnvelope(ok.text).body).toMatchObject({ FHDM: '0' });
  });

  test('an over-size body: 413 with a fault; the server keeps serving', async () => {
    const big = env11(reportStatus('A', `<amr:YJ>${'很长的意见'.repeat(2000)}</amr:YJ>`));
    const res = await postAmr(big);
    expect(res.status).toBe(413);
    expect(faultOf(res)).toEqual({ code: 'Client', reason: '请求报文超过 16384 字节的上限' });
    const huge = await postAmr(Buffer.alloc(200_000, 0x41)); // past 4× the limit: refused from the Content-Length
    expect(huge.status).toBe(413);
    expect((await postAmr(env11(reportStatus('JZ-AFTER')))).status).toBe(200);
    expect(calls).toHaveLength(1);
  });
});

describe('GBK, WS-Security, faults', () => {
  test('a GBK request is decoded for the handler; the answer is GBK on the wire with a GBK declaration and charset', async () => {
    const element = ztxx('SW-2026-0001');
    const sent = env12Gbk(security(creds.username, creds.password), element);
    const res = await postTax(sent);
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/soap+xml; charset=GBK');
    expect(res.bytes.subarray(0, 36).toString('latin1')).toBe('<?xml version="1.0" encoding="GBK"?>');
    expect(res.bytes.includes(iconv.encode('已接收：王堃赟', 'gbk'))).toBe(true);
    expect(res.bytes.toString('utf8')).not.toContain('王堃赟');
    // 𠀀 is not in GBK: sent as a character reference, never as '?'
    expect(res.text).toContain('（&#x20000;）');
    expect(parseEnvelope(res.text).body).toEqual({ retCode: '0000', retMsg: '已接收：王堃赟（𠀀）', xxbh: 'MSG-1' });
    const { args, ctx } = calls[0]!;
    expect(args).toEqual({ ztxx: { ywbh: 'SW-2026-0001', blzt: 'BJ', blztmc: '办结', bljg: 'TY', jbr: '王堃赟', blsj: '20260305162000', blyj: '同意（材料齐全、符合规定）：准予办理', swjg: '国家税务总局江州市税务局' } });
    expect(ctx.requestXml).toBe(element);
    expect(ctx.rawBody.equals(sent)).toBe(true);
    expect(ctx.username).toBe(creds.username);
    expect(ctx.soapVersion).toBe('1.2');
  });

  test('a UTF-8 request to the GBK service is read by its declared charset (answer still GBK)', async () => {
    const res = await postTax(`<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${SOAP12}">${security(creds.username, creds.password)}<soap:Body>${ztxx('SW-UTF8')}</soap:Body></soap:Envelope>`, 'UTF-8');
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/soap+xml; charset=GBK');
    expect((calls[0]!.args.ztxx as NativeObject).jbr).toBe('王堃赟');
  });

  test.each([
    ['no UsernameToken', ''],
    ['a wrong password', security(creds.username, 'guess')],
    ['a wrong user', security('someone', creds.password)],
    ['a PasswordDigest token', security(creds.username, creds.password, 'PasswordDigest')],
  ])('%s: 400, Sender / wsse:FailedAuthentication / 身份认证失败, in GBK', async (_name, header) => {
    const res = await postTax(env12Gbk(header, ztxx('SW-AUTH')));
    expect(res.status).toBe(400);
    expect(res.contentType).toBe('application/soap+xml; charset=GBK');
    expect(res.bytes.includes(iconv.encode('身份认证失败', 'gbk'))).toBe(true);
    expect(faultOf(res)).toEqual({ code: 'Sender', subcode: 'wsse:FailedAuthentication', reason: '身份认证失败' });
    expect(res.text).toContain(`<soap:Value xmlns:wsse="${WSSE}">wsse:FailedAuthentication</soap:Value>`);
    expect(calls).toHaveLength(0);
  });

  test('a handler SoapFault: SOAP 1.1 Client fault, and SOAP 1.2 Sender with its subcode', async () => {
    const f11 = await postAmr(env11(reportStatus('FAULT')));
    expect(f11.status).toBe(500);
    expect(f11.text).toContain('<faultcode>soap:Client</faultcode>');
    expect(faultOf(f11)).toEqual({ code: 'Client', reason: '状态代码不合法' });
    const f12 = await postTax(env12Gbk(security(creds.username, creds.password), ztxx('FAULT')));
    expect(f12.status).toBe(400);
    expect(faultOf(f12)).toEqual({ code: 'Sender', subcode: 'InvalidStatusCode', reason: '状态代码不合法' });
    expect(f12.text).toContain('<soap:Text xml:lang="zh">状态代码不合法</soap:Text>');
  });

  test('any other handler error: a generic Server/Receiver fault, no stack or message leaked, onError told', async () => {
    const f11 = await postAmr(env11(reportStatus('BOOM')));
    expect(faultOf(f11)).toEqual({ code: 'Server', reason: '服务内部错误，请稍后重试' });
    const f12 = await postTax(env12Gbk(security(creds.username, creds.password), ztxx('BOOM')));
    expect(f12.status).toBe(500);
    expect(faultOf(f12)).toEqual({ code: 'Receiver', reason: '服务内部错误，请稍后重试' });
    for (const r of [f11, f12]) {
      expect(r.text).not.toContain('hunter2');
      expect(r.text).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(errors).toHaveLength(2);
    expect((errors[0] as Error).message).toBe('db password is hunter2');
  });

  test('the wrong SOAP version → VersionMismatch; an unknown request element → Sender fault', async () => {
    const vm = await postTax(env11(ztxx('SW-1')), 'UTF-8');
    expect(faultOf(vm)).toEqual({ code: 'VersionMismatch', reason: '本服务使用 SOAP 1.2' });
    const unknown = await postTax(env12Gbk(security(creds.username, creds.password), `<tax:Nope xmlns:tax="${TAX}"/>`));
    expect(unknown.status).toBe(400);
    expect(faultOf(unknown)).toEqual({ code: 'Sender', reason: '不支持的请求 <Nope>' });
  });

  test('SoapClient ↔ soapRouter with GBK and UsernameToken; a character outside GBK survives the round trip', async () => {
    const c = await SoapClient.create({ wsdlPath: TAX_STATUS_WSDL, endpoint: `${base}/soap/tax`, soapVersion: '1.2', encoding: 'gbk', usernameToken: creds, timeoutMs: 3000 });
    try {
      const out = await c.invoke('ReportCaseStatus', ztxx('SW-RT'));
      expect(out.response).toEqual({ retCode: '0000', retMsg: '已接收：王堃赟（𠀀）', xxbh: 'MSG-1' });
      const bad = await c.invoke('ReportCaseStatus', ztxx('FAULT')).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(AgencyError);
      expect((bad as AgencyError).fault).toEqual({ code: 'Sender', subcode: 'InvalidStatusCode', reason: '状态代码不合法' });
    } finally {
      c.close();
    }
  });

  test('a handler for an operation the WSDL lacks is a configuration error (ready rejects)', async () => {
    const r = soapRouter({ wsdl: AMR_STATUS_WSDL, soapVersion: '1.1', encoding: 'utf-8', operations: { ReportStatus: () => ({}), SubmitCase: () => ({}) } });
    await expect(r.ready).rejects.toThrow('the WSDL has no operation SubmitCase');
  });
});

/**
 * The mock agencies as the gateway and the demo meet them: real servers on
 * loopback with their fixtures, WSDLs, scripted behaviour, reset/close, and
 * reportStatus calling an inbound soapRouter service the way the agencies will
 * call the gateway (amr: SOAP 1.1 UTF-8; tax: SOAP 1.2 GBK with UsernameToken).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import iconv from 'iconv-lite';
import { AMR_ENTERPRISES, AMR_NS, AMR_STATUS_WSDL, AMR_WSDL } from '../../adapters/amr-soap/mock';
import { MockAgencies, startMockAgencies } from '../../adapters/mock-agencies';
import { SoapClient } from '../../adapters/soap/client';
import { roundTripsGbk } from '../../adapters/soap/encoding';
import { AgencyError, agencyErrorToAdapterError } from '../../adapters/soap/errors';
import { SoapRequestContext, safeEqual, soapRouter } from '../../adapters/soap/server';
import { buildElement } from '../../adapters/soap/xml-build';
import { TAX_NS, TAX_STATUS_WSDL, TAX_TAXPAYERS, TAX_WSDL } from '../../adapters/tax-soap/mock';
import type { NativeObject } from '../../adapters/types';

const taxCredentials = { username: 'jz-tax', password: 'tax-密码-1' };
const gatewayTaxCredentials = { username: 'xgw', password: 'gw-secret' };
let agencies: MockAgencies;
let gateway: http.Server;
let gatewayBase: string;
const inbound: Array<{ args: NativeObject; ctx: SoapRequestContext }> = [];
const clients: SoapClient[] = [];

async function clientFor(which: 'amr' | 'tax'): Promise<SoapClient> {
  const c = which === 'amr'
    ? await SoapClient.create({ wsdlPath: AMR_WSDL, endpoint: agencies.amr.url, soapVersion: '1.1', encoding: 'utf-8', timeoutMs: 3000 })
    : await SoapClient.create({ wsdlPath: TAX_WSDL, endpoint: agencies.tax.url, soapVersion: '1.2', encoding: 'gbk', usernameToken: taxCredentials, timeoutMs: 3000 });
  clients.push(c);
  return c;
}
const amrQuery = (uscc: string): string => buildElement({ prefix: 'amr', namespace: AMR_NS, name: 'QueryEnterpriseRequest' }, { TYSHXYDM: uscc });
const taxQuery = (nsrsbh: string): string => buildElement({ prefix: 'tax', namespace: TAX_NS, name: 'QueryTaxStatusRequest' }, { nsrsbh });
const amrStatus: NativeObject = { SLBH: 'JZ2026030200017', ZTDM: '04', ZTMC: '办结', BLJG: '1', JBR: '李淼', FSSJ: '2026-03-05 16:20:00', YJ: '准予许可（材料齐全）', BMMC: '江州市市场监督管理局' };
const taxStatus: NativeObject = { ywbh: 'SW-2026-0001', blzt: 'BJ', blztmc: '办结', bljg: 'TY', jbr: '王堃赟', blsj: '20260305162000', blyj: '同意：准予办理、登记', swjg: '国家税务总局江州市税务局' };

beforeAll(async () => {
  agencies = await startMockAgencies({ taxCredentials });
  // A stand-in for the gateway's inbound endpoints, built with the same toolkit.
  const record = (reply: NativeObject) => (args: NativeObject, ctx: SoapRequestContext): NativeObject => {
    inbound.push({ args, ctx });
    return reply;
  };
  const app = express();
  const amrIn = soapRouter({ wsdl: AMR_STATUS_WSDL, soapVersion: '1.1', encoding: 'utf-8', operations: { ReportStatus: record({ FHDM: '0', FHXX: '接收成功', XXBH: '0196f7e2-amr' }) } });
  const taxIn = soapRouter({
    wsdl: TAX_STATUS_WSDL,
    soapVersion: '1.2',
    encoding: 'gbk',
    authenticate: (u, p) => safeEqual(u, taxCredentials.username) && safeEqual(p, taxCredentials.password),
    operations: { ReportCaseStatus: record({ retCode: '0000', retMsg: '接收成功', xxbh: '0196f7e2-tax' }) },
  });
  app.use('/soap/amr', amrIn);
  app.use('/soap/tax', taxIn);
  await Promise.all([amrIn.ready, taxIn.ready]);
  gateway = http.createServer(app);
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  gatewayBase = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const c of clients) c.close();
  gateway?.closeAllConnections();
  await Promise.all([agencies?.close(), new Promise((r) => gateway?.close(r))]);
});
beforeEach(() => {
  agencies.amr.reset();
  agencies.tax.reset();
  inbound.length = 0;
});

describe('fixtures', () => {
  test('every fixture string survives GBK; rare characters and full-width punctuation are there', () => {
    const strings = [...AMR_ENTERPRISES.flatMap((e) => Object.values(e)), ...TAX_TAXPAYERS.flatMap((t) => Object.values(t))];
    for (const s of strings) expect([s, roundTripsGbk(s)]).toEqual([s, true]);
    const all = strings.join('');
    for (const ch of ['喆', '堃', '犇', '淼', '赟', '（', '）', '、', '：']) expect(all).toContain(ch);
    expect(roundTripsGbk('𠀀')).toBe(false); // the check can fail
  });

  test('the demo applicant, a revoked and a cancelled enterprise, a taxpayer with arrears', async () => {
    const amr = await clientFor('amr');
    const tax = await clientFor('tax');
    const demo = (await amr.invoke('QueryEnterprise', amrQuery('91350100273896412W'))).response.QYXX as NativeObject;
    expect(demo).toMatchObject({ QYMC: '福州榕城示范置业有限公司', FDDBR: '陈建华', DJZT: '1' });
    expect(((await amr.invoke('QueryEnterprise', amrQuery('91350103MA31QW7R5A'))).response.QYXX as NativeObject).DJZT).toBe('2');
    expect(((await amr.invoke('QueryEnterprise', amrQuery('91350104MA8RTH2N0N'))).response.QYXX as NativeObject).DJZT).toBe('3');
    expect((await tax.invoke('QueryTaxStatus', taxQuery('91350100273896412W'))).response).toMatchObject({ nsrmc: '福州榕城示范置业有限公司', nsrzt: '03', qsbz: 'N', qsje: '0.00' });
    expect((await tax.invoke('QueryTaxStatus', taxQuery('91350105MA2XK9P1LR'))).response).toMatchObject({ qsbz: 'Y', qsje: '128560.35' });
    expect((await tax.invoke('QueryTaxStatus', taxQuery('91350104MA8RTH2N0N'))).response).toMatchObject({ nsrzt: '07' });
  });

  test('fixture maps can be added to; reset() restores them', async () => {
    agencies.amr.enterprises.set('91350111MA33F6D2HW', { TYSHXYDM: '91350111MA33F6D2HW', QYMC: '江州市新设企业有限公司', FDDBR: '周淼', DJZT: '4', ZCZB: '10.00', ZS: '江州市', CLRQ: '20260101' });
    const amr = await clientFor('amr');
    expect(((await amr.invoke('QueryEnterprise', amrQuery('91350111MA33F6D2HW'))).response.QYXX as NativeObject).DJZT).toBe('4');
    agencies.amr.reset();
    expect(agencies.amr.enterprises.has('91350111MA33F6D2HW')).toBe(false);
    expect(agencies.amr.received).toHaveLength(0);
  });
});

describe('servers', () => {
  test('each mock serves its WSDL with its own address; a client built from that URL works', async () => {
    for (const m of [agencies.amr, agencies.tax]) {
      const wsdl = await (await fetch(m.wsdlUrl)).text();
      expect(wsdl).toContain(`location="${m.url}"`);
      expect(m.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    }
    const c = await SoapClient.create({ wsdlPath: agencies.tax.wsdlUrl, endpoint: agencies.tax.url, soapVersion: '1.2', encoding: 'gbk', usernameToken: taxCredentials, timeoutMs: 3000 });
    clients.push(c);
    expect(c.operationNames).toEqual(['ReceiveCase', 'ReceiveSupervisionNotice', 'QueryTaxStatus']);
    expect((await c.invoke('QueryTaxStatus', taxQuery('91350100273896412W'))).response.nsrzt).toBe('03');
  });

  test('behave({ times }) applies to that many calls; reset() forgets accepted cases', async () => {
    const amr = await clientFor('amr');
    agencies.amr.behave({ fail: 'http-503', times: 2 });
    for (let i = 0; i < 2; i++) {
      const e = await amr.invoke('QueryEnterprise', amrQuery('91350100273896412W')).catch((x: unknown) => x);
      expect(e).toMatchObject({ kind: 'unavailable', httpStatus: 503 });
    }
    await amr.invoke('QueryEnterprise', amrQuery('91350100273896412W'));
    expect(agencies.amr.received).toHaveLength(1); // failed calls never reached the agency's logic
    const submit = buildElement({ prefix: 'amr', namespace: AMR_NS, name: 'SubmitCaseRequest' }, { SLBH: 'JZ-R1', SQRMC: '陈建华', CLLB: {} });
    await amr.invoke('SubmitCase', submit);
    expect(agencies.amr.cases.has('JZ-R1')).toBe(true);
    await expect(amr.invoke('SubmitCase', submit)).rejects.toMatchObject({ fault: { code: 'Client' } });
    agencies.amr.reset();
    expect((await amr.invoke('SubmitCase', submit)).response.FHDM).toBe('0');
  });

  test('behaviour can be scripted over HTTP (PUT/DELETE <endpoint>/_behaviour), for the demo; bad scripts are refused', async () => {
    const tax = await clientFor('tax');
    const put = (body: unknown) => fetch(`${agencies.tax.url}/_behaviour`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put({ fault: { code: 'Receiver', reason: '系统维护中' }, times: 1 })).status).toBe(200);
    await expect(tax.invoke('QueryTaxStatus', taxQuery('91350100273896412W'))).rejects.toMatchObject({ kind: 'fault', fault: { reason: '系统维护中' } });
    expect((await tax.invoke('QueryTaxStatus', taxQuery('91350100273896412W'))).response.nsrzt).toBe('03'); // times: 1
    expect((await put({ fail: 'http-503' })).status).toBe(200);
    await expect(tax.invoke('QueryTaxStatus', taxQuery('91350100273896412W'))).rejects.toMatchObject({ kind: 'unavailable', httpStatus: 503 });
    expect((await fetch(`${agencies.tax.url}/_behaviour`, { method: 'DELETE' })).status).toBe(204);
    expect((await tax.invoke('QueryTaxStatus', taxQuery('91350100273896412W'))).response.nsrzt).toBe('03');
    const bad = await put({ fail: 'sometimes', slow: true });
    expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([400, 'unknown keys: slow (known: delayMs, fail, fault, times)']);
  });
});

describe('reportStatus: the agencies call the gateway', () => {
  test('amr: SOAP 1.1, UTF-8, the README order, answered by the inbound service', async () => {
    const answer = await agencies.amr.reportStatus(`${gatewayBase}/soap/amr`, amrStatus);
    expect(answer).toEqual({ FHDM: '0', FHXX: '接收成功', XXBH: '0196f7e2-amr' });
    expect(inbound).toHaveLength(1);
    const { args, ctx } = inbound[0]!;
    expect(args).toEqual(amrStatus);
    expect(ctx.operation).toBe('ReportStatus');
    expect(ctx.contentType).toBe('text/xml; charset=UTF-8');
    expect(ctx.req.get('soapaction')).toBe('"http://amr.jiangzhou.gov.cn/ws/case/v1/ReportStatus"');
    expect(ctx.requestXml).toMatch(/^<amr:ReportStatusRequest xmlns:amr="http:\/\/amr.jiangzhou.gov.cn\/ws\/case\/v1"><amr:SLBH>JZ2026030200017<\/amr:SLBH><amr:ZTDM>04<\/amr:ZTDM><amr:ZTMC>办结/);
    expect(ctx.rawBody.toString('utf8')).toContain('<amr:YJ>准予许可（材料齐全）</amr:YJ>');
  });

  test('tax: SOAP 1.2, GBK on the wire, its UsernameToken checked by the inbound service', async () => {
    const answer = await agencies.tax.reportStatus(`${gatewayBase}/soap/tax`, { ztxx: taxStatus });
    expect(answer).toEqual({ retCode: '0000', retMsg: '接收成功', xxbh: '0196f7e2-tax' });
    const { args, ctx } = inbound[0]!;
    expect(args).toEqual({ ztxx: taxStatus });
    expect(ctx.username).toBe(taxCredentials.username);
    expect(ctx.contentType).toBe('application/soap+xml; charset=GBK; action="http://tax.jiangzhou.gov.cn/ws/gateway/v1/ReportCaseStatus"');
    expect(iconv.decode(ctx.rawBody, 'gbk')).toContain('<tax:jbr>王堃赟</tax:jbr>');
    expect(ctx.rawBody.includes(iconv.encode('同意：准予办理、登记', 'gbk'))).toBe(true);
    expect(ctx.rawBody.toString('utf8')).not.toContain('王堃赟');
    // a flat object is wrapped in ztxx
    await agencies.tax.reportStatus(`${gatewayBase}/soap/tax`, taxStatus);
    expect(inbound[1]!.args).toEqual({ ztxx: taxStatus });
  });

  test('tax with credentials the gateway does not accept: 身份认证失败 → GW_ERR_AGENCY_FAULT', async () => {
    const e = await agencies.tax.reportStatus(`${gatewayBase}/soap/tax`, taxStatus, { credentials: gatewayTaxCredentials }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AgencyError);
    expect((e as AgencyError).fault).toEqual({ code: 'Sender', subcode: 'wsse:FailedAuthentication', reason: '身份认证失败' });
    expect(agencyErrorToAdapterError(e, 'tax').detail).toContain('身份认证失败');
    const none = await agencies.tax.reportStatus(`${gatewayBase}/soap/tax`, taxStatus, { credentials: null }).catch((x: unknown) => x);
    expect((none as AgencyError).fault?.reason).toBe('身份认证失败');
    expect(inbound).toHaveLength(0);
  });

  test('the gateway unreachable: AgencyError unavailable', async () => {
    const e = await agencies.amr.reportStatus('http://127.0.0.1:9/soap/amr', amrStatus).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'unavailable' });
  });
});

test('close() stops both servers', async () => {
  const extra = await startMockAgencies({ taxCredentials });
  const urls = [extra.amr.url, extra.tax.url];
  await extra.close();
  for (const url of urls) {
    const c = await SoapClient.create({ wsdlPath: AMR_WSDL, endpoint: url, soapVersion: '1.1', encoding: 'utf-8', timeoutMs: 1000 });
    clients.push(c);
    await expect(c.invoke('QueryEnterprise', amrQuery('x'))).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringContaining('ECONNREFUSED') });
  }
});

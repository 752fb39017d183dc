/**
 * Mock 国家税务总局江州市税务局: a real node-soap service on loopback speaking the
 * agency's contract (tax.wsdl: SOAP 1.2, GBK on the wire, WS-Security
 * UsernameToken required), with taxpayer fixtures, the 电子监察 notices it received, duplicate detection, scripted
 * misbehaviour, and `reportStatus` to call the gateway's inbound ReportCaseStatus
 * as the agency would (SOAP 1.2, GBK, with its UsernameToken).
 */
import type { Clock } from '../clock';
import { adapterFile } from '../paths';
import type { NativeObject } from '../types';
import { SoapFault } from '../soap/errors';
import { MockBehaviour, ReceivedCall, reportClients, startMockServer } from '../soap/mock-server';
import { safeEqual, soapRouter } from '../soap/server';
import { buildElement } from '../soap/xml-build';
import { receiveSupervisionNoticeToNotice } from './notice';

export const TAX_NS = 'http://tax.jiangzhou.gov.cn/ws/gateway/v1';
export const TAX_WSDL = adapterFile('tax-soap', 'tax.wsdl');
export const TAX_STATUS_WSDL = adapterFile('tax-soap', 'tax-status.wsdl');
export const TAX_NOT_FOUND = '纳税人识别号不存在';

/** One taxpayer as QueryTaxStatus answers it (README order). */
export interface TaxTaxpayer {
  nsrsbh: string;
  nsrmc: string;
  /** 03 正常, 05 停业, 07 注销, 09 非正常户 */
  nsrzt: string;
  qsbz: 'Y' | 'N';
  qsje: string;
  zgswjg: string;
}

export const TAX_TAXPAYERS: readonly TaxTaxpayer[] = Object.freeze([
  // the demo applicant
  { nsrsbh: '91350100273896412W', nsrmc: '福州榕城示范置业有限公司', nsrzt: '03', qsbz: 'N', qsje: '0.00', zgswjg: '国家税务总局江州市鼓楼区税务局' },
  // rare characters that GBK has (喆 犇 淼) and full-width punctuation （）、：
  { nsrsbh: '91350102MA2YJ8X3K3', nsrmc: '江州喆犇淼科技有限公司（高新区分公司）', nsrzt: '03', qsbz: 'N', qsje: '0.00', zgswjg: '国家税务总局江州市高新技术产业开发区税务局：第一税务所、办税服务厅' },
  // owing tax (欠税)
  { nsrsbh: '91350105MA2XK9P1LR', nsrmc: '江州市榕鑫建材有限公司', nsrzt: '03', qsbz: 'Y', qsje: '128560.35', zgswjg: '国家税务总局江州市晋安区税务局' },
  // cancelled (注销)
  { nsrsbh: '91350104MA8RTH2N0N', nsrmc: '江州市旧城餐饮管理有限公司', nsrzt: '07', qsbz: 'N', qsje: '0.00', zgswjg: '国家税务总局江州市仓山区税务局' },
]);

export interface TaxMock {
  /** The ReceiveCase/QueryTaxStatus endpoint. */
  url: string;
  wsdlUrl: string;
  /** Calls that reached an operation (authenticated), in order; rawBody holds the GBK bytes. */
  received: ReceivedCall[];
  /** QueryTaxStatus fixtures by 纳税人识别号; add to it freely. */
  taxpayers: Map<string, TaxTaxpayer>;
  /** Accepted ReceiveCase calls: ywbh → 受理流水号 sllsh. */
  cases: Map<string, string>;
  /** Received 电子监察 notices (ReceiveSupervisionNotice), by 牌号 pbh, read back as supervision-notice JSON; a repeat is answered again, not recorded twice. */
  notices: Map<string, Record<string, unknown>>;
  behave(b: MockBehaviour): void;
  /** Clears behaviour, received calls and accepted cases; restores the fixtures. */
  reset(): void;
  /**
   * Calls the gateway's inbound ReportCaseStatus (SOAP 1.2, GBK, this mock's
   * UsernameToken unless `opts.credentials` overrides it) at `gatewaySoapUrl`.
   * `args` are the request element's children: `{ ztxx: {…} }` (a flat object is
   * wrapped in ztxx). Resolves with the response's children; rejects with AgencyError.
   */
  reportStatus(
    gatewaySoapUrl: string,
    args: NativeObject,
    opts?: { timeoutMs?: number; credentials?: { username: string; password: string } | null },
  ): Promise<NativeObject>;
  close(): Promise<void>;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const asObject = (v: unknown): NativeObject => (v && typeof v === 'object' && !Array.isArray(v) ? (v as NativeObject) : {});

export async function startTaxMock(opts: {
  port?: number;
  host?: string;
  credentials: { username: string; password: string };
  /** Its clock: Created of the tokens it sends, and the window it checks received ones against (default: the system clock). */
  clock?: Clock;
}): Promise<TaxMock> {
  const { credentials } = opts;
  const taxpayers = new Map<string, TaxTaxpayer>();
  const cases = new Map<string, string>();
  const notices = new Map<string, Record<string, unknown>>();
  const restore = (): void => {
    taxpayers.clear();
    for (const t of TAX_TAXPAYERS) taxpayers.set(t.nsrsbh, { ...t });
  };
  restore();
  let receipts = 0;

  const router = soapRouter({
    wsdl: TAX_WSDL,
    soapVersion: '1.2',
    encoding: 'gbk',
    authenticate: (username, password) => safeEqual(username, credentials.username) && safeEqual(password, credentials.password),
    ...(opts.clock ? { token: { clock: opts.clock } } : {}),
    operations: {
      ReceiveCase: (args, ctx) => {
        server.record(args, ctx);
        const doc = asObject(args.caseDoc);
        const ywbh = text(doc.ywbh).trim();
        if (!ywbh) throw new SoapFault({ code: 'Sender', reason: '业务编号(ywbh)不能为空' });
        if (cases.has(ywbh)) throw new SoapFault({ code: 'Sender', reason: `业务编号 ${ywbh} 重复，该办件已接收` });
        if (!text(doc.sqrmc).trim()) throw new SoapFault({ code: 'Sender', reason: '申请人名称(sqrmc)不能为空' });
        const sllsh = `SW${new Date().getFullYear()}${String(++receipts).padStart(10, '0')}`;
        cases.set(ywbh, sllsh);
        return { retCode: '0000', retMsg: '接收成功', sllsh };
      },
      ReceiveSupervisionNotice: (args, ctx) => {
        server.record(args, ctx);
        let notice: Record<string, unknown>;
        try {
          notice = receiveSupervisionNoticeToNotice(args);
        } catch (err) {
          throw new SoapFault({ code: 'Sender', reason: `监察通知格式错误：${(err as Error).message}` });
        }
        if (!notices.has(String(notice.cardId))) notices.set(String(notice.cardId), notice);
        return { retCode: '0000', retMsg: '接收成功' };
      },
      QueryTaxStatus: (args, ctx) => {
        server.record(args, ctx);
        const found = taxpayers.get(text(args.nsrsbh).trim());
        if (!found) throw new SoapFault({ code: 'Sender', reason: TAX_NOT_FOUND });
        const { nsrsbh, nsrmc, nsrzt, qsbz, qsje, zgswjg } = found;
        return { nsrsbh, nsrmc, nsrzt, qsbz, qsje, zgswjg };
      },
    },
  });
  const server = await startMockServer({ host: opts.host, port: opts.port, path: '/tax/ws/gateway', soapVersion: '1.2', encoding: 'gbk', router });

  const clients = reportClients({ wsdlPath: TAX_STATUS_WSDL, soapVersion: '1.2', encoding: 'gbk', ...(opts.clock ? { clock: opts.clock } : {}) });

  return {
    url: server.url,
    wsdlUrl: server.wsdlUrl,
    received: server.received,
    taxpayers,
    cases,
    notices,
    behave: (b) => server.behave(b),
    reset() {
      server.resetServer();
      cases.clear();
      notices.clear();
      restore();
    },
    async reportStatus(gatewaySoapUrl, args, o = {}) {
      const token = o.credentials === undefined ? credentials : o.credentials;
      const client = await clients.get(gatewaySoapUrl, o.timeoutMs ?? 10_000, token);
      const content = 'ztxx' in args ? args : { ztxx: args };
      const request = buildElement({ prefix: 'tax', namespace: TAX_NS, name: 'ReportCaseStatusRequest' }, content);
      return (await client.invoke('ReportCaseStatus', request)).response;
    },
    async close() {
      await clients.closeAll();
      await server.close();
    },
  };
}

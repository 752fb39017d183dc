/**
 * Mock 江州市市场监督管理局: a real node-soap service on loopback speaking the
 * agency's contract (amr.wsdl: SOAP 1.1, UTF-8, no WS-Security), with enterprise
 * fixtures, the 电子监察 notices it received, duplicate detection, scripted misbehaviour, and `reportStatus` to call
 * the gateway's inbound ReportStatus as the agency would.
 */
import { adapterFile } from '../paths';
import type { NativeObject } from '../types';
import { SoapFault } from '../soap/errors';
import { MockBehaviour, ReceivedCall, reportClients, startMockServer } from '../soap/mock-server';
import { soapRouter } from '../soap/server';
import { buildElement } from '../soap/xml-build';
import { submitSupervisionNoticeToNotice } from './notice';

export const AMR_NS = 'http://amr.jiangzhou.gov.cn/ws/case/v1';
export const AMR_WSDL = adapterFile('amr-soap', 'amr.wsdl');
export const AMR_STATUS_WSDL = adapterFile('amr-soap', 'amr-status.wsdl');
export const AMR_NOT_FOUND = '未查询到该统一社会信用代码对应的企业';

/** One enterprise as QueryEnterprise answers it (QYXX children, README order). */
export interface AmrEnterprise {
  TYSHXYDM: string;
  QYMC: string;
  FDDBR: string;
  /** 1 存续, 2 吊销, 3 注销, 4 迁出 */
  DJZT: string;
  ZCZB: string;
  ZS: string;
  CLRQ: string;
}

export const AMR_ENTERPRISES: readonly AmrEnterprise[] = Object.freeze([
  // the demo applicant
  { TYSHXYDM: '91350100273896412W', QYMC: '福州榕城示范置业有限公司', FDDBR: '陈建华', DJZT: '1', ZCZB: '5000.00', ZS: '福建省福州市鼓楼区五四路158号', CLRQ: '20030415' },
  // rare characters that GBK has (喆 堃 犇 淼 赟) and full-width punctuation （）、：
  { TYSHXYDM: '91350102MA2YJ8X3K3', QYMC: '江州喆犇淼科技有限公司（高新区分公司）', FDDBR: '王堃赟', DJZT: '1', ZCZB: '1200.50', ZS: '江州市高新区创业路88号（科技园）A座：3层、5层', CLRQ: '20190930' },
  // revoked (吊销)
  { TYSHXYDM: '91350103MA31QW7R5A', QYMC: '江州市闽江贸易有限公司', FDDBR: '林国栋', DJZT: '2', ZCZB: '300.00', ZS: '江州市台江区江滨路12号', CLRQ: '20150611' },
  // cancelled (注销)
  { TYSHXYDM: '91350104MA8RTH2N0N', QYMC: '江州市旧城餐饮管理有限公司', FDDBR: '郑美玲', DJZT: '3', ZCZB: '50.00', ZS: '江州市仓山区上渡路7号', CLRQ: '20170102' },
]);

export interface AmrMock {
  /** The SubmitCase/QueryEnterprise endpoint. */
  url: string;
  wsdlUrl: string;
  /** Calls that reached an operation, in order. */
  received: ReceivedCall[];
  /** QueryEnterprise fixtures by 统一社会信用代码; add to it freely. */
  enterprises: Map<string, AmrEnterprise>;
  /** Accepted SubmitCase calls: SLBH → the agency's receipt number SJBH. */
  cases: Map<string, string>;
  /** Received 电子监察 notices (SubmitSupervisionNotice), by 牌号 PH, read back as supervision-notice JSON; a repeat is answered again, not recorded twice. */
  notices: Map<string, Record<string, unknown>>;
  behave(b: MockBehaviour): void;
  /** Clears behaviour, received calls and accepted cases; restores the fixtures. */
  reset(): void;
  /**
   * Calls the gateway's inbound ReportStatus (SOAP 1.1, UTF-8) at `gatewaySoapUrl` with
   * `args` (ReportStatusRequest children, README order). Resolves with the response's
   * children; rejects with AgencyError.
   */
  reportStatus(gatewaySoapUrl: string, args: NativeObject, opts?: { timeoutMs?: number }): Promise<NativeObject>;
  close(): Promise<void>;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

export async function startAmrMock(opts: { port?: number; host?: string } = {}): Promise<AmrMock> {
  const enterprises = new Map<string, AmrEnterprise>();
  const cases = new Map<string, string>();
  const notices = new Map<string, Record<string, unknown>>();
  const restore = (): void => {
    enterprises.clear();
    for (const e of AMR_ENTERPRISES) enterprises.set(e.TYSHXYDM, { ...e });
  };
  restore();
  let receipts = 0;

  const router = soapRouter({
    wsdl: AMR_WSDL,
    soapVersion: '1.1',
    encoding: 'utf-8',
    operations: {
      SubmitCase: (args, ctx) => {
        server.record(args, ctx);
        const slbh = text(args.SLBH).trim();
        if (!slbh) throw new SoapFault({ code: 'Client', reason: '受理编号(SLBH)不能为空' });
        if (cases.has(slbh)) throw new SoapFault({ code: 'Client', reason: `受理编号 ${slbh} 已存在，请勿重复推送` });
        if (!text(args.SQRMC).trim()) throw new SoapFault({ code: 'Client', reason: '申请人名称(SQRMC)不能为空' });
        const sjbh = `SJ${new Date().getFullYear()}${String(++receipts).padStart(8, '0')}`;
        cases.set(slbh, sjbh);
        return { FHDM: '0', FHXX: '接收成功', SJBH: sjbh };
      },
      SubmitSupervisionNotice: (args, ctx) => {
        server.record(args, ctx);
        let notice: Record<string, unknown>;
        try {
          notice = submitSupervisionNoticeToNotice(args);
        } catch (err) {
          throw new SoapFault({ code: 'Client', reason: `监察通知格式错误：${(err as Error).message}` });
        }
        if (!notices.has(String(notice.cardId))) notices.set(String(notice.cardId), notice);
        return { FHDM: '0', FHXX: '接收成功' };
      },
      QueryEnterprise: (args, ctx) => {
        server.record(args, ctx);
        const found = enterprises.get(text(args.TYSHXYDM).trim());
        if (!found) throw new SoapFault({ code: 'Client', reason: AMR_NOT_FOUND });
        const { TYSHXYDM, QYMC, FDDBR, DJZT, ZCZB, ZS, CLRQ } = found;
        return { QYXX: { TYSHXYDM, QYMC, FDDBR, DJZT, ZCZB, ZS, CLRQ } };
      },
    },
  });
  const server = await startMockServer({ host: opts.host, port: opts.port, path: '/amr/ws/case', soapVersion: '1.1', encoding: 'utf-8', router });

  const clients = reportClients({ wsdlPath: AMR_STATUS_WSDL, soapVersion: '1.1', encoding: 'utf-8' });

  return {
    url: server.url,
    wsdlUrl: server.wsdlUrl,
    received: server.received,
    enterprises,
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
      const client = await clients.get(gatewaySoapUrl, o.timeoutMs ?? 10_000);
      const request = buildElement({ prefix: 'amr', namespace: AMR_NS, name: 'ReportStatusRequest' }, args);
      return (await client.invoke('ReportStatus', request)).response;
    },
    async close() {
      await clients.closeAll();
      await server.close();
    },
  };
}

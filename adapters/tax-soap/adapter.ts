import { adapterFile } from '../paths';
import { soapAgencyAdapter } from '../agency/soap-agency';
import { noticeToReceiveSupervisionNotice } from './notice';
import { TAX_MAPPING_VERSION, caseRecordToReceiveCase, queryTaxStatus, receiveCaseResult, reportCaseStatusOperation } from './mapping';

/**
 * 税务局 (vertical agency): SOAP 1.2, GBK on the wire, WS-Security UsernameToken
 * both ways. Case records go to its ReceiveCase, 电子监察 notices to its ReceiveSupervisionNotice; it offers QueryTaxStatus and
 * reports status to the gateway's ReportCaseStatus. Formats: README.md in this folder.
 */
export const taxSoap = soapAgencyAdapter({
  name: 'tax-soap',
  version: '1.0.0',
  title: '税务局业务系统 (SOAP 1.2, GBK)',
  mappingVersion: TAX_MAPPING_VERSION,
  wsdlPath: adapterFile('tax-soap', 'tax.wsdl'),
  soapVersion: '1.2',
  encoding: 'gbk',
  usernameToken: true,
  duplicateFault: /业务编号 .* 重复，该办件已接收/,
  convert: { 'case-record': (payload) => caseRecordToReceiveCase(payload), 'supervision-notice': (payload) => noticeToReceiveSupervisionNotice(payload) },
  deliveryAnswer: (response) => {
    const r = receiveCaseResult(response);
    return { accepted: r.accepted, answer: { code: r.code, ...(r.agencyReceipt ? { agencyReceipt: r.agencyReceipt } : {}) }, message: r.message };
  },
  services: [queryTaxStatus],
  inbound: { wsdlPath: adapterFile('tax-soap', 'tax-status.wsdl'), soapVersion: '1.2', encoding: 'gbk', purpose: 'status-feedback', operations: [reportCaseStatusOperation] },
});

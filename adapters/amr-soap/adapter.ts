import { adapterFile } from '../paths';
import { soapAgencyAdapter } from '../agency/soap-agency';
import { noticeToSubmitSupervisionNotice } from './notice';
import { AMR_MAPPING_VERSION, caseRecordToSubmitCase, queryEnterprise, reportStatusOperation, submitCaseResult } from './mapping';

/**
 * 市场监督管理局 (vertical agency): SOAP 1.1, UTF-8, no WS-Security (extranet, IP
 * restricted). Case records go to its SubmitCase, 电子监察 notices to its SubmitSupervisionNotice; it offers QueryEnterprise and
 * reports status to the gateway's ReportStatus. Formats: README.md in this folder.
 */
export const amrSoap = soapAgencyAdapter({
  name: 'amr-soap',
  version: '1.0.0',
  title: '市场监管局业务系统 (SOAP 1.1)',
  mappingVersion: AMR_MAPPING_VERSION,
  wsdlPath: adapterFile('amr-soap', 'amr.wsdl'),
  soapVersion: '1.1',
  encoding: 'utf-8',
  usernameToken: false,
  duplicateFault: /受理编号 .* 已存在/,
  convert: { 'case-record': (payload) => caseRecordToSubmitCase(payload), 'supervision-notice': (payload) => noticeToSubmitSupervisionNotice(payload) },
  deliveryAnswer: (response) => {
    const r = submitCaseResult(response);
    return { accepted: r.accepted, answer: { code: r.code, ...(r.agencyReceipt ? { agencyReceipt: r.agencyReceipt } : {}) }, message: r.message };
  },
  services: [queryEnterprise],
  inbound: { wsdlPath: adapterFile('amr-soap', 'amr-status.wsdl'), soapVersion: '1.1', encoding: 'utf-8', purpose: 'status-feedback', operations: [reportStatusOperation] },
});

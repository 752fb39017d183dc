/**
 * amr-soap mappings (江州市市场监督管理局): case record → SubmitCase, ReportStatus → case-status,
 * the query-enterprise service, and the SubmitCase response. The contract is README.md beside
 * this file: field names, order, code tables and formats.
 */
import type { InboundOperation, NativeForm, NativeObject, ServiceSpec } from '../types';
import { defineCodeTable, defineMapping, invalidNative, nest, toNativeDate, xmlForm, type XmlNamespace } from '../mapping';

export const AMR_NS: XmlNamespace = { prefix: 'amr', uri: 'http://amr.jiangzhou.gov.cn/ws/case/v1' };

/** The version of every amr mapping below (logged as provenance); bump on any change of a spec or code table. */
export const AMR_MAPPING_VERSION = 'amr-soap/1.0.0';

export const amrCodeTables = {
  matterKind: defineCodeTable('matterKind', { 行政许可: 'XK', 行政确认: 'QR', 行政给付: 'GF', 行政征收: 'ZS', 其他: 'QT' }),
  applicantType: defineCodeTable('applicantType', { person: '1', organisation: '2' }),
  idType: defineCodeTable('idType', { 居民身份证: '111' }),
  materialForm: defineCodeTable('materialForm', { 原件: '1', 复印件: '2', 电子件: '3' }),
  digestAlg: defineCodeTable('digestAlg', { sm3: 'SM3', sha256: 'SHA256' }),
  caseStatus: defineCodeTable('caseStatus', { accepted: '01', in_progress: '02', correction: '03', special_procedure: '06', completed: '04', returned: '05' }),
  result: defineCodeTable('result', { approved: '1', denied: '2' }),
  registrationStatus: defineCodeTable('registrationStatus', { active: '1', revoked: '2', cancelled: '3', 'moved-out': '4' }),
};

const PERSON = { 'applicant.type': 'person' } as const;
const ORGANISATION = { 'applicant.type': 'organisation' } as const;

/** case-record ↔ SubmitCaseRequest (children in the README's order). */
export const submitCaseMapping = defineMapping({
  name: 'amr SubmitCaseRequest',
  version: AMR_MAPPING_VERSION,
  codeTables: amrCodeTables,
  fields: [
    { to: 'SLBH', from: 'caseNo' },
    { to: 'SXBM', from: 'matter.code' },
    { to: 'SXMC', from: 'matter.name' },
    { to: 'SXLX', from: 'matter.kind', codes: 'matterKind' },
    { to: 'SQRLX', from: 'applicant.type', codes: 'applicantType' },
    { to: 'SQRMC', from: 'applicant.name' },
    { to: 'ZJLX', from: 'applicant.idType', codes: 'idType', when: PERSON },
    { to: 'ZJHM', from: 'applicant.idNumber', when: PERSON },
    { to: 'TYSHXYDM', from: 'applicant.uscc', when: ORGANISATION },
    { to: 'FDDBR', from: 'applicant.legalRepresentative', when: ORGANISATION },
    { to: 'LXDH', from: 'applicant.phone', when: PERSON },
    { to: 'LXDH', from: 'applicant.contactPhone', when: ORGANISATION },
    { to: 'SLSJ', from: 'acceptedAt', date: 'yyyy-MM-dd HH:mm:ss' },
    { to: 'SLBM', from: 'acceptingDepartment' },
    { to: 'FDBJSX', from: 'legalLimitDays', type: 'integer' },
    {
      to: 'CLLB.CL',
      from: 'materials',
      each: [
        { to: 'CLMC', from: 'name' },
        { to: 'FS', from: 'copies', type: 'integer' },
        { to: 'CLXS', from: 'form', codes: 'materialForm' },
        { to: 'ZYSF', from: 'digest.alg', codes: 'digestAlg', optional: true },
        { to: 'ZYZ', from: 'digest.value', optional: true },
      ],
    },
    { to: 'BZ', from: 'remarks', optional: true },
  ],
});

/** SubmitCaseResponse → `{ code, message?, agencyReceipt? }` (accepted is added by submitCaseResult). */
export const submitCaseResponseMapping = defineMapping({
  name: 'amr SubmitCaseResponse',
  version: AMR_MAPPING_VERSION,
  fields: [
    { to: 'FHDM', from: 'code' },
    { to: 'FHXX', from: 'message', optional: true },
    { to: 'SJBH', from: 'agencyReceipt', optional: true },
  ],
});

/** case-status ↔ ReportStatusRequest. `result` is mapped whatever the status; the case-status schema allows it only with completed. */
export const reportStatusMapping = defineMapping({
  name: 'amr ReportStatusRequest',
  version: AMR_MAPPING_VERSION,
  codeTables: amrCodeTables,
  fields: [
    { to: 'SLBH', from: 'caseNo' },
    { to: 'ZTDM', from: 'status', codes: 'caseStatus' },
    { to: 'ZTMC', from: 'statusName', optional: true },
    { to: 'BLJG', from: 'result', codes: 'result', optional: true },
    { to: 'JBR', from: 'officer' },
    { to: 'FSSJ', from: 'occurredAt', date: 'yyyy-MM-dd HH:mm:ss' },
    { to: 'YJ', from: 'opinion', optional: true },
    { to: 'BMMC', from: 'department' },
  ],
});

export const queryEnterpriseRequestMapping = defineMapping({
  name: 'amr QueryEnterpriseRequest',
  version: AMR_MAPPING_VERSION,
  fields: [{ to: 'TYSHXYDM', from: 'uscc' }],
});

/** QueryEnterpriseResponse (its QYXX element) → the query-enterprise JSON. */
export const queryEnterpriseResponseMapping = defineMapping({
  name: 'amr QueryEnterpriseResponse',
  version: AMR_MAPPING_VERSION,
  codeTables: amrCodeTables,
  fields: nest('QYXX', [
    { to: 'TYSHXYDM', from: 'uscc' },
    { to: 'QYMC', from: 'name' },
    { to: 'FDDBR', from: 'legalRepresentative' },
    { to: 'DJZT', from: 'status', codes: 'registrationStatus' },
    { to: 'ZCZB', from: 'registeredCapital.amount', type: 'decimal' },
    { from: 'registeredCapital.unit', constant: '万元' },
    { to: 'ZS', from: 'address' },
    { to: 'CLRQ', from: 'establishedOn', date: 'yyyyMMdd' },
  ]),
});

/** A case record (validated payload) → the SubmitCaseRequest element. Error pointers start at `pointer` (default `/payload`). */
export function caseRecordToSubmitCase(payload: Record<string, unknown>, pointer = '/payload'): NativeForm {
  return xmlForm('SubmitCase', AMR_NS, 'SubmitCaseRequest', submitCaseMapping.toNative(payload, { pointer }));
}

export interface SubmitCaseResult {
  /** FHDM = 0. */
  accepted: boolean;
  /** FHDM as sent. */
  code: string;
  message?: string;
  /** SJBH: the agency's receipt number. */
  agencyReceipt?: string;
}

/** The parsed SubmitCaseResponse → the result the delivery records. */
export function submitCaseResult(response: NativeObject): SubmitCaseResult {
  const r = submitCaseResponseMapping.fromNative(response) as Omit<SubmitCaseResult, 'accepted'>;
  return { accepted: r.code === '0', ...r };
}

const CASE_NO = /^[A-Za-z0-9-]{1,40}$/;

/**
 * The parsed ReportStatusRequest → a case-status payload, a deterministic messageId
 * (`amr-status:<SLBH>:<ZTDM>:<FSSJ as yyyyMMddHHmmss>`: a re-sent report is the same message)
 * and the caseId (the case number).
 */
export function reportStatusToCaseStatus(request: NativeObject): { payload: Record<string, unknown>; messageId: string; caseId: string } {
  const payload = reportStatusMapping.fromNative(request);
  const caseNo = payload.caseNo as string;
  if (!CASE_NO.test(caseNo)) throw invalidNative('SLBH (caseNo)', '/SLBH', 'is not a case number (letters, digits and hyphens, at most 40)');
  const code = amrCodeTables.caseStatus.code(payload.status)!;
  const at = toNativeDate(payload.occurredAt as string, 'yyyyMMddHHmmss')!;
  return { payload, messageId: `amr-status:${caseNo}:${code}:${at}`, caseId: caseNo };
}

/** A case-status payload → the ReportStatusRequest element (what the agency sends; for mock agencies and tests). */
export function caseStatusToReportStatus(payload: Record<string, unknown>, pointer = '/payload'): NativeForm {
  return xmlForm('ReportStatus', AMR_NS, 'ReportStatusRequest', reportStatusMapping.toNative(payload, { pointer }));
}

/** The inbound operation served at /soap/amr. */
export const reportStatusOperation: InboundOperation = {
  operation: 'ReportStatus',
  type: 'case-status',
  fromNative: reportStatusToCaseStatus,
  accepted: (messageId) => ({ FHDM: '0', FHXX: '接收成功', XXBH: messageId }),
};

const USCC_PATTERN = '^[0-9A-HJ-NPQRTUWXY]{2}\\d{6}[0-9A-HJ-NPQRTUWXY]{10}$';

/** 企业登记信息查询: POST /api/v1/services/{member}/query-enterprise. */
export const queryEnterprise: ServiceSpec = {
  name: 'query-enterprise',
  title: '企业登记信息查询',
  operation: 'QueryEnterprise',
  requestSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['uscc'],
    properties: { uscc: { type: 'string', pattern: USCC_PATTERN, description: '统一社会信用代码 / unified social credit code' } },
  },
  responseSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['uscc', 'name', 'legalRepresentative', 'status', 'registeredCapital', 'address', 'establishedOn'],
    properties: {
      uscc: { type: 'string', description: '统一社会信用代码' },
      name: { type: 'string', description: '企业名称' },
      legalRepresentative: { type: 'string', description: '法定代表人' },
      status: { type: 'string', enum: amrCodeTables.registrationStatus.values(), description: '登记状态: active=存续, revoked=吊销, cancelled=注销, moved-out=迁出' },
      registeredCapital: {
        type: 'object',
        additionalProperties: false,
        required: ['amount', 'unit'],
        properties: {
          amount: { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', description: '注册资本 (decimal string, as the agency states it)' },
          unit: { type: 'string', const: '万元' },
        },
      },
      address: { type: 'string', description: '住所' },
      establishedOn: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: '成立日期 YYYY-MM-DD' },
    },
  },
  toNative: (request) => xmlForm('QueryEnterprise', AMR_NS, 'QueryEnterpriseRequest', queryEnterpriseRequestMapping.toNative(request)),
  fromNative: (response) => queryEnterpriseResponseMapping.fromNative(response),
};

/**
 * tax-soap mappings (国家税务总局江州市税务局): case record → ReceiveCase, ReportCaseStatus →
 * case-status, the query-tax-status service, and the ReceiveCase response. The contract is
 * README.md beside this file. The agency is GBK on the wire: every text sent must be
 * encodable in GBK (checked by the mapping, charset 'gbk').
 */
import type { InboundOperation, NativeForm, NativeObject, ServiceSpec } from '../types';
import { defineCodeTable, defineMapping, invalidNative, nest, toNativeDate, xmlForm, type CustomConversion, type XmlNamespace } from '../mapping';

export const TAX_NS: XmlNamespace = { prefix: 'tax', uri: 'http://tax.jiangzhou.gov.cn/ws/gateway/v1' };

/** The version of every tax mapping below (logged as provenance); bump on any change of a spec or code table. */
export const TAX_MAPPING_VERSION = 'tax-soap/1.0.0';

export const taxCodeTables = {
  matterKind: defineCodeTable('matterKind', { 行政许可: '01', 行政确认: '02', 行政给付: '03', 行政征收: '04', 其他: '99' }),
  applicantType: defineCodeTable('applicantType', { person: 'ZRR', organisation: 'DW' }),
  idType: defineCodeTable('idType', { 居民身份证: '201' }),
  materialForm: defineCodeTable('materialForm', { 原件: 'Y', 复印件: 'F', 电子件: 'D' }),
  caseStatus: defineCodeTable('caseStatus', { accepted: 'SL', in_progress: 'CB', correction: 'BZ', special_procedure: 'TB', completed: 'BJ', returned: 'TH' }),
  result: defineCodeTable('result', { approved: 'TY', denied: 'BTY' }),
  taxpayerStatus: defineCodeTable('taxpayerStatus', { normal: '03', suspended: '05', cancelled: '07', abnormal: '09' }),
  arrearsFlag: defineCodeTable('arrearsFlag', [[true, 'Y'], [false, 'N']]),
};

const DIGEST_ALGS = ['sm3', 'sha256'];

/** item/zy: our `{ alg, value }` ↔ `alg:value` (e.g. `sm3:c614…`); read case-insensitively, written lower-case. */
export const digestPair: CustomConversion = {
  toNative(digest, ctx) {
    const d = digest as { alg?: unknown; value?: unknown };
    if (typeof d !== 'object' || !DIGEST_ALGS.includes(d.alg as string) || typeof d.value !== 'string' || !/^[0-9a-f]+$/.test(d.value)) {
      return ctx.fail(`${JSON.stringify(digest)} is not a digest {alg: sm3|sha256, value: lowercase hex}`);
    }
    return `${d.alg as string}:${d.value}`;
  },
  fromNative(text, ctx) {
    const m = /^(sm3|sha256):([0-9a-f]{64})$/i.exec(text.trim());
    if (!m) return ctx.fail(`${JSON.stringify(text.slice(0, 80))} is not alg:value with alg sm3 or sha256 and a 64-digit hex value`);
    return { alg: m[1]!.toLowerCase(), value: m[2]!.toLowerCase() };
  },
};

const PERSON = { 'applicant.type': 'person' } as const;
const ORGANISATION = { 'applicant.type': 'organisation' } as const;

/** case-record ↔ ReceiveCaseRequest/caseDoc (children in the README's order). */
export const receiveCaseMapping = defineMapping({
  name: 'tax ReceiveCaseRequest',
  version: TAX_MAPPING_VERSION,
  charset: 'gbk',
  codeTables: taxCodeTables,
  fields: nest('caseDoc', [
    { to: 'ywbh', from: 'caseNo' },
    { to: 'sxdm', from: 'matter.code' },
    { to: 'sxmc', from: 'matter.name' },
    { to: 'sxlb', from: 'matter.kind', codes: 'matterKind' },
    { to: 'sqrlb', from: 'applicant.type', codes: 'applicantType' },
    { to: 'sqrmc', from: 'applicant.name' },
    { to: 'zjlx', from: 'applicant.idType', codes: 'idType', when: PERSON },
    { to: 'zjhm', from: 'applicant.idNumber', when: PERSON },
    { to: 'nsrsbh', from: 'applicant.uscc', when: ORGANISATION },
    { to: 'fddbrxm', from: 'applicant.legalRepresentative', when: ORGANISATION },
    { to: 'lxdh', from: 'applicant.phone', when: PERSON },
    { to: 'lxdh', from: 'applicant.contactPhone', when: ORGANISATION },
    { to: 'slrq', from: 'acceptedAt', date: 'yyyyMMddHHmmss' },
    { to: 'slbm', from: 'acceptingDepartment' },
    { to: 'blsx', from: 'legalLimitDays', type: 'integer' },
    {
      to: 'clxx.item',
      from: 'materials',
      each: [
        { to: 'clmc', from: 'name' },
        { to: 'fs', from: 'copies', type: 'integer' },
        { to: 'clxs', from: 'form', codes: 'materialForm' },
        { to: 'zy', from: 'digest', custom: digestPair, optional: true },
      ],
    },
    { to: 'bz', from: 'remarks', optional: true },
  ]),
});

/** ReceiveCaseResponse → `{ code, message?, agencyReceipt? }` (accepted is added by receiveCaseResult). */
export const receiveCaseResponseMapping = defineMapping({
  name: 'tax ReceiveCaseResponse',
  version: TAX_MAPPING_VERSION,
  fields: [
    { to: 'retCode', from: 'code' },
    { to: 'retMsg', from: 'message', optional: true },
    { to: 'sllsh', from: 'agencyReceipt', optional: true },
  ],
});

/** case-status ↔ ReportCaseStatusRequest/ztxx. `result` is mapped whatever the status; the case-status schema allows it only with completed. */
export const reportCaseStatusMapping = defineMapping({
  name: 'tax ReportCaseStatusRequest',
  version: TAX_MAPPING_VERSION,
  charset: 'gbk',
  codeTables: taxCodeTables,
  fields: nest('ztxx', [
    { to: 'ywbh', from: 'caseNo' },
    { to: 'blzt', from: 'status', codes: 'caseStatus' },
    { to: 'blztmc', from: 'statusName', optional: true },
    { to: 'bljg', from: 'result', codes: 'result', optional: true },
    { to: 'jbr', from: 'officer' },
    { to: 'blsj', from: 'occurredAt', date: 'yyyyMMddHHmmss' },
    { to: 'blyj', from: 'opinion', optional: true },
    { to: 'swjg', from: 'department' },
  ]),
});

export const queryTaxStatusRequestMapping = defineMapping({
  name: 'tax QueryTaxStatusRequest',
  version: TAX_MAPPING_VERSION,
  charset: 'gbk',
  fields: [{ to: 'nsrsbh', from: 'uscc' }],
});

/** QueryTaxStatusResponse → the query-tax-status JSON. */
export const queryTaxStatusResponseMapping = defineMapping({
  name: 'tax QueryTaxStatusResponse',
  version: TAX_MAPPING_VERSION,
  codeTables: taxCodeTables,
  fields: [
    { to: 'nsrsbh', from: 'uscc' },
    { to: 'nsrmc', from: 'name' },
    { to: 'nsrzt', from: 'status', codes: 'taxpayerStatus' },
    { to: 'qsbz', from: 'arrears.owing', codes: 'arrearsFlag' },
    { to: 'qsje', from: 'arrears.amount', type: 'decimal', scale: 2 },
    { from: 'arrears.currency', constant: 'CNY' },
    { to: 'zgswjg', from: 'taxAuthority' },
  ],
});

/** A case record (validated payload) → the ReceiveCaseRequest element. Error pointers start at `pointer` (default `/payload`). */
export function caseRecordToReceiveCase(payload: Record<string, unknown>, pointer = '/payload'): NativeForm {
  return xmlForm('ReceiveCase', TAX_NS, 'ReceiveCaseRequest', receiveCaseMapping.toNative(payload, { pointer }));
}

export interface ReceiveCaseResult {
  /** retCode = 0000 (or 0: the same code typed as a number by a parser). */
  accepted: boolean;
  /** retCode as sent. */
  code: string;
  message?: string;
  /** sllsh: 受理流水号. */
  agencyReceipt?: string;
}

/** The parsed ReceiveCaseResponse → the result the delivery records. */
export function receiveCaseResult(response: NativeObject): ReceiveCaseResult {
  const r = receiveCaseResponseMapping.fromNative(response) as Omit<ReceiveCaseResult, 'accepted'>;
  return { accepted: r.code === '0000' || r.code === '0', ...r };
}

const CASE_NO = /^[A-Za-z0-9-]{1,40}$/;

/**
 * The parsed ReportCaseStatusRequest → a case-status payload, a deterministic messageId
 * (`tax-status:<ywbh>:<blzt>:<blsj>`: a re-sent report is the same message) and the caseId.
 */
export function reportCaseStatusToCaseStatus(request: NativeObject): { payload: Record<string, unknown>; messageId: string; caseId: string } {
  const payload = reportCaseStatusMapping.fromNative(request);
  const caseNo = payload.caseNo as string;
  if (!CASE_NO.test(caseNo)) throw invalidNative('ztxx.ywbh (caseNo)', '/ztxx/ywbh', 'is not a case number (letters, digits and hyphens, at most 40)');
  // From the mapped payload, not the raw text: a time the parser typed as a number still gives one id.
  const code = taxCodeTables.caseStatus.code(payload.status)!;
  const at = toNativeDate(payload.occurredAt as string, 'yyyyMMddHHmmss')!;
  return { payload, messageId: `tax-status:${caseNo}:${code}:${at}`, caseId: caseNo };
}

/** A case-status payload → the ReportCaseStatusRequest element (what the agency sends; for mock agencies and tests). */
export function caseStatusToReportCaseStatus(payload: Record<string, unknown>, pointer = '/payload'): NativeForm {
  return xmlForm('ReportCaseStatus', TAX_NS, 'ReportCaseStatusRequest', reportCaseStatusMapping.toNative(payload, { pointer }));
}

/** The inbound operation served at /soap/tax. */
export const reportCaseStatusOperation: InboundOperation = {
  operation: 'ReportCaseStatus',
  type: 'case-status',
  fromNative: reportCaseStatusToCaseStatus,
  accepted: (messageId) => ({ retCode: '0000', retMsg: '接收成功', xxbh: messageId }),
};

const USCC_PATTERN = '^[0-9A-HJ-NPQRTUWXY]{2}\\d{6}[0-9A-HJ-NPQRTUWXY]{10}$';

/** 纳税状态查询: POST /api/v1/services/{member}/query-tax-status. */
export const queryTaxStatus: ServiceSpec = {
  name: 'query-tax-status',
  title: '纳税状态查询',
  operation: 'QueryTaxStatus',
  requestSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['uscc'],
    properties: { uscc: { type: 'string', pattern: USCC_PATTERN, description: '统一社会信用代码 (纳税人识别号) / unified social credit code' } },
  },
  responseSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['uscc', 'name', 'status', 'arrears', 'taxAuthority'],
    properties: {
      uscc: { type: 'string', description: '纳税人识别号' },
      name: { type: 'string', description: '纳税人名称' },
      status: { type: 'string', enum: taxCodeTables.taxpayerStatus.values(), description: '纳税人状态: normal=正常, suspended=停业, cancelled=注销, abnormal=非正常户' },
      arrears: {
        type: 'object',
        additionalProperties: false,
        required: ['owing', 'amount', 'currency'],
        properties: {
          owing: { type: 'boolean', description: '欠税标志' },
          amount: { type: 'string', pattern: '^-?\\d+\\.\\d{2}$', description: '欠税金额 (元, two decimals)' },
          currency: { type: 'string', const: 'CNY' },
        },
      },
      taxAuthority: { type: 'string', description: '主管税务机关' },
    },
  },
  toNative: (request) => xmlForm('QueryTaxStatus', TAX_NS, 'QueryTaxStatusRequest', queryTaxStatusRequestMapping.toNative(request)),
  fromNative: (response) => queryTaxStatusResponseMapping.fromNative(response),
};

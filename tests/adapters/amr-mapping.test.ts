import { canonicalJson } from '../../gateway/crypto/canonical';
import { provenance } from '../../adapters/mapping';
import { parseXml } from '../../adapters/soap/safe-xml';
import type { NativeObject } from '../../adapters/types';
import {
  AMR_MAPPING_VERSION,
  AMR_NS,
  amrCodeTables,
  caseRecordToSubmitCase,
  caseStatusToReportStatus,
  queryEnterprise,
  reportStatusOperation,
  reportStatusToCaseStatus,
  submitCaseMapping,
  submitCaseResult,
} from '../../adapters/amr-soap/mapping';
import example from '../../schemas/examples/case-record.example.json';
import { sampleCaseRecord, sampleCaseStatus, samplePersonCaseRecord, validUscc, type CaseRecord } from '../fixtures/case-record';
import { parseChildren, validCaseRecord, validCaseStatus, plainAjv, caught, asPayload } from './mapping-support';


const validEnterprise = plainAjv.compile(queryEnterprise.responseSchema);
const validEnterpriseRequest = plainAjv.compile(queryEnterprise.requestSchema);


/** Element names of the SubmitCaseRequest's direct children, in order. */
const topLevelTags = (xml: string): string[] => [...xml.replace(/<amr:CLLB>.*<\/amr:CLLB>/s, '<amr:CLLB/>').matchAll(/<amr:(\w+)[ />]/g)].map((m) => m[1]!).slice(1);

const cl = (name: string, copies: number, form: string, digest?: [string, string]) =>
  `<amr:CL><amr:CLMC>${name}</amr:CLMC><amr:FS>${copies}</amr:FS><amr:CLXS>${form}</amr:CLXS>` +
  (digest ? `<amr:ZYSF>${digest[0]}</amr:ZYSF><amr:ZYZ>${digest[1]}</amr:ZYZ>` : '') +
  '</amr:CL>';

describe('amr SubmitCase: case record → SubmitCaseRequest', () => {
  it('converts every field of the example case record to the README fields and codes, in order', () => {
    const form = caseRecordToSubmitCase(example);
    expect(form.operation).toBe('SubmitCase');
    expect(form.mediaType).toBe('application/xml');
    expect(form.text).toBe(
      [
        '<amr:SubmitCaseRequest xmlns:amr="http://amr.jiangzhou.gov.cn/ws/case/v1">',
        '<amr:SLBH>JZ-ZJ-20260302-000001</amr:SLBH>',
        '<amr:SXBM>11350100003591280R-XK-0016-01</amr:SXBM>',
        '<amr:SXMC>建设工程规划许可（房屋建筑工程）</amr:SXMC>',
        '<amr:SXLX>XK</amr:SXLX>',
        '<amr:SQRLX>2</amr:SQRLX>',
        '<amr:SQRMC>福州榕城示范置业有限公司</amr:SQRMC>',
        '<amr:TYSHXYDM>91350100273896412W</amr:TYSHXYDM>',
        '<amr:FDDBR>陈建华</amr:FDDBR>',
        '<amr:LXDH>0591-87654321</amr:LXDH>',
        '<amr:SLSJ>2026-03-02 09:30:00</amr:SLSJ>',
        '<amr:SLBM>江州市政务服务大厅 综合受理窗口</amr:SLBM>',
        '<amr:FDBJSX>20</amr:FDBJSX>',
        '<amr:CLLB>',
        cl('建设工程规划许可证申请表', 1, '1'),
        cl('营业执照（副本）', 1, '2'),
        cl('法定代表人身份证明书及授权委托书', 1, '1'),
        cl('不动产权证书（国有建设用地使用权，电子证照）', 1, '3', ['SM3', 'c614bff046546ddffdd7ad83486b6a4862b9c27f212892fea068fa8a366ebf48']),
        cl('建设用地规划许可证及附图', 1, '2'),
        cl('建设工程设计方案审查意见及批准的总平面图', 2, '3', ['SM3', '96da67e1052b795b78d405b861237b52cbda630ad27bfb08011f0ed87c8317d1']),
        cl('建筑施工图设计文件（含节能专篇）', 1, '3', ['SM3', '42b265e4239cfccd2dc706d62668da71d82ca3586b165acbf9d4b95eb0a138cf']),
        cl('项目备案证明（企业投资项目备案表）', 1, '3', ['SHA256', '745bd7e6c9750b230350467d685fec231dc55890c4790894da9ab9bec388ec1c']),
        '</amr:CLLB>',
        '<amr:BZ>申请人于市行政服务中心综合受理窗口提交申请，材料齐全、符合法定形式，予以受理。本项目为住宅及配套商业用房，总建筑面积约 86,500 平方米，' +
          '涉及消防、人防、园林绿化等部门并联审批。营业执照、不动产权证书已通过“一网通办”电子证照库核验。</amr:BZ>',
        '</amr:SubmitCaseRequest>',
      ].join(''),
    );
  });

  it('maps a person applicant to ZJLX/ZJHM and the mobile phone, without organisation fields', () => {
    const person = samplePersonCaseRecord();
    const text = caseRecordToSubmitCase(asPayload(person)).text;
    expect(topLevelTags(text)).toEqual(['SLBH', 'SXBM', 'SXMC', 'SXLX', 'SQRLX', 'SQRMC', 'ZJLX', 'ZJHM', 'LXDH', 'SLSJ', 'SLBM', 'FDBJSX', 'CLLB']);
    expect(text).toContain(`<amr:SQRLX>1</amr:SQRLX><amr:SQRMC>林晓梅</amr:SQRMC><amr:ZJLX>111</amr:ZJLX><amr:ZJHM>${(person.applicant as { idNumber: string }).idNumber}</amr:ZJHM><amr:LXDH>13859012345</amr:LXDH>`);
    expect(text).toContain('<amr:FDBJSX>10</amr:FDBJSX>');
  });

  it('uses every code of every matter kind and material form', () => {
    for (const [kind, code] of amrCodeTables.matterKind.entries()) {
      const rec = sampleCaseRecord({ matter: { code: '350100-XQ-0231', name: '事项', kind: kind as CaseRecord['matter']['kind'] } });
      expect(caseRecordToSubmitCase(asPayload(rec)).text).toContain(`<amr:SXLX>${code}</amr:SXLX>`);
    }
    const forms = sampleCaseRecord({ materials: [{ name: 'a', copies: 1, form: '原件' }, { name: 'b', copies: 3, form: '复印件' }, { name: 'c', copies: 1, form: '电子件' }] });
    expect(caseRecordToSubmitCase(asPayload(forms)).text).toContain(`<amr:CLLB>${cl('a', 1, '1')}${cl('b', 3, '2')}${cl('c', 1, '3')}</amr:CLLB>`);
    const none = caseRecordToSubmitCase(asPayload(sampleCaseRecord({ materials: [] }))).text;
    expect(none).toContain('<amr:CLLB/>');
  });

  it('converts the acceptance time from any offset to Shanghai time', () => {
    const at = (acceptedAt: string) => caseRecordToSubmitCase(asPayload(sampleCaseRecord({ acceptedAt }))).text.match(/<amr:SLSJ>(.*?)<\/amr:SLSJ>/)![1];
    expect(at('2026-03-02T01:30:00Z')).toBe('2026-03-02 09:30:00');
    expect(at('2026-03-01T23:15:00-03:00')).toBe('2026-03-02 10:15:00');
  });

  it('round-trips: SubmitCaseRequest → case record gives the original back', () => {
    for (const rec of [example as unknown, sampleCaseRecord(), samplePersonCaseRecord(), sampleCaseRecord({ materials: [] })]) {
      const text = caseRecordToSubmitCase(asPayload(rec)).text;
      const back = submitCaseMapping.fromNative(parseChildren(text));
      expect(back).toEqual(rec);
      expect(validCaseRecord(back)).toBe(true);
      // The SOAP layer's own parser gives the same tree.
      expect(submitCaseMapping.fromNative(parseXml(text).SubmitCaseRequest as NativeObject)).toEqual(rec);
    }
  });

  it('passes GBK-range rare characters, full-width punctuation and markup through unchanged', () => {
    const rec = sampleCaseRecord({
      applicant: { type: 'organisation', name: '喆堃犇淼（福州）科技有限公司', uscc: validUscc('27389641'), legalRepresentative: '陶喆', contactPhone: '0591-87654321' },
      remarks: '备注：材料齐全。A&B <C> "引号" \'单引号\' （全角），：。',
    });
    const text = caseRecordToSubmitCase(asPayload(rec)).text;
    expect(text).toContain('<amr:SQRMC>喆堃犇淼（福州）科技有限公司</amr:SQRMC>');
    expect(text).toContain('<amr:BZ>备注：材料齐全。A&amp;B &lt;C&gt; &quot;引号&quot; &apos;单引号&apos; （全角），：。</amr:BZ>');
    expect(submitCaseMapping.fromNative(parseChildren(text))).toEqual(rec);
  });

  it('is deterministic, and its provenance changes when one character changes', () => {
    const a = caseRecordToSubmitCase(asPayload(sampleCaseRecord()));
    expect(caseRecordToSubmitCase(asPayload(sampleCaseRecord())).text).toBe(a.text);
    const meta = { adapter: 'amr-soap', adapterVersion: '1.0.0', mappingVersion: AMR_MAPPING_VERSION };
    const pa = provenance(meta, canonicalJson(sampleCaseRecord()), a, 'sm3');
    const changed = sampleCaseRecord({ acceptingDepartment: '福州市自然资源和规划局（市行政服务中心窗囗）' });
    const pb = provenance(meta, canonicalJson(changed), caseRecordToSubmitCase(asPayload(changed)), 'sm3');
    expect(pa).toMatchObject({ adapter: 'amr-soap', mappingVersion: 'amr-soap/1.0.0', operation: 'SubmitCase' });
    expect(pb.original.value).not.toBe(pa.original.value);
    expect(pb.converted.value).not.toBe(pa.converted.value);
  });

  it('refuses a matter kind or material form not in the code table, naming field, value, table and pointer', () => {
    const rec = { ...sampleCaseRecord(), matter: { code: '350100-XQ-0231', name: '事项', kind: '行政审批' } };
    const e = caught(() => caseRecordToSubmitCase(rec));
    expect(e.code).toBe('GW_ERR_ADAPTER_UNMAPPED_VALUE');
    expect(e.detail).toBe('SXLX (matter.kind): "行政审批" is not in code table matterKind');
    expect(e.extra.errors).toEqual([{ pointer: '/payload/matter/kind', message: '"行政审批" is not in code table matterKind' }]);
    const form = caught(() => caseRecordToSubmitCase({ ...sampleCaseRecord(), materials: [{ name: 'a', copies: 1, form: '原件' }, { name: 'b', copies: 1, form: '扫描件' }] }));
    expect(form.extra.errors).toEqual([{ pointer: '/payload/materials/1/form', message: '"扫描件" is not in code table materialForm' }]);
  });

  it('refuses a case record without a field the agency requires (matter kind, phone)', () => {
    const noKind = caught(() => caseRecordToSubmitCase(asPayload(sampleCaseRecord({ matter: { code: '350100-XQ-0231', name: '事项' } }))));
    expect(noKind.detail).toBe('SXLX (matter.kind): is absent, but amr SubmitCaseRequest requires SXLX');
    const { phone: _p, ...noPhone } = samplePersonCaseRecord().applicant as unknown as Record<string, unknown>;
    const e = caught(() => caseRecordToSubmitCase(asPayload(samplePersonCaseRecord({ applicant: noPhone as never }))));
    expect(e.extra.errors).toEqual([{ pointer: '/payload/applicant/phone', message: 'is absent, but amr SubmitCaseRequest requires LXDH' }]);
  });
});

describe('amr SubmitCaseResponse', () => {
  it('maps FHDM/FHXX/SJBH', () => {
    expect(submitCaseResult({ FHDM: '0', FHXX: '接收成功', SJBH: 'AMR-2026-000123' })).toEqual({ accepted: true, code: '0', message: '接收成功', agencyReceipt: 'AMR-2026-000123' });
    expect(submitCaseResult({ FHDM: 0 })).toEqual({ accepted: true, code: '0' });
    expect(submitCaseResult({ FHDM: '9', FHXX: '受理编号重复' })).toEqual({ accepted: false, code: '9', message: '受理编号重复' });
    expect(caught(() => submitCaseResult({ FHXX: 'x' })).extra.errors).toEqual([{ pointer: '/FHDM', message: 'is missing from amr SubmitCaseResponse' }]);
  });
});

describe('amr ReportStatus → case-status', () => {
  const report: NativeObject = { SLBH: 'JZ-ZJ-20260302-000001', ZTDM: '04', ZTMC: '办结', BLJG: '1', JBR: '王立新', FSSJ: '2026-03-20 16:05:00', YJ: '准予许可。', BMMC: '江州市市场监督管理局' };

  it('maps every field, with a deterministic messageId and the case number as caseId', () => {
    const r = reportStatusToCaseStatus(report);
    expect(r).toEqual({
      payload: {
        caseNo: 'JZ-ZJ-20260302-000001', status: 'completed', statusName: '办结', result: 'approved', officer: '王立新',
        occurredAt: '2026-03-20T16:05:00+08:00', opinion: '准予许可。', department: '江州市市场监督管理局',
      },
      messageId: 'amr-status:JZ-ZJ-20260302-000001:04:20260320160500',
      caseId: 'JZ-ZJ-20260302-000001',
    });
    expect(r.messageId).toMatch(/^[A-Za-z0-9._:@/-]{1,128}$/);
    expect(reportStatusToCaseStatus({ ...report, ZTDM: 4, FSSJ: '2026-03-20 16:05:00' }).messageId).toBe(r.messageId);
    expect(reportStatusOperation.fromNative(report)).toEqual(r);
    expect(reportStatusOperation).toMatchObject({ operation: 'ReportStatus', type: 'case-status' });
    expect(reportStatusOperation.accepted(r.messageId)).toEqual({ FHDM: '0', FHXX: '接收成功', XXBH: r.messageId });
  });

  it('produces case-status payloads valid against the schema for every status code', () => {
    for (const [status, code] of amrCodeTables.caseStatus.entries()) {
      const minimal: NativeObject = { SLBH: 'JZ-ZJ-20260302-000001', ZTDM: code, JBR: '李四', FSSJ: '2026-03-05 08:00:00', BMMC: '市场监管局' };
      const withAll = { ...minimal, ZTMC: '状态', YJ: '意见', ...(status === 'completed' ? { BLJG: '2' } : {}) };
      for (const native of [minimal, withAll]) {
        const { payload } = reportStatusToCaseStatus(native);
        expect(payload.status).toBe(status);
        expect(validCaseStatus(payload)).toBe(true);
      }
    }
    expect(validCaseStatus(reportStatusToCaseStatus({ ...report, ZTDM: '02', BLJG: '1' }).payload)).toBe(false);
  });

  it('round-trips case-status → ReportStatusRequest → case-status', () => {
    for (const status of [sampleCaseStatus(), sampleCaseStatus({ status: 'correction', result: undefined, statusName: '补正', opinion: '请补充：身份证明（复印件）& 授权书 <原件>。' })]) {
      const clean = JSON.parse(JSON.stringify(status)) as Record<string, unknown>;
      const form = caseStatusToReportStatus(clean);
      expect(form.text.startsWith('<amr:ReportStatusRequest xmlns:amr="http://amr.jiangzhou.gov.cn/ws/case/v1"><amr:SLBH>')).toBe(true);
      const { payload } = reportStatusToCaseStatus(parseChildren(form.text));
      expect(payload).toEqual(clean);
      expect(validCaseStatus(payload)).toBe(true);
    }
  });

  it('refuses an unknown status code, a missing field and a malformed time', () => {
    const e = caught(() => reportStatusToCaseStatus({ ...report, ZTDM: '99' }));
    expect(e.code).toBe('GW_ERR_ADAPTER_UNMAPPED_VALUE');
    expect(e.detail).toBe('ZTDM (status): code "99" is not in code table caseStatus');
    expect(e.extra.errors).toEqual([{ pointer: '/ZTDM', message: 'code "99" is not in code table caseStatus' }]);
    expect(caught(() => reportStatusToCaseStatus({ ...report, BLJG: '3' })).extra.errors![0]!.pointer).toBe('/BLJG');
    const { JBR: _j, ...noOfficer } = report;
    const missing = caught(() => reportStatusToCaseStatus(noOfficer));
    expect(missing.code).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
    expect(missing.extra.errors).toEqual([{ pointer: '/JBR', message: 'is missing from amr ReportStatusRequest' }]);
    const bad = caught(() => reportStatusToCaseStatus({ ...report, FSSJ: '2026/03/20 16:05' }));
    expect(bad.code).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
    expect(bad.detail).toBe('FSSJ (occurredAt): "2026/03/20 16:05" is not a date/time in the format yyyy-MM-dd HH:mm:ss');
    expect(caught(() => reportStatusToCaseStatus({ ...report, SLBH: 'JZ 0001 号' })).extra.errors![0]!.pointer).toBe('/SLBH');
  });
});

describe('amr query-enterprise service', () => {
  const uscc = validUscc('27389641');
  const response: NativeObject = {
    QYXX: { TYSHXYDM: uscc, QYMC: '福州榕城示范置业有限公司', FDDBR: '陈建华', DJZT: '1', ZCZB: '5000.00', ZS: '福建省福州市鼓楼区五四路 88 号', CLRQ: '20080516' },
  };

  it('declares the service and its request schema', () => {
    expect(queryEnterprise).toMatchObject({ name: 'query-enterprise', title: '企业登记信息查询', operation: 'QueryEnterprise' });
    expect(validEnterpriseRequest({ uscc })).toBe(true);
    for (const bad of [{}, { uscc: 'not-a-code' }, { uscc: uscc.replace(/.$/, 'I') }, { uscc, extra: 1 }]) expect(validEnterpriseRequest(bad)).toBe(false);
  });

  it('builds the request element', () => {
    expect(queryEnterprise.toNative({ uscc })).toEqual({
      operation: 'QueryEnterprise',
      mediaType: 'application/xml',
      text: `<amr:QueryEnterpriseRequest xmlns:amr="${AMR_NS.uri}"><amr:TYSHXYDM>${uscc}</amr:TYSHXYDM></amr:QueryEnterpriseRequest>`,
    });
  });

  it('maps the response to JSON valid against the response schema, for every registration status', () => {
    expect(queryEnterprise.fromNative(response)).toEqual({
      uscc,
      name: '福州榕城示范置业有限公司',
      legalRepresentative: '陈建华',
      status: 'active',
      registeredCapital: { amount: '5000.00', unit: '万元' },
      address: '福建省福州市鼓楼区五四路 88 号',
      establishedOn: '2008-05-16',
    });
    for (const [status, code] of amrCodeTables.registrationStatus.entries()) {
      const json = queryEnterprise.fromNative({ QYXX: { ...(response.QYXX as NativeObject), DJZT: code, ZCZB: '12.3456' } });
      expect(json.status).toBe(status);
      expect(validEnterprise(json)).toBe(true);
    }
  });

  it('refuses an unknown registration status or a malformed date', () => {
    const e = caught(() => queryEnterprise.fromNative({ QYXX: { ...(response.QYXX as NativeObject), DJZT: '9' } }));
    expect(e.code).toBe('GW_ERR_ADAPTER_UNMAPPED_VALUE');
    expect(e.extra.errors).toEqual([{ pointer: '/QYXX/DJZT', message: 'code "9" is not in code table registrationStatus' }]);
    expect(caught(() => queryEnterprise.fromNative({ QYXX: { ...(response.QYXX as NativeObject), CLRQ: '2008-05-16' } })).code).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
    expect(caught(() => queryEnterprise.fromNative({ QYXX: { ...(response.QYXX as NativeObject), ZCZB: '5,000' } })).code).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
    expect(caught(() => queryEnterprise.fromNative({})).extra.errors![0]!.pointer).toBe('/QYXX/TYSHXYDM');
  });
});

import { canonicalJson } from '../../gateway/crypto/canonical';
import { provenance } from '../../adapters/mapping';
import { parseXml } from '../../adapters/soap/safe-xml';
import type { NativeObject } from '../../adapters/types';
import {
  TAX_MAPPING_VERSION,
  TAX_NS,
  caseRecordToReceiveCase,
  caseStatusToReportCaseStatus,
  queryTaxStatus,
  receiveCaseMapping,
  receiveCaseResult,
  reportCaseStatusOperation,
  reportCaseStatusToCaseStatus,
  taxCodeTables,
} from '../../adapters/tax-soap/mapping';
import example from '../../schemas/examples/case-record.example.json';
import { sampleCaseRecord, sampleCaseStatus, samplePersonCaseRecord, validUscc } from '../fixtures/case-record';
import { parseChildren, validCaseRecord, validCaseStatus, plainAjv, caught, asPayload } from './mapping-support';


const validTaxStatus = plainAjv.compile(queryTaxStatus.responseSchema);
const validTaxStatusRequest = plainAjv.compile(queryTaxStatus.requestSchema);



const item = (name: string, copies: number, form: string, zy?: string) =>
  `<tax:item><tax:clmc>${name}</tax:clmc><tax:fs>${copies}</tax:fs><tax:clxs>${form}</tax:clxs>${zy ? `<tax:zy>${zy}</tax:zy>` : ''}</tax:item>`;

describe('tax ReceiveCase: case record → ReceiveCaseRequest/caseDoc', () => {
  it('converts every field of the example case record to the README fields and codes, in order', () => {
    const form = caseRecordToReceiveCase(example);
    expect(form.operation).toBe('ReceiveCase');
    expect(form.mediaType).toBe('application/xml');
    expect(form.text).toBe(
      [
        '<tax:ReceiveCaseRequest xmlns:tax="http://tax.jiangzhou.gov.cn/ws/gateway/v1"><tax:caseDoc>',
        '<tax:ywbh>JZ-ZJ-20260302-000001</tax:ywbh>',
        '<tax:sxdm>11350100003591280R-XK-0016-01</tax:sxdm>',
        '<tax:sxmc>建设工程规划许可（房屋建筑工程）</tax:sxmc>',
        '<tax:sxlb>01</tax:sxlb>',
        '<tax:sqrlb>DW</tax:sqrlb>',
        '<tax:sqrmc>福州榕城示范置业有限公司</tax:sqrmc>',
        '<tax:nsrsbh>91350100273896412W</tax:nsrsbh>',
        '<tax:fddbrxm>陈建华</tax:fddbrxm>',
        '<tax:lxdh>0591-87654321</tax:lxdh>',
        '<tax:slrq>20260302093000</tax:slrq>',
        '<tax:slbm>江州市政务服务大厅 综合受理窗口</tax:slbm>',
        '<tax:blsx>20</tax:blsx>',
        '<tax:clxx>',
        item('建设工程规划许可证申请表', 1, 'Y'),
        item('营业执照（副本）', 1, 'F'),
        item('法定代表人身份证明书及授权委托书', 1, 'Y'),
        item('不动产权证书（国有建设用地使用权，电子证照）', 1, 'D', 'sm3:c614bff046546ddffdd7ad83486b6a4862b9c27f212892fea068fa8a366ebf48'),
        item('建设用地规划许可证及附图', 1, 'F'),
        item('建设工程设计方案审查意见及批准的总平面图', 2, 'D', 'sm3:96da67e1052b795b78d405b861237b52cbda630ad27bfb08011f0ed87c8317d1'),
        item('建筑施工图设计文件（含节能专篇）', 1, 'D', 'sm3:42b265e4239cfccd2dc706d62668da71d82ca3586b165acbf9d4b95eb0a138cf'),
        item('项目备案证明（企业投资项目备案表）', 1, 'D', 'sha256:745bd7e6c9750b230350467d685fec231dc55890c4790894da9ab9bec388ec1c'),
        '</tax:clxx>',
        '<tax:bz>申请人于市行政服务中心综合受理窗口提交申请，材料齐全、符合法定形式，予以受理。本项目为住宅及配套商业用房，总建筑面积约 86,500 平方米，' +
          '涉及消防、人防、园林绿化等部门并联审批。营业执照、不动产权证书已通过“一网通办”电子证照库核验。</tax:bz>',
        '</tax:caseDoc></tax:ReceiveCaseRequest>',
      ].join(''),
    );
  });

  it('maps a person applicant to zjlx/zjhm and the mobile phone, without organisation fields', () => {
    const person = samplePersonCaseRecord();
    const text = caseRecordToReceiveCase(asPayload(person)).text;
    const tags = [...text.replace(/<tax:clxx>.*<\/tax:clxx>/s, '<tax:clxx/>').matchAll(/<tax:(\w+)[ />]/g)].map((m) => m[1]);
    expect(tags).toEqual(['ReceiveCaseRequest', 'caseDoc', 'ywbh', 'sxdm', 'sxmc', 'sxlb', 'sqrlb', 'sqrmc', 'zjlx', 'zjhm', 'lxdh', 'slrq', 'slbm', 'blsx', 'clxx']);
    expect(text).toContain(`<tax:sqrlb>ZRR</tax:sqrlb><tax:sqrmc>林晓梅</tax:sqrmc><tax:zjlx>201</tax:zjlx><tax:zjhm>${(person.applicant as { idNumber: string }).idNumber}</tax:zjhm><tax:lxdh>13859012345</tax:lxdh>`);
  });

  it('uses every code of every matter kind', () => {
    for (const [kind, code] of taxCodeTables.matterKind.entries()) {
      const rec = sampleCaseRecord({ matter: { code: '350100-XQ-0231', name: '事项', kind: kind as never } });
      expect(caseRecordToReceiveCase(asPayload(rec)).text).toContain(`<tax:sxlb>${code}</tax:sxlb>`);
    }
  });

  it('converts the acceptance time from any offset to Shanghai time', () => {
    const at = (acceptedAt: string) => caseRecordToReceiveCase(asPayload(sampleCaseRecord({ acceptedAt }))).text.match(/<tax:slrq>(\d+)<\/tax:slrq>/)![1];
    expect(at('2026-03-02T01:30:00Z')).toBe('20260302093000');
    expect(at('2026-03-01T18:45:30-00:30')).toBe('20260302031530');
  });

  it('round-trips: ReceiveCaseRequest → case record gives the original back', () => {
    for (const rec of [example as unknown, sampleCaseRecord(), samplePersonCaseRecord(), sampleCaseRecord({ materials: [] })]) {
      const text = caseRecordToReceiveCase(asPayload(rec)).text;
      const back = receiveCaseMapping.fromNative(parseChildren(text));
      expect(back).toEqual(rec);
      expect(validCaseRecord(back)).toBe(true);
      // The SOAP layer's own parser gives the same tree.
      expect(receiveCaseMapping.fromNative(parseXml(text).ReceiveCaseRequest as NativeObject)).toEqual(rec);
    }
  });

  it('passes GBK rare characters, full-width punctuation and markup through unchanged, and refuses what GBK cannot encode', () => {
    const rec = sampleCaseRecord({
      applicant: { type: 'organisation', name: '犇淼堃喆（江州）商贸有限公司', uscc: validUscc('27389641'), legalRepresentative: '陶喆', contactPhone: '0591-87654321' },
      remarks: '说明：A&B <C> "引号" \'单引号\'（全角），：。〔2026〕1号',
    });
    const text = caseRecordToReceiveCase(asPayload(rec)).text;
    expect(text).toContain('<tax:sqrmc>犇淼堃喆（江州）商贸有限公司</tax:sqrmc><tax:nsrsbh>');
    expect(text).toContain('<tax:bz>说明：A&amp;B &lt;C&gt; &quot;引号&quot; &apos;单引号&apos;（全角），：。〔2026〕1号</tax:bz>');
    expect(receiveCaseMapping.fromNative(parseChildren(text))).toEqual(rec);
    expect(new TextDecoder('gbk').decode(Buffer.from([0x86, 0xb4]))).toBe('喆'); // the platform's GBK table is the one checked against

    const person = samplePersonCaseRecord({ applicant: { type: 'person', name: '𠮷田', idType: '居民身份证', idNumber: (samplePersonCaseRecord().applicant as { idNumber: string }).idNumber, phone: '13859012345' } });
    const e = caught(() => caseRecordToReceiveCase(asPayload(person)));
    expect(e.code).toBe('GW_ERR_ADAPTER_UNMAPPED_VALUE');
    expect(e.detail).toBe('caseDoc.sqrmc (applicant.name): contains "𠮷" (U+20BB7), which GBK cannot encode (tax ReceiveCaseRequest is GBK)');
    expect(e.extra.errors).toEqual([{ pointer: '/payload/applicant/name', message: 'contains "𠮷" (U+20BB7), which GBK cannot encode (tax ReceiveCaseRequest is GBK)' }]);
  });

  it('is deterministic, and its provenance changes when one character changes', () => {
    const a = caseRecordToReceiveCase(asPayload(sampleCaseRecord()));
    expect(caseRecordToReceiveCase(asPayload(sampleCaseRecord())).text).toBe(a.text);
    const meta = { adapter: 'tax-soap', adapterVersion: '1.0.0', mappingVersion: TAX_MAPPING_VERSION };
    const pa = provenance(meta, canonicalJson(sampleCaseRecord()), a, 'sha256');
    const changed = sampleCaseRecord({ legalLimitDays: 21 });
    const pb = provenance(meta, canonicalJson(changed), caseRecordToReceiveCase(asPayload(changed)), 'sha256');
    expect(pa).toMatchObject({ adapter: 'tax-soap', mappingVersion: 'tax-soap/1.0.0', operation: 'ReceiveCase', converted: { alg: 'sha256', mediaType: 'application/xml' } });
    expect(pb.original.value).not.toBe(pa.original.value);
    expect(pb.converted.value).not.toBe(pa.converted.value);
  });

  it('refuses an unmapped matter kind or material form, naming field, value, table and pointer', () => {
    const e = caught(() => caseRecordToReceiveCase({ ...sampleCaseRecord(), matter: { code: '350100-XQ-0231', name: '事项', kind: '行政裁决' } }));
    expect(e.code).toBe('GW_ERR_ADAPTER_UNMAPPED_VALUE');
    expect(e.detail).toBe('caseDoc.sxlb (matter.kind): "行政裁决" is not in code table matterKind');
    expect(e.extra.errors).toEqual([{ pointer: '/payload/matter/kind', message: '"行政裁决" is not in code table matterKind' }]);
    const f = caught(() => caseRecordToReceiveCase({ ...sampleCaseRecord(), materials: [{ name: 'a', copies: 1, form: '副本' }] }));
    expect(f.detail).toBe('caseDoc.clxx.item.clxs (materials.0.form): "副本" is not in code table materialForm');
    expect(f.extra.errors![0]!.pointer).toBe('/payload/materials/0/form');
  });

  it('reads item/zy case-insensitively and refuses a malformed one', () => {
    const native = parseChildren(caseRecordToReceiveCase(asPayload(sampleCaseRecord())).text);
    const doc = native.caseDoc as NativeObject;
    const items = (doc.clxx as { item: NativeObject[] }).item;
    const upper = { caseDoc: { ...doc, clxx: { item: [{ ...items[3]!, zy: 'SM3:' + (items[3]!.zy as string).slice(4).toUpperCase() }] } } };
    expect((receiveCaseMapping.fromNative(upper).materials as Array<{ digest: unknown }>)[0]!.digest).toEqual(sampleCaseRecord().materials[3]!.digest);
    const bad = caught(() => receiveCaseMapping.fromNative({ caseDoc: { ...doc, clxx: { item: [{ ...items[3]!, zy: 'md5:abc' }] } } }));
    expect(bad.code).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
    expect(bad.extra.errors![0]!.pointer).toBe('/caseDoc/clxx/item/0/zy');
  });
});

describe('tax ReceiveCaseResponse', () => {
  it('maps retCode/retMsg/sllsh', () => {
    expect(receiveCaseResult({ retCode: '0000', retMsg: '成功', sllsh: 'SL2026030200017' })).toEqual({ accepted: true, code: '0000', message: '成功', agencyReceipt: 'SL2026030200017' });
    expect(receiveCaseResult({ retCode: 0 })).toEqual({ accepted: true, code: '0' });
    expect(receiveCaseResult({ retCode: '1001', retMsg: '业务编号重复' })).toEqual({ accepted: false, code: '1001', message: '业务编号重复' });
    expect(caught(() => receiveCaseResult({})).code).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
  });
});

describe('tax ReportCaseStatus → case-status', () => {
  const report: NativeObject = {
    ztxx: { ywbh: 'JZ-ZJ-20260302-000001', blzt: 'BJ', blztmc: '办结', bljg: 'TY', jbr: '张税', blsj: '20260320160500', blyj: '同意。', swjg: '国家税务总局江州市税务局' },
  };

  it('maps every field, with a deterministic messageId and the case number as caseId', () => {
    const r = reportCaseStatusToCaseStatus(report);
    expect(r).toEqual({
      payload: {
        caseNo: 'JZ-ZJ-20260302-000001', status: 'completed', statusName: '办结', result: 'approved', officer: '张税',
        occurredAt: '2026-03-20T16:05:00+08:00', opinion: '同意。', department: '国家税务总局江州市税务局',
      },
      messageId: 'tax-status:JZ-ZJ-20260302-000001:BJ:20260320160500',
      caseId: 'JZ-ZJ-20260302-000001',
    });
    expect(r.messageId).toMatch(/^[A-Za-z0-9._:@/-]{1,128}$/);
    expect(reportCaseStatusToCaseStatus({ ztxx: { ...(report.ztxx as NativeObject), blsj: 20260320160500 } }).messageId).toBe(r.messageId);
    expect(reportCaseStatusOperation).toMatchObject({ operation: 'ReportCaseStatus', type: 'case-status' });
    expect(reportCaseStatusOperation.fromNative(report)).toEqual(r);
    expect(reportCaseStatusOperation.accepted(r.messageId)).toEqual({ retCode: '0000', retMsg: '接收成功', xxbh: r.messageId });
  });

  it('produces case-status payloads valid against the schema for every status code', () => {
    for (const [status, code] of taxCodeTables.caseStatus.entries()) {
      const minimal: NativeObject = { ywbh: 'JZ-ZJ-20260302-000001', blzt: code, jbr: '张税', blsj: '20260305080000', swjg: '税务局' };
      const withAll = { ...minimal, blztmc: '状态', blyj: '意见', ...(status === 'completed' ? { bljg: 'BTY' } : {}) };
      for (const ztxx of [minimal, withAll]) {
        const { payload } = reportCaseStatusToCaseStatus({ ztxx });
        expect(payload.status).toBe(status);
        expect(validCaseStatus(payload)).toBe(true);
      }
    }
  });

  it('round-trips case-status → ReportCaseStatusRequest → case-status', () => {
    const status = JSON.parse(JSON.stringify(sampleCaseStatus())) as Record<string, unknown>;
    const form = caseStatusToReportCaseStatus(status);
    expect(form.text.startsWith(`<tax:ReportCaseStatusRequest xmlns:tax="${TAX_NS.uri}"><tax:ztxx><tax:ywbh>`)).toBe(true);
    const { payload } = reportCaseStatusToCaseStatus(parseChildren(form.text));
    expect(payload).toEqual(status);
    expect(validCaseStatus(payload)).toBe(true);
  });

  it('refuses an unknown status code, a missing field and a malformed time', () => {
    const e = caught(() => reportCaseStatusToCaseStatus({ ztxx: { ...(report.ztxx as NativeObject), blzt: 'XX' } }));
    expect(e.code).toBe('GW_ERR_ADAPTER_UNMAPPED_VALUE');
    expect(e.detail).toBe('ztxx.blzt (status): code "XX" is not in code table caseStatus');
    expect(e.extra.errors).toEqual([{ pointer: '/ztxx/blzt', message: 'code "XX" is not in code table caseStatus' }]);
    const missing = caught(() => reportCaseStatusToCaseStatus({}));
    expect(missing.code).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
    expect(missing.extra.errors).toEqual([{ pointer: '/ztxx/ywbh', message: 'is missing from tax ReportCaseStatusRequest' }]);
    const bad = caught(() => reportCaseStatusToCaseStatus({ ztxx: { ...(report.ztxx as NativeObject), blsj: '2026-03-20 16:05:00' } }));
    expect(bad.code).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
    expect(bad.extra.errors![0]!.pointer).toBe('/ztxx/blsj');
  });
});

describe('tax query-tax-status service', () => {
  const uscc = validUscc('27389641');
  const response: NativeObject = { nsrsbh: uscc, nsrmc: '福州榕城示范置业有限公司', nsrzt: '03', qsbz: 'N', qsje: '0.00', zgswjg: '国家税务总局江州市鼓楼区税务局' };

  it('declares the service, its request schema and builds the request element', () => {
    expect(queryTaxStatus).toMatchObject({ name: 'query-tax-status', title: '纳税状态查询', operation: 'QueryTaxStatus' });
    expect(validTaxStatusRequest({ uscc })).toBe(true);
    expect(validTaxStatusRequest({ uscc: 'x' })).toBe(false);
    expect(queryTaxStatus.toNative({ uscc }).text).toBe(`<tax:QueryTaxStatusRequest xmlns:tax="${TAX_NS.uri}"><tax:nsrsbh>${uscc}</tax:nsrsbh></tax:QueryTaxStatusRequest>`);
  });

  it('maps the response to JSON valid against the response schema, for every taxpayer status', () => {
    expect(queryTaxStatus.fromNative(response)).toEqual({
      uscc, name: '福州榕城示范置业有限公司', status: 'normal', arrears: { owing: false, amount: '0.00', currency: 'CNY' }, taxAuthority: '国家税务总局江州市鼓楼区税务局',
    });
    for (const [status, code] of taxCodeTables.taxpayerStatus.entries()) {
      const json = queryTaxStatus.fromNative({ ...response, nsrzt: code, qsbz: 'Y', qsje: '1234.5' });
      expect(json).toMatchObject({ status, arrears: { owing: true, amount: '1234.50', currency: 'CNY' } });
      expect(validTaxStatus(json)).toBe(true);
    }
    expect(queryTaxStatus.fromNative({ ...response, qsje: 0 }).arrears).toEqual({ owing: false, amount: '0.00', currency: 'CNY' });
  });

  it('refuses an unknown status or flag and an amount finer than 分', () => {
    const e = caught(() => queryTaxStatus.fromNative({ ...response, nsrzt: '01' }));
    expect(e.code).toBe('GW_ERR_ADAPTER_UNMAPPED_VALUE');
    expect(e.extra.errors).toEqual([{ pointer: '/nsrzt', message: 'code "01" is not in code table taxpayerStatus' }]);
    expect(caught(() => queryTaxStatus.fromNative({ ...response, qsbz: 'X' })).extra.errors![0]!.pointer).toBe('/qsbz');
    expect(caught(() => queryTaxStatus.fromNative({ ...response, qsje: '1.005' })).code).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
  });
});

/**
 * The 电子监察 notice (supervision-notice) in the two SOAP agencies' own elements and codes
 * (README.md of adapters/tax-soap and adapters/amr-soap): exact XML, and read back to the same JSON.
 */
import { noticeToReceiveSupervisionNotice, supervisionNoticeMapping as taxNotice } from '../../adapters/tax-soap/notice';
import { noticeToSubmitSupervisionNotice, supervisionNoticeMapping as amrNotice } from '../../adapters/amr-soap/notice';
import { taxSoap } from '../../adapters/tax-soap/adapter';
import { amrSoap } from '../../adapters/amr-soap/adapter';
import example from '../../schemas/examples/supervision-notice.example.json';
import { caught, parseChildren } from './mapping-support';

const red = { ...example, kind: 'overdue', card: '红牌', workingDaysLeft: -3 };
const { workingDaysLeft: _left, ...uncovered } = example;

test('税务 ReceiveSupervisionNotice: every field, in the README order, GBK-checked; read back to the same notice', () => {
  const form = noticeToReceiveSupervisionNotice(example);
  expect(form.operation).toBe('ReceiveSupervisionNotice');
  expect(form.text).toBe(
    [
      '<tax:ReceiveSupervisionNoticeRequest xmlns:tax="http://tax.jiangzhou.gov.cn/ws/gateway/v1"><tax:jctz>',
      '<tax:pbh>0b9f3c52-6a1e-4c57-9d0e-5f3c2a7b8e41</tax:pbh><tax:jclx>YJ</tax:jclx><tax:ps>H</tax:ps>',
      '<tax:ywbh>JZ-ZJ-20260302-000001</tax:ywbh><tax:sxdm>11360100MB2345678-001</tax:sxdm><tax:sxmc>建设工程规划许可证核发</tax:sxmc>',
      '<tax:zrbm>housing</tax:zrbm><tax:blsx>10</tax:blsx><tax:slrq>20260302</tax:slrq><tax:bjqx>20260316</tax:bjqx>',
      '<tax:sygzr>2</tax:sygzr><tax:lprq>20260312</tax:lprq><tax:rzxh>42</tax:rzxh>',
      '</tax:jctz></tax:ReceiveSupervisionNoticeRequest>',
    ].join(''),
  );
  for (const n of [example, red, uncovered]) expect(taxNotice.fromNative(parseChildren(noticeToReceiveSupervisionNotice(n).text))).toEqual(n);
  expect(noticeToReceiveSupervisionNotice(red).text).toContain('<tax:jclx>CS</tax:jclx><tax:ps>R</tax:ps>');
  expect(noticeToReceiveSupervisionNotice(uncovered).text).not.toContain('sygzr');
  const e = caught(() => noticeToReceiveSupervisionNotice({ ...example, matter: { ...example.matter, name: '𠮷田规划许可' } }));
  expect(e.code).toBe('GW_ERR_ADAPTER_UNMAPPED_VALUE');
  expect(e.extra.errors).toEqual([expect.objectContaining({ pointer: '/payload/matter/name' })]);
});

test('市场监管 SubmitSupervisionNotice: every field, in the README order; read back to the same notice', () => {
  const form = noticeToSubmitSupervisionNotice(example);
  expect(form.operation).toBe('SubmitSupervisionNotice');
  expect(form.text).toBe(
    [
      '<amr:SubmitSupervisionNoticeRequest xmlns:amr="http://amr.jiangzhou.gov.cn/ws/case/v1">',
      '<amr:PH>0b9f3c52-6a1e-4c57-9d0e-5f3c2a7b8e41</amr:PH><amr:JCLX>1</amr:JCLX><amr:PS>Y</amr:PS>',
      '<amr:SLBH>JZ-ZJ-20260302-000001</amr:SLBH><amr:SXBM>11360100MB2345678-001</amr:SXBM><amr:SXMC>建设工程规划许可证核发</amr:SXMC>',
      '<amr:ZRBM>housing</amr:ZRBM><amr:FDBJSX>10</amr:FDBJSX><amr:SLRQ>2026-03-02</amr:SLRQ><amr:BJQX>2026-03-16</amr:BJQX>',
      '<amr:SYGZR>2</amr:SYGZR><amr:LPRQ>2026-03-12</amr:LPRQ><amr:RZXH>42</amr:RZXH>',
      '</amr:SubmitSupervisionNoticeRequest>',
    ].join(''),
  );
  for (const n of [example, red, uncovered]) expect(amrNotice.fromNative(parseChildren(noticeToSubmitSupervisionNotice(n).text))).toEqual(n);
  expect(noticeToSubmitSupervisionNotice(red).text).toContain('<amr:JCLX>2</amr:JCLX><amr:PS>R</amr:PS>');
});

test('both adapters deliver the notice type (it was refused with GW_ERR_ADAPTER_UNMAPPED_VALUE before)', () => {
  expect(taxSoap.delivers).toEqual(['case-record', 'supervision-notice']);
  expect(amrSoap.delivers).toEqual(['case-record', 'supervision-notice']);
  expect(taxSoap.toReceiver('supervision-notice', example)?.operation).toBe('ReceiveSupervisionNotice');
  expect(amrSoap.toReceiver('supervision-notice', example)?.operation).toBe('SubmitSupervisionNotice');
});

/**
 * tax-soap: the 电子监察 notice (supervision-notice, schemas/supervision-notice.schema.json) →
 * ReceiveSupervisionNotice. The agency answers as to ReceiveCase (retCode 0000 = received),
 * so the delivery reads its answer with receiveCaseResult. Contract: README.md beside this file.
 */
import type { NativeForm, NativeObject } from '../types';
import { defineCodeTable, defineMapping, nest, xmlForm } from '../mapping';
import { TAX_MAPPING_VERSION, TAX_NS } from './mapping';

export const taxNoticeCodeTables = {
  /** 监察类型: 预警 / 超时. */
  supervisionKind: defineCodeTable('supervisionKind', { warning: 'YJ', overdue: 'CS' }),
  /** 牌色: 黄牌 / 红牌. */
  cardColour: defineCodeTable('cardColour', { 黄牌: 'H', 红牌: 'R' }),
};

/** supervision-notice ↔ ReceiveSupervisionNoticeRequest/jctz (children in the README's order). */
export const supervisionNoticeMapping = defineMapping({
  name: 'tax ReceiveSupervisionNoticeRequest',
  version: TAX_MAPPING_VERSION,
  charset: 'gbk',
  codeTables: taxNoticeCodeTables,
  fields: nest('jctz', [
    { to: 'pbh', from: 'cardId' },
    { to: 'jclx', from: 'kind', codes: 'supervisionKind' },
    { to: 'ps', from: 'card', codes: 'cardColour' },
    { to: 'ywbh', from: 'caseNo' },
    { to: 'sxdm', from: 'matter.code' },
    { to: 'sxmc', from: 'matter.name' },
    { to: 'zrbm', from: 'department' },
    { to: 'blsx', from: 'legalLimitDays', type: 'integer' },
    { to: 'slrq', from: 'acceptedOn', date: 'yyyyMMdd' },
    { to: 'bjqx', from: 'dueOn', date: 'yyyyMMdd' },
    { to: 'sygzr', from: 'workingDaysLeft', type: 'integer', optional: true },
    { to: 'lprq', from: 'raisedOn', date: 'yyyyMMdd' },
    { to: 'rzxh', from: 'logIndex', type: 'integer' },
  ]),
});

/** A supervision notice (validated payload) → the ReceiveSupervisionNoticeRequest element. */
export function noticeToReceiveSupervisionNotice(payload: Record<string, unknown>, pointer = '/payload'): NativeForm {
  return xmlForm('ReceiveSupervisionNotice', TAX_NS, 'ReceiveSupervisionNoticeRequest', supervisionNoticeMapping.toNative(payload, { pointer }));
}

/** The parsed request → the notice as JSON (what the agency received; for the mock agency and tests). */
export const receiveSupervisionNoticeToNotice = (request: NativeObject): Record<string, unknown> => supervisionNoticeMapping.fromNative(request);

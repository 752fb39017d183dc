/**
 * amr-soap: the 电子监察 notice (supervision-notice, schemas/supervision-notice.schema.json) →
 * SubmitSupervisionNotice. The agency answers as to SubmitCase (FHDM 0 = received), so the
 * delivery reads its answer with submitCaseResult. Contract: README.md beside this file.
 */
import type { NativeForm, NativeObject } from '../types';
import { defineCodeTable, defineMapping, xmlForm } from '../mapping';
import { AMR_MAPPING_VERSION, AMR_NS } from './mapping';

export const amrNoticeCodeTables = {
  /** 监察类型: 1 预警, 2 超时. */
  supervisionKind: defineCodeTable('supervisionKind', { warning: '1', overdue: '2' }),
  /** 牌色: Y 黄牌, R 红牌. */
  cardColour: defineCodeTable('cardColour', { 黄牌: 'Y', 红牌: 'R' }),
};

/** supervision-notice ↔ SubmitSupervisionNoticeRequest (children in the README's order). */
export const supervisionNoticeMapping = defineMapping({
  name: 'amr SubmitSupervisionNoticeRequest',
  version: AMR_MAPPING_VERSION,
  codeTables: amrNoticeCodeTables,
  fields: [
    { to: 'PH', from: 'cardId' },
    { to: 'JCLX', from: 'kind', codes: 'supervisionKind' },
    { to: 'PS', from: 'card', codes: 'cardColour' },
    { to: 'SLBH', from: 'caseNo' },
    { to: 'SXBM', from: 'matter.code' },
    { to: 'SXMC', from: 'matter.name' },
    { to: 'ZRBM', from: 'department' },
    { to: 'FDBJSX', from: 'legalLimitDays', type: 'integer' },
    { to: 'SLRQ', from: 'acceptedOn', date: 'yyyy-MM-dd' },
    { to: 'BJQX', from: 'dueOn', date: 'yyyy-MM-dd' },
    { to: 'SYGZR', from: 'workingDaysLeft', type: 'integer', optional: true },
    { to: 'LPRQ', from: 'raisedOn', date: 'yyyy-MM-dd' },
    { to: 'RZXH', from: 'logIndex', type: 'integer' },
  ],
});

/** A supervision notice (validated payload) → the SubmitSupervisionNoticeRequest element. */
export function noticeToSubmitSupervisionNotice(payload: Record<string, unknown>, pointer = '/payload'): NativeForm {
  return xmlForm('SubmitSupervisionNotice', AMR_NS, 'SubmitSupervisionNoticeRequest', supervisionNoticeMapping.toNative(payload, { pointer }));
}

/** The parsed request → the notice as JSON (what the agency received; for the mock agency and tests). */
export const submitSupervisionNoticeToNotice = (request: NativeObject): Record<string, unknown> => supervisionNoticeMapping.fromNative(request);

import { Lifecycle } from '../lifecycle';
import type { Operation } from '../registry/permissions';

/**
 * The two 公文 lifecycles (党政机关公文处理工作条例; gateway/lifecycle.ts tables).
 *
 * 发文 (the document, steps by the sending department):
 *   起草 drafted → 审核 reviewed → 签发 signed_off → 登记 registered (发文字号 assigned)
 *   → 用印 sealed (the department's signature over the canonical document) → 分发 distributed
 *
 * 收文 (one receipt per addressee department, steps by that department):
 *   分发 delivered → 签收 signed (a signed 回执 goes back to the sender) → 登记 recorded
 *   → 拟办 proposed → 批办 approved → 承办 assigned (assignee, deadline) → 办结 completed
 *   转办 forwarded (a new receipt for the other department, chained to this one);
 *   退回 returned (with a reason, back to the sender) before 登记.
 *
 * Each row names, besides from/to, the permission the step needs (`op`), the Chinese
 * step name, and whether the department signs it (`signs`: 签发, 用印, 签收 回执, 退回).
 */
export type OutgoingStatus = 'drafted' | 'reviewed' | 'signed_off' | 'registered' | 'sealed' | 'distributed';
export type OutgoingEvent = 'drafted' | 'reviewed' | 'signed_off' | 'registered' | 'sealed' | 'distributed';
export type ReceiptStatus = 'delivered' | 'signed' | 'recorded' | 'proposed' | 'approved' | 'assigned' | 'forwarded' | 'completed' | 'returned';
export type ReceiptEvent = 'delivered' | 'signed_for' | 'recorded' | 'proposed' | 'approved' | 'assigned' | 'forwarded' | 'completed' | 'returned';

export interface StepInfo {
  /** 中文 step name (trace, UI). */
  name: string;
  op: Operation;
  signs?: boolean;
}

export const outgoingLifecycle = new Lifecycle<OutgoingStatus, OutgoingEvent, StepInfo>({
  subject: 'official document',
  statuses: { drafted: true, reviewed: true, signed_off: true, registered: true, sealed: true, distributed: true },
  creation: 'drafted',
  transitions: {
    drafted: { from: [], to: 'drafted', name: '起草', op: 'documents.draft' },
    reviewed: { from: ['drafted'], to: 'reviewed', name: '审核', op: 'documents.handle' },
    signed_off: { from: ['reviewed'], to: 'signed_off', name: '签发', op: 'documents.signOff', signs: true },
    registered: { from: ['signed_off'], to: 'registered', name: '登记', op: 'documents.handle' },
    sealed: { from: ['registered'], to: 'sealed', name: '用印', op: 'documents.handle', signs: true },
    distributed: { from: ['sealed'], to: 'distributed', name: '分发', op: 'documents.handle' },
  },
  final: { statuses: ['distributed'], refusal: 'GW_ERR_DOCUMENT_INVALID_TRANSITION' },
  refusal: 'GW_ERR_DOCUMENT_INVALID_TRANSITION',
});

const HANDLING: ReceiptStatus[] = ['recorded', 'proposed', 'approved', 'assigned'];

export const receiptLifecycle = new Lifecycle<ReceiptStatus, ReceiptEvent, StepInfo>({
  subject: 'received document',
  statuses: { delivered: true, signed: true, recorded: true, proposed: true, approved: true, assigned: true, forwarded: true, completed: true, returned: true },
  creation: 'delivered',
  transitions: {
    delivered: { from: [], to: 'delivered', name: '分发', op: 'documents.handle' },
    signed_for: { from: ['delivered'], to: 'signed', name: '签收', op: 'documents.handle', signs: true },
    recorded: { from: ['signed'], to: 'recorded', name: '登记', op: 'documents.handle' },
    proposed: { from: ['recorded'], to: 'proposed', name: '拟办', op: 'documents.handle' },
    approved: { from: ['recorded', 'proposed'], to: 'approved', name: '批办', op: 'documents.signOff' },
    assigned: { from: HANDLING, to: 'assigned', name: '承办', op: 'documents.handle' },
    forwarded: { from: HANDLING, to: 'forwarded', name: '转办', op: 'documents.handle' },
    completed: { from: HANDLING, to: 'completed', name: '办结', op: 'documents.handle' },
    returned: { from: ['delivered', 'signed'], to: 'returned', name: '退回', op: 'documents.handle', signs: true },
  },
  final: { statuses: ['forwarded', 'completed', 'returned'], refusal: 'GW_ERR_DOCUMENT_INVALID_TRANSITION' },
  refusal: 'GW_ERR_DOCUMENT_INVALID_TRANSITION',
});

/** The steps as the API names them (POST /documents/{id}/{step}), and the event each is. */
export const OUTGOING_STEPS = { review: 'reviewed', 'sign-off': 'signed_off', register: 'registered', seal: 'sealed', distribute: 'distributed' } as const satisfies Record<string, Exclude<OutgoingEvent, 'drafted'>>;
export const RECEIPT_STEPS = {
  'sign-for': 'signed_for',
  record: 'recorded',
  propose: 'proposed',
  approve: 'approved',
  assign: 'assigned',
  forward: 'forwarded',
  complete: 'completed',
  return: 'returned',
} as const satisfies Record<string, Exclude<ReceiptEvent, 'delivered'>>;
export type OutgoingStep = keyof typeof OUTGOING_STEPS;
export type ReceiptStep = keyof typeof RECEIPT_STEPS;
export type DocumentStep = OutgoingStep | ReceiptStep;

/** Sort rank of 紧急程度: 特提, 特急, 加急 first; no mark last. */
export const urgencyRank = (level: string | undefined): number => {
  const i = ['特提', '特急', '加急', '平急'].indexOf(level ?? '');
  return i < 0 ? 4 : i;
};

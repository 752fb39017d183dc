/**
 * The 公文 lifecycle tables (pure): the paths the workflow allows, the final statuses, the
 * permission and signing each step names, and the urgency order.
 */
import { GatewayError } from '../../gateway/errors';
import { outgoingLifecycle, receiptLifecycle, urgencyRank, OUTGOING_STEPS, RECEIPT_STEPS } from '../../gateway/documents/lifecycle';

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as GatewayError).code;
  }
  return 'allowed';
};

test('发文 goes 起草 → 审核 → 签发 → 登记 → 用印 → 分发 and nowhere else', () => {
  expect(outgoingLifecycle.walk(['drafted', 'reviewed', 'signed_off', 'registered', 'sealed', 'distributed'])).toBe('distributed');
  for (const skip of [['drafted', 'signed_off'], ['drafted', 'reviewed', 'registered'], ['drafted', 'reviewed', 'signed_off', 'sealed'], ['drafted', 'distributed']] as const) {
    expect(refusal(() => outgoingLifecycle.walk([...skip]))).toBe('GW_ERR_DOCUMENT_INVALID_TRANSITION');
  }
  expect(refusal(() => outgoingLifecycle.next('distributed', 'reviewed'))).toBe('GW_ERR_DOCUMENT_INVALID_TRANSITION');
});

test('收文: 签收 before 登记, 退回 only before 登记, 转办/办结 after it; forwarded, completed and returned are final', () => {
  expect(receiptLifecycle.walk(['delivered', 'signed_for', 'recorded', 'proposed', 'approved', 'assigned', 'completed'])).toBe('completed');
  expect(receiptLifecycle.walk(['delivered', 'signed_for', 'recorded', 'forwarded'])).toBe('forwarded');
  expect(receiptLifecycle.walk(['delivered', 'returned'])).toBe('returned');
  expect(receiptLifecycle.walk(['delivered', 'signed_for', 'returned'])).toBe('returned');
  expect(refusal(() => receiptLifecycle.walk(['delivered', 'recorded']))).toBe('GW_ERR_DOCUMENT_INVALID_TRANSITION');
  expect(refusal(() => receiptLifecycle.walk(['delivered', 'signed_for', 'recorded', 'returned']))).toBe('GW_ERR_DOCUMENT_INVALID_TRANSITION');
  for (const final of ['forwarded', 'completed', 'returned'] as const) {
    for (const e of receiptLifecycle.events.filter((x) => x !== 'delivered')) expect(receiptLifecycle.allows(final, e)).toBe(false);
  }
});

test('only 签发 and 批办 need the signer role; 签发, 用印, 签收 and 退回 are signed', () => {
  const rows = [...Object.values(OUTGOING_STEPS).map((e) => outgoingLifecycle.step(e)), ...Object.values(RECEIPT_STEPS).map((e) => receiptLifecycle.step(e))];
  expect(rows.filter((r) => r.op === 'documents.signOff').map((r) => r.name)).toEqual(['签发', '批办']);
  expect(rows.filter((r) => r.signs).map((r) => r.name)).toEqual(['签发', '用印', '签收', '退回']);
});

test('特提, 特急, 加急 sort before 平急 and before no mark', () => {
  expect(['加急', undefined, '特急', '平急', '特提'].sort((a, b) => urgencyRank(a) - urgencyRank(b))).toEqual(['特提', '特急', '加急', '平急', undefined]);
});

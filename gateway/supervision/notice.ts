import { GatewayError } from '../errors';
import { preparePush, type PushDeps } from '../exchange/push';
import type { ExchangeWriter } from '../exchange/writer';
import type { Principal } from '../registry/principal';
import { CARD_NAMES } from './rules';
import type { PendingNotice } from './cards';

/**
 * The `supervision-notice` message (schemas/supervision-notice.schema.json) that tells the
 * responsible department of its card, through the normal exchange path: checked and signed
 * like any push, committed with its 'message.received' log entry, then delivered to the
 * department's webhook (push mode) or waiting in its inbox (pull mode).
 *
 * The sender is the case's hall (the 政务服务 centre runs 电子监察 over the cases it
 * accepted), signed on its behalf by the gateway. A notice is mandated by the supervision
 * rules, not by an exchange agreement between the two, so the agreement check is the only
 * check it skips. Its messageId is the card's id: a second runner (or a retry after a crash)
 * sending the same notice gets the same message back as a duplicate, never a second one.
 */
export const NOTICE_TYPE = 'supervision-notice';
export const NOTICE_PURPOSE = 'supervision';

export function noticePayload(n: PendingNotice): Record<string, unknown> {
  return {
    cardId: n.id,
    kind: n.kind,
    card: CARD_NAMES[n.kind],
    caseNo: n.caseNo,
    matter: n.matter,
    department: n.department,
    legalLimitDays: n.legalLimitDays,
    acceptedOn: n.acceptedOn,
    dueOn: n.dueOn,
    ...(n.workingDaysLeft === null ? {} : { workingDaysLeft: n.workingDaysLeft }),
    raisedOn: n.raisedOn,
    logIndex: n.logIdx,
  };
}

/** Sends one card's notice. Resolves to the message id, or a refusal (e.g. the department's adapter cannot carry it); store failures throw. */
export async function sendNotice(push: PushDeps, writer: Pick<ExchangeWriter, 'submit'>, n: PendingNotice): Promise<{ messageId: string } | { error: string }> {
  const principal: Principal = { kind: 'system', member: n.hall, system: 'supervision' };
  const mandated: PushDeps = { ...push, agreements: { check: () => {} } };
  try {
    const msg = preparePush(mandated, principal, {
      to: n.department, type: NOTICE_TYPE, messageId: `supervision-${n.id}`, caseId: n.caseNo, purpose: NOTICE_PURPOSE, payload: noticePayload(n),
    });
    const out = await writer.submit(msg);
    if (out.outcome === 'conflict') return { error: `GW_ERR_EXCHANGE_DUPLICATE_CONFLICT: message ${out.existingId} holds another notice with this card's id` };
    return { messageId: out.receipt.id };
  } catch (err) {
    if (err instanceof GatewayError && err.code !== 'GW_ERR_STORE_UNAVAILABLE' && err.code !== 'GW_ERR_OVERLOADED') return { error: `${err.code}: ${err.detail ?? err.title}` };
    throw err;
  }
}

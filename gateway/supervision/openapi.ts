/**
 * The 电子监察 card operations and schemas of the OpenAPI document (merged by
 * http/openapi.ts; routes in supervision/routes.ts).
 */
import { dayRangeParams, json, keysetParams, nullable, page, query, ref, str, time, type Json, type Op } from '../http/openapi-helpers';
import { DATE, MEMBER } from '../cases/openapi';
import { CARD_KINDS } from './rules';

export const listCardsOp: Op = {
  tag: 'supervision',
  id: 'listSupervisionCards',
  summary: 'Supervision cards (电子监察 黄牌 / 红牌) on case branches, for supervisors and auditors',
  description:
    'A yellow card (`warning`, 预警) is raised on a case branch N working days before its legal limit (config supervision.warningDays, default 2), a red card (`overdue`, 超时) after it; suspended time (补正) is not counted. Each card is raised once per branch and kind, entered in the signed log (`supervision.card_raised`) and sent to the responsible department as a `supervision-notice` message. Ordered by raising order (`id`, UUIDv7).',
  params: [
    query('kind', 'warning (黄牌) or overdue (红牌)', { type: 'string', enum: [...CARD_KINDS] }),
    query('department', 'the responsible department (member code)', MEMBER),
    query('status', 'open: the branch still runs; closed: the branch or the case has ended', { type: 'string', enum: ['open', 'closed'] }),
    ...dayRangeParams('raised'),
    ...keysetParams(),
  ],
  ok: { 200: json('a page of cards', ref('SupervisionCardPage')) },
  errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_LIST_BAD_CURSOR'],
};

export function supervisionPaths(): Record<string, Record<string, Op>> {
  return { '/api/v1/supervision/cards': { get: listCardsOp } };
}

export function supervisionSchemas(): Json {
  const card = {
    type: 'object',
    required: ['id', 'caseNo', 'department', 'kind', 'card', 'status', 'dueOn', 'workingDaysLeft', 'raisedAt', 'raisedOn', 'logIndex', 'notice'],
    properties: {
      id: str('card id (UUIDv7)', { format: 'uuid' }),
      caseNo: str('办件编号'),
      department: str('the responsible department: member code of the carded branch'),
      kind: { type: 'string', enum: [...CARD_KINDS] },
      card: { type: 'string', enum: ['黄牌', '红牌'] },
      status: { type: 'string', enum: ['open', 'closed'], description: 'open while the branch runs; closed once it (or the case) ended' },
      dueOn: { ...DATE, description: "the branch's due date when the card was raised" },
      workingDaysLeft: nullable({ type: 'integer', description: 'working days left on the day it was raised (negative: over); null when the calendar did not cover that day' }),
      raisedAt: time('when the card was raised'),
      raisedOn: { ...DATE, description: 'the day it was raised, Asia/Shanghai' },
      logIndex: { type: 'integer', description: "the card's entry in the signed log (prove it with /api/v1/log)" },
      notice: {
        type: 'object',
        required: ['status', 'messageId'],
        properties: {
          status: { type: 'string', enum: ['pending', 'sent', 'failed'], description: 'the supervision-notice message to the department: pending until sent; failed when the exchange refused it (error says why)' },
          messageId: nullable(str('gateway id of the supervision-notice message', { format: 'uuid' })),
          error: str('why the exchange refused the notice'),
        },
      },
    },
  };
  return { SupervisionCard: card, SupervisionCardPage: page(ref('SupervisionCard'), 'cards in raising order') };
}

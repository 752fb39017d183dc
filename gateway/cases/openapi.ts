/**
 * The 办件 supervision operations and schemas of the OpenAPI document (merged by
 * http/openapi.ts; routes in cases/routes.ts).
 */
import { dayRangeParams, json, keysetParams, nullable, page, pathParam, query, ref, str, time, type Json, type Op } from '../http/openapi-helpers';
import { BRANCH_LIFECYCLE, CASE_STATUSES } from './lifecycle';

export const DATE = { type: 'string', format: 'date' };
const CASE_NO = pathParam('caseNo', '办件编号', { type: 'string', pattern: '^[A-Za-z0-9-]{6,40}$' }, 'HALL-2026-000123');
export const MEMBER = { type: 'string', pattern: '^[a-z][a-z0-9-]{1,31}$' };

export const getCaseOp: Op = {
  tag: 'cases',
  id: 'getCase',
  summary: 'A case (办件): due dates per branch and overall, working days used and left, and its timeline with log indices',
  description:
    'Working days on the official calendar (weekends, public holidays, 调休 make-up days; per-city changes from configuration); the acceptance day is not counted; 补正 suspends a branch\'s clock until the applicant supplies. The case\'s departments see the applicant in full; auditors and supervisors see it masked. 503 GW_ERR_CASE_CALENDAR_UNCOVERED when a deadline falls in a year the calendar does not cover.',
  params: [
    CASE_NO,
    query(
      'verify',
      'true: also check each timeline event\'s signatures, as `xgw verify bundle --root` checks the case\'s evidence bundle (signature status per event, `verification` for the whole); costs tens to hundreds of milliseconds more',
      { type: 'boolean', default: false },
    ),
  ],
  ok: { 200: json('the case', ref('CaseView')) },
  errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_CASE_NOT_FOUND', 'GW_ERR_CASE_CALENDAR_UNCOVERED'],
};

export const listCasesOp: Op = {
  tag: 'cases',
  id: 'listCases',
  summary: 'Cases (办件) by case number, filtered; a department lists its own, auditors and supervisors all',
  params: [
    query('status', 'the case status', { type: 'string', enum: [...CASE_STATUSES] }),
    query('department', 'cases this department accepted or has a branch of (member code)', MEMBER),
    query('matter', '事项编码', { type: 'string', pattern: '^[A-Za-z0-9-]{8,40}$' }),
    query('overdue', 'true: due before completion (or before today while open); false: not', { type: 'boolean' }),
    query('dueBefore', 'due on or before this day', DATE),
    ...dayRangeParams('accepted'),
    ...keysetParams(),
  ],
  ok: { 200: json('a page of cases', ref('CasePage')) },
  errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_LIST_BAD_CURSOR'],
};

export function casePaths(): Record<string, Record<string, Op>> {
  return { '/api/v1/cases': { get: listCasesOp }, '/api/v1/cases/{caseNo}': { get: getCaseOp } };
}

const DAY = (d: string) => nullable({ ...DATE, description: d });
const clock = {
  dueOn: DAY('due date YYYY-MM-DD; null while a 补正 suspension is open'),
  workingDaysUsed: { type: 'integer', description: 'working days counted so far (to completion once completed)' },
  workingDaysLeft: { type: 'integer', description: 'legal limit minus days used (negative: over the limit)' },
  overdue: { type: 'boolean' },
};
const MATTER = { type: 'object', required: ['code', 'name'], properties: { code: str('事项编码'), name: str('事项名称') } };

export function caseSchemas(): Json {
  return {
    CaseView: {
      type: 'object',
      required: ['caseNo', 'matter', 'applicant', 'status', 'legalLimitDays', 'acceptedAt', 'dueOn', 'workingDaysUsed', 'workingDaysLeft', 'overdue', 'branches', 'cards', 'timeline'],
      properties: {
        caseNo: str('办件编号'),
        matter: MATTER,
        applicant: { type: 'object', description: 'as in the case record; masked for auditors and supervisors' },
        acceptingDepartment: str('受理部门 as the record names it'),
        hall: str('member code of the department that sent the case record'),
        status: { type: 'string', enum: [...CASE_STATUSES] },
        legalLimitDays: { type: 'integer' },
        acceptedAt: time('受理时间'),
        completedOn: DAY('the day the case ended (completed, refused, returned)'),
        ...clock,
        branches: {
          type: 'array',
          items: {
            type: 'object',
            required: ['department', 'status', 'required', 'dueOn', 'workingDaysUsed', 'workingDaysLeft', 'suspensions'],
            properties: {
              department: str('member code of the receiving department (并联审批: one branch each)'),
              status: { type: 'string', enum: [...BRANCH_LIFECYCLE.statuses] },
              required: { type: 'boolean' },
              ...clock,
              completedOn: DAY('the day this branch ended'),
              suspensions: { type: 'array', items: { type: 'object', properties: { from: DATE, to: nullable(DATE), reason: { type: 'string', enum: ['correction', 'special_procedure'], description: '补正 or 特别程序' } } } },
            },
          },
        },
        verification: {
          type: 'object',
          description: 'with ?verify=true: the check of the case\'s whole evidence bundle',
          required: ['ok', 'at', 'checkpointSize', 'failures', 'durationMs'],
          properties: {
            ok: { type: 'boolean', description: 'every check passed' },
            at: time('when it was checked'),
            checkpointSize: nullable({ type: 'integer', description: 'the signed checkpoint the entries were proved against' }),
            failures: { type: 'integer' },
            durationMs: { type: 'integer', description: 'time spent building and checking the bundle' },
            error: str('why no bundle could be built (catalogue code: detail)'),
          },
        },
        cards: { type: 'array', description: '电子监察 cards raised on its branches (黄牌 / 红牌), in raising order', items: ref('SupervisionCard') },
        timeline: {
          type: 'array',
          items: {
            type: 'object',
            required: ['logIndex', 'event', 'department', 'occurredAt', 'applied'],
            properties: {
              logIndex: { type: 'integer', description: 'index of the message in the signed log (prove it with /api/v1/log)' },
              messageId: str('gateway message id'),
              event: { type: 'string', enum: ['record', ...BRANCH_LIFECYCLE.events, 'service_call'], description: 'record: a case record (opens a branch); a branch step; service_call: a synchronous service call (共享查询) made with X-Case-Id, which changes no branch' },
              service: {
                type: 'object',
                description: 'service_call only (department: the provider)',
                properties: { name: str('the service'), caller: str('member code of the caller'), outcome: str('the call\'s outcome') },
              },
              department: str('member code'),
              departmentName: str('the department as the message names it'),
              officer: nullable(str('经办人')),
              occurredAt: time('when it happened, as the department reports'),
              applied: { type: 'boolean', description: 'false: the step was not allowed in the branch\'s status (see note); the case did not change' },
              note: str('why it was not applied'),
              signature: {
                type: 'object',
                description: 'with ?verify=true: the checks of the event\'s message in the case\'s evidence bundle (payload digest, sender and gateway signatures and their certificate chains at the logged time, its log entries and their inclusion proofs, the receiver\'s signed acknowledgement)',
                required: ['status'],
                properties: {
                  status: { type: 'string', enum: ['verified', 'failed', 'pending', 'unavailable'], description: 'verified 已验签; failed 验签失败 (see problems); pending: logged after the checkpoint proved against; unavailable: not in the case\'s bundle, or no bundle could be built' },
                  signer: str('the sender whose signature was checked (member code)'),
                  alg: str('its signature algorithm'),
                  onBehalf: { type: 'boolean', description: 'signed by the gateway on the department\'s behalf' },
                  problems: {
                    type: 'array',
                    description: 'the failed checks, as the lines of the verifier\'s report (GET /api/v1/audit/verify) say them',
                    items: {
                      type: 'object',
                      required: ['group', 'subject', 'text'],
                      properties: {
                        group: str('the verifier\'s check group (messages, entries, steps, checkpoint, …)'),
                        subject: str('what the check is about: entry #12, message <id>, checkpoint'),
                        text: str('what failed, in English'),
                        said: { type: 'array', description: 'the same as stable codes and values (the console words them in Chinese)', items: { type: 'object', required: ['code'], properties: { code: { type: 'string' }, params: { type: 'object' } } } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    CasePage: page(
      {
        type: 'object',
        required: ['caseNo', 'status', 'dueOn', 'overdue'],
        properties: {
          caseNo: str('办件编号'),
          matter: MATTER,
          acceptingDepartment: str('受理部门'),
          hall: str('member code'),
          departments: { type: 'array', items: str('member code') },
          status: { type: 'string', enum: [...CASE_STATUSES] },
          legalLimitDays: { type: 'integer' },
          acceptedAt: time('受理时间'),
          dueOn: DAY('overall due date'),
          completedOn: DAY('the day the case ended'),
          overdue: { type: 'boolean' },
        },
      },
      'cases by case number',
    ),
  };
}

/**
 * The case statistics operations and schemas of the OpenAPI document (merged by
 * http/openapi.ts; routes in stats/routes.ts).
 */
import { json, nullable, page, query, ref, str, type Json, type Op } from '../http/openapi-helpers';
import { DATE, listCasesOp, MEMBER } from '../cases/openapi';
import { CSV_COLUMNS } from './csv';
import { GROUPINGS } from './query';

/** The case list's own filters (the same period, matter code and page size rules). */
const caseFilter = (name: 'from' | 'to' | 'matter' | 'limit'): Json => listCasesOp.params!.find((p) => p.name === name)!;

export const caseStatsOp: Op = {
  tag: 'stats',
  id: 'caseStats',
  summary: 'Case statistics (电子监察): received, 办结率, 按时办结率, working days to complete (average, 90th percentile), overdue now, cards raised, refusals; per department, matter, month or week',
  description:
    'Cases are counted by the day they were accepted (受理): `from`/`to` select the cases accepted in the period (Asia/Shanghai), `month`/`week` group them by acceptance month or ISO week (its Monday), and every figure is those cases\' outcome so far. ' +
    '`department` groups branches: a 并联审批 case counts once for each department that handles it, and the total sums the branches. ' +
    'completed (办结) = ended with a decision, approved or refused; completionRate = completed / received; onTimeRate = completed on or before the due date / completed; ' +
    'working days on the official calendar, acceptance day not counted, 补正 excluded. overdueNow: still open and past the due date on `asOf`. ' +
    'warningCards/overdueCards: the 黄牌/红牌 supervision raised on the counted cases (department rows: on that branch). Rates are rounded to 4 decimals, days to 2. `Accept: text/csv` or `format=csv`: the same rows as CSV (columns ' + CSV_COLUMNS.join(', ') + '; last line the total), with the same numbers.',
  params: [
    query('groupBy', 'what one row is', { type: 'string', enum: [...GROUPINGS], default: 'department' }),
    caseFilter('from'),
    caseFilter('to'),
    query('department', 'only this department\'s branches (department rows) or cases it handles (other rows)', MEMBER),
    caseFilter('matter'),
    query('format', 'json (default) or csv; overrides Accept', { type: 'string', enum: ['json', 'csv'] }),
  ],
  ok: {
    200: {
      ...json('the statistics', ref('CaseStats')),
      content: {
        'application/json': { schema: ref('CaseStats') },
        'text/csv': { schema: { type: 'string', description: 'UTF-8 with BOM, RFC 4180; header line of the field names, one line per group, then the total' } },
      },
    },
  },
  errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID'],
};

export const overdueCasesOp: Op = {
  tag: 'stats',
  id: 'overdueCases',
  summary: 'Branches overdue now (超期): the case, the responsible department, its due date and working days over, by case number',
  description: 'Open branches of open cases whose due date has passed (Asia/Shanghai today); a branch in 补正 has no due date and is not listed. Filters as for the statistics.',
  params: [
    query('department', 'responsible department (member code)', MEMBER),
    caseFilter('matter'),
    caseFilter('from'),
    caseFilter('to'),
    query('after', 'the `next` cursor of the previous page', { type: 'string', maxLength: 200 }),
    caseFilter('limit'),
  ],
  ok: { 200: json('a page of overdue branches', ref('OverduePage')) },
  errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_LIST_BAD_CURSOR', 'GW_ERR_CASE_CALENDAR_UNCOVERED'],
};

export const warningCasesOp: Op = {
  ...overdueCasesOp,
  id: 'warningCases',
  summary: 'Branches in the warning window (预警): due today or within supervision.warningDays working days, the responsible department, working days left',
  description:
    'Open branches of open cases due between today and the supervision.warningDays-th working day after today (Asia/Shanghai), the window in which a yellow card (黄牌) is raised; not yet overdue. A branch in 补正 has no due date and is not listed. Filters as for the statistics.',
  ok: { 200: json('a page of branches in the warning window', ref('WarningPage')) },
};

export function statsPaths(): Record<string, Record<string, Op>> {
  return { '/api/v1/stats/cases': { get: caseStatsOp }, '/api/v1/stats/overdue': { get: overdueCasesOp }, '/api/v1/stats/warnings': { get: warningCasesOp } };
}

const count = (d: string) => ({ type: 'integer', minimum: 0, description: d });
const num = (d: string) => nullable({ type: 'number', description: d });
const ROW = {
  type: 'object',
  required: [...CSV_COLUMNS],
  properties: {
    key: str('member code, 事项编码, YYYY-MM or the week\'s Monday YYYY-MM-DD; "total" for the total'),
    label: str('department name, 事项名称, or the key; 合计 for the total'),
    received: count('cases (department rows: branches) accepted in the period'),
    completed: count('办结: ended with a decision (approved or refused)'),
    completionRate: num('办结率 = completed / received (null: nothing received)'),
    onTimeCompleted: count('completed on or before the due date'),
    onTimeRate: num('按时办结率 = onTimeCompleted / completed (null: nothing completed)'),
    avgWorkingDays: num('average working days to completion'),
    p90WorkingDays: num('90th percentile (continuous) of the working days to completion'),
    overdueNow: count('open and past the due date today'),
    refusals: count('不予 (refused)'),
    returned: count('退回 (ended without a decision; not 办结)'),
    warningCards: count('黄牌 (预警 cards) raised on these cases (department rows: on the department\'s branch; with a department filter: its cards only)'),
    overdueCards: count('红牌 (超时 cards) raised on these cases, counted as warningCards'),
  },
};

/** A branch of the overdue or warning list, with its own day count. */
const dueItem = (days: Json) => ({
  type: 'object',
  required: ['caseNo', 'matter', 'department', 'departmentName', 'status', 'dueOn', ...Object.keys(days)],
  properties: {
    caseNo: str('办件编号 (GET /api/v1/cases/{caseNo}: the timeline)'),
    matter: { type: 'object', required: ['code', 'name'], properties: { code: str('事项编码'), name: str('事项名称') } },
    department: str('responsible department (member code)'),
    departmentName: str('its name in the registry'),
    status: str('the branch status'),
    acceptedOn: DATE,
    dueOn: DATE,
    ...days,
  },
});

export function statsSchemas(): Json {
  return {
    CaseStats: {
      type: 'object',
      required: ['groupBy', 'from', 'to', 'asOf', 'groups', 'total'],
      properties: {
        groupBy: { type: 'string', enum: [...GROUPINGS] },
        from: nullable(DATE),
        to: nullable(DATE),
        asOf: { ...DATE, description: 'today, Asia/Shanghai: what overdueNow is measured against' },
        groups: { type: 'array', items: ROW },
        total: ROW,
      },
    },
    OverduePage: page(
      dueItem({ workingDaysOver: { type: 'integer', minimum: 0, description: 'working days after the due date up to today' } }),
      'overdue branches by case number and department',
    ),
    WarningPage: page(
      dueItem({ workingDaysLeft: { type: 'integer', minimum: 0, description: 'working days after today up to the due date (0: due today)' } }),
      'branches in the warning window by case number and department',
    ),
  };
}

import type { Store } from '../store/db';
import type { CaseProjector } from '../cases/projector';
import { chinaDate } from '../cases/calendar';
import { FINAL_CASE_STATUSES } from '../cases/lifecycle';

/**
 * Case statistics (电子监察): one SQL aggregate over the projected case tables. Cases are
 * counted by the day they were accepted (受理): `from`/`to` select the cases accepted in
 * the period, `month`/`week` group them by acceptance month/week, and each figure is
 * those cases' outcome so far. `department` groups branches (并联审批: a case counts
 * once per department that handles it), the other groupings whole cases.
 *
 *   received          cases (branches) accepted in the period
 *   completed         办结: ended with a decision, approved (准予) or refused (不予)
 *   completionRate    办结率 = completed / received
 *   onTimeCompleted   completed on or before the due date (no due date: not late)
 *   onTimeRate        按时办结率 = onTimeCompleted / completed
 *   avg/p90WorkingDays working days to completion (acceptance day not counted, 补正 excluded)
 *   overdueNow        still open and past the due date today
 *   refusals, returned 不予 decisions; 退回 (ended without a decision, not 办结)
 *
 * Rates are rounded to 4 decimals, day figures to 2, by the database; the CSV export
 * prints the same numbers. Supervision cards (黄牌/红牌) are not counted here yet.
 */

export const GROUPINGS = ['department', 'matter', 'month', 'week'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface StatsQuery {
  groupBy: Grouping;
  from?: string;
  to?: string;
  department?: string;
  matter?: string;
}

export interface StatsRow {
  key: string;
  label: string;
  received: number;
  completed: number;
  completionRate: number | null;
  onTimeCompleted: number;
  onTimeRate: number | null;
  avgWorkingDays: number | null;
  p90WorkingDays: number | null;
  overdueNow: number;
  refusals: number;
  returned: number;
}

export interface CaseStats {
  groupBy: Grouping;
  from: string | null;
  to: string | null;
  /** Today (Asia/Shanghai): what `overdueNow` is measured against. */
  asOf: string;
  groups: StatsRow[];
  total: StatsRow;
}

/** Per grouping: the rows counted (r: a case, or a branch of case c) and the group key. */
const SOURCES: Record<Grouping, { from: string; key: string; label: string }> = {
  department: { from: 'case_branches r JOIN cases c ON c.case_no = r.case_no', key: 'r.department', label: 'NULL' },
  matter: { from: 'cases r', key: 'r.matter_code', label: 'max(r.matter_name)' },
  month: { from: 'cases r', key: "to_char(r.accepted_on, 'YYYY-MM')", label: 'NULL' },
  week: { from: 'cases r', key: "to_char(date_trunc('week', r.accepted_on), 'YYYY-MM-DD')", label: 'NULL' },
};

const DECIDED = `r.status IN ('completed', 'refused')`;
const OPEN = (alias: string) => `${alias}.status <> ALL(ARRAY[${FINAL_CASE_STATUSES.map((s) => `'${s}'`).join(', ')}])`;

/** The statistics SQL (exported for the benchmark, which times exactly what the API runs). */
export function statsSql(q: StatsQuery, today: string): { text: string; params: unknown[] } {
  const src = SOURCES[q.groupBy];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  const t = p(today);
  const where: string[] = [];
  const accepted = q.groupBy === 'department' ? 'c' : 'r';
  // a branch still open after another branch ended its case is not overdue: the case is over
  const open = q.groupBy === 'department' ? `${OPEN('r')} AND ${OPEN('c')}` : OPEN('r');
  if (q.from) where.push(`${accepted}.accepted_on >= ${p(q.from)}::date`);
  if (q.to) where.push(`${accepted}.accepted_on <= ${p(q.to)}::date`);
  if (q.matter) where.push(`${accepted}.matter_code = ${p(q.matter)}`);
  if (q.department) {
    where.push(
      q.groupBy === 'department'
        ? `r.department = ${p(q.department)}`
        : `EXISTS (SELECT 1 FROM case_branches b WHERE b.case_no = r.case_no AND b.department = ${p(q.department)})`,
    );
  }
  const text = `
    WITH g AS (
      SELECT ${src.key} AS key, grouping(${src.key}) AS is_total, ${src.label} AS label,
        count(*)::int AS received,
        count(*) FILTER (WHERE ${DECIDED})::int AS completed,
        count(*) FILTER (WHERE ${DECIDED} AND (r.due_on IS NULL OR r.completed_on <= r.due_on))::int AS on_time,
        round(avg(r.working_days) FILTER (WHERE ${DECIDED}), 2)::float8 AS avg_days,
        round((percentile_cont(0.9) WITHIN GROUP (ORDER BY r.working_days) FILTER (WHERE ${DECIDED}))::numeric, 2)::float8 AS p90_days,
        count(*) FILTER (WHERE ${open} AND r.due_on < ${t}::date)::int AS overdue_now,
        count(*) FILTER (WHERE r.status = 'refused')::int AS refusals,
        count(*) FILTER (WHERE r.status = 'returned')::int AS returned
      FROM ${src.from}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      GROUP BY GROUPING SETS ((${src.key}), ())
    )
    SELECT g.*, coalesce(g.label, m.name) AS name,
      round(g.completed::numeric / nullif(g.received, 0), 4)::float8 AS completion_rate,
      round(g.on_time::numeric / nullif(g.completed, 0), 4)::float8 AS on_time_rate
    FROM g LEFT JOIN members m ON ${q.groupBy === 'department' ? 'm.code = g.key' : 'false'}
    ORDER BY g.is_total, g.key`;
  return { text, params };
}

const rowOf = (r: Record<string, any>, total: boolean): StatsRow => ({
  key: total ? 'total' : String(r.key),
  label: total ? '合计' : String(r.name ?? r.key),
  received: r.received,
  completed: r.completed,
  completionRate: r.completion_rate,
  onTimeCompleted: r.on_time,
  onTimeRate: r.on_time_rate,
  avgWorkingDays: r.avg_days,
  p90WorkingDays: r.p90_days,
  overdueNow: r.overdue_now,
  refusals: r.refusals,
  returned: r.returned,
});

/** The statistics of the cases accepted in the period, grouped; caught up with the log first. */
export async function caseStats(store: Store, cases: CaseProjector, q: StatsQuery, now: Date): Promise<CaseStats> {
  await cases.catchUp();
  const asOf = chinaDate(now);
  const { text, params } = statsSql(q, asOf);
  const rows = (await store.query<Record<string, any>>(text, params)).rows;
  // GROUPING SETS (…, ()): the grand total is always there, even over no cases
  const total = rows.find((r) => Number(r.is_total) === 1)!;
  return {
    groupBy: q.groupBy,
    from: q.from ?? null,
    to: q.to ?? null,
    asOf,
    groups: rows.filter((r) => r !== total).map((r) => rowOf(r, false)),
    total: rowOf(total, true),
  };
}

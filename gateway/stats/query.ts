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
 *   warningCards, overdueCards  黄牌 / 红牌 raised on the counted cases (department rows: on
 *                     that department's branch; with a department filter only its cards)
 *
 * Rates are rounded to 4 decimals, day figures to 2, by the database; the CSV export
 * prints the same numbers.
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
  warningCards: number;
  overdueCards: number;
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

/**
 * Per grouping: the rows counted (r: a case, or a branch, which carries its case's acceptance
 * day, matter and status), the column the first pass groups by (k) with the name it carries
 * (a matter's), the group key made of it, and the group's label.
 */
const SOURCES: Record<Grouping, { table: string; raw: string; name: string; key: string; label: string }> = {
  department: { table: 'case_branches', raw: 'r.department', name: 'NULL::text', key: 'k', label: '(SELECT m.name FROM members m WHERE m.code = s.key)' },
  matter: { table: 'cases', raw: 'r.matter_code', name: 'r.matter_name', key: 'k', label: 's.name' },
  month: { table: 'cases', raw: "date_trunc('month', r.accepted_on)", name: 'NULL::text', key: "to_char(k, 'YYYY-MM')", label: 'NULL' },
  week: { table: 'cases', raw: "date_trunc('week', r.accepted_on)", name: 'NULL::text', key: "to_char(k, 'YYYY-MM-DD')", label: 'NULL' },
};

const DECIDED = `r.status IN ('completed', 'refused')`;
const FINAL = `ARRAY[${FINAL_CASE_STATUSES.map((s) => `'${s}'`).join(', ')}]`;
const COUNTS = ['received', 'completed', 'on_time', 'overdue_now', 'refusals', 'returned', 'warning_cards', 'overdue_cards'];
const sums = COUNTS.map((c) => `sum(${c}) AS ${c}`).join(', ');

/**
 * The statistics SQL.
 * Two hash aggregates instead of a sort of every case: the first pass counts the cases per
 * (group column, working days) — a few thousand rows out of 10^6 —, the second rolls them up
 * into the groups and the total; the 90th percentile is then read off each group's working-days
 * histogram, exactly as percentile_cont(0.9) interpolates it: pos = 0.9·(n−1), the values of
 * rank ⌊pos⌋ and ⌈pos⌉, linearly between.
 */
export function statsSql(q: StatsQuery, today: string): { text: string; params: unknown[] } {
  const src = SOURCES[q.groupBy];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  const t = p(today);
  const where: string[] = [];
  if (q.from) where.push(`r.accepted_on >= ${p(q.from)}::date`);
  if (q.to) where.push(`r.accepted_on <= ${p(q.to)}::date`);
  if (q.matter) where.push(`r.matter_code = ${p(q.matter)}`);
  if (q.department) {
    where.push(
      q.groupBy === 'department'
        ? `r.department = ${p(q.department)}`
        : `EXISTS (SELECT 1 FROM case_branches b WHERE b.department = ${p(q.department)} AND b.case_no = r.case_no)`,
    );
  }
  // the cards of each counted row, aggregated first (one row per case or branch: no fan-out)
  const byBranch = q.groupBy === 'department';
  const cardWhere = q.department && !byBranch ? `WHERE s.department = ${p(q.department)}` : '';
  const cardKey = byBranch ? 's.case_no, s.department' : 's.case_no';
  const cards = `LEFT JOIN (SELECT ${cardKey}, count(*) FILTER (WHERE s.kind = 'warning') AS w, count(*) FILTER (WHERE s.kind = 'overdue') AS o
      FROM supervision_cards s ${cardWhere} GROUP BY ${cardKey}) sc ON sc.case_no = r.case_no${byBranch ? ' AND sc.department = r.department' : ''}`;
  // a branch still open after another branch ended its case is not overdue: the case is over
  const open = `r.status <> ALL(${FINAL})` + (q.groupBy === 'department' ? ` AND r.case_status <> ALL(${FINAL})` : '');
  const text = `
    WITH h AS (
      SELECT ${src.raw} AS k, ${src.name} AS name, CASE WHEN ${DECIDED} THEN r.working_days END AS wd,
        count(*) AS received,
        count(*) FILTER (WHERE ${DECIDED}) AS completed,
        count(*) FILTER (WHERE ${DECIDED} AND (r.due_on IS NULL OR r.completed_on <= r.due_on)) AS on_time,
        count(*) FILTER (WHERE ${open} AND r.due_on < ${t}::date) AS overdue_now,
        count(*) FILTER (WHERE r.status = 'refused') AS refusals,
        count(*) FILTER (WHERE r.status = 'returned') AS returned,
        coalesce(sum(sc.w), 0) AS warning_cards,
        coalesce(sum(sc.o), 0) AS overdue_cards
      FROM ${src.table} r ${cards} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      GROUP BY 1, 2, 3
    ), g AS (
      SELECT ${src.key} AS key, max(name) AS name, wd, ${sums} FROM h GROUP BY 1, 3
      UNION ALL
      SELECT NULL, NULL, wd, ${sums} FROM h GROUP BY 3
    ), c AS (
      SELECT g.*, sum(CASE WHEN wd IS NULL THEN 0 ELSE completed END) OVER (PARTITION BY key ORDER BY wd ROWS UNBOUNDED PRECEDING) AS cum,
                  sum(CASE WHEN wd IS NULL THEN 0 ELSE completed END) OVER (PARTITION BY key) AS n
      FROM g
    ), s AS (
      SELECT key, max(name) AS name, ${COUNTS.map((x) => `sum(${x})::int AS ${x}`).join(', ')}, max(n) AS n,
        sum(wd * completed) AS wd_sum,
        min(wd) FILTER (WHERE wd IS NOT NULL AND cum > floor(0.9 * (n - 1))) AS lo,
        min(wd) FILTER (WHERE wd IS NOT NULL AND cum > ceil(0.9 * (n - 1))) AS hi
      FROM c GROUP BY key
    )
    SELECT s.key, s.key IS NULL AS is_total, ${src.label} AS label, ${COUNTS.map((x) => `s.${x}`).join(', ')},
      round(s.wd_sum::numeric / nullif(s.n, 0), 2)::float8 AS avg_days,
      round(s.lo + (0.9 * (s.n - 1) - floor(0.9 * (s.n - 1))) * (s.hi - s.lo), 2)::float8 AS p90_days,
      round(s.completed::numeric / nullif(s.received, 0), 4)::float8 AS completion_rate,
      round(s.on_time::numeric / nullif(s.completed, 0), 4)::float8 AS on_time_rate
    FROM s ORDER BY s.key IS NULL, s.key`;
  return { text, params };
}

const rowOf = (r: Record<string, any>, total: boolean): StatsRow => ({
  key: total ? 'total' : String(r.key),
  label: total ? '合计' : String(r.label ?? r.key),
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
  warningCards: r.warning_cards,
  overdueCards: r.overdue_cards,
});

/** The statistics rows as the database computes them (the benchmark times exactly this). */
export async function statsRows(store: Store, q: StatsQuery, today: string): Promise<Record<string, any>[]> {
  const { text, params } = statsSql(q, today);
  // One aggregate over up to millions of rows: compiling it (JIT) costs more than it saves, and
  // the planner, not knowing how few (month, working days) pairs there are, would sort them on disk.
  return store.tx(async (db) => {
    await db.query('SET LOCAL jit = off');
    await db.query(`SET LOCAL work_mem = '64MB'`);
    return (await db.query<Record<string, any>>(text, params)).rows;
  });
}

/** The statistics of the cases accepted in the period, grouped; caught up with the log first. */
export async function caseStats(store: Store, cases: CaseProjector, q: StatsQuery, now: Date): Promise<CaseStats> {
  await cases.catchUp();
  const asOf = chinaDate(now);
  const rows = await statsRows(store, q, asOf);
  // no case at all: no histogram rows, so no total row either
  const total = rows.find((r) => r.is_total) ?? { ...Object.fromEntries(COUNTS.map((c) => [c, 0])), avg_days: null, p90_days: null, completion_rate: null, on_time_rate: null };
  return {
    groupBy: q.groupBy,
    from: q.from ?? null,
    to: q.to ?? null,
    asOf,
    groups: rows.filter((r) => !r.is_total).map((r) => rowOf(r, false)),
    total: rowOf(total, true),
  };
}

import type { Store } from '../store/db';
import type { CaseProjector } from '../cases/projector';
import { chinaDate } from '../cases/calendar';
import { FINAL_CASE_STATUSES } from '../cases/lifecycle';
import { decodeKeyCursor, keyPage } from '../exchange/cursor';
import { warningHorizon } from '../supervision/rules';

/**
 * The supervisor's overdue and warning lists: open branches of open cases past their due
 * date (超期), or due today or within the warning window (预警: at most supervision.warningDays
 * working days left, the yellow card's rule), with the responsible department and the working
 * days over or left (the calendar, not calendar days: a branch due before a holiday week is
 * not "7 days" late after it). Keyset by case number and department.
 */
export interface OverdueQuery {
  department?: string;
  matter?: string;
  from?: string;
  to?: string;
  after?: string;
  limit: number;
}

/** Open branches of open cases due before a day, or from one day until another (inclusive): a page of them plus one. */
async function dueBranches(store: Store, q: OverdueQuery, due: { before: string } | { from: string; until: string }) {
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  const final = p(FINAL_CASE_STATUSES);
  const where = [`b.due_on IS NOT NULL`, `b.status <> ALL(${final}::text[])`, `c.status <> ALL(${final}::text[])`];
  if ('before' in due) where.push(`b.due_on < ${p(due.before)}::date`);
  else where.push(`b.due_on >= ${p(due.from)}::date`, `b.due_on <= ${p(due.until)}::date`);
  if (q.department) where.push(`b.department = ${p(q.department)}`);
  if (q.matter) where.push(`c.matter_code = ${p(q.matter)}`);
  if (q.from) where.push(`c.accepted_on >= ${p(q.from)}::date`);
  if (q.to) where.push(`c.accepted_on <= ${p(q.to)}::date`);
  const after = decodeKeyCursor(q.after);
  if (after !== null) {
    const [caseNo, department = ''] = after.split('/');
    where.push(`(b.case_no, b.department) > (${p(caseNo)}, ${p(department)})`);
  }
  const rows = await store.query<Record<string, any>>(
    `SELECT b.case_no, c.matter_code, c.matter_name, b.department, coalesce(m.name, b.department) AS department_name, b.status,
            c.accepted_on::text, b.due_on::text
     FROM case_branches b JOIN cases c ON c.case_no = b.case_no LEFT JOIN members m ON m.code = b.department
     WHERE ${where.join(' AND ')}
     ORDER BY b.case_no, b.department LIMIT ${p(q.limit + 1)}`,
    params,
  );
  return rows.rows.map((r) => ({
    caseNo: r.case_no as string,
    matter: { code: r.matter_code, name: r.matter_name },
    department: r.department as string,
    departmentName: r.department_name,
    status: r.status,
    acceptedOn: r.accepted_on as string,
    dueOn: r.due_on as string,
  }));
}

const pageKey = (x: { caseNo: string; department: string }) => `${x.caseNo}/${x.department}`;

/** 超期: due before today; the working days after the due date up to today. */
export async function overdueBranches(store: Store, cases: CaseProjector, q: OverdueQuery, now: Date) {
  await cases.catchUp();
  const today = chinaDate(now);
  const rows = await dueBranches(store, q, { before: today });
  return keyPage(rows.map((r) => ({ ...r, workingDaysOver: cases.calendar.workingDaysUsed(r.dueOn, today) })), q.limit, pageKey);
}

/** 预警: due today up to the warning horizon; the working days left after today up to the due date (0: due today). */
export async function warningBranches(store: Store, cases: CaseProjector, q: OverdueQuery, now: Date, warningDays: number) {
  await cases.catchUp();
  const today = chinaDate(now);
  const rows = await dueBranches(store, q, { from: today, until: warningHorizon(cases.calendar, today, warningDays) });
  return keyPage(rows.map((r) => ({ ...r, workingDaysLeft: cases.calendar.workingDaysUsed(today, r.dueOn) })), q.limit, pageKey);
}

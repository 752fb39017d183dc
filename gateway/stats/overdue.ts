import type { Store } from '../store/db';
import type { CaseProjector } from '../cases/projector';
import { chinaDate } from '../cases/calendar';
import { FINAL_CASE_STATUSES } from '../cases/lifecycle';
import { decodeKeyCursor, keyPage } from '../exchange/cursor';

/**
 * The supervisor's overdue list: open branches of open cases past their due date, with
 * the responsible department and the working days over (the calendar, not calendar days:
 * a branch due before a holiday week is not "7 days" late after it). Keyset by case
 * number and department.
 */
export interface OverdueQuery {
  department?: string;
  matter?: string;
  from?: string;
  to?: string;
  after?: string;
  limit: number;
}

export async function overdueBranches(store: Store, cases: CaseProjector, q: OverdueQuery, now: Date) {
  await cases.catchUp();
  const today = chinaDate(now);
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  const final = p(FINAL_CASE_STATUSES);
  const where = [`b.due_on < ${p(today)}::date`, `b.status <> ALL(${final}::text[])`, `c.status <> ALL(${final}::text[])`];
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
  return keyPage(
    rows.rows.map((r) => ({
      caseNo: r.case_no as string,
      matter: { code: r.matter_code, name: r.matter_name },
      department: r.department as string,
      departmentName: r.department_name,
      status: r.status,
      acceptedOn: r.accepted_on,
      dueOn: r.due_on,
      workingDaysOver: cases.calendar.workingDaysUsed(r.due_on, today),
    })),
    q.limit,
    (x) => `${x.caseNo}/${x.department}`,
  );
}

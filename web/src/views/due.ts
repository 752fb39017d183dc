/** A branch of the supervisor's overdue or warning list (GET /stats/overdue, /stats/warnings). */
export interface DueBranch {
  caseNo: string;
  matter: { code: string; name: string };
  department: string;
  departmentName: string;
  dueOn: string;
}

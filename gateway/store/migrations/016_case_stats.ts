/**
 * Case statistics (gateway/stats): the working days each case and branch took, written by
 * the case projection when it ends (cases/timeline.ts), so averages and percentiles are
 * plain SQL aggregates; and each branch carries its case's acceptance day, matter and
 * status, so the per-department figures read branches alone (no join of 10^6 cases); the
 * per-case figures read a covering index.
 * Cases projected before this migration have no working days until `xgw cases rebuild`
 * folds the log again (the calendar lives in code and configuration, not in SQL).
 */
export const sql = `
ALTER TABLE cases ADD COLUMN working_days integer;
ALTER TABLE case_branches
  ADD COLUMN working_days integer,
  ADD COLUMN accepted_on date,
  ADD COLUMN matter_code text,
  ADD COLUMN case_status text;
UPDATE case_branches b SET accepted_on = c.accepted_on, matter_code = c.matter_code, case_status = c.status FROM cases c WHERE c.case_no = b.case_no;
ALTER TABLE case_branches
  ALTER COLUMN accepted_on SET NOT NULL,
  ALTER COLUMN matter_code SET NOT NULL,
  ALTER COLUMN case_status SET NOT NULL;
CREATE INDEX case_branches_accepted ON case_branches (accepted_on);
-- what the case statistics read of a case, beside its acceptance day: they aggregate 10^6 cases
-- from this index alone (an index-only scan) instead of the wide case rows (applicant, names)
CREATE INDEX cases_stats ON cases (accepted_on) INCLUDE (matter_code, matter_name, status, due_on, completed_on, working_days, case_no);
`;

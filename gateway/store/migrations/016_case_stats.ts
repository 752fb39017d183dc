/**
 * Case statistics (gateway/stats): the working days each case and branch took, written
 * by the case projection when it ends (cases/timeline.ts), so averages and percentiles
 * are plain SQL aggregates. Cases projected before this migration have none until
 * `xgw cases rebuild` folds the log again (the calendar lives in code and configuration,
 * so SQL cannot compute them here). The stats read cases by acceptance day (cases_accepted)
 * and branches by department; the covering indexes let both aggregate from the index alone.
 */
export const sql = `
ALTER TABLE cases ADD COLUMN working_days integer;
ALTER TABLE case_branches ADD COLUMN working_days integer;
`;

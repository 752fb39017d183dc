import { Lifecycle } from '../lifecycle';

/**
 * The 办件 lifecycle, per branch: one branch per department a hall (or a department,
 * for 并联审批) sent the case record to. The department's `case-status` events move its
 * branch; the case's own status follows from its branches (caseStatusOf).
 *
 *   opened ─▶ accepted ─▶ in_progress ─▶ completed (准予)
 *                 │  ▲          │
 *                 ▼  └ supplied ┘
 *              correction (补正: the branch's clock is suspended)
 *              special_procedure (特别程序: 听证、检验、检测、鉴定、专家评审; 行政许可法 art. 45:
 *                 the time it takes is not counted in the limit: suspended until in_progress again)
 *   accepted / in_progress / correction / special_procedure ─▶ refused (不予) | returned (退回)
 *
 * A step the table refuses is still a fact in the signed log: the timeline records it,
 * marked not applied, and nothing changes (the projection never stops on a late event).
 */
export type BranchStatus = 'accepted' | 'in_progress' | 'correction' | 'special_procedure' | 'completed' | 'refused' | 'returned';
export type BranchEvent = 'open' | 'accept' | 'progress' | 'request_correction' | 'start_special_procedure' | 'approve' | 'deny' | 'return';
/** What a step does to the branch's clock: start a suspension, end the open one, or nothing. */
export interface ClockEffect {
  clock: 'suspend' | 'resume' | 'none';
}

export const BRANCH_LIFECYCLE = new Lifecycle<BranchStatus, BranchEvent, ClockEffect>({
  subject: 'case branch',
  statuses: { accepted: true, in_progress: true, correction: true, special_procedure: true, completed: true, refused: true, returned: true },
  creation: 'open',
  transitions: {
    open: { from: [], to: 'accepted', clock: 'none' },
    accept: { from: ['accepted'], to: 'accepted', clock: 'none' },
    progress: { from: ['accepted', 'in_progress', 'correction', 'special_procedure'], to: 'in_progress', clock: 'resume' },
    request_correction: { from: ['accepted', 'in_progress'], to: 'correction', clock: 'suspend' },
    start_special_procedure: { from: ['accepted', 'in_progress'], to: 'special_procedure', clock: 'suspend' },
    approve: { from: ['accepted', 'in_progress'], to: 'completed', clock: 'none' },
    deny: { from: ['accepted', 'in_progress', 'correction', 'special_procedure'], to: 'refused', clock: 'resume' },
    return: { from: ['accepted', 'in_progress', 'correction', 'special_procedure'], to: 'returned', clock: 'resume' },
  },
  final: { statuses: ['completed', 'refused', 'returned'], refusal: 'GW_ERR_CASE_INVALID_TRANSITION' },
  refusal: 'GW_ERR_CASE_INVALID_TRANSITION',
});

/** The case-status message's status (schemas/case-status.schema.json) as a branch event. */
export function branchEventOf(status: string, result?: string): BranchEvent {
  switch (status) {
    case 'accepted':
      return 'accept';
    case 'in_progress':
      return 'progress';
    case 'correction':
      return 'request_correction';
    case 'special_procedure':
      return 'start_special_procedure';
    case 'completed':
      return result === 'denied' ? 'deny' : 'approve';
    default:
      return 'return';
  }
}

export type CaseStatus = BranchStatus;
export const CASE_STATUSES: readonly CaseStatus[] = BRANCH_LIFECYCLE.statuses;
export const FINAL_CASE_STATUSES: readonly CaseStatus[] = ['completed', 'refused', 'returned'];

/**
 * The case's status from its branches (并联审批 join): one refusal ends it as refused, one
 * return as returned; completed only when every required branch completed; in 补正 while
 * any branch waits for the applicant, else in 特别程序 while any branch is in one; in
 * progress once any department started.
 */
export function caseStatusOf(branches: ReadonlyArray<{ status: BranchStatus; required: boolean }>): CaseStatus {
  const required = branches.filter((b) => b.required);
  if (branches.some((b) => b.status === 'refused')) return 'refused';
  if (branches.some((b) => b.status === 'returned')) return 'returned';
  if (required.length && required.every((b) => b.status === 'completed')) return 'completed';
  if (branches.some((b) => b.status === 'correction')) return 'correction';
  if (branches.some((b) => b.status === 'special_procedure')) return 'special_procedure';
  if (branches.some((b) => b.status !== 'accepted')) return 'in_progress';
  return 'accepted';
}

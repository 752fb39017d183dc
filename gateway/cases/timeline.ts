import { GatewayError } from '../errors';
import { BRANCH_LIFECYCLE, branchEventOf, caseStatusOf, type BranchEvent, type BranchStatus, type CaseStatus } from './lifecycle';
import { chinaDate, unlessUncovered, type Suspension, type WorkingCalendar } from './calendar';

/**
 * The case timeline as a pure fold over the signed log: each `case-record` or
 * `case-status` message, in log order, moves one case (keyed by case number). The live
 * projection and `xgw cases rebuild` run this same fold, so they cannot disagree.
 */

/** A case message as the log holds it (log_entries joined with its message). */
export interface LoggedCaseMessage {
  idx: number;
  messageId: string;
  type: 'case-record' | 'case-status';
  sender: string;
  receiver: string;
  payload: Record<string, any>;
}

export interface CaseBranch {
  /** The receiving department's member code. */
  department: string;
  status: BranchStatus;
  required: boolean;
  suspensions: Suspension[];
  dueOn: string | null;
  completedOn: string | null;
  /** Working days counted from acceptance to the branch's end (null while open, or the calendar does not cover it). */
  workingDays: number | null;
  openedIdx: number;
}

export interface CaseState {
  caseNo: string;
  matterCode: string;
  matterName: string;
  applicant: Record<string, unknown>;
  acceptingDepartment: string;
  /** The member that sent the first case record (the hall). */
  hall: string;
  legalLimitDays: number;
  acceptedAt: string;
  acceptedOn: string;
  status: CaseStatus;
  dueOn: string | null;
  completedOn: string | null;
  /** Working days to the case's end: its slowest required branch's (statistics; null while open). */
  workingDays: number | null;
  firstIdx: number;
  lastIdx: number;
  branches: CaseBranch[];
}

export interface CaseEventRow {
  caseNo: string;
  idx: number;
  messageId: string;
  /** 'record' for a case record, else the branch event. */
  event: 'record' | BranchEvent;
  /** The member code of the department concerned (the record's receiver, the status's sender). */
  department: string;
  /** The department's name as the message gives it. */
  departmentName: string;
  officer: string | null;
  occurredAt: string;
  applied: boolean;
  note: string | null;
}

/** The branch's due date, null while suspended or when the calendar does not cover it (readers recompute and say why). */
function dueOf(calendar: WorkingCalendar, c: Pick<CaseState, 'acceptedOn' | 'legalLimitDays'>, suspensions: Suspension[]): string | null {
  return unlessUncovered(() => calendar.dueDate(c.acceptedOn, c.legalLimitDays, suspensions), null);
}

/** Overall due date: the latest branch's, unknown while any required branch's is. */
function overallDue(branches: CaseBranch[]): string | null {
  const dues = branches.filter((b) => b.required).map((b) => b.dueOn);
  if (!dues.length || dues.some((d) => d === null)) return null;
  return (dues as string[]).reduce((a, b) => (a > b ? a : b));
}

/** Working days used from acceptance to `until`, null when the calendar does not cover them. */
function usedOf(calendar: WorkingCalendar, c: Pick<CaseState, 'acceptedOn'>, until: string | null, suspensions: Suspension[]): number | null {
  if (until === null) return null;
  try {
    return calendar.workingDaysUsed(c.acceptedOn, until, suspensions);
  } catch (err) {
    if (err instanceof GatewayError && err.code === 'GW_ERR_CASE_CALENDAR_UNCOVERED') return null;
    throw err;
  }
}

function settle(c: CaseState, calendar: WorkingCalendar, on: string): void {
  for (const b of c.branches) {
    b.dueOn = dueOf(calendar, c, b.suspensions);
    b.workingDays = usedOf(calendar, c, b.completedOn, b.suspensions);
  }
  const before = c.status;
  c.status = caseStatusOf(c.branches);
  c.dueOn = overallDue(c.branches);
  if (before !== c.status && ['completed', 'refused', 'returned'].includes(c.status)) {
    c.completedOn = on;
    // A branch still open when another ended the case (one refusal) counts to the case's end.
    const used = c.branches.filter((b) => b.required).map((b) => usedOf(calendar, c, b.completedOn ?? on, b.suspensions));
    c.workingDays = used.some((u) => u === null) ? null : Math.max(0, ...(used as number[]));
  }
}

function openCase(m: LoggedCaseMessage): CaseState {
  const p = m.payload;
  return {
    caseNo: p.caseNo,
    matterCode: p.matter.code,
    matterName: p.matter.name,
    applicant: p.applicant,
    acceptingDepartment: p.acceptingDepartment,
    hall: m.sender,
    legalLimitDays: p.legalLimitDays,
    acceptedAt: p.acceptedAt,
    acceptedOn: chinaDate(p.acceptedAt),
    status: 'accepted',
    dueOn: null,
    completedOn: null,
    workingDays: null,
    firstIdx: m.idx,
    lastIdx: m.idx,
    branches: [],
  };
}

/**
 * Applies one logged message to its case (undefined: not seen yet) and returns the case
 * after it (undefined when a status arrives for a case with no record) and its timeline event.
 */
export function applyCaseMessage(
  current: CaseState | undefined,
  m: LoggedCaseMessage,
  calendar: WorkingCalendar,
): { state: CaseState | undefined; event: CaseEventRow } {
  const p = m.payload;
  const base = { caseNo: p.caseNo as string, idx: m.idx, messageId: m.messageId };
  if (m.type === 'case-record') {
    const c = current ?? openCase(m);
    const event: CaseEventRow = {
      ...base, event: 'record', department: m.receiver, departmentName: p.acceptingDepartment, officer: null, occurredAt: p.acceptedAt, applied: true, note: null,
    };
    c.lastIdx = m.idx;
    if (c.branches.some((b) => b.department === m.receiver)) {
      Object.assign(event, { applied: false, note: `a branch for ${m.receiver} is already open` });
    } else if (['completed', 'refused', 'returned'].includes(c.status)) {
      Object.assign(event, { applied: false, note: `the case is already ${c.status}` });
    } else {
      c.branches.push({ department: m.receiver, status: BRANCH_LIFECYCLE.walk(['open']), required: true, suspensions: [], dueOn: null, completedOn: null, workingDays: null, openedIdx: m.idx });
      settle(c, calendar, chinaDate(p.acceptedAt));
    }
    return { state: c, event };
  }
  const step = branchEventOf(p.status, p.result);
  const on = chinaDate(p.occurredAt);
  const event: CaseEventRow = {
    ...base, event: step, department: m.sender, departmentName: p.department, officer: p.officer ?? null, occurredAt: p.occurredAt, applied: false, note: null,
  };
  if (!current) return { state: undefined, event: { ...event, note: 'no case record for this case number yet' } };
  current.lastIdx = m.idx;
  const branch = current.branches.find((b) => b.department === m.sender) ?? current.branches.find((b) => b.department === m.receiver);
  if (!branch) return { state: current, event: { ...event, note: `no branch of this case for ${m.sender}` } };
  event.department = branch.department;
  try {
    branch.status = BRANCH_LIFECYCLE.next(branch.status, step, `${current.caseNo}/${branch.department}`);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return { state: current, event: { ...event, note: err.detail ?? err.title } };
  }
  const clock = BRANCH_LIFECYCLE.step(step).clock;
  const open = branch.suspensions.find((s) => s.to === null);
  if (clock === 'suspend') branch.suspensions.push({ from: on, to: null, reason: step === 'start_special_procedure' ? 'special_procedure' : 'correction' });
  else if (clock === 'resume' && open) open.to = on < open.from ? open.from : on;
  if (['completed', 'refused', 'returned'].includes(branch.status)) branch.completedOn = on;
  settle(current, calendar, on);
  return { state: current, event: { ...event, applied: true } };
}

import type { Store } from '../store/db';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { readsAllMembers } from '../registry/permissions';
import type { Principal } from '../registry/principal';
import { keyPage, decodeKeyCursor } from '../exchange/cursor';
import { maskIdNumber, maskPhone } from '../schemas/identifiers';
import { chinaDate, type WorkingCalendar } from './calendar';
import { loadCases, type CaseProjector } from './projector';
import { FINAL_CASE_STATUSES, type CaseStatus } from './lifecycle';
import type { CaseBranch, CaseState } from './timeline';
import { cardsOfCase } from '../supervision/views';

/**
 * The supervision read model: one case with its deadlines and timeline, and the
 * filtered case list. Both catch the projection up first, so an answer includes every
 * case message committed before the request. A department sees the cases it accepted
 * (the hall) or has a branch of; auditors and supervisors see all, with the applicant's
 * personal data masked (电子监察 needs the deadlines, not the person).
 */

export interface CaseListQuery {
  status?: CaseStatus;
  department?: string;
  matter?: string;
  overdue?: boolean;
  dueBefore?: string;
  from?: string;
  to?: string;
  limit: number;
  after?: string;
}

const maskName = (name: string) => (name.length <= 1 ? '*' : name[0] + '*'.repeat(name.length - 1));

/** The applicant as the principal may see them: in full for the case's departments, masked for supervision. */
export function applicantFor(principal: Principal, applicant: Record<string, any>): Record<string, unknown> {
  if (!readsAllMembers(principal)) return applicant;
  if (applicant.type === 'person') {
    return {
      ...applicant,
      name: maskName(String(applicant.name)),
      idNumber: maskIdNumber(String(applicant.idNumber)),
      ...(applicant.phone ? { phone: maskPhone(String(applicant.phone)) } : {}),
    };
  }
  return { ...applicant, ...(applicant.contactPhone ? { contactPhone: maskPhone(String(applicant.contactPhone)) } : {}) };
}

const involves = (c: CaseState, member: string) => c.hall === member || c.branches.some((b) => b.department === member);

/** Days used and left of one clock: up to today while open, up to completion after. */
function clockOf(calendar: WorkingCalendar, c: CaseState, b: Pick<CaseBranch, 'suspensions' | 'completedOn'>, today: string) {
  const dueOn = calendar.dueDate(c.acceptedOn, c.legalLimitDays, b.suspensions);
  const until = b.completedOn ?? today;
  const used = calendar.workingDaysUsed(c.acceptedOn, until, b.suspensions);
  return { dueOn, workingDaysUsed: used, workingDaysLeft: c.legalLimitDays - used, overdue: dueOn !== null && until > dueOn };
}

export async function caseView(store: Store, cases: CaseProjector, principal: Principal, caseNo: string, now: Date) {
  await cases.catchUp();
  const c = (await loadCases(store, [caseNo])).get(caseNo);
  if (!c || (!readsAllMembers(principal) && !involves(c, principal.member))) throw new GatewayError('GW_ERR_CASE_NOT_FOUND', `no case ${caseNo}`);
  const today = chinaDate(now);
  const branches = c.branches.map((b) => ({
    department: b.department,
    status: b.status,
    required: b.required,
    ...clockOf(cases.calendar, c, b, today),
    completedOn: b.completedOn,
    suspensions: b.suspensions,
  }));
  const required = branches.filter((b) => b.required);
  const latest = required.reduce<(typeof branches)[number] | null>((a, b) => (!a || b.workingDaysUsed > a.workingDaysUsed ? b : a), null);
  const dueOn = required.some((b) => b.dueOn === null) ? null : required.map((b) => b.dueOn!).sort().pop() ?? null;
  const final = FINAL_CASE_STATUSES.includes(c.status);
  const events = await store.query<Record<string, any>>(
    `SELECT idx, message_id, event, department, department_name, officer, occurred_at, applied, note FROM case_events WHERE case_no = $1 ORDER BY idx`,
    [caseNo],
  );
  const calls = await serviceCallEvents(store, principal, caseNo);
  return {
    caseNo: c.caseNo,
    matter: { code: c.matterCode, name: c.matterName },
    applicant: applicantFor(principal, c.applicant),
    acceptingDepartment: c.acceptingDepartment,
    hall: c.hall,
    status: c.status,
    legalLimitDays: c.legalLimitDays,
    acceptedAt: formatTime(c.acceptedAt),
    dueOn,
    completedOn: c.completedOn,
    workingDaysUsed: latest?.workingDaysUsed ?? 0,
    workingDaysLeft: c.legalLimitDays - (latest?.workingDaysUsed ?? 0),
    overdue: dueOn !== null && (final ? c.completedOn ?? today : today) > dueOn,
    branches,
    cards: await cardsOfCase(store, caseNo),
    timeline: [
      ...events.rows.map((e): TimelineEvent => ({
        logIndex: Number(e.idx),
        messageId: e.message_id,
        event: e.event,
        department: e.department,
        departmentName: e.department_name,
        officer: e.officer,
        occurredAt: formatTime(e.occurred_at),
        applied: e.applied,
        ...(e.note ? { note: e.note } : {}),
      })),
      ...calls,
    ].sort((a, b) => a.logIndex - b.logIndex),
  };
}

interface TimelineEvent {
  logIndex: number;
  messageId: string;
  event: string;
  department: string;
  departmentName: string;
  officer: string | null;
  occurredAt: string;
  applied: boolean;
  note?: string;
  service?: { name: string; caller: string; outcome: string };
}

/**
 * The synchronous service calls (共享查询) made for the case (header X-Case-Id), read from the
 * log at each view: they change no branch, so the projection does not fold them. A department
 * sees the calls it made or answered; auditors and supervisors see all.
 */
async function serviceCallEvents(store: Store, principal: Principal, caseNo: string): Promise<TimelineEvent[]> {
  const r = await store.query<Record<string, any>>(
    `SELECT le.idx, sc.id, sc.caller, sc.provider, sc.service, sc.outcome, sc.started_at, m.name AS provider_name
     FROM log_entries le JOIN service_calls sc ON sc.id = le.message_id LEFT JOIN members m ON m.code = sc.provider
     WHERE le.case_id = $1 AND le.kind = 'service.called' ORDER BY le.idx`,
    [caseNo],
  );
  return r.rows
    .filter((c) => readsAllMembers(principal) || c.caller === principal.member || c.provider === principal.member)
    .map((c) => ({
      logIndex: Number(c.idx),
      messageId: c.id,
      event: 'service_call',
      department: c.provider,
      departmentName: c.provider_name ?? c.provider,
      officer: null,
      occurredAt: formatTime(c.started_at),
      applied: true,
      service: { name: c.service, caller: c.caller, outcome: c.outcome },
    }));
}

/** Cases by case number (keyset), filtered; `overdue` means due before completion, or before today while open. */
export async function listCases(store: Store, cases: CaseProjector, principal: Principal, q: CaseListQuery, now: Date) {
  await cases.catchUp();
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  const today = p(chinaDate(now));
  const member = readsAllMembers(principal) ? q.department : principal.member;
  if (!readsAllMembers(principal) && q.department && q.department !== principal.member) return { items: [], next: null };
  if (member) where.push(`(c.hall = ${p(member)} OR EXISTS (SELECT 1 FROM case_branches b WHERE b.case_no = c.case_no AND b.department = $${params.length}))`);
  if (q.status) where.push(`c.status = ${p(q.status)}`);
  if (q.matter) where.push(`c.matter_code = ${p(q.matter)}`);
  if (q.overdue !== undefined) where.push(`${q.overdue ? '' : 'NOT '}coalesce(c.due_on < coalesce(c.completed_on, ${today}::date), false)`);
  if (q.dueBefore) where.push(`c.due_on <= ${p(q.dueBefore)}::date`);
  if (q.from) where.push(`c.accepted_on >= ${p(q.from)}::date`);
  if (q.to) where.push(`c.accepted_on <= ${p(q.to)}::date`);
  const after = decodeKeyCursor(q.after);
  if (after !== null) where.push(`c.case_no > ${p(after)}`);
  const rows = await store.query<Record<string, any>>(
    `SELECT c.case_no, c.matter_code, c.matter_name, c.accepting_department, c.hall, c.status, c.legal_limit_days, c.accepted_at,
            c.due_on::text, c.completed_on::text, coalesce(c.due_on < coalesce(c.completed_on, ${today}::date), false) AS overdue,
            (SELECT array_agg(b.department ORDER BY b.opened_idx) FROM case_branches b WHERE b.case_no = c.case_no) AS departments
     FROM cases c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY c.case_no LIMIT ${p(q.limit + 1)}`,
    params,
  );
  return keyPage(
    rows.rows.map((r) => ({
      caseNo: r.case_no as string,
      matter: { code: r.matter_code, name: r.matter_name },
      acceptingDepartment: r.accepting_department,
      hall: r.hall,
      departments: r.departments ?? [],
      status: r.status,
      legalLimitDays: r.legal_limit_days,
      acceptedAt: formatTime(r.accepted_at),
      dueOn: r.due_on,
      completedOn: r.completed_on,
      overdue: r.overdue,
    })),
    q.limit,
    (x) => x.caseNo,
  );
}

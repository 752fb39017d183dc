import type { Db } from '../store/db';
import { formatTime } from '../clock';
import { keyPage, decodeKeyCursor } from '../exchange/cursor';
import { FINAL_CASE_STATUSES } from '../cases/lifecycle';
import { CARD_NAMES, type CardKind } from './rules';

/**
 * Reading the cards: the supervisors' list, a case's cards (on its view), and the counts per
 * department and period the statistics use. A card is `open` while its branch still runs and
 * `closed` once the branch (or the whole case) has ended; that follows from the case tables,
 * so nothing is written when a case completes.
 */
export interface CardListQuery {
  kind?: CardKind;
  department?: string;
  status?: 'open' | 'closed';
  /** Raised on or after / on or before these days (Asia/Shanghai). */
  from?: string;
  to?: string;
  limit: number;
  after?: string;
}

const CLOSED = `(coalesce(b.status = ANY($1::text[]), true) OR coalesce(c.status = ANY($1::text[]), true))`;
const COLUMNS = `s.id, s.case_no, s.department, s.kind, s.due_on::text, s.working_days_left, s.raised_at, s.raised_on::text, s.log_idx,
  s.notice_status, s.notice_message_id, s.notice_error, ${CLOSED} AS closed`;
const FROM = `supervision_cards s LEFT JOIN cases c ON c.case_no = s.case_no LEFT JOIN case_branches b ON b.case_no = s.case_no AND b.department = s.department`;

function cardOf(r: Record<string, any>) {
  return {
    id: r.id as string,
    caseNo: r.case_no as string,
    department: r.department as string,
    kind: r.kind as CardKind,
    card: CARD_NAMES[r.kind as CardKind],
    status: r.closed ? 'closed' : 'open',
    dueOn: r.due_on as string,
    workingDaysLeft: r.working_days_left as number | null,
    raisedAt: formatTime(r.raised_at),
    raisedOn: r.raised_on as string,
    logIndex: Number(r.log_idx),
    notice: { status: r.notice_status, messageId: r.notice_message_id, ...(r.notice_error ? { error: r.notice_error } : {}) },
  };
}

/** Cards by id (UUIDv7: raising order), filtered, keyset pages. */
export async function listCards(db: Db, q: CardListQuery) {
  const params: unknown[] = [FINAL_CASE_STATUSES];
  const p = (v: unknown) => `$${params.push(v)}`;
  const where: string[] = [];
  if (q.kind) where.push(`s.kind = ${p(q.kind)}`);
  if (q.department) where.push(`s.department = ${p(q.department)}`);
  if (q.status) where.push(`${q.status === 'closed' ? '' : 'NOT '}${CLOSED}`);
  if (q.from) where.push(`s.raised_on >= ${p(q.from)}::date`);
  if (q.to) where.push(`s.raised_on <= ${p(q.to)}::date`);
  const after = decodeKeyCursor(q.after);
  if (after !== null) where.push(`s.id > ${p(after)}::uuid`);
  const r = await db.query<Record<string, any>>(
    `SELECT ${COLUMNS} FROM ${FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY s.id LIMIT ${p(q.limit + 1)}`,
    params,
  );
  return keyPage(r.rows.map(cardOf), q.limit, (c) => c.id);
}

/** One case's cards, in raising order (shown on GET /cases/{caseNo}). */
export async function cardsOfCase(db: Db, caseNo: string) {
  const r = await db.query<Record<string, any>>(`SELECT ${COLUMNS} FROM ${FROM} WHERE s.case_no = $2 ORDER BY s.id`, [FINAL_CASE_STATUSES, caseNo]);
  return r.rows.map(cardOf);
}

export interface CardCount {
  department: string;
  warning: number;
  overdue: number;
}

/**
 * Cards raised per department in a period (raised on from..to inclusive, Asia/Shanghai
 * days; either bound optional), for the statistics (stats/). One indexed scan
 * (supervision_cards_department / _raised), computed in SQL.
 */
export async function countCardsByDepartment(db: Db, period: { from?: string; to?: string } = {}): Promise<CardCount[]> {
  const r = await db.query<{ department: string; warning: number; overdue: number }>(
    `SELECT department, count(*) FILTER (WHERE kind = 'warning')::int AS warning, count(*) FILTER (WHERE kind = 'overdue')::int AS overdue
     FROM supervision_cards WHERE ($1::date IS NULL OR raised_on >= $1::date) AND ($2::date IS NULL OR raised_on <= $2::date)
     GROUP BY department ORDER BY department`,
    [period.from ?? null, period.to ?? null],
  );
  return r.rows;
}

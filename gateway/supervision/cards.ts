import type { Db } from '../store/db';
import { newId } from '../ids';
import { prepareEntry } from '../log/entries';
import { appendEntries } from '../log/append';
import type { LogHashAlg } from '../merkle/hash';
import type { Suspension } from '../cases/calendar';
import { FINAL_CASE_STATUSES } from '../cases/lifecycle';
import { CARD_NAMES, type CardKind } from './rules';

/**
 * The card table (migration 015): which branches are due for a card, raising cards
 * exactly once, and the notice bookkeeping. Raising is INSERT … ON CONFLICT DO NOTHING on
 * the unique (case, department, kind): two runners (two processes) that both find the
 * same branch due insert one row between them, and only the runner whose row went in
 * appends the card's log entry, in the same transaction (the single log append).
 */

/** A branch whose clock runs and whose due date is on or before the warning horizon, without the card it now earns. */
export interface DueBranch {
  caseNo: string;
  department: string;
  dueOn: string;
  acceptedOn: string;
  legalLimitDays: number;
  suspensions: Suspension[];
}

export interface NewCard {
  caseNo: string;
  department: string;
  kind: CardKind;
  dueOn: string;
  workingDaysLeft: number | null;
}

export interface RaisedCard extends NewCard {
  id: string;
  logIdx: number;
}

/**
 * Open branches of open cases due on or before `horizon` that lack the card their due date
 * earns on `today` (red before today, else yellow). A branch in 补正 has no due date: no card.
 * After a red card nothing more (a later 补正 that moves the due date does not earn a yellow one).
 */
export async function dueBranches(db: Db, today: string, horizon: string): Promise<DueBranch[]> {
  const r = await db.query<{ case_no: string; department: string; due_on: string; accepted_on: string; legal_limit_days: number; suspensions: Suspension[] }>(
    `SELECT b.case_no, b.department, b.due_on::text, c.accepted_on::text, c.legal_limit_days, b.suspensions
     FROM case_branches b JOIN cases c ON c.case_no = b.case_no
     WHERE NOT (c.status = ANY($3::text[])) AND NOT (b.status = ANY($3::text[]))
       AND b.due_on IS NOT NULL AND b.due_on <= $2::date
       AND NOT EXISTS (SELECT 1 FROM supervision_cards s WHERE s.case_no = b.case_no AND s.department = b.department
                         AND s.kind IN ('overdue', CASE WHEN b.due_on < $1::date THEN 'overdue' ELSE 'warning' END))
     ORDER BY b.case_no, b.department`,
    [today, horizon, FINAL_CASE_STATUSES],
  );
  return r.rows.map((b) => ({
    caseNo: b.case_no, department: b.department, dueOn: b.due_on, acceptedOn: b.accepted_on, legalLimitDays: b.legal_limit_days, suspensions: b.suspensions,
  }));
}

/**
 * Inserts the cards no runner has raised yet and enters each in the signed log (in the
 * caller's transaction). Returns only the cards this call raised. Rows go in key order,
 * so two runners inserting overlapping sets wait on each other instead of deadlocking.
 */
export async function raiseCards(db: Db, alg: LogHashAlg, at: Date, raisedOn: string, cards: NewCard[]): Promise<RaisedCard[]> {
  if (!cards.length) return [];
  const r = await db.query<{ id: string; case_no: string; department: string; kind: CardKind; due_on: string; working_days_left: number | null }>(
    `INSERT INTO supervision_cards (id, case_no, department, kind, due_on, working_days_left, raised_at, raised_on)
     SELECT x.id, x.case_no, x.department, x.kind, x.due_on, x.working_days_left, $2::timestamptz, $3::date
     FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, case_no text, department text, kind text, due_on date, working_days_left integer)
     ORDER BY x.case_no, x.department, x.kind
     ON CONFLICT ON CONSTRAINT supervision_cards_once DO NOTHING
     RETURNING id, case_no, department, kind, due_on::text, working_days_left`,
    [
      JSON.stringify(cards.map((c) => ({ id: newId(), case_no: c.caseNo, department: c.department, kind: c.kind, due_on: c.dueOn, working_days_left: c.workingDaysLeft }))),
      at,
      raisedOn,
    ],
  );
  const raised = r.rows
    .map((c) => ({ id: c.id, caseNo: c.case_no, department: c.department, kind: c.kind, dueOn: c.due_on, workingDaysLeft: c.working_days_left }))
    .sort((a, b) => (a.caseNo + a.department + a.kind < b.caseNo + b.department + b.kind ? -1 : 1));
  if (!raised.length) return [];
  const entries = raised.map((c) =>
    prepareEntry(alg, 'supervision.card_raised', at, { card: c.kind, colour: CARD_NAMES[c.kind], cardId: c.id, caseNo: c.caseNo, department: c.department, dueOn: c.dueOn, workingDaysLeft: c.workingDaysLeft }, { caseId: c.caseNo }),
  );
  const indices = await appendEntries(db, entries);
  await db.query(`UPDATE supervision_cards s SET log_idx = x.idx FROM unnest($1::uuid[], $2::bigint[]) AS x(id, idx) WHERE s.id = x.id`, [raised.map((c) => c.id), indices]);
  return raised.map((c, i) => ({ ...c, logIdx: indices[i]! }));
}

/** A card whose notice is still to be sent, with what the notice says about its case. */
export interface PendingNotice {
  id: string;
  caseNo: string;
  department: string;
  kind: CardKind;
  dueOn: string;
  workingDaysLeft: number | null;
  raisedOn: string;
  logIdx: number;
  hall: string;
  matter: { code: string; name: string };
  legalLimitDays: number;
  acceptedOn: string;
}

/** Cards whose notice no runner has sent yet (a crash between raising and sending leaves some), oldest first. */
export async function pendingNotices(db: Db, limit: number): Promise<PendingNotice[]> {
  const r = await db.query<Record<string, any>>(
    `SELECT s.id, s.case_no, s.department, s.kind, s.due_on::text, s.working_days_left, s.raised_on::text, s.log_idx,
            c.hall, c.matter_code, c.matter_name, c.legal_limit_days, c.accepted_on::text
     FROM supervision_cards s JOIN cases c ON c.case_no = s.case_no
     WHERE s.notice_status = 'pending' AND s.log_idx IS NOT NULL ORDER BY s.log_idx LIMIT $1`,
    [limit],
  );
  return r.rows.map((s) => ({
    id: s.id, caseNo: s.case_no, department: s.department, kind: s.kind, dueOn: s.due_on, workingDaysLeft: s.working_days_left, raisedOn: s.raised_on,
    logIdx: Number(s.log_idx), hall: s.hall, matter: { code: s.matter_code, name: s.matter_name }, legalLimitDays: s.legal_limit_days, acceptedOn: s.accepted_on,
  }));
}

/** Records the notice's fate: sent (its message id) or failed (why; not retried). */
export async function recordNotice(db: Db, cardId: string, outcome: { messageId: string } | { error: string }): Promise<void> {
  await db.query(
    `UPDATE supervision_cards SET notice_status = $2, notice_message_id = $3, notice_error = $4 WHERE id = $1 AND notice_status = 'pending'`,
    'messageId' in outcome ? [cardId, 'sent', outcome.messageId, null] : [cardId, 'failed', null, outcome.error],
  );
}

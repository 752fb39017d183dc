import type { Db } from '../store/db';
import type { LogHashAlg } from '../merkle/hash';
import { receiptLifecycle } from './lifecycle';
import { readDocument, readReceipts, recordDocumentStep } from './records';

/**
 * The station's answer to a package the outbox delivered (station-out.ts), applied to the
 * external addressee's receipt in the outbox's own transaction (after its 'delivered'
 * step): a 回执 is that addressee's 签收, a 回退 its 退回 with the station's reason — each a
 * step of the 收文 lifecycle, an event on the document's timeline and a log entry. A later
 * answer for a receipt already settled (a replayed package answered again, 重复) changes
 * nothing: the station's duplicate is recognised and recorded only in the message history.
 */
export interface StationAnswerDetail {
  kind: '回执' | '回退';
  packageId: string;
  packageSha256: string;
  at: string;
  duplicate?: boolean;
  reason?: string;
}

/** The actor a station answer is recorded under (the addressee's department is the party). */
export const STATION_ACTOR = 'exchange-station';

const isAnswer = (a: Record<string, unknown> | undefined): a is Record<string, unknown> & StationAnswerDetail =>
  (a?.kind === '回执' || a?.kind === '回退') && typeof a.packageId === 'string';

export async function applyStationAnswer(db: Db, alg: LogHashAlg, messageId: string, answer: Record<string, unknown> | undefined, at: Date): Promise<'applied' | 'duplicate' | 'none'> {
  if (!isAnswer(answer)) return 'none';
  const r = await db.query<{ document_id: string; receipt_id: string; peer: string; package_id: string }>(
    `SELECT document_id, receipt_id, peer, package_id FROM station_packages WHERE direction = 'out' AND message_id = $1`,
    [messageId],
  );
  const pkg = r.rows[0];
  if (!pkg) return 'none';
  // Lock order of the 公文 steps: the document, then the receipt.
  const doc = (await readDocument(db, pkg.document_id, true))!;
  const receipt = (await readReceipts(db, pkg.document_id, pkg.peer, true)).find((x) => x.id === pkg.receipt_id);
  const event = answer.kind === '回执' ? 'signed_for' : 'returned';
  if (!receipt || !receiptLifecycle.allows(receipt.status, event)) return 'duplicate';
  const status = receiptLifecycle.next(receipt.status, event, `${doc.id} at ${pkg.peer}`);
  await db.query('UPDATE document_receipts SET status = $2, updated_at = $3 WHERE id = $1', [receipt.id, status, at]);
  const detail: Record<string, unknown> = { via: 'station', packageId: pkg.package_id, stationAt: answer.at, ...(answer.duplicate ? { duplicate: true } : {}) };
  if (answer.kind === '回退') detail.reason = answer.reason ?? '';
  await recordDocumentStep(db, alg, doc, [receipt], { step: event, at, actor: STATION_ACTOR, department: pkg.peer, detail });
  return 'applied';
}

/**
 * What the outbox did with a document's station messages that a reader of its timeline
 * must see: a package (or a department's answer) dead-lettered after its attempts ran out,
 * and an admin's replay of it. Read from the messages' history (message_events) with the
 * log entry each wrote (paired in order: the nth dead_lettered event with the nth
 * message.dead_lettered entry of that message). `department` is who sent it, `receipt` the
 * receipt it is about; no signature of its own.
 */
export interface StationDeliveryEvent {
  step: 'dead_lettered' | 'replayed';
  at: Date;
  actor: string;
  department: string;
  receipt: { id: string; recipient: string };
  detail: Record<string, unknown>;
  logIndex: number | null;
}

export async function stationDeliveryEvents(db: Db, documentId: string, sender: string): Promise<StationDeliveryEvent[]> {
  const r = await db.query<{ event: 'dead_lettered' | 'replayed'; at: Date; actor: string; detail: Record<string, unknown>; direction: string; package_id: string; message_id: string; peer: string; receipt_id: string; recipient: string; idx: string | null }>(
    `WITH sp AS (SELECT * FROM station_packages WHERE document_id = $1 AND direction IN ('out', 'answer') AND message_id IS NOT NULL),
     ev AS (SELECT e.*, row_number() OVER (PARTITION BY e.message_id, e.event ORDER BY e.id) AS n
            FROM message_events e WHERE e.message_id IN (SELECT message_id FROM sp) AND e.event IN ('dead_lettered', 'replayed')),
     lg AS (SELECT l.idx, l.message_id, l.kind, row_number() OVER (PARTITION BY l.message_id, l.kind ORDER BY l.idx) AS n
            FROM log_entries l WHERE l.message_id IN (SELECT message_id FROM sp) AND l.kind IN ('message.dead_lettered', 'message.replayed'))
     SELECT ev.event, ev.at, ev.actor, ev.detail, sp.direction, sp.package_id, sp.message_id, sp.peer, sp.receipt_id, r.recipient, lg.idx
     FROM ev JOIN sp ON sp.message_id = ev.message_id JOIN document_receipts r ON r.id = sp.receipt_id
     LEFT JOIN lg ON lg.message_id = ev.message_id AND lg.kind = 'message.' || ev.event AND lg.n = ev.n
     ORDER BY ev.at, ev.id`,
    [documentId],
  );
  return r.rows.map((e) => ({
    step: e.event,
    at: e.at,
    actor: e.actor,
    department: e.direction === 'out' ? sender : e.recipient,
    receipt: { id: e.receipt_id, recipient: e.recipient },
    detail: {
      via: 'station',
      packageId: e.package_id,
      message: e.message_id,
      sentTo: e.peer,
      ...(e.direction === 'answer' ? { answer: true } : {}),
      ...(typeof e.detail.attempts === 'number' ? { attempts: e.detail.attempts } : {}),
    },
    logIndex: e.idx === null ? null : Number(e.idx),
  }));
}

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

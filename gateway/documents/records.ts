import type { Db } from '../store/db';
import { appendEntries } from '../log/append';
import { prepareEntry, type LogEntryKind } from '../log/entries';
import type { LogHashAlg } from '../merkle/hash';
import { logDetail } from '../exchange/history';
import { canonicalJson } from '../crypto/canonical';
import { digestHex } from '../crypto/digest';
import type { BatchedSignature } from '../crypto/batch-signature';
import type { OfficialDocument } from './model';
import type { OutgoingStatus, ReceiptStatus } from './lifecycle';

/**
 * The 公文 rows (migration 007) and the one place a step is written: its event row
 * and its log entry, in the caller's transaction. Free text (comments, a 退回 reason,
 * an assignee's name) stays in the event for the parties and enters the log only as
 * its digest.
 */
export interface DocumentRow {
  id: string;
  seq: string;
  sender: string;
  status: OutgoingStatus;
  urgency: string | null;
  urgency_rank: number;
  kind: string | null;
  title: string | null;
  doc_number: string | null;
  date_written: string | null;
  document: OfficialDocument;
  addressees: Addressees;
  seal: Record<string, unknown> | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface Addressees {
  main: string[];
  copy: string[];
}

export interface ReceiptRow {
  id: string;
  seq: string;
  document_id: string;
  recipient: string;
  copy: boolean;
  status: ReceiptStatus;
  urgency_rank: number;
  assignee: string | null;
  deadline: string | null;
  forwarded_from: string | null;
  created_at: Date;
  updated_at: Date;
}

export const DOCUMENT_COLUMNS =
  "d.id, d.seq, d.sender, d.status, d.urgency, d.urgency_rank, d.kind, d.title, d.doc_number, to_char(d.date_written, 'YYYY-MM-DD') AS date_written, d.document, d.addressees, d.seal, d.created_by, d.created_at, d.updated_at";
export const RECEIPT_COLUMNS =
  "r.id, r.seq, r.document_id, r.recipient, r.copy, r.status, r.urgency_rank, r.assignee, to_char(r.deadline, 'YYYY-MM-DD') AS deadline, r.forwarded_from, r.created_at, r.updated_at";

/** Free-text fields of step details (digested in the log). */
const FREE_TEXT = ['reason', 'comment', 'assignee'] as const;

/** The canonical document's digest (what 用印 and 回执 sign over). */
export const documentDigest = (doc: OfficialDocument) => ({ alg: 'sm3' as const, value: digestHex('sm3', canonicalJson(doc)) });

export async function readDocument(db: Db, id: string, lock = false): Promise<DocumentRow | undefined> {
  const r = await db.query<DocumentRow>(`SELECT ${DOCUMENT_COLUMNS} FROM documents d WHERE d.id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return r.rows[0];
}

export async function readReceipts(db: Db, documentId: string, recipient?: string, lock = false): Promise<ReceiptRow[]> {
  const r = await db.query<ReceiptRow>(
    `SELECT ${RECEIPT_COLUMNS} FROM document_receipts r WHERE r.document_id = $1 ${recipient ? 'AND r.recipient = $2' : ''} ORDER BY r.seq${lock ? ' FOR UPDATE' : ''}`,
    recipient ? [documentId, recipient] : [documentId],
  );
  return r.rows;
}

export interface StepRecord {
  step: string;
  at: Date;
  actor: string;
  department: string;
  detail?: Record<string, unknown>;
  /** What the department signed, and the signature. */
  signed?: { text: string; signature: BatchedSignature };
  requestKey?: string;
  requestDigest?: string;
}

/**
 * Writes one step: a log entry `document.<step>` naming the document (and the receipt),
 * and an event row per receipt given (one with receipt NULL when none), all with the
 * entry's log index; the idempotency key goes on the first row only. Returns the index.
 */
export async function recordDocumentStep(
  db: Db,
  alg: LogHashAlg,
  doc: Pick<DocumentRow, 'id' | 'sender' | 'document'>,
  receipts: Pick<ReceiptRow, 'id' | 'recipient'>[],
  s: StepRecord,
): Promise<number> {
  const detail = s.detail ?? {};
  const fields: Record<string, unknown> = {
    document: { id: doc.id, sender: doc.sender, digest: documentDigest(doc.document), ...(doc.document.documentNumber ? { number: doc.document.documentNumber.normalized } : {}) },
    actor: s.actor,
    department: s.department,
    detail: logDetail(alg, detail, FREE_TEXT),
  };
  if (receipts.length) fields.receipts = receipts.map((r) => ({ id: r.id, recipient: r.recipient }));
  if (s.signed) fields.signature = { signer: s.signed.signature.signer, alg: s.signed.signature.alg, textDigest: { alg, value: digestHex(alg, s.signed.text) } };
  const [idx] = await appendEntries(db, [prepareEntry(alg, `document.${s.step}` as LogEntryKind, s.at, fields)]);
  const targets = receipts.length ? receipts.map((r) => r.id) : [null];
  await db.query(
    `INSERT INTO document_events (document_id, receipt_id, step, at, actor, department, detail, signed_text, signature, log_idx, request_key, request_digest)
     SELECT $1, t.rid, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb, $10, CASE WHEN t.n = 1 THEN $11 END, CASE WHEN t.n = 1 THEN $12 END
     FROM unnest($2::uuid[]) WITH ORDINALITY AS t(rid, n) ORDER BY n`,
    [
      doc.id,
      targets,
      s.step,
      s.at,
      s.actor,
      s.department,
      JSON.stringify(detail),
      s.signed?.text ?? null,
      s.signed ? JSON.stringify(s.signed.signature) : null,
      idx,
      s.requestKey ?? null,
      s.requestDigest ?? null,
    ],
  );
  return idx!;
}

/** The event an idempotency key names on this document for this department, if any. */
export async function keyedEvent(db: Db, documentId: string, department: string, requestKey: string): Promise<{ step: string; request_digest: string } | undefined> {
  const r = await db.query<{ step: string; request_digest: string }>(
    'SELECT step, request_digest FROM document_events WHERE document_id = $1 AND department = $2 AND request_key = $3 LIMIT 1',
    [documentId, department, requestKey],
  );
  return r.rows[0];
}

/**
 * The next 发文字号 serial for 机关代字 `agencyCode` in `year`: one upsert that takes the
 * serial row's lock until the caller commits, so concurrent 登记 (any number of gateway
 * processes) queue on it: serials are dense (a rolled-back 登记 gives its number back) and unique.
 */
export async function takeSerial(db: Db, agencyCode: string, year: number): Promise<number> {
  const r = await db.query<{ serial: number }>(
    `INSERT INTO document_serials (agency_code, year, next) VALUES ($1, $2, 2)
     ON CONFLICT (agency_code, year) DO UPDATE SET next = document_serials.next + 1
     RETURNING next - 1 AS serial`,
    [agencyCode, year],
  );
  return Number(r.rows[0]!.serial);
}

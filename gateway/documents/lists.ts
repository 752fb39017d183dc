import type { Db } from '../store/db';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { readsAllMembers } from '../registry/permissions';
import type { Principal } from '../registry/principal';
import { matchingForm } from './normalize';
import { normalizedDocumentNumber } from './lexicon';

/**
 * The 公文 inbox (receipts of the department) and outbox (documents it sends), with
 * filters; 特提/特急/加急 first, then newest first. The cursor is opaque (the last row's
 * urgency rank and sequence), never an offset. Auditors and supervisors list everything.
 */
export interface DocumentListQuery {
  box: 'inbox' | 'outbox';
  status?: string;
  urgency?: string;
  kind?: string;
  sender?: string;
  from?: string;
  to?: string;
  q?: string;
  docNo?: string;
  limit: number;
  after?: string;
}

const encode = (rank: number, seq: string) => Buffer.from(`v1:${rank}:${seq}`).toString('base64url');
function decode(cursor: string): { rank: number; seq: string } {
  const m = /^v1:(\d):(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new GatewayError('GW_ERR_LIST_BAD_CURSOR', 'use the "next" value of a previous page');
  return { rank: Number(m[1]), seq: m[2]! };
}

/** Start of a Shanghai calendar day. */
const dayStart = (date: string, plusDays = 0) => new Date(Date.parse(`${date}T00:00:00+08:00`) + plusDays * 86_400_000);

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

interface ListRow {
  id: string;
  receipt_id: string | null;
  recipient: string | null;
  status: string;
  document_status: string;
  urgency: string | null;
  urgency_rank: number;
  kind: string | null;
  title: string | null;
  sender: string;
  doc_number: string | null;
  date_written: string | null;
  created_at: Date;
  seq: string;
}

export async function listDocuments(db: Db, principal: Principal, q: DocumentListQuery) {
  const inbox = q.box === 'inbox';
  const x = inbox ? 'r' : 'd';
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (!readsAllMembers(principal)) where.push(inbox ? `r.recipient = ${p(principal.member)}` : `d.sender = ${p(principal.member)}`);
  if (q.status) where.push(`${x}.status = ${p(q.status)}`);
  if (q.urgency) where.push(`d.urgency = ${p(q.urgency)}`);
  if (q.kind) where.push(`d.kind = ${p(q.kind)}`);
  if (q.sender) where.push(`d.sender = ${p(q.sender)}`);
  if (q.from) where.push(`${x}.created_at >= ${p(dayStart(q.from))}`);
  if (q.to) where.push(`${x}.created_at < ${p(dayStart(q.to, 1))}`);
  if (q.docNo) {
    const docNo = normalizedDocumentNumber(q.docNo);
    if (!docNo) throw new GatewayError('GW_ERR_REQUEST_INVALID', 'docNo is a 发文字号: 机关代字, the year in brackets, the serial and 号 (e.g. 江住建发〔2026〕12号)', { errors: [{ pointer: '/docNo', message: 'not a 发文字号' }] });
    where.push(`d.doc_number = ${p(docNo)}`);
  }
  if (q.q) where.push(`d.title_search LIKE ${p(`%${likeEscape(matchingForm(q.q))}%`)}`);
  if (q.after) {
    const c = decode(q.after);
    where.push(`(${x}.urgency_rank > ${p(c.rank)} OR (${x}.urgency_rank = ${p(c.rank)} AND ${x}.seq < ${p(c.seq)}))`);
  }
  const from = inbox ? 'document_receipts r JOIN documents d ON d.id = r.document_id' : 'documents d';
  const receiptCols = inbox ? 'r.id AS receipt_id, r.recipient, r.status' : 'NULL::uuid AS receipt_id, NULL::text AS recipient, d.status';
  const r = await db.query<ListRow>(
    `SELECT d.id, ${receiptCols}, d.status AS document_status, d.urgency, ${x}.urgency_rank, d.kind, d.title, d.sender, d.doc_number,
            to_char(d.date_written, 'YYYY-MM-DD') AS date_written, ${x}.created_at, ${x}.seq
     FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${x}.urgency_rank, ${x}.seq DESC LIMIT ${p(q.limit + 1)}`,
    params,
  );
  const rows = r.rows.slice(0, q.limit);
  const last = rows[rows.length - 1];
  return {
    items: rows.map((row) => ({
      id: row.id,
      ...(inbox ? { receiptId: row.receipt_id, recipient: row.recipient } : {}),
      status: row.status,
      documentStatus: row.document_status,
      urgency: row.urgency,
      kind: row.kind,
      title: row.title,
      sender: row.sender,
      documentNumber: row.doc_number,
      dateWritten: row.date_written,
      createdAt: formatTime(row.created_at),
    })),
    next: r.rows.length > q.limit && last ? encode(last.urgency_rank, String(last.seq)) : null,
  };
}

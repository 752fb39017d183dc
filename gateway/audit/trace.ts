import type { Db } from '../store/db';
import { formatTime } from '../clock';
import { GatewayError, type FieldError } from '../errors';
import { decodeCursor, encodeCursor } from '../exchange/cursor';

/**
 * The audit trace (追溯): the exchange-log entries about a case, a message or a
 * member, in log order. Keyset pagination on the log index; every filter is
 * served by an index:
 *   caseId    → log_entries_case (case_id)
 *   messageId → log_entries_message (message_id); a sender's own messageId is
 *               resolved through messages' UNIQUE (sender, message_id), probed
 *               once per member (a loose index scan: members are few)
 *   member    → a semi-join with messages: either the log in index order
 *               (log_entries_pkey) probing messages_pkey, cheap for a busy member,
 *               or its messages as sender (UNIQUE (sender, message_id)) and receiver
 *               (messages_inbox) probing log_entries_message, cheap for a quiet one
 */
interface TraceQuery {
  caseId?: string;
  messageId?: string;
  member?: string;
  /** Only entries about messages of this type. */
  type?: string;
  from?: Date;
  to?: Date;
  after: number;
  limit: number;
}

interface TraceItem {
  index: number;
  kind: string;
  at: string;
  entry: Record<string, unknown>;
  leafHash: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** GET /audit/trace's query string, each parameter checked as audit/openapi.ts publishes it. */
export interface TraceParams {
  caseId?: string;
  messageId?: string;
  member?: string;
  type?: string;
  /** RFC 3339 with offset. */
  from?: string;
  to?: string;
  after?: string;
  limit: number;
}

/** What the parameters cannot say one by one: at least one of caseId, messageId, member; from ≤ to (400 GW_ERR_REQUEST_INVALID). */
export function traceQueryOf(p: TraceParams): TraceQuery {
  const errors: FieldError[] = [];
  if (p.caseId === undefined && p.messageId === undefined && p.member === undefined) {
    errors.push({ pointer: '/caseId', message: 'give at least one of caseId, messageId, member' });
  }
  const from = p.from === undefined ? undefined : new Date(p.from);
  const to = p.to === undefined ? undefined : new Date(p.to);
  if (from && to && from > to) errors.push({ pointer: '/to', message: 'must not be before from' });
  if (errors.length) throw new GatewayError('GW_ERR_REQUEST_INVALID', errors.map((e) => `${e.pointer.slice(1)}: ${e.message}`).join('; '), { errors });
  return { caseId: p.caseId, messageId: p.messageId, member: p.member, type: p.type, from, to, after: decodeCursor(p.after), limit: p.limit };
}

/** Gateway message ids a messageId stands for: itself (a gateway id) and every sender's message of that messageId. */
async function resolveMessageIds(db: Db, messageId: string): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    'SELECT m.id FROM members mb JOIN messages m ON m.sender = mb.code AND m.message_id = $1',
    [messageId],
  );
  const ids = new Set(r.rows.map((x) => x.id));
  if (UUID.test(messageId)) ids.add(messageId.toLowerCase());
  return [...ids];
}

export async function traceEntries(db: Db, q: TraceQuery): Promise<{ items: TraceItem[]; next: string | null }> {
  const where: string[] = [];
  const params: unknown[] = [q.after];
  const p = (v: unknown): string => `$${params.push(v)}`;
  if (q.caseId !== undefined) where.push(`e.case_id = ${p(q.caseId)}`);
  if (q.messageId !== undefined) {
    const ids = await resolveMessageIds(db, q.messageId);
    if (!ids.length) return { items: [], next: null };
    where.push(`e.message_id = ANY(${p(ids)}::uuid[])`);
  }
  if (q.member !== undefined) {
    const m = p(q.member);
    // A semi-join, so the planner may walk the log in index order for a busy member (stopping at the page size)
    // or start from the member's messages for a quiet one.
    // Service calls (service.called, their call id in message_id) count for the caller and the provider.
    where.push(
      `(EXISTS (SELECT 1 FROM messages m WHERE m.id = e.message_id AND (m.sender = ${m} OR m.receiver = ${m}))` +
        ` OR (e.kind = 'service.called' AND EXISTS (SELECT 1 FROM service_calls s WHERE s.id = e.message_id AND (s.caller = ${m} OR s.provider = ${m}))))`,
    );
  }
  if (q.type !== undefined) where.push(`EXISTS (SELECT 1 FROM messages t WHERE t.id = e.message_id AND t.type = ${p(q.type)})`);
  if (q.from) where.push(`e.created_at >= ${p(q.from)}`);
  if (q.to) where.push(`e.created_at <= ${p(q.to)}`);
  const r = await db.query<{ idx: number; kind: string; entry: string; leaf_hash: Buffer; created_at: Date }>(
    `SELECT e.idx, e.kind, e.entry, e.leaf_hash, e.created_at FROM log_entries e
     WHERE e.idx >= $1 AND ${where.join(' AND ')}
     ORDER BY e.idx LIMIT ${p(q.limit)}`,
    params,
  );
  const items = r.rows.map((e) => ({
    index: Number(e.idx),
    kind: e.kind,
    at: formatTime(e.created_at),
    entry: JSON.parse(e.entry) as Record<string, unknown>,
    leafHash: Buffer.from(e.leaf_hash).toString('hex'),
  }));
  const last = items[items.length - 1];
  return { items, next: items.length === q.limit && last ? encodeCursor(last.index + 1) : null };
}

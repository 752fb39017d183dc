import type { Db } from '../store/db';
import { formatTime } from '../clock';
import { GatewayError, type FieldError } from '../errors';
import { decodeCursor, encodeCursor, parseLimit } from '../exchange/cursor';

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
/** RFC 3339 date-time with a mandatory offset (Z or ±hh:mm). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

function time(raw: unknown, name: string, errors: FieldError[]): Date | undefined {
  if (raw === undefined) return undefined;
  const d = typeof raw === 'string' && RFC3339.test(raw) ? new Date(raw) : new Date(NaN);
  if (Number.isNaN(d.getTime())) {
    errors.push({ pointer: `/${name}`, message: 'an RFC 3339 date-time with offset, e.g. 2026-03-02T09:30:00+08:00' });
    return undefined;
  }
  return d;
}

function text(raw: unknown, name: string, errors: FieldError[]): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length < 1 || raw.length > 200) {
    errors.push({ pointer: `/${name}`, message: 'a string of 1 to 200 characters' });
    return undefined;
  }
  return raw;
}

/** Validates the query string of GET /audit/trace (400 GW_ERR_REQUEST_INVALID with field errors). */
export function parseTraceQuery(q: Record<string, unknown>): TraceQuery {
  const errors: FieldError[] = [];
  const caseId = text(q.caseId, 'caseId', errors);
  const messageId = text(q.messageId, 'messageId', errors);
  const member = text(q.member, 'member', errors);
  const from = time(q.from, 'from', errors);
  const to = time(q.to, 'to', errors);
  if (!errors.length && caseId === undefined && messageId === undefined && member === undefined) {
    errors.push({ pointer: '/caseId', message: 'give at least one of caseId, messageId, member' });
  }
  if (from && to && from > to) errors.push({ pointer: '/to', message: 'must not be before from' });
  if (errors.length) throw new GatewayError('GW_ERR_REQUEST_INVALID', errors.map((e) => `${e.pointer.slice(1)}: ${e.message}`).join('; '), { errors });
  const after = decodeCursor(typeof q.after === 'string' ? q.after : undefined);
  return { caseId, messageId, member, from, to, after, limit: parseLimit(q.limit, 100, 1000) };
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

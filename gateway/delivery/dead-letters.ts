import type { Db, Store } from '../store/db';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { decodeCursor, encodeCursor } from '../exchange/cursor';
import { messageLifecycle, recordStep, stateColumns, type MessageState } from '../exchange/lifecycle';
import { headerColumns, messageHeader, type MessageHeader, type MessageHeaderRow } from '../exchange/message-header';
import type { LogHashAlg } from '../merkle/hash';

/**
 * Dead letters: push deliveries the outbox gave up on (max attempts, or a refusal
 * retrying cannot fix). An admin lists them and replays one or many by filter; a
 * replay puts the delivery back in the queue with a fresh attempt budget and is
 * recorded in the message history and the signed log (message.replayed, with who).
 */
export interface DeadLetterFilter {
  receiver?: string;
  type?: string;
  caseId?: string;
  /** Dead-lettered at or after / before. */
  from?: Date;
  to?: Date;
}

export interface DeadLetter extends MessageHeader {
  attempts: number;
  lastError: string | null;
  deadAt: string;
  receivedAt: string;
}

/** A dead-letter filter as the API takes it (query string or body; checked against delivery/openapi.ts by the route). */
export interface DeadLetterFilterParams {
  receiver?: string;
  type?: string;
  caseId?: string;
  from?: string;
  to?: string;
}

/** The filter of a checked query string or body. */
export function filterOf(p: DeadLetterFilterParams): DeadLetterFilter {
  const f: DeadLetterFilter = {};
  if (p.receiver !== undefined) f.receiver = p.receiver;
  if (p.type !== undefined) f.type = p.type;
  if (p.caseId !== undefined) f.caseId = p.caseId;
  if (p.from !== undefined) f.from = new Date(p.from);
  if (p.to !== undefined) f.to = new Date(p.to);
  return f;
}

/** WHERE clauses (on d = deliveries, m = messages) for a filter; parameters start at $start. */
function where(f: DeadLetterFilter, start: number): { sql: string; params: unknown[] } {
  const parts = [`d.status = 'dead'`];
  const params: unknown[] = [];
  const add = (clause: string, v: unknown) => {
    params.push(v);
    parts.push(clause.replace('?', `$${start + params.length - 1}`));
  };
  if (f.receiver) add('d.receiver = ?', f.receiver);
  if (f.type) add('m.type = ?', f.type);
  if (f.caseId) add('m.case_id = ?', f.caseId);
  if (f.from) add('d.updated_at >= ?', f.from);
  if (f.to) add('d.updated_at <= ?', f.to);
  return { sql: parts.join(' AND '), params };
}

type Row = MessageHeaderRow & { seq: string; attempts: number; last_error: string | null; updated_at: Date; received_at: Date };

/** One page of dead letters, oldest message first (keyset on the exchange sequence). */
export async function listDeadLetters(db: Db, f: DeadLetterFilter, after: string | undefined, limit: number): Promise<{ items: DeadLetter[]; next: string | null }> {
  const w = where(f, 3);
  const r = await db.query<Row>(
    `SELECT ${headerColumns('m')}, m.seq, d.attempts, d.last_error, d.updated_at, m.received_at
     FROM deliveries d JOIN messages m ON m.id = d.message_id
     WHERE ${w.sql} AND m.seq > $1 ORDER BY m.seq LIMIT $2`,
    [decodeCursor(after), limit + 1, ...w.params],
  );
  const rows = r.rows.slice(0, limit);
  return {
    items: rows.map((x) => ({
      ...messageHeader(x),
      attempts: x.attempts,
      lastError: x.last_error,
      deadAt: formatTime(x.updated_at),
      receivedAt: formatTime(x.received_at),
    })),
    next: r.rows.length > limit ? encodeCursor(Number(rows[rows.length - 1].seq)) : null,
  };
}

type DeadRow = MessageState & { attempts: number; last_error: string | null };

/**
 * Replays locked dead letters: the lifecycle's 'replayed' step puts each delivery back in the
 * queue with a fresh attempt budget and records it (history + log, with who).
 */
async function requeue(db: Db, alg: LogHashAlg, rows: DeadRow[], at: Date, actor: string): Promise<string[]> {
  for (const x of rows) {
    await recordStep(db, alg, [x], {
      event: 'replayed',
      at,
      actor,
      detail: { previousAttempts: x.attempts, lastError: x.last_error },
      delivery: { lastError: null, nextAttemptAt: at, resetAttempts: true },
    });
  }
  // An admin replays now: a receiver whose breaker is open gets its probe now, not at the end of a long backoff.
  const receivers = [...new Set(rows.map((x) => x.receiver))];
  if (receivers.length) await db.query('UPDATE receiver_delivery SET probe_at = $2 WHERE receiver = ANY($1::text[]) AND probe_at > $2', [receivers, at]);
  return rows.map((x) => x.id);
}

/** Dead letters with their message rows locked (message first: the lifecycle's lock order). */
const DEAD_ROWS = `SELECT ${stateColumns('m')}, d.attempts, d.last_error FROM deliveries d JOIN messages m ON m.id = d.message_id`;

/** Replays one dead letter by message id (404 when it is not dead-lettered). */
export async function replayOne(store: Store, alg: LogHashAlg, id: string, at: Date, actor: string): Promise<string> {
  return store.tx(async (db) => {
    const r = await db.query<DeadRow>(`${DEAD_ROWS} WHERE m.id::text = $1 AND d.status = 'dead' FOR UPDATE OF m`, [id]);
    // Locking may have waited for a step that settled it (acknowledged meanwhile): the locked status decides.
    const dead = r.rows.filter((x) => messageLifecycle.allows(x.status, 'replayed'));
    if (!dead.length) throw new GatewayError('GW_ERR_DEAD_LETTER_NOT_FOUND', `message ${id} is not dead-lettered (unknown, delivered, or already replayed)`);
    return (await requeue(db, alg, dead, at, actor))[0]!;
  });
}

/** Replays up to `limit` dead letters matching a filter (at least one criterion), oldest first. */
export async function replayMatching(store: Store, alg: LogHashAlg, f: DeadLetterFilter, limit: number, at: Date, actor: string): Promise<string[]> {
  if (!Object.keys(f).length) {
    throw new GatewayError('GW_ERR_REQUEST_INVALID', 'give at least one filter (receiver, type, caseId, from, to); replaying everything at once is refused', {
      errors: [{ pointer: '', message: 'at least one filter' }],
    });
  }
  const w = where(f, 2);
  return store.tx(async (db) => {
    const r = await db.query<DeadRow>(`${DEAD_ROWS} WHERE ${w.sql} ORDER BY m.seq LIMIT $1 FOR UPDATE OF m SKIP LOCKED`, [limit, ...w.params]);
    return requeue(db, alg, r.rows.filter((x) => messageLifecycle.allows(x.status, 'replayed')), at, actor);
  });
}

import type { Db, Store } from '../store/db';
import type { Clock } from '../clock';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { actorName, type Principal } from '../registry/principal';
import { decodeCursor, encodeCursor } from './cursor';
import type { MessageStatus } from './types';
import { recordEvent, logEntriesFor } from './history';
import { ackReceiptDigest, signAckReceipt, type AckReceipt } from './receipts';
import type { Trust } from '../trust/trust';
import { appendEntries } from '../log/store';
import type { LogHashAlg } from '../log/hash';

interface MessageRow {
  id: string;
  seq: number;
  sender: string;
  receiver: string;
  type: string;
  message_id: string;
  case_id: string | null;
  purpose: string;
  payload: unknown;
  digest_alg: string;
  digest: string;
  status: MessageStatus;
  received_at: Date;
  updated_at: Date;
}

/** A canonical UUID: anything else cannot be a message id (and must not reach a uuid cast). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const COLS = 'id, seq, sender, receiver, type, message_id, case_id, purpose, payload, digest_alg, digest, status, received_at, updated_at';

export const messageView = (r: MessageRow) => ({
  id: r.id,
  messageId: r.message_id,
  from: r.sender,
  to: r.receiver,
  type: r.type,
  caseId: r.case_id,
  purpose: r.purpose,
  status: r.status,
  digest: { alg: r.digest_alg, value: r.digest },
  receivedAt: formatTime(r.received_at),
  updatedAt: formatTime(r.updated_at),
  payload: r.payload,
});

export type MessageView = ReturnType<typeof messageView>;

/** A message with its full history, for its sender or receiver only (others: 404, existence is not leaked). */
export async function getMessage(db: Db, principal: Principal, id: string) {
  if (!UUID.test(id)) throw new GatewayError('GW_ERR_EXCHANGE_MESSAGE_NOT_FOUND', `no message ${id}`);
  const r = await db.query<MessageRow>(`SELECT ${COLS} FROM messages WHERE id = $1`, [id]);
  const row = r.rows[0];
  if (!row || (row.sender !== principal.member && row.receiver !== principal.member)) {
    throw new GatewayError('GW_ERR_EXCHANGE_MESSAGE_NOT_FOUND', `no message ${id} visible to ${principal.member}`);
  }
  const events = await db.query<{ event: string; at: Date; actor: string; detail: Record<string, unknown> }>(
    'SELECT event, at, actor, detail FROM message_events WHERE message_id = $1 ORDER BY id',
    [id],
  );
  const delivery = await db.query<{ mode: string; status: string; attempts: number; next_attempt_at: Date; last_error: string | null }>(
    'SELECT mode, status, attempts, next_attempt_at, last_error FROM deliveries WHERE message_id = $1',
    [id],
  );
  const d = delivery.rows[0];
  return {
    ...messageView(row),
    delivery: d
      ? {
          mode: d.mode,
          status: d.status,
          attempts: d.attempts,
          nextAttemptAt: d.status === 'pending' ? formatTime(d.next_attempt_at) : null,
          lastError: d.last_error,
        }
      : null,
    history: events.rows.map((e) => ({ event: e.event, at: formatTime(e.at), actor: e.actor, ...e.detail })),
  };
}

export interface InboxQuery {
  after?: string;
  limit: number;
  type?: string;
  status?: MessageStatus;
}

/**
 * The caller's received messages in commit order. Keyset pagination on
 * (receiver, seq): index-backed, so a page costs the same at any table size,
 * and seq order is commit order, so a page never skips a late commit.
 * Pulling counts as delivery for messages still queued.
 */
export async function pullInbox(store: Store, clock: Clock, alg: LogHashAlg, principal: Principal, q: InboxQuery) {
  const after = decodeCursor(q.after);
  const r = await store.query<MessageRow>(
    `SELECT ${COLS} FROM messages
     WHERE receiver = $1 AND seq > $2 AND ($3::text IS NULL OR type = $3) AND ($4::text IS NULL OR status = $4)
     ORDER BY seq LIMIT $5`,
    [principal.member, after, q.type ?? null, q.status ?? null, q.limit],
  );
  const fresh = r.rows.filter((m) => m.status === 'queued' || m.status === 'failed');
  if (fresh.length) {
    const now = clock.now();
    const actor = actorName(principal);
    await store.tx(async (db) => {
      const moved = await db.query<{ id: string }>(
        `UPDATE messages SET status = 'delivered', updated_at = $2 WHERE id = ANY($1::uuid[]) AND status IN ('queued','failed') RETURNING id`,
        [fresh.map((m) => m.id), now],
      );
      const ids = moved.rows.map((m) => m.id);
      if (!ids.length) return;
      await db.query(
        `INSERT INTO message_events (message_id, event, at, actor, detail)
         SELECT id, 'delivered', $2, $3, '{"via":"pull"}'::jsonb FROM unnest($1::uuid[]) AS id`,
        [ids, now, actor],
      );
      await db.query(
        `UPDATE deliveries SET status = 'delivered', updated_at = $2 WHERE message_id = ANY($1::uuid[]) AND status <> 'delivered'`,
        [ids, now],
      );
      const movedSet = new Set(ids);
      await appendEntries(
        db,
        logEntriesFor(alg, 'delivered', now, actor, r.rows.filter((m) => movedSet.has(m.id)), { via: 'pull' }),
      );
      for (const m of r.rows) if (movedSet.has(m.id)) { m.status = 'delivered'; m.updated_at = now; }
    });
  }
  const items = r.rows.map(messageView);
  const last = r.rows[r.rows.length - 1];
  return { items, next: r.rows.length === q.limit && last ? encodeCursor(last.seq) : null };
}

/** The receiver accepts or rejects a message. Repeating the same answer is harmless. */
export async function acknowledge(
  store: Store,
  clock: Clock,
  alg: LogHashAlg,
  trust: Trust,
  principal: Principal,
  id: string,
  body: { result: 'accepted' | 'rejected'; reason?: string },
) {
  if (!UUID.test(id)) throw new GatewayError('GW_ERR_EXCHANGE_MESSAGE_NOT_FOUND', `no message ${id}`);
  const actor = actorName(principal);
  const receipt = await store.tx(async (db) => {
    const r = await db.query<{ sender: string; receiver: string; status: MessageStatus; message_id: string; digest_alg: string; digest: string; ack_receipt: AckReceipt | null }>(
      'SELECT sender, receiver, status, message_id, digest_alg, digest, ack_receipt FROM messages WHERE id = $1 FOR UPDATE',
      [id],
    );
    const m = r.rows[0];
    if (!m || (m.sender !== principal.member && m.receiver !== principal.member)) {
      throw new GatewayError('GW_ERR_EXCHANGE_MESSAGE_NOT_FOUND', `no message ${id} visible to ${principal.member}`);
    }
    if (m.receiver !== principal.member) throw new GatewayError('GW_ERR_EXCHANGE_NOT_RECEIVER', `only ${m.receiver} may acknowledge this message`);
    const target: MessageStatus = body.result === 'accepted' ? 'acknowledged' : 'rejected';
    if (m.status === target) return m.ack_receipt;
    if (m.status === 'acknowledged' || m.status === 'rejected') {
      throw new GatewayError('GW_ERR_EXCHANGE_ALREADY_ACKNOWLEDGED', `the message is already ${m.status}`);
    }
    const now = clock.now();
    // The receiver department's signed answer; the log entry names its digest.
    const signed = signAckReceipt(
      trust,
      {
        v: 1,
        kind: 'acknowledgement',
        id,
        messageId: m.message_id,
        from: m.sender,
        to: m.receiver,
        result: body.result,
        reason: body.reason ?? null,
        digest: { alg: m.digest_alg, value: m.digest },
        at: formatTime(now),
      },
      now,
    );
    await db.query('UPDATE messages SET ack_receipt = $2 WHERE id = $1', [id, JSON.stringify(signed)]);
    await recordEvent(db, alg, id, target, target, now, actor, {
      ...(body.reason ? { reason: body.reason } : {}),
      receipt: { alg: 'sha256', digest: ackReceiptDigest(signed), signer: signed.signature.signer, sigAlg: signed.signature.alg },
    });
    // An ack also settles delivery: no more webhook attempts for a message the receiver has.
    await db.query(`UPDATE deliveries SET status = 'delivered', updated_at = $2 WHERE message_id = $1 AND status <> 'delivered'`, [id, now]);
    return signed;
  });
  return { ...(await getMessage(store, principal, id)), receipt };
}

import type { Db, Store } from '../store/db';
import type { Clock } from '../clock';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { actorName, type Principal } from '../registry/principal';
import { decodeCursor, encodeCursor } from './cursor';
import type { MessageStatus } from './types';
import { historyEvents, lockMessages, messageLifecycle, recordStep, stateColumns, type MessageState } from './lifecycle';
import { headerColumns, messageHeader, type MessageHeaderRow } from './message-header';
import { ackReceiptDigest, signAckReceipt } from './receipts';
import type { AckReceipt } from './model';
import type { Trust } from '../trust/trust';
import type { LogHashAlg } from '../merkle/hash';
import type { BodyArchive } from '../retention/archive';
import { payloadOf, type RetentionMark } from '../retention/bodies';

interface MessageRow extends MessageHeaderRow {
  seq: number;
  purpose: string;
  payload: unknown;
  retention: RetentionMark | null;
  digest_alg: string;
  digest: string;
  status: MessageStatus;
  received_at: Date;
  updated_at: Date;
}

/** A canonical UUID: anything else cannot be a message id (and must not reach a uuid cast). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const COLS = `${headerColumns()}, seq, purpose, payload, retention, digest_alg, digest, status, received_at, updated_at`;

/** A message as its sender and receiver see it; a body past the retention period comes from the archive (or is null, dropped), and `retention` says so. */
export const messageView = (r: MessageRow, archive: BodyArchive | null) => ({
  ...messageHeader(r),
  purpose: r.purpose,
  status: r.status,
  digest: { alg: r.digest_alg, value: r.digest },
  receivedAt: formatTime(r.received_at),
  updatedAt: formatTime(r.updated_at),
  payload: payloadOf(r, archive),
  ...(r.retention ? { retention: r.retention } : {}),
});

export type MessageView = ReturnType<typeof messageView>;

/** A message with its full history, for its sender or receiver only (others: 404, existence is not leaked). */
export async function getMessage(db: Db, archive: BodyArchive | null, principal: Principal, id: string) {
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
    ...messageView(row, archive),
    delivery: d
      ? {
          mode: d.mode,
          status: d.status,
          attempts: d.attempts,
          nextAttemptAt: d.status === 'pending' ? formatTime(d.next_attempt_at) : null,
          lastError: d.last_error,
        }
      : null,
    history: events.rows.flatMap(historyEvents).map((e) => ({ event: e.event, at: formatTime(e.at), actor: e.actor, ...e.detail })),
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
export async function pullInbox(store: Store, archive: BodyArchive | null, clock: Clock, alg: LogHashAlg, principal: Principal, q: InboxQuery) {
  const after = decodeCursor(q.after);
  const r = await store.query<MessageRow>(
    `SELECT ${COLS} FROM messages
     WHERE receiver = $1 AND seq > $2 AND ($3::text IS NULL OR type = $3) AND ($4::text IS NULL OR status = $4)
     ORDER BY seq LIMIT $5`,
    [principal.member, after, q.type ?? null, q.status ?? null, q.limit],
  );
  const fresh = r.rows.filter((m) => messageLifecycle.allows(m.status, 'delivered'));
  if (fresh.length) {
    const now = clock.now();
    await store.tx(async (db) => {
      // Locked, a message may turn out settled meanwhile (delivered by the outbox, acknowledged): only the others move.
      const moving = (await lockMessages(db, fresh.map((m) => m.id))).filter((m) => messageLifecycle.allows(m.status, 'delivered'));
      await recordStep(db, alg, moving, { event: 'delivered', at: now, actor: actorName(principal), detail: { via: 'pull' } });
      const moved = new Set(moving.map((m) => m.id));
      for (const m of r.rows) if (moved.has(m.id)) { m.status = 'delivered'; m.updated_at = now; }
    });
  }
  const items = r.rows.map((m) => messageView(m, archive));
  const last = r.rows[r.rows.length - 1];
  return { items, next: r.rows.length === q.limit && last ? encodeCursor(last.seq) : null };
}

/** The receiver accepts or rejects a message. Repeating the same answer is harmless. */
export async function acknowledge(
  store: Store,
  archive: BodyArchive | null,
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
    const r = await db.query<MessageState & { digest_alg: string; digest: string; ack_receipt: AckReceipt | null }>(
      `SELECT ${stateColumns()}, digest_alg, digest, ack_receipt FROM messages WHERE id = $1 FOR UPDATE`,
      [id],
    );
    const m = r.rows[0];
    if (!m || (m.sender !== principal.member && m.receiver !== principal.member)) {
      throw new GatewayError('GW_ERR_EXCHANGE_MESSAGE_NOT_FOUND', `no message ${id} visible to ${principal.member}`);
    }
    if (m.receiver !== principal.member) throw new GatewayError('GW_ERR_EXCHANGE_NOT_RECEIVER', `only ${m.receiver} may acknowledge this message`);
    const event = body.result === 'accepted' ? 'acknowledged' : 'rejected';
    if (m.status === messageLifecycle.step(event).to) return m.ack_receipt; // the same answer again
    messageLifecycle.next(m.status, event, id); // refused before anything is signed
    const now = clock.now();
    const { messageId, from, to } = messageHeader(m);
    // The receiver department's signed answer; the log entry names its digest.
    const signed = signAckReceipt(
      trust,
      {
        v: 1,
        kind: 'acknowledgement',
        id,
        messageId,
        from,
        to,
        result: body.result,
        reason: body.reason ?? null,
        digest: { alg: m.digest_alg, value: m.digest },
        at: formatTime(now),
      },
      now,
    );
    await db.query('UPDATE messages SET ack_receipt = $2 WHERE id = $1', [id, JSON.stringify(signed)]);
    // An ack also settles delivery (the table's row says so): no more webhook attempts for a message the receiver has.
    await recordStep(db, alg, [m], {
      event,
      at: now,
      actor,
      detail: {
        ...(body.reason ? { reason: body.reason } : {}),
        receipt: { alg: 'sha256', digest: ackReceiptDigest(signed), signer: signed.signature.signer, sigAlg: signed.signature.alg },
      },
    });
    return signed;
  });
  return { ...(await getMessage(store, archive, principal, id)), receipt };
}

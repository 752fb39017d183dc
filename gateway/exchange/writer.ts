import type { Db, Store } from '../store/db';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { GatewayError } from '../errors';
import { newId } from '../ids';
import { formatTime } from '../clock';
import type { NewMessage, PreparedMessage, Receipt, SignedReceipt, StoredOutcome, WriteOutcome } from './types';
import type { BatchedSignature } from '../crypto/batch-signature';
import type { DigestAlg } from '../crypto/digest';

interface Pending {
  msg: PreparedMessage;
  resolve: (o: WriteOutcome) => void;
  reject: (e: unknown) => void;
}

/** The push answer, rebuilt the same way for a first push and for any identical retry. */
export const receiptOf = (m: { id: string; messageId: string; digestAlg: DigestAlg; digest: string; receivedAt: Date }, logIndex: number, leafHash: Buffer): Receipt => ({
  id: m.id,
  messageId: m.messageId,
  status: 'queued',
  digest: { alg: m.digestAlg, value: m.digest },
  receivedAt: formatTime(m.receivedAt),
  log: { index: logIndex, leafHash: leafHash.toString('hex') },
});

/**
 * Group commit for the exchange write path. Messages submitted while a commit is
 * in flight wait and then share the next transaction; each caller is answered
 * only after the transaction holding its message has committed. An idle gateway
 * commits a lone message at once (no added latency); a busy one amortises the
 * commit (fsync) over up to `maxBatch` messages.
 *
 * Every batch is one statement that locks the `exchange` sequence row first, so
 * seq order is commit order across processes: the inbox cursor never skips a
 * late commit. Exactly one batch is in flight at a time (more in flight only
 * made batches smaller in measurements).
 */
export class ExchangeWriter {
  private queue: Pending[] = [];
  private flushing = false;
  private scheduled = false;
  private idle: Array<() => void> = [];
  private readonly listeners: Array<(created: NewMessage[]) => void> = [];

  constructor(
    private readonly store: Store,
    private readonly opts: { maxBatch: number; maxQueue: number },
    private readonly log: Logger,
    /** Seals a batch (signatures, log entries) just before it is written. */
    private readonly seal: (msgs: PreparedMessage[]) => NewMessage[],
    /** Signs the batch's receipts once their log positions are known (one batch signature). */
    private readonly signReceipts: (receipts: Receipt[]) => SignedReceipt[],
    private readonly metrics?: Metrics,
  ) {}

  /** Called after each commit with the messages it created (e.g. to wake the outbox). */
  onCommit(fn: (created: NewMessage[]) => void): void {
    this.listeners.push(fn);
  }

  submit(msg: PreparedMessage): Promise<WriteOutcome> {
    if (this.queue.length >= this.opts.maxQueue) {
      return Promise.reject(
        new GatewayError('GW_ERR_OVERLOADED', `${this.queue.length} messages are waiting for a commit`, { headers: { 'Retry-After': '1' } }),
      );
    }
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.queue.push({ msg, resolve, reject });
      this.metrics?.writeQueue.set(this.queue.length);
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  drain(): Promise<void> {
    if (!this.flushing && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  /**
   * Signs every receipt that has no stored signature yet (new messages, and the
   * rare duplicate whose signature was lost in a crash) with one batch signature,
   * and stores the signatures without holding up the answers: a duplicate push
   * gets the stored signed receipt back.
   */
  private signed(stored: StoredOutcome[]): WriteOutcome[] {
    const unsigned = stored.flatMap((o, i) => (o.outcome === 'created' || (o.outcome === 'duplicate' && !o.signature) ? [i] : []));
    const fresh = this.signReceipts(unsigned.map((i) => (stored[i] as { receipt: Receipt }).receipt));
    const byIndex = new Map(unsigned.map((i, k) => [i, fresh[k]]));
    if (fresh.length) {
      this.store
        .query(
          `UPDATE messages m SET receipt_signature = x.sig FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, sig jsonb) WHERE m.id = x.id`,
          [JSON.stringify(fresh.map((r) => ({ id: r.id, sig: r.signature })))],
        )
        .catch((err) => this.log.error({ err }, 'storing receipt signatures failed; duplicates will be re-signed'));
    }
    return stored.map((o, i): WriteOutcome => {
      if (o.outcome === 'conflict') return o;
      const signedReceipt = byIndex.get(i) ?? { ...o.receipt, signature: (o as { signature: BatchedSignature }).signature };
      return { outcome: o.outcome, receipt: signedReceipt };
    });
  }

  private schedule() {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    // setImmediate lets requests parsed in the same event-loop turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.opts.maxBatch);
        this.metrics?.writeQueue.set(this.queue.length);
        this.metrics?.commitBatch.observe(batch.length);
        try {
          const sealed = this.seal(batch.map((p) => p.msg));
          const outcomes = this.signed(await writeBatch(this.store, sealed));
          batch.forEach((p, i) => p.resolve(outcomes[i]));
          const created = sealed.filter((_, i) => outcomes[i].outcome === 'created');
          if (created.length) for (const fn of this.listeners) fn(created);
        } catch (err) {
          this.log.error({ err, batch: batch.length }, 'group commit failed');
          const e = err instanceof GatewayError ? err : new GatewayError('GW_ERR_STORE_UNAVAILABLE', 'the message was not stored; retry');
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.flushing = false;
      if (this.queue.length) this.schedule();
      else for (const r of this.idle.splice(0)) r();
    }
  }
}

/**
 * One batch in ONE statement (one round trip, atomic on its own): lock the
 * exchange sequence row and take a range of seq numbers, insert the messages
 * (skipping (sender, messageId) duplicates), then history events and delivery
 * jobs for exactly the rows inserted, then lock the log sequence row and append
 * one dense-indexed 'message.received' log entry per inserted message. Lock order
 * is always exchange → log (other log writers take only the log row), so no
 * deadlock. Constant SQL text; all rows travel as one JSON parameter.
 */
const BATCH_SQL = `
WITH s AS (
  UPDATE sequences SET value = value + $2 WHERE name = 'exchange' RETURNING value
), input AS (
  SELECT x.*, s.value - $2 + x.n AS seq
  FROM s, jsonb_to_recordset($1::jsonb) AS x(
    n bigint, id uuid, delivery_id uuid, sender text, sender_system text, receiver text, type text, message_id text,
    case_id text, purpose text, payload jsonb, digest_alg text, digest text, request_digest text, envelope jsonb,
    conversion jsonb, received_at timestamptz, delivery_mode text, log_entry text, leaf_hash text)
), ins AS (
  INSERT INTO messages (id, seq, sender, sender_system, receiver, type, message_id, case_id, purpose,
     payload, digest_alg, digest, request_digest, envelope, conversion, received_at, updated_at, status)
  SELECT id, seq, sender, sender_system, receiver, type, message_id, case_id, purpose,
     payload, digest_alg, digest, request_digest, envelope, conversion, received_at, received_at, 'queued'
  FROM input ORDER BY n
  ON CONFLICT (sender, message_id) DO NOTHING RETURNING id
), ev AS (
  INSERT INTO message_events (message_id, event, at, actor, detail)
  SELECT i.id, e.event, i.received_at, i.sender || '/' || i.sender_system,
         CASE e.event WHEN 'queued' THEN jsonb_build_object('mode', i.delivery_mode) ELSE jsonb_build_object('digest', i.digest) END
  FROM input i JOIN ins USING (id) CROSS JOIN (VALUES (1, 'received'), (2, 'queued')) AS e(k, event)
  ORDER BY i.n, e.k
), dv AS (
  INSERT INTO deliveries (id, message_id, receiver, mode, status, next_attempt_at, created_at, updated_at)
  SELECT i.delivery_id, i.id, i.receiver, i.delivery_mode, 'pending', i.received_at, i.received_at, i.received_at
  FROM input i JOIN ins USING (id)
), created AS (
  SELECT i.*, row_number() OVER (ORDER BY i.n) AS k, count(*) OVER () AS total FROM input i JOIN ins USING (id)
), lg AS (
  UPDATE sequences SET value = value + (SELECT count(*) FROM created) WHERE name = 'log' RETURNING value
), le AS (
  INSERT INTO log_entries (idx, kind, message_id, case_id, entry, leaf_hash, created_at)
  SELECT lg.value - c.total + c.k - 1, 'message.received', c.id, c.case_id, c.log_entry, decode(c.leaf_hash, 'hex'), c.received_at
  FROM created c CROSS JOIN lg
  RETURNING idx, message_id
)
SELECT message_id AS id, idx FROM le`;

/** Writes one batch: messages, their history, delivery jobs and log entries; then resolves duplicates. */
export async function writeBatch(db: Db, msgs: NewMessage[]): Promise<StoredOutcome[]> {
  const rows = msgs.map((m, i) => ({
    n: i + 1,
    id: m.id,
    delivery_id: newId(),
    sender: m.sender,
    sender_system: m.senderSystem,
    receiver: m.receiver,
    type: m.type,
    message_id: m.messageId,
    case_id: m.caseId,
    purpose: m.purpose,
    payload: m.payload,
    digest_alg: m.digestAlg,
    digest: m.digest,
    request_digest: m.requestDigest,
    envelope: m.envelope,
    conversion: m.conversion,
    received_at: m.receivedAt,
    delivery_mode: m.deliveryMode,
    log_entry: m.logEntry.text,
    leaf_hash: m.logEntry.leafHash.toString('hex'),
  }));
  const inserted = await db.query<{ id: string; idx: number }>(BATCH_SQL, [JSON.stringify(rows), msgs.length]);
  const logIndex = new Map(inserted.rows.map((r) => [r.id, Number(r.idx)]));
  const outcomes = new Map<string, StoredOutcome>();
  const others: NewMessage[] = [];
  for (const m of msgs) {
    const idx = logIndex.get(m.id);
    if (idx !== undefined) outcomes.set(m.id, { outcome: 'created', receipt: receiptOf(m, idx, m.logEntry.leafHash) });
    else others.push(m);
  }
  if (others.length) {
    // Committed already (this batch or an earlier one): same content → the same receipt, else a conflict.
    const existing = await db.query<{
      id: string; sender: string; message_id: string; request_digest: string; digest_alg: DigestAlg; digest: string;
      received_at: Date; idx: number; leaf_hash: Buffer; receipt_signature: BatchedSignature | null;
    }>(
      `SELECT m.id, m.sender, m.message_id, m.request_digest, m.digest_alg, m.digest, m.received_at, le.idx, le.leaf_hash, m.receipt_signature
       FROM messages m JOIN log_entries le ON le.message_id = m.id AND le.kind = 'message.received'
       WHERE (m.sender, m.message_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [others.map((m) => m.sender), others.map((m) => m.messageId)],
    );
    const byKey = new Map(existing.rows.map((r) => [`${r.sender}\u0000${r.message_id}`, r]));
    for (const m of others) {
      const e = byKey.get(`${m.sender}\u0000${m.messageId}`)!;
      outcomes.set(
        m.id,
        e.request_digest === m.requestDigest
          ? {
              outcome: 'duplicate',
              receipt: receiptOf(
                { id: e.id, messageId: e.message_id, digestAlg: e.digest_alg, digest: e.digest, receivedAt: e.received_at },
                Number(e.idx),
                Buffer.from(e.leaf_hash),
              ),
              signature: e.receipt_signature,
            }
          : { outcome: 'conflict', existingId: e.id },
      );
    }
  }
  return msgs.map((m) => outcomes.get(m.id)!);
}

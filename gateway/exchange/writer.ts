import type { Db, Store } from '../store/db';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { GatewayError } from '../errors';
import { newId } from '../ids';
import { formatTime } from '../clock';
import type { NewMessage, Receipt, WriteOutcome } from './types';

interface Pending {
  msg: NewMessage;
  resolve: (o: WriteOutcome) => void;
  reject: (e: unknown) => void;
}

export const receiptOf = (m: NewMessage): Receipt => ({
  id: m.id,
  messageId: m.messageId,
  status: 'queued',
  digest: { alg: m.digestAlg, value: m.digest },
  receivedAt: formatTime(m.receivedAt),
});

/**
 * Group commit for the exchange write path. Messages submitted while a commit is
 * in flight wait and then share the next transaction; each caller is answered
 * only after the transaction holding its message has committed. An idle gateway
 * commits a lone message at once (no added latency); a busy one amortises the
 * commit (fsync) over up to `maxBatch` messages.
 *
 * Every batch locks the `exchange` sequence row first, so seq order is commit
 * order across processes: the inbox cursor never skips a late commit.
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
    private readonly metrics?: Metrics,
  ) {}

  /** Called after each commit with the messages it created (e.g. to wake the outbox). */
  onCommit(fn: (created: NewMessage[]) => void): void {
    this.listeners.push(fn);
  }

  submit(msg: NewMessage): Promise<WriteOutcome> {
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
          const outcomes = await this.store.tx((db) => writeBatch(db, batch.map((p) => p.msg)));
          batch.forEach((p, i) => p.resolve(outcomes[i]));
          const created = batch.filter((_, i) => outcomes[i].outcome === 'created').map((p) => p.msg);
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

/** Writes one batch: messages, their history and delivery jobs. Runs inside a transaction. */
export async function writeBatch(db: Db, msgs: NewMessage[]): Promise<WriteOutcome[]> {
  const seqEnd = Number(
    (await db.query<{ value: number }>(`UPDATE sequences SET value = value + $1 WHERE name = 'exchange' RETURNING value`, [msgs.length])).rows[0].value,
  );
  const seqStart = seqEnd - msgs.length + 1;

  const cols = 16;
  const params: unknown[] = [];
  const rows = msgs.map((m, i) => {
    params.push(
      m.id, seqStart + i, m.sender, m.senderSystem, m.receiver, m.type, m.messageId, m.caseId, m.purpose,
      JSON.stringify(m.payload), m.digestAlg, m.digest, m.requestDigest, JSON.stringify(receiptOf(m)), m.receivedAt, m.receivedAt,
    );
    const b = i * cols;
    return `(${Array.from({ length: cols }, (_, k) => `$${b + k + 1}`).join(',')}, 'queued')`;
  });
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO messages (id, seq, sender, sender_system, receiver, type, message_id, case_id, purpose,
       payload, digest_alg, digest, request_digest, receipt, received_at, updated_at, status)
     VALUES ${rows.join(',')}
     ON CONFLICT (sender, message_id) DO NOTHING RETURNING id`,
    params,
  );
  const createdIds = new Set(inserted.rows.map((r) => r.id));
  const created = msgs.filter((m) => createdIds.has(m.id));
  const others = msgs.filter((m) => !createdIds.has(m.id));

  const outcomes = new Map<string, WriteOutcome>();
  for (const m of created) outcomes.set(m.id, { outcome: 'created', receipt: receiptOf(m) });

  if (others.length) {
    const existing = await db.query<{ id: string; sender: string; message_id: string; request_digest: string; receipt: Receipt }>(
      `SELECT id, sender, message_id, request_digest, receipt FROM messages
       WHERE (sender, message_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [others.map((m) => m.sender), others.map((m) => m.messageId)],
    );
    const byKey = new Map(existing.rows.map((r) => [`${r.sender}\u0000${r.message_id}`, r]));
    for (const m of others) {
      const e = byKey.get(`${m.sender}\u0000${m.messageId}`)!;
      outcomes.set(
        m.id,
        e.request_digest === m.requestDigest ? { outcome: 'duplicate', receipt: e.receipt } : { outcome: 'conflict', existingId: e.id },
      );
    }
  }

  if (created.length) {
    const ev: unknown[] = [];
    const evRows: string[] = [];
    for (const m of created) {
      for (const event of ['received', 'queued']) {
        const b = ev.length;
        ev.push(m.id, event, m.receivedAt, `${m.sender}/${m.senderSystem}`, JSON.stringify(event === 'queued' ? { mode: m.deliveryMode } : { digest: m.digest }));
        evRows.push(`($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5})`);
      }
    }
    await db.query(`INSERT INTO message_events (message_id, event, at, actor, detail) VALUES ${evRows.join(',')}`, ev);

    const dv: unknown[] = [];
    const dvRows = created.map((m) => {
      const b = dv.length;
      dv.push(newId(), m.id, m.receiver, m.deliveryMode, m.receivedAt);
      return `($${b + 1},$${b + 2},$${b + 3},$${b + 4},'pending',$${b + 5},$${b + 5},$${b + 5})`;
    });
    await db.query(
      `INSERT INTO deliveries (id, message_id, receiver, mode, status, next_attempt_at, created_at, updated_at) VALUES ${dvRows.join(',')}`,
      dv,
    );
  }
  return msgs.map((m) => outcomes.get(m.id)!);
}

import { prepared, type Db } from '../store/db';
import { Lifecycle } from '../lifecycle';
import { logAppendCtes } from '../log/append';
import type { LogHashAlg } from '../merkle/hash';
import { logEntriesFor } from './history';
import { headerColumns, type MessageHeaderRow } from './message-header';
import type { MessageEvent, MessageStatus } from './types';

/** The outbox job's status after a step (deliveries.status; 'in_flight' is the outbox's own lease, not a message step). */
type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/**
 * The message lifecycle: which event may happen in which status, the status it
 * leads to, and what it makes of the message's delivery job.
 *
 *   received → queued ─┬─ delivered (push, or pulled) ─────────┬─ acknowledged
 *                      ├─ delivery_failed → failed (retrying) ──┤  rejected
 *                      └─ dead_lettered ── replayed → queued    ┘  (final)
 *
 * received and queued happen together when the message is written (write-batch.ts,
 * ARRIVAL below). A receiver may acknowledge or reject a message it can read in any
 * non-final status, a dead-lettered one included (it may have reached it: an ack
 * settles it). Acknowledged and rejected are final.
 */
export const messageLifecycle = new Lifecycle<MessageStatus, MessageEvent, { delivery?: DeliveryStatus }>({
  subject: 'message',
  statuses: { received: true, queued: true, delivered: true, acknowledged: true, rejected: true, failed: true, dead_lettered: true },
  creation: 'received',
  transitions: {
    received: { from: [], to: 'received' },
    queued: { from: ['received'], to: 'queued' },
    delivered: { from: ['queued', 'failed'], to: 'delivered', delivery: 'delivered' },
    delivery_failed: { from: ['queued', 'failed'], to: 'failed', delivery: 'pending' },
    dead_lettered: { from: ['queued', 'failed'], to: 'dead_lettered', delivery: 'dead' },
    acknowledged: { from: ['queued', 'delivered', 'failed', 'dead_lettered'], to: 'acknowledged', delivery: 'delivered' },
    rejected: { from: ['queued', 'delivered', 'failed', 'dead_lettered'], to: 'rejected', delivery: 'delivered' },
    replayed: { from: ['dead_lettered'], to: 'queued', delivery: 'pending' },
  },
  final: { statuses: ['acknowledged', 'rejected'], refusal: 'GW_ERR_EXCHANGE_ALREADY_ACKNOWLEDGED' },
  refusal: 'GW_ERR_EXCHANGE_INVALID_TRANSITION',
});

/**
 * A new message's first events, in order, and the status they leave it in: written by the write batch in one
 * statement, as ONE history row (migration 027): event `received`, whose detail holds the fields of both events
 * (`digest` of received, ARRIVAL_QUEUED_FIELDS of queued). historyEvents() reads it back as the two events.
 */
export const ARRIVAL = { events: ['received', 'queued'] as const, status: messageLifecycle.walk(['received', 'queued']) };

/** The detail fields of the arrival row that belong to its second event (queued). */
export const ARRIVAL_QUEUED_FIELDS = ['mode'] as const;

/** The history events one stored message_events row stands for: the arrival row for both arrival events, any other row for itself. */
export function historyEvents<R extends { event: string; detail: Record<string, unknown> }>(row: R): R[] {
  const [received, queued] = ARRIVAL.events;
  if (row.event !== received) return [row];
  const first: Record<string, unknown> = { ...row.detail };
  const second: Record<string, unknown> = {};
  for (const k of ARRIVAL_QUEUED_FIELDS) {
    second[k] = first[k];
    delete first[k];
  }
  return [
    { ...row, detail: first },
    { ...row, event: queued, detail: second },
  ];
}

/** The steps after arrival: each writes its history event, status, delivery job and log entry here. */
export type MessageStep = Exclude<MessageEvent, (typeof ARRIVAL.events)[number]>;

/** A message as a step needs it: its header (for the log entry) and its status (for the table). */
export type MessageState = MessageHeaderRow & { status: MessageStatus };

/** The columns of a MessageState, qualified by a table alias when given. */
export const stateColumns = (alias = ''): string => `${headerColumns(alias)}, ${alias ? `${alias}.` : ''}status`;

/**
 * Locks messages (FOR UPDATE, in commit order) and reads their state. Every step
 * locks the message row before its delivery row, so steps on the same message
 * (outbox, pull, ack, replay) queue up instead of deadlocking.
 */
export async function lockMessages(db: Db, ids: string[]): Promise<MessageState[]> {
  if (!ids.length) return [];
  const r = await db.query<MessageState>(LOCK_MESSAGES, [ids]);
  return r.rows;
}
// Every lifecycle step runs it (the outbox once per batch of outcomes): planned once per connection.
const LOCK_MESSAGES = prepared(`SELECT ${stateColumns()} FROM messages WHERE id = ANY($1::uuid[]) ORDER BY seq FOR UPDATE`);

/** What an outbox step knows about the attempt, for the delivery job (absent: unchanged). */
export interface DeliveryFields {
  lastError?: string | null;
  nextAttemptAt?: Date;
  /** An attempt may have reached the receiver (kept once set). */
  maybeDelivered?: boolean;
  /** A fresh attempt budget (replay): attempts back to 0. */
  resetAttempts?: boolean;
}

export interface Step {
  event: MessageStep;
  at: Date;
  /** member/system, member/login, or 'gateway'. */
  actor: string;
  /**
   * History detail; free text in it reaches the log only as a digest (history.ts logDetail). One for
   * every message, or one per message in the order of `messages` (e.g. each delivery's attempt).
   */
  detail?: Record<string, unknown> | Record<string, unknown>[];
  delivery?: DeliveryFields;
}

/**
 * One lifecycle step on locked messages (lockMessages), in the caller's transaction:
 * refused with the table's catalogue error unless every message's status allows it;
 * else writes the history event, the new status, the delivery job the table names
 * and the log entry — the one place message status is written after arrival.
 * The given states are updated to the new status.
 */
export async function recordStep(db: Db, alg: LogHashAlg, messages: MessageState[], step: Step): Promise<void> {
  if (!messages.length) return;
  for (const m of messages) messageLifecycle.next(m.status, step.event, m.id);
  const { to, delivery } = messageLifecycle.step(step.event);
  const ids = messages.map((m) => m.id);
  const detail = step.detail ?? {};
  if (Array.isArray(detail) && detail.length !== messages.length) throw new Error(`recordStep: ${detail.length} details for ${messages.length} messages`);
  const one = Array.isArray(detail) ? null : JSON.stringify(detail);
  const details = Array.isArray(detail) ? detail.map((d) => JSON.stringify(d)) : messages.map(() => one);
  const entries = logEntriesFor(alg, step.event, step.at, step.actor, messages, detail);
  const params: unknown[] = [
    ids, step.event, step.at, step.actor, details, to,
    entries.map((e) => e.kind), entries.map((e) => e.caseId), entries.map((e) => e.text), entries.map((e) => e.leafHash.toString('hex')),
  ];
  const set = delivery ? deliverySet(params, delivery, step.delivery ?? {}) : null;
  await db.query(stepStatement(set), params);
  for (const m of messages) m.status = to;
}

/**
 * The SET list of a step's delivery update; its values are appended to `params`. A few variants
 * (the fields an outbox step sets), each a statement of its own (stepStatement).
 */
function deliverySet(params: unknown[], status: DeliveryStatus, f: DeliveryFields): string {
  const set = [`status = $${params.push(status)}`, 'locked_until = NULL', 'updated_at = $3'];
  const add = (column: string, value: unknown) => set.push(`${column} = $${params.push(value)}`);
  if (f.lastError !== undefined) add('last_error', f.lastError);
  if (f.nextAttemptAt) add('next_attempt_at', f.nextAttemptAt);
  if (f.resetAttempts) set.push('attempts = 0');
  if (f.maybeDelivered) set.push('maybe_delivered = true');
  return set.join(', ');
}

/**
 * A step in one statement (one round trip instead of four): the history events, the new status, the
 * delivery job (when the step names one; `set` from deliverySet, its status the 11th parameter) and
 * the log entries, appended the one way (log/append.ts). Planned once per connection and variant.
 */
const stepStatement = (set: string | null): string =>
  prepared(`WITH step_events AS (
  INSERT INTO message_events (message_id, event, at, actor, detail)
  SELECT id, $2, $3, $4, d::jsonb FROM unnest($1::uuid[], $5::text[]) WITH ORDINALITY AS x(id, d, n) ORDER BY n
), step_status AS (
  UPDATE messages SET status = $6, updated_at = $3 WHERE id = ANY($1::uuid[]) AND status <> $6
)${set ? `, step_delivery AS (
  UPDATE deliveries SET ${set} WHERE message_id = ANY($1::uuid[]) AND status <> $11
)` : ''}, ${logAppendCtes(`SELECT n AS k, kind, id AS message_id, case_id, entry, leaf_hash, $3::timestamptz AS created_at
    FROM unnest($1::uuid[], $7::text[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY AS e(id, kind, case_id, entry, leaf_hash, n)`)}
SELECT count(*) FROM log_appended`);

import type { Store } from '../store/db';
import type { Conversion, OutboundMessage } from '../../adapters/types';
import { formatTime } from '../clock';
import { headerColumns, messageHeader, type MessageHeaderRow } from '../exchange/message-header';

export interface ClaimedJob extends OutboundMessage {
  deliveryId: string;
  attempts: number;
}

/** Serialises claims across processes (one short transaction each), so per-receiver counts are exact. */
const CLAIM_LOCK = 7_428_312;

/** What a claim may take: how many jobs, and how many in flight per receiver at most. */
export interface ClaimLimits {
  limit: number;
  perReceiver: number;
  /** A receiver with this many failures in a row gets one attempt (the probe) at a time, from its probe_at on. */
  breakAfterFailures: number;
}

/** A push delivery that may be attempted now: pending and due, or in flight with an expired lease. */
const DUE = (t: string) =>
  `${t}.mode = 'push' AND ((${t}.status = 'pending' AND ${t}.next_attempt_at <= $1) OR (${t}.status = 'in_flight' AND ${t}.locked_until <= $1))`;

/**
 * Claims due push deliveries (FOR UPDATE SKIP LOCKED), oldest first, never more than
 * `perReceiver` in flight for one receiver counting every process's live claims: one
 * slow receiver holds at most that many worker slots. Each claim leases the job until `lease`.
 */
export async function claimDue(store: Store, now: Date, lease: Date, l: ClaimLimits): Promise<ClaimedJob[]> {
  const r = await store.tx(async (db) => {
    await db.query('SELECT pg_advisory_xact_lock($1)', [CLAIM_LOCK]);
    return db.query<MessageHeaderRow & {
      delivery_id: string; attempts: number; purpose: string; payload: unknown; digest_alg: string; digest: string; received_at: Date;
      conversion: Conversion | null; maybe_delivered: boolean;
    }>(
      `WITH busy AS (
         SELECT receiver, count(*)::int AS n FROM deliveries
         WHERE mode = 'push' AND status = 'in_flight' AND locked_until > $1 GROUP BY receiver)
       , ranked AS (
         SELECT d.id, d.receiver, d.next_attempt_at, row_number() OVER (PARTITION BY d.receiver ORDER BY d.next_attempt_at, d.id) AS rn
         FROM deliveries d WHERE ${DUE('d')})
       , due AS (
         SELECT d.id FROM deliveries d JOIN ranked r ON r.id = d.id LEFT JOIN busy b ON b.receiver = r.receiver
           LEFT JOIN receiver_delivery s ON s.receiver = r.receiver
         WHERE ${DUE('d')} AND s.paused IS NOT TRUE
           AND r.rn + COALESCE(b.n, 0) <= CASE WHEN COALESCE(s.failures, 0) < $5 THEN $4 WHEN s.probe_at <= $1 THEN 1 ELSE 0 END
         ORDER BY r.next_attempt_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED)
       , claimed AS (
         UPDATE deliveries d SET status = 'in_flight', locked_until = $3, attempts = d.attempts + 1, updated_at = $1
         FROM due WHERE d.id = due.id RETURNING d.id, d.message_id, d.attempts, d.maybe_delivered)
       SELECT c.id AS delivery_id, c.attempts, c.maybe_delivered, ${headerColumns('m')}, m.purpose,
              m.payload, m.digest_alg, m.digest, m.received_at, m.conversion
       FROM claimed c JOIN messages m ON m.id = c.message_id`,
      [now, l.limit, lease, l.perReceiver, l.breakAfterFailures],
    );
  });
  return r.rows.map((x) => ({
    deliveryId: x.delivery_id,
    attempts: x.attempts,
    ...messageHeader(x),
    purpose: x.purpose,
    payload: x.payload,
    digest: { alg: x.digest_alg, value: x.digest },
    receivedAt: formatTime(x.received_at),
    conversion: x.conversion,
    maybeDelivered: x.maybe_delivered,
  }));
}

import { prepared, type Store } from '../store/db';
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

/**
 * A push delivery that may be attempted now: pending and due, or in flight with an expired lease.
 * Checked again on the rows the claim locks. A CASE on purpose: a planner cannot infer from it the
 * predicates of the partial indexes on open deliveries, so it reaches those rows by their keys. With
 * statistics from a time when nothing waited, it took such an index for empty and read every waiting row.
 */
const DUE = (t: string) =>
  `${t}.mode = 'push' AND CASE ${t}.status WHEN 'pending' THEN ${t}.next_attempt_at <= $1 WHEN 'in_flight' THEN ${t}.locked_until <= $1 ELSE false END`;

/** The claim (see claimDue), planned once per connection: its plan cost 2.4 ms of PostgreSQL's CPU per claim, more than its execution. */
export const CLAIM_SQL = prepared(
  `WITH slots AS (
     SELECT m.code AS receiver,
            CASE WHEN COALESCE(s.failures, 0) < $5 THEN $4 WHEN s.probe_at <= $1 THEN 1 ELSE 0 END
              - (SELECT count(*) FROM deliveries b WHERE b.receiver = m.code AND b.mode = 'push' AND b.status = 'in_flight' AND b.locked_until > $1) AS free
     FROM members m LEFT JOIN receiver_delivery s ON s.receiver = m.code
     WHERE s.paused IS NOT TRUE)
   , heads AS (
     SELECT h.id, h.next_attempt_at FROM slots
     CROSS JOIN LATERAL (
       (SELECT p.id, p.next_attempt_at FROM deliveries p
        WHERE p.receiver = slots.receiver AND p.mode = 'push' AND p.status = 'pending' AND p.next_attempt_at <= $1
        ORDER BY p.next_attempt_at, p.id LIMIT slots.free)
       UNION ALL
       (SELECT x.id, x.next_attempt_at FROM deliveries x
        WHERE x.receiver = slots.receiver AND x.mode = 'push' AND x.status = 'in_flight' AND x.locked_until <= $1
        ORDER BY x.next_attempt_at, x.id LIMIT slots.free)
       ORDER BY next_attempt_at, id LIMIT slots.free) h
     WHERE slots.free > 0)
   , due AS (
     -- the heads by key (see DUE): joined, a plan from statistics taken while nothing waited ran the heads once per waiting row
     SELECT d.id FROM deliveries d
     WHERE d.id = ANY (ARRAY(SELECT id FROM heads)) AND ${DUE('d')}
     ORDER BY d.next_attempt_at, d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED)
   , claimed AS (
     -- by key (an array, not a join, which a planner may make a scan of the whole table)
     UPDATE deliveries d SET status = 'in_flight', locked_until = $3, attempts = d.attempts + 1, updated_at = $1
     WHERE d.id = ANY (ARRAY(SELECT id FROM due)) RETURNING d.id, d.message_id, d.attempts, d.maybe_delivered)
   SELECT c.id AS delivery_id, c.attempts, c.maybe_delivered, ${headerColumns('m')}, m.purpose,
          m.payload, m.digest_alg, m.digest, m.received_at, m.conversion
   FROM claimed c JOIN messages m ON m.id = c.message_id`,
);

/**
 * Claims due push deliveries (FOR UPDATE SKIP LOCKED), oldest first, never more than
 * `perReceiver` in flight for one receiver counting every process's live claims: one
 * slow receiver holds at most that many worker slots. Each claim leases the job until `lease`.
 *
 * Per receiver, not over the whole backlog: each member's free slots (its limit, one probe
 * while its breaker is open, none while paused, less its live claims) are filled from the head
 * of its own queue (indexes deliveries_push_pending and deliveries_push_in_flight), so a claim
 * reads about members × slots rows however many messages wait.
 */
export async function claimDue(store: Store, now: Date, lease: Date, l: ClaimLimits): Promise<ClaimedJob[]> {
  const r = await store.tx(async (db) => {
    // A claim need not wait for its WAL flush: lost in a crash, the job is as before it (due, or
    // in flight with a lease that runs out) and is claimed again; and the attempt's outcome, a
    // durable commit later in the WAL, is never kept without the claim before it.
    await db.query(`SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock($1)`, [CLAIM_LOCK]);
    return db.query<MessageHeaderRow & {
      delivery_id: string; attempts: number; purpose: string; payload: unknown; digest_alg: string; digest: string; received_at: Date;
      conversion: Conversion | null; maybe_delivered: boolean;
    }>(
      CLAIM_SQL,
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

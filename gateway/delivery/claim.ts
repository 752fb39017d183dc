import { prepared, type Store } from '../store/db';
import type { Conversion, OutboundMessage } from '../../adapters/types';
import { formatTime } from '../clock';
import { headerColumns, messageHeader, type MessageHeaderRow } from '../exchange/message-header';

export interface ClaimedJob extends OutboundMessage {
  deliveryId: string;
  attempts: number;
  /** The request the claim put this job in (jobs of one request go to their receiver together). */
  request: string;
}

/** Serialises claims across processes (one short transaction each), so per-receiver counts are exact. */
const CLAIM_LOCK = 7_428_312;

/** What a claim may take: requests, not messages (a member that takes batches gets up to its batch size in one). */
export interface ClaimLimits {
  /** Requests this claim may start (the process's free slots). */
  limit: number;
  /** Requests in flight to one receiver at most, every process's live claims counted. */
  perReceiver: number;
  /** A receiver with this many failures in a row gets one attempt (the probe) at a time, from its probe_at on. */
  breakAfterFailures: number;
  /** Messages per request of the members that take batches (batchMax); the others take one. */
  batchSizes: ReadonlyMap<string, number>;
}

/**
 * A push delivery that may be attempted now: pending and due, or in flight with an expired lease.
 * Checked again on the rows the claim locks. A CASE on purpose: a planner cannot infer from it the
 * predicates of the partial indexes on open deliveries, so it reaches those rows by their keys. With
 * statistics from a time when nothing waited, it took such an index for empty and read every waiting row.
 */
const DUE = (t: string) =>
  `${t}.mode = 'push' AND CASE ${t}.status WHEN 'pending' THEN ${t}.next_attempt_at <= $1 WHEN 'in_flight' THEN ${t}.locked_until <= $1 ELSE false END`;

/**
 * A receiver's requests in flight, as `${t}` rows of deliveries: its live claims (lease not run out at `now`),
 * each request counted once; a job claimed before requests were recorded (migration 032) is one of its own.
 * The claim's limit and the delivery status (delivery/status.ts) count with this one expression.
 */
export const LIVE_REQUESTS = (t: string, receiver: string, now: string) => ({
  count: `count(DISTINCT COALESCE(${t}.request, ${t}.id))`,
  where: `${t}.receiver = ${receiver} AND ${t}.mode = 'push' AND ${t}.status = 'in_flight' AND ${t}.locked_until > ${now}`,
});
const live = LIVE_REQUESTS('b', 'm.code', '$1');

/** The claim (see claimDue), planned once per connection: its plan cost 2.4 ms of PostgreSQL's CPU per claim, more than its execution. */
export const CLAIM_SQL = prepared(
  `WITH sizes AS (SELECT * FROM unnest($6::text[], $7::int[]) AS z(receiver, size))
   , slots AS MATERIALIZED (
     -- a receiver's free requests, and its messages per request (one for the probe of an open breaker); counted once
     SELECT m.code AS receiver,
            CASE WHEN COALESCE(s.failures, 0) < $5 THEN COALESCE(z.size, 1) ELSE 1 END AS size,
            CASE WHEN COALESCE(s.failures, 0) < $5 THEN $4 WHEN s.probe_at <= $1 THEN 1 ELSE 0 END
              - (SELECT ${live.count} FROM deliveries b WHERE ${live.where}) AS free
     FROM members m LEFT JOIN receiver_delivery s ON s.receiver = m.code LEFT JOIN sizes z ON z.receiver = m.code
     WHERE s.paused IS NOT TRUE)
   , heads AS (
     -- the head of each receiver's queue, numbered into its requests (part)
     SELECT slots.receiver, h.id, h.next_attempt_at,
            (row_number() OVER (PARTITION BY slots.receiver ORDER BY h.next_attempt_at, h.id) - 1) / slots.size AS part
     FROM slots
     CROSS JOIN LATERAL (
       (SELECT p.id, p.next_attempt_at FROM deliveries p
        WHERE p.receiver = slots.receiver AND p.mode = 'push' AND p.status = 'pending' AND p.next_attempt_at <= $1
        ORDER BY p.next_attempt_at, p.id LIMIT slots.free * slots.size)
       UNION ALL
       (SELECT x.id, x.next_attempt_at FROM deliveries x
        WHERE x.receiver = slots.receiver AND x.mode = 'push' AND x.status = 'in_flight' AND x.locked_until <= $1
        ORDER BY x.next_attempt_at, x.id LIMIT slots.free * slots.size)
       ORDER BY next_attempt_at, id LIMIT slots.free * slots.size) h
     WHERE slots.free > 0)
   , picked AS (
     -- each job's request: the id of the request's first job; the oldest requests first, as many as the process has free
     SELECT id, request FROM (
       SELECT id, request, dense_rank() OVER (ORDER BY first_at, request) AS n FROM (
         SELECT id, first_value(id) OVER w AS request, first_value(next_attempt_at) OVER w AS first_at
         FROM heads WINDOW w AS (PARTITION BY receiver, part ORDER BY next_attempt_at, id)) f) r
     WHERE n <= $2)
   , requests AS (SELECT array_agg(id) AS ids, array_agg(request) AS requests FROM picked)
   , due AS (
     -- the heads by key (see DUE): joined, a plan from statistics taken while nothing waited ran the heads once per waiting row
     SELECT d.id FROM deliveries d
     WHERE d.id = ANY (ARRAY(SELECT id FROM picked)) AND ${DUE('d')}
     FOR UPDATE OF d SKIP LOCKED)
   , claimed AS (
     -- by key (an array, not a join, which a planner may make a scan of the whole table); a job of a member
     -- without batches is a request of its own (no lookup)
     UPDATE deliveries d SET status = 'in_flight', locked_until = $3, attempts = d.attempts + 1, updated_at = $1,
       request = CASE WHEN d.receiver = ANY ($6::text[]) THEN (SELECT r.requests[array_position(r.ids, d.id)] FROM requests r) ELSE d.id END
     WHERE d.id = ANY (ARRAY(SELECT id FROM due))
     RETURNING d.id, d.message_id, d.attempts, d.maybe_delivered, d.request)
   SELECT c.id AS delivery_id, c.attempts, c.maybe_delivered, c.request, ${headerColumns('m')}, m.purpose,
          m.payload, m.digest_alg, m.digest, m.received_at, m.conversion
   FROM claimed c JOIN messages m ON m.id = c.message_id`,
);

/**
 * Claims due push deliveries (FOR UPDATE SKIP LOCKED), oldest first, in requests: one job each, or up
 * to its batch size for a member that takes batches. Never more than `perReceiver` requests in flight
 * for one receiver counting every process's live claims (one slow receiver holds at most that many of
 * a process's slots), and at most `limit` requests started. Each claim leases the job until `lease`.
 *
 * Per receiver, not over the whole backlog: each member's free requests (its limit, one probe
 * of one message while its breaker is open, none while paused, less its requests in flight) are filled
 * from the head of its own queue (indexes deliveries_push_pending and deliveries_push_in_flight), so a
 * claim reads about members × requests × batch size rows however many messages wait.
 */
export async function claimDue(store: Store, now: Date, lease: Date, l: ClaimLimits): Promise<ClaimedJob[]> {
  const r = await store.tx(async (db) => {
    // A claim need not wait for its WAL flush: lost in a crash, the job is as before it (due, or
    // in flight with a lease that runs out) and is claimed again; and the attempt's outcome, a
    // durable commit later in the WAL, is never kept without the claim before it.
    await db.query(`SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock($1)`, [CLAIM_LOCK]);
    return db.query<MessageHeaderRow & {
      delivery_id: string; attempts: number; request: string; purpose: string; payload: unknown; digest_alg: string; digest: string; received_at: Date;
      conversion: Conversion | null; maybe_delivered: boolean;
    }>(
      CLAIM_SQL,
      [now, l.limit, lease, l.perReceiver, l.breakAfterFailures, [...l.batchSizes.keys()], [...l.batchSizes.values()]],
    );
  });
  return r.rows.map((x) => ({
    deliveryId: x.delivery_id,
    attempts: x.attempts,
    request: x.request,
    ...messageHeader(x),
    purpose: x.purpose,
    payload: x.payload,
    digest: { alg: x.digest_alg, value: x.digest },
    receivedAt: formatTime(x.received_at),
    conversion: x.conversion,
    maybeDelivered: x.maybe_delivered,
  }));
}

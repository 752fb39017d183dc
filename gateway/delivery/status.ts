import type { Db } from '../store/db';
import { formatTime } from '../clock';
import { decodeKeyCursor, keyPage } from '../exchange/cursor';
import { LIVE_REQUESTS } from './claim';

const live = LIVE_REQUESTS('d', 'm.code', '$5');

/**
 * The outbox per member, for the console (投递状态): how many of its messages wait
 * (pending or in flight; for a pull member: not yet pulled) and since when, its dead
 * letters, when a delivery last succeeded, and the newest error still on a delivery
 * (a retry due or a dead letter; a success clears its own), and what the outbox has out
 * to it now (live claims: requests, and the messages they carry). Each figure is an index
 * probe on the receiver (migrations 018, 031).
 */
export interface MemberDelivery {
  member: string;
  name: string;
  deliveryMode: 'push' | 'pull';
  webhook: { url: string; active: boolean } | null;
  backlog: number;
  /** Live claims (lease not run out) of every process: requests out to the member, and the messages they carry. */
  inFlight: { requests: number; messages: number };
  oldestPendingAt: string | null;
  deadLetters: number;
  lastSuccessAt: string | null;
  lastError: { at: string; message: string; error: string } | null;
}

interface Row {
  code: string;
  name: string;
  delivery_mode: 'push' | 'pull';
  webhook_url: string | null;
  webhook_active: boolean;
  backlog: string;
  in_flight_requests: string;
  in_flight_messages: string;
  oldest_pending: Date | null;
  dead: string;
  last_success: Date | null;
  error: string | null;
  error_at: Date | null;
  error_message: string | null;
}

export interface DeliveryStatusQuery {
  member?: string;
  mode?: 'push' | 'pull';
  after?: string;
  limit: number;
}

export async function deliveryStatus(db: Db, q: DeliveryStatusQuery, now: Date): Promise<{ items: MemberDelivery[]; next: string | null }> {
  const r = await db.query<Row>(
    `SELECT m.code, m.name, m.delivery_mode, m.webhook_url, m.webhook_active,
       (SELECT count(*) FROM deliveries d WHERE d.receiver = m.code AND d.status IN ('pending','in_flight')) AS backlog,
       f.requests AS in_flight_requests, f.messages AS in_flight_messages,
       (SELECT min(d.created_at) FROM deliveries d WHERE d.receiver = m.code AND d.status IN ('pending','in_flight')) AS oldest_pending,
       (SELECT count(*) FROM deliveries d WHERE d.receiver = m.code AND d.status = 'dead') AS dead,
       (SELECT max(d.updated_at) FROM deliveries d WHERE d.receiver = m.code AND d.status = 'delivered') AS last_success,
       e.last_error AS error, e.updated_at AS error_at, e.message_id AS error_message
     FROM members m
     CROSS JOIN LATERAL (
       -- as the outbox's claim counts them (delivery/claim.ts)
       SELECT ${live.count} AS requests, count(*) AS messages FROM deliveries d WHERE ${live.where}) f
     LEFT JOIN LATERAL (
       SELECT d.last_error, d.updated_at, d.message_id FROM deliveries d
       WHERE d.receiver = m.code AND d.last_error IS NOT NULL ORDER BY d.updated_at DESC LIMIT 1) e ON true
     WHERE m.active AND ($1::text IS NULL OR m.code > $1) AND ($2::text IS NULL OR m.code = $2) AND ($3::text IS NULL OR m.delivery_mode = $3)
     ORDER BY m.code LIMIT $4`,
    [decodeKeyCursor(q.after), q.member ?? null, q.mode ?? null, q.limit + 1, now],
  );
  const items = r.rows.map(
    (x): MemberDelivery => ({
      member: x.code,
      name: x.name,
      deliveryMode: x.delivery_mode,
      webhook: x.webhook_url ? { url: x.webhook_url, active: x.webhook_active } : null,
      backlog: Number(x.backlog),
      inFlight: { requests: Number(x.in_flight_requests), messages: Number(x.in_flight_messages) },
      oldestPendingAt: x.oldest_pending ? formatTime(x.oldest_pending) : null,
      deadLetters: Number(x.dead),
      lastSuccessAt: x.last_success ? formatTime(x.last_success) : null,
      lastError: x.error && x.error_at ? { at: formatTime(x.error_at), message: String(x.error_message), error: x.error } : null,
    }),
  );
  return keyPage(items, q.limit, (m) => m.member);
}

import { prepared, type Db } from '../store/db';
import type { GatewayConfig } from '../config';
import { backoffMs } from './backoff';

type BreakerOptions = Pick<GatewayConfig['delivery'], 'breakAfterFailures' | 'backoffBaseMs' | 'backoffMaxMs'>;

/** Every batch of successful deliveries runs it: planned once per connection. */
const CLOSE_BREAKER = prepared('UPDATE receiver_delivery SET failures = 0, probe_at = NULL WHERE receiver = $1 AND failures > 0');

/**
 * A receiver's breaker, kept in the database so every process honours it (receiver_delivery,
 * read by the claim in claim.ts): each failed attempt counts; from `breakAfterFailures` failures
 * in a row on, the receiver's jobs stop retrying each on its own schedule and wait for one probe
 * (its oldest due job) at probe_at, the probes spaced by backoffMs (exponential, full jitter). A
 * success closes it. So a receiver that is down costs about one attempt per probe interval,
 * however many messages wait for it. Runs in the attempt's transaction.
 */
export async function recordReceiverOutcome(db: Db, receiver: string, ok: boolean, now: Date, o: BreakerOptions, random: () => number): Promise<void> {
  if (ok) {
    await db.query(CLOSE_BREAKER, [receiver]);
    return;
  }
  const r = await db.query<{ failures: number }>(
    `INSERT INTO receiver_delivery (receiver, failures) VALUES ($1, 1)
     ON CONFLICT (receiver) DO UPDATE SET failures = receiver_delivery.failures + 1 RETURNING failures`,
    [receiver],
  );
  const over = r.rows[0]!.failures - o.breakAfterFailures;
  if (over < 0) return;
  const probeAt = new Date(now.getTime() + backoffMs(over + 1, o.backoffBaseMs, o.backoffMaxMs, random));
  await db.query('UPDATE receiver_delivery SET probe_at = $2 WHERE receiver = $1', [receiver, probeAt]);
}

import type { Db } from '../store/db';
import { formatTime } from '../clock';

/**
 * Each receiver's push-delivery state as the administrators see it beside its adapter
 * (GET /admin/adapters): the delivery breaker kept in receiver_delivery (receiver-breaker.ts),
 * whether an admin paused it (registry/admin-delivery.ts), and its backlog. One query.
 *   running: attempts go; open: `breakAfterFailures` failures in a row, only one probe at
 *   `probeAt`; paused: no attempt starts until an admin resumes it (whatever the breaker says).
 */
export const RECEIVER_DELIVERY_STATES = ['running', 'open', 'paused'] as const;

export interface ReceiverDeliveryState {
  state: (typeof RECEIVER_DELIVERY_STATES)[number];
  failuresInARow: number;
  threshold: number;
  probeAt: string | null;
  paused: boolean;
  pausedAt: string | null;
  pausedBy: string | null;
  /** Deliveries waiting (pending or in flight). */
  backlog: number;
}

interface Row {
  code: string;
  failures: number | null;
  probe_at: Date | null;
  paused: boolean | null;
  paused_at: Date | null;
  paused_by: string | null;
  backlog: string;
}

export async function receiverDeliveryStates(db: Db, breakAfterFailures: number): Promise<Map<string, ReceiverDeliveryState>> {
  const r = await db.query<Row>(
    `SELECT m.code, s.failures, s.probe_at, s.paused, s.paused_at, s.paused_by,
       (SELECT count(*) FROM deliveries d WHERE d.receiver = m.code AND d.status IN ('pending','in_flight')) AS backlog
     FROM members m LEFT JOIN receiver_delivery s ON s.receiver = m.code WHERE m.active`,
  );
  return new Map(
    r.rows.map((x) => {
      const failures = Number(x.failures ?? 0);
      const paused = x.paused === true;
      const state: ReceiverDeliveryState['state'] = paused ? 'paused' : failures >= breakAfterFailures ? 'open' : 'running';
      return [
        x.code,
        {
          state,
          failuresInARow: failures,
          threshold: breakAfterFailures,
          probeAt: failures >= breakAfterFailures && x.probe_at ? formatTime(x.probe_at) : null,
          paused,
          pausedAt: paused && x.paused_at ? formatTime(x.paused_at) : null,
          pausedBy: paused ? x.paused_by : null,
          backlog: Number(x.backlog),
        },
      ];
    }),
  );
}

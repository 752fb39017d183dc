import type { Db } from '../store/db';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { getReceiverDelivery } from '../registry/admin-delivery';
import { deliveryStatus, type MemberDelivery } from './status';

/** How many of its newest delivery errors a department sees. */
export const OWN_ERRORS = 10;

/** A delivery to the department that is waiting for a retry or was dead-lettered, with what its last attempt ran into. */
export interface DeliveryError {
  at: string;
  message: string;
  status: 'pending' | 'dead';
  attempts: number;
  error: string;
}

/**
 * A department's own outbox (GET /delivery/status): the figures the admin's 投递状态
 * shows for it, whether an admin paused its deliveries, and its newest delivery errors.
 * Only deliveries to this member: nothing of another's.
 */
export interface OwnDelivery extends Omit<MemberDelivery, 'name' | 'lastError'> {
  paused: boolean;
  pausedAt: string | null;
  recentErrors: DeliveryError[];
}

export async function ownDeliveryStatus(db: Db, member: string, now: Date): Promise<OwnDelivery> {
  const [figures] = (await deliveryStatus(db, { member, limit: 1 }, now)).items;
  const state = await getReceiverDelivery({ db }, member);
  const r = await db.query<{ updated_at: Date; message_id: string; status: 'pending' | 'dead'; attempts: number; last_error: string }>(
    `SELECT updated_at, message_id, status, attempts, last_error FROM deliveries
     WHERE receiver = $1 AND last_error IS NOT NULL AND status IN ('pending', 'in_flight', 'dead') ORDER BY updated_at DESC LIMIT $2`,
    [member, OWN_ERRORS],
  );
  if (!figures) throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `member "${member}" is not active`);
  const { name: _name, lastError: _last, ...own } = figures;
  return {
    ...own,
    paused: state.paused,
    pausedAt: state.pausedAt,
    recentErrors: r.rows.map((x) => ({ at: formatTime(x.updated_at), message: x.message_id, status: x.status === 'dead' ? 'dead' : 'pending', attempts: Number(x.attempts), error: x.last_error })),
  };
}

import { GatewayError } from '../errors';
import { formatTime } from '../clock';
import { recordChange, type ChangeContext } from './changes';

/** A receiver's deliveries as an admin sees them: paused or running. */
export interface ReceiverDelivery {
  member: string;
  paused: boolean;
  pausedAt: string | null;
  pausedBy: string | null;
}

type Row = { code: string; paused: boolean | null; paused_at: Date | null; paused_by: string | null };

async function state(ctx: Pick<ChangeContext, 'db'>, code: string, lock = false): Promise<ReceiverDelivery> {
  const r = await ctx.db.query<Row>(
    `SELECT m.code, s.paused, s.paused_at, s.paused_by FROM members m LEFT JOIN receiver_delivery s ON s.receiver = m.code WHERE m.code = $1${lock ? ' FOR UPDATE OF m' : ''}`,
    [code],
  );
  const x = r.rows[0];
  if (!x) throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `no member with code "${code}"`);
  return { member: x.code, paused: x.paused === true, pausedAt: x.paused && x.paused_at ? formatTime(x.paused_at) : null, pausedBy: x.paused ? x.paused_by : null };
}

export const getReceiverDelivery = (ctx: Pick<ChangeContext, 'db'>, code: string) => state(ctx, code);

/**
 * Pauses or resumes a receiver's push deliveries. Paused, no process claims its jobs (they
 * wait, attempts untouched; attempts in flight finish); resumed, they go at once. A change
 * is a `registry.changed` entry (delivery paused/resumed); asking for the current state records nothing.
 */
export async function setDeliveryPaused(ctx: ChangeContext, code: string, paused: boolean): Promise<ReceiverDelivery> {
  const before = await state(ctx, code, true);
  if (before.paused === paused) return before;
  await ctx.db.query(
    `INSERT INTO receiver_delivery (receiver, paused, paused_at, paused_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (receiver) DO UPDATE SET paused = $2, paused_at = $3, paused_by = $4`,
    [code, paused, paused ? ctx.at : null, paused ? ctx.by : null],
  );
  await recordChange(ctx, { object: 'delivery', action: paused ? 'paused' : 'resumed', key: code });
  return state(ctx, code);
}

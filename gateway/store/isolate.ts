import { GatewayError, isGatewayError } from '../errors';
import type { FailurePolicy } from '../batching/queue';

/**
 * The database refused a value of the batch, not the batch as such: SQLSTATE class 22
 * (data exception: a string jsonb or text cannot hold, a value out of range …) or 54
 * (program limit: nesting too deep for jsonb …). Such a failure belongs to one member
 * and must not fail the others; any other failure (database unreachable, restarting,
 * timeout) would fail every member alike, so splitting would only multiply it.
 */
export function refusedForItsData(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(code);
}

/** The error a member of a failed batch write is answered with. */
export function batchWriteError(err: unknown, alone: boolean): GatewayError {
  if (isGatewayError(err)) return err;
  if (alone && refusedForItsData(err)) {
    // The database's message may quote the value (personal data): it goes to the log only.
    return new GatewayError('GW_ERR_REQUEST_UNSTORABLE', 'the database refused a value of this request; nothing was stored');
  }
  return new GatewayError('GW_ERR_STORE_UNAVAILABLE', 'nothing was stored; retry');
}

/**
 * How a group commit into the database fails (gateway/batching/queue.ts): a batch the
 * database refuses for a value one member holds is split down to that member, which
 * alone gets GW_ERR_REQUEST_UNSTORABLE (422); any other failure answers every member
 * GW_ERR_STORE_UNAVAILABLE (503) and is not retried.
 */
export const databaseFailures: FailurePolicy = { itemAtFault: refusedForItsData, answer: batchWriteError };

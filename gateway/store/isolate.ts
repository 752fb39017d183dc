import { GatewayError, isGatewayError } from '../errors';

/** One member's fate in a batch write: its result, or the error it alone failed with. */
type Settled<R> = { ok: true; value: R } | { ok: false; error: GatewayError };

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
 * Writes a batch with one call of `write` (one statement: the happy path costs
 * nothing more). If the database refuses the batch for a value one member holds, the
 * batch is split in halves and each half written on its own, down to the member at
 * fault, so one bad request never fails the requests it shared the batch with: one
 * bad member among n costs about 2·log2(n) more statements, only after a failure.
 * `write` must be atomic (all of its items or none) and return one result per item.
 */
export async function writeIsolating<T, R>(items: T[], write: (items: T[]) => Promise<R[]>, onFailure?: (err: unknown, size: number) => void): Promise<Settled<R>[]> {
  try {
    return (await write(items)).map((value) => ({ ok: true as const, value }));
  } catch (err) {
    onFailure?.(err, items.length);
    if (items.length === 1 || !refusedForItsData(err)) {
      const error = batchWriteError(err, items.length === 1);
      return items.map(() => ({ ok: false as const, error }));
    }
    const mid = items.length >> 1;
    const left = await writeIsolating(items.slice(0, mid), write, onFailure);
    return left.concat(await writeIsolating(items.slice(mid), write, onFailure));
  }
}

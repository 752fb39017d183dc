/**
 * Which database errors mean "the database is not reachable right now": the
 * connection was refused, reset or cut, the server is shutting down or starting
 * up, or it has no connection slot left. Retrying later can succeed, so callers
 * answer 503 GW_ERR_STORE_UNAVAILABLE with Retry-After, and background loops
 * simply try again on their next pass. Anything else is a real error.
 */

/** SQLSTATEs of a lost or refused connection (besides class 08, connection_exception). */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend, pg_ctl stop -m fast)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '53300', // too_many_connections
]);

/** Socket errors of the client side. */
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** pg raises these without a code when the socket ends or a connect times out. */
const UNAVAILABLE_MESSAGES = /^(Connection terminated|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection timeout)/;

export function isStoreUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && (e.code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(e.code) || UNAVAILABLE_ERRNOS.has(e.code))) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  // Node's happy-eyeballs connect (localhost: ::1 and 127.0.0.1) fails with an AggregateError.
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isStoreUnavailable);
}

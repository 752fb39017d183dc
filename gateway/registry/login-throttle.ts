import type { Db } from '../store/db';

/**
 * Failed-login policy (README "Security"): delays that grow, never a lock-out a
 * stranger can trigger.
 *
 * Two counters per attempt: the login from this client address, and the address
 * over all logins. Each allows `free` failures; after that every further attempt
 * must wait baseDelay·2^(n−free) seconds (capped at maxDelay) after the last one,
 * and is refused (429 + Retry-After) until then, without checking the password.
 * Failures older than `window` are forgotten. A correct password clears the
 * login's counter at that address. Another address's failures never delay a
 * login: the owner, from an address that has not been failing, is checked at once.
 *
 * An attempt CLAIMS its counters before the password is checked, in one upsert
 * whose row lock serialises concurrent claims (PostgreSQL, several processes;
 * PGlite): of any number of simultaneous guesses at most `free` are checked.
 */
export interface LoginThrottlePolicy {
  /** Failures of one login from one address before delays start. */
  perLoginAddress: number;
  /** Failures from one address (all logins) before delays start. */
  perAddress: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  windowSeconds: number;
}

type LoginClaim = { ok: true } | { ok: false; retryAfterSeconds: number };

const pairKey = (login: string, remote: string) => JSON.stringify(['login', login, remote]);
const addressKey = (remote: string) => JSON.stringify(['address', remote]);

/** blocked_until for a counter at `n` failures ($3 now, $5 base, $6 max). */
const blockedAfter = (n: string, free: string) =>
  `CASE WHEN ${n} >= ${free} THEN $3::timestamptz + make_interval(secs => least($6::float8, $5::float8 * power(2::float8, least(${n} - ${free}, 40)))) END`;

const CLAIM = `
WITH wanted (key, free) AS (VALUES ($1::text, $7::int), ($2::text, $8::int))
INSERT INTO login_throttle AS t (key, free, failures, last_at, blocked_until)
SELECT w.key, w.free, 1, $3, ${blockedAfter('1', 'w.free')} FROM wanted w
WHERE NOT EXISTS (SELECT 1 FROM login_throttle b WHERE b.key IN ($1, $2) AND b.blocked_until > $3)
ON CONFLICT (key) DO UPDATE SET
  free = EXCLUDED.free,
  failures = CASE WHEN t.last_at <= $4 THEN 1 ELSE t.failures + 1 END,
  last_at = $3,
  blocked_until = ${blockedAfter('(CASE WHEN t.last_at <= $4 THEN 1 ELSE t.failures + 1 END)', 'EXCLUDED.free')}
WHERE t.blocked_until IS NULL OR t.blocked_until <= $3
RETURNING t.key`;

/**
 * Claims one password check for `login` from `remote`: counted as a failure now
 * (settled by `loginSucceeded`), or refused while a delay runs.
 */
export async function claimLoginAttempt(db: Db, now: Date, policy: LoginThrottlePolicy, login: string, remote: string): Promise<LoginClaim> {
  const keys = [pairKey(login, remote), addressKey(remote)];
  const windowStart = new Date(now.getTime() - policy.windowSeconds * 1000);
  const r = await db.query<{ key: string }>(CLAIM, [
    keys[0],
    keys[1],
    now,
    windowStart,
    policy.baseDelaySeconds,
    policy.maxDelaySeconds,
    policy.perLoginAddress,
    policy.perAddress,
  ]);
  if (r.rows.length === 2) return { ok: true };
  const b = await db.query<{ until: Date | null }>('SELECT max(blocked_until) AS until FROM login_throttle WHERE key IN ($1, $2)', keys);
  const until = b.rows[0]?.until ? new Date(b.rows[0].until).getTime() : now.getTime() + 1000;
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now.getTime()) / 1000)) };
}

/** The claimed check was a correct password: forget this login's failures here, give the address its claim back. */
export async function loginSucceeded(db: Db, login: string, remote: string): Promise<void> {
  await db.query('DELETE FROM login_throttle WHERE key = $1', [pairKey(login, remote)]);
  await db.query(
    `UPDATE login_throttle SET failures = greatest(failures - 1, 0),
       blocked_until = CASE WHEN failures - 1 < free THEN NULL ELSE blocked_until END
     WHERE key = $1`,
    [addressKey(remote)],
  );
}

/** A login as it may appear in a log line: enough to recognise, not a password typed into the wrong field. */
export function maskLogin(login: string): string {
  const chars = [...login];
  if (chars.length <= 2) return '*'.repeat(chars.length);
  return `${chars[0]}${'*'.repeat(Math.min(chars.length - 2, 8))}${chars[chars.length - 1]}`;
}

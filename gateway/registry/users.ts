import type { Db } from '../store/db';
import type { Clock } from '../clock';
import { GatewayError } from '../errors';
import { hashSecret, newId, newSecret } from '../ids';
import { hashPassword, verifyPassword } from './passwords';
import { claimLoginAttempt, loginSucceeded, type LoginThrottlePolicy } from './login-throttle';

export const ROLES = ['clerk', 'signer', 'auditor', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

interface User {
  id: string;
  login: string;
  name: string;
  role: Role;
  department: string;
}

interface UserRow {
  id: string;
  login: string;
  name: string;
  role: Role;
  department: string;
  password_hash: string;
  disabled_at: Date | null;
}

const toUser = (r: UserRow): User => ({ id: r.id, login: r.login, name: r.name, role: r.role, department: r.department });

export async function upsertUser(
  db: Db,
  u: { login: string; name: string; role: Role; department: string; password: string },
): Promise<User> {
  if (!ROLES.includes(u.role)) throw new GatewayError('GW_ERR_REGISTRY_INVALID', `role must be one of ${ROLES.join(', ')}`);
  if (u.password.length < 8) throw new GatewayError('GW_ERR_REGISTRY_INVALID', 'password must have at least 8 characters');
  const r = await db.query<UserRow>(
    `INSERT INTO users (id, login, name, role, department, password_hash) VALUES ($1,$2,$3,$4,$5,$6)
     ON CONFLICT (login) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role, department = EXCLUDED.department,
       password_hash = EXCLUDED.password_hash, disabled_at = NULL
     RETURNING id, login, name, role, department, password_hash, disabled_at`,
    [newId(), u.login, u.name, u.role, u.department, await hashPassword(u.password)],
  );
  return toUser(r.rows[0]);
}

export async function listUsers(db: Db): Promise<User[]> {
  return (await db.query<UserRow>('SELECT * FROM users WHERE disabled_at IS NULL ORDER BY login')).rows.map(toUser);
}

interface LoginResult {
  token: string;
  expiresAt: Date;
  user: User;
}

/**
 * Password login, throttled per login+address and per address with growing delays
 * (login-throttle.ts: the claim is atomic, so it holds across gateway processes).
 * Every attempt is recorded, refused ones too.
 */
export async function login(
  db: Db,
  clock: Clock,
  opts: { throttle: LoginThrottlePolicy; ttlSeconds: number },
  login: string,
  password: string,
  remote: string,
): Promise<LoginResult> {
  const now = clock.now();
  const claim = await claimLoginAttempt(db, now, opts.throttle, login, remote);
  if (!claim.ok) {
    await db.query('INSERT INTO login_attempts (login, remote, ok, at) VALUES ($1,$2,false,$3)', [login, remote, now]);
    throw new GatewayError('GW_ERR_AUTH_RATE_LIMITED', `too many failed logins from this address; retry in ${claim.retryAfterSeconds} s`, {
      headers: { 'Retry-After': String(claim.retryAfterSeconds) },
    });
  }
  const r = await db.query<UserRow>('SELECT * FROM users WHERE login = $1 AND disabled_at IS NULL', [login]);
  const row = r.rows[0];
  const ok = row ? await verifyPassword(password, row.password_hash) : false;
  await db.query('INSERT INTO login_attempts (login, remote, ok, at) VALUES ($1,$2,$3,$4)', [login, remote, ok, now]);
  if (!row || !ok) throw new GatewayError('GW_ERR_AUTH_BAD_CREDENTIALS');
  await loginSucceeded(db, login, remote);
  const token = newSecret('xgu');
  const expiresAt = new Date(now.getTime() + opts.ttlSeconds * 1000);
  await db.query('INSERT INTO user_sessions (id, user_id, token_hash, created_at, expires_at) VALUES ($1,$2,$3,$4,$5)', [
    newId(),
    row.id,
    hashSecret(token),
    now,
    expiresAt,
  ]);
  return { token, expiresAt, user: toUser(row) };
}

export async function findUserBySession(db: Db, token: string, now: Date): Promise<(User & { expiresAt: Date }) | null> {
  const r = await db.query<UserRow & { expires_at: Date }>(
    `SELECT u.*, s.expires_at FROM user_sessions s JOIN users u ON u.id = s.user_id
     WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL`,
    [hashSecret(token), now],
  );
  return r.rows[0] ? { ...toUser(r.rows[0]), expiresAt: r.rows[0].expires_at } : null;
}

export async function logout(db: Db, token: string): Promise<void> {
  await db.query('DELETE FROM user_sessions WHERE token_hash = $1', [hashSecret(token)]);
}

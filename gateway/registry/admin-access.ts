import { GatewayError } from '../errors';
import { formatTime } from '../clock';
import { newId } from '../ids';
import { decodeKeyCursor, keyPage } from '../exchange/cursor';
import { createSystemToken, revokeSystemToken } from './systems';
import { hashPassword, randomPassword } from './passwords';
import { ROLES, type Role } from './users';
import { changedFields, recordChange, type ChangeContext } from './changes';

/** Who may connect: members' systems and their tokens, and people with their roles (registry administration). */
export interface SystemRecord {
  member: string;
  code: string;
  name: string;
  /** Retired systems keep their rows (histories name them) but hold no valid token. */
  active: boolean;
  activeTokens: number;
}

type Db = ChangeContext['db'];

const systemKey = (member: string, code: string) => `${member}/${code}`;

async function memberExists(db: Db, code: string): Promise<void> {
  if (!(await db.query('SELECT 1 FROM members WHERE code = $1', [code])).rows.length) {
    throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `no member with code "${code}"`);
  }
}

const SYSTEM_SQL = `SELECT s.member_code AS member, s.code, s.name, s.retired_at IS NULL AS active,
  (SELECT count(*)::int FROM system_tokens t WHERE t.system_id = s.id AND t.revoked_at IS NULL) AS active_tokens
  FROM systems s`;

type SystemRow = { member: string; code: string; name: string; active: boolean; active_tokens: number };
const toSystem = (r: SystemRow): SystemRecord => ({ member: r.member, code: r.code, name: r.name, active: r.active, activeTokens: Number(r.active_tokens) });

export async function getSystem(ctx: Pick<ChangeContext, 'db'>, member: string, code: string): Promise<SystemRecord> {
  const r = await ctx.db.query<SystemRow>(`${SYSTEM_SQL} WHERE s.member_code = $1 AND s.code = $2`, [member, code]);
  if (!r.rows[0]) throw new GatewayError('GW_ERR_REGISTRY_NOT_FOUND', `no system "${code}" for member "${member}"`);
  return toSystem(r.rows[0]);
}

export async function listSystems(ctx: Pick<ChangeContext, 'db'>, f: { member?: string; after?: string; limit: number }): Promise<{ items: SystemRecord[]; next: string | null }> {
  const r = await ctx.db.query<SystemRow>(
    `${SYSTEM_SQL} WHERE ($1::text IS NULL OR s.member_code || '/' || s.code > $1) AND ($2::text IS NULL OR s.member_code = $2)
     ORDER BY s.member_code || '/' || s.code LIMIT $3`,
    [decodeKeyCursor(f.after), f.member ?? null, f.limit + 1],
  );
  return keyPage(r.rows.map(toSystem), f.limit, (s) => systemKey(s.member, s.code));
}

export async function createSystem(ctx: ChangeContext, s: { member: string; code: string; name: string }): Promise<SystemRecord> {
  await memberExists(ctx.db, s.member);
  const r = await ctx.db.query('INSERT INTO systems (id, member_code, code, name) VALUES ($1,$2,$3,$4) ON CONFLICT (member_code, code) DO NOTHING', [newId(), s.member, s.code, s.name]);
  if (!r.rowCount) throw new GatewayError('GW_ERR_REGISTRY_CONFLICT', `member "${s.member}" already has a system "${s.code}"`);
  await recordChange(ctx, { object: 'system', action: 'created', key: systemKey(s.member, s.code) });
  return getSystem(ctx, s.member, s.code);
}

/** Renames a system, or retires it (`active: false`: its tokens are revoked) or brings it back. */
export async function updateSystem(ctx: ChangeContext, member: string, code: string, patch: { name?: string; active?: boolean }): Promise<SystemRecord> {
  const before = await getSystem(ctx, member, code);
  if (patch.name !== undefined && patch.name !== before.name) {
    await ctx.db.query('UPDATE systems SET name = $3 WHERE member_code = $1 AND code = $2', [member, code, patch.name]);
    await recordChange(ctx, { object: 'system', action: 'updated', key: systemKey(member, code), fields: ['name'] });
  }
  if (patch.active !== undefined && patch.active !== before.active) {
    await ctx.db.query('UPDATE systems SET retired_at = $3 WHERE member_code = $1 AND code = $2', [member, code, patch.active ? null : ctx.at]);
    if (!patch.active) {
      await ctx.db.query(`UPDATE system_tokens t SET revoked_at = $3 FROM systems s WHERE t.system_id = s.id AND s.member_code = $1 AND s.code = $2 AND t.revoked_at IS NULL`, [member, code, ctx.at]);
    }
    await recordChange(ctx, { object: 'system', action: patch.active ? 'reactivated' : 'retired', key: systemKey(member, code) });
  }
  return getSystem(ctx, member, code);
}

export interface TokenRecord {
  id: string;
  member: string;
  system: string;
  /** The token's last four characters. */
  hint: string;
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

/** Issues a token for an active system of an active member; the clear token is answered once (only its hash is stored). */
export async function issueToken(ctx: ChangeContext, member: string, system: string, label: string): Promise<TokenRecord & { token: string }> {
  const s = await getSystem(ctx, member, system);
  const m = await ctx.db.query<{ active: boolean }>('SELECT active FROM members WHERE code = $1', [member]);
  if (!s.active || !m.rows[0]?.active) throw new GatewayError('GW_ERR_REGISTRY_INVALID', `${systemKey(member, system)} is ${s.active ? 'of a deactivated member' : 'retired'}: reactivate it first`);
  const t = await createSystemToken(ctx.db, { now: () => ctx.at }, member, system, label);
  await recordChange(ctx, { object: 'token', action: 'issued', key: t.id });
  return { id: t.id, member, system, hint: t.token.slice(-4), label, createdAt: formatTime(ctx.at), revokedAt: null, token: t.token };
}

type TokenRow = { id: string; member: string; system: string; hint: string; label: string; created_at: Date; revoked_at: Date | null };
const toToken = (x: TokenRow): TokenRecord => ({
  id: x.id,
  member: x.member,
  system: x.system,
  hint: x.hint,
  label: x.label,
  createdAt: formatTime(x.created_at),
  revokedAt: x.revoked_at ? formatTime(x.revoked_at) : null,
});

export async function listTokens(
  ctx: Pick<ChangeContext, 'db'>,
  f: { member?: string; system?: string; active?: boolean; after?: string; limit: number },
): Promise<{ items: TokenRecord[]; next: string | null }> {
  const r = await ctx.db.query<TokenRow>(
    `SELECT t.id::text AS id, s.member_code AS member, s.code AS system, t.hint, t.label, t.created_at, t.revoked_at
     FROM system_tokens t JOIN systems s ON s.id = t.system_id
     WHERE ($1::text IS NULL OR t.id::text > $1) AND ($2::text IS NULL OR s.member_code = $2) AND ($3::text IS NULL OR s.code = $3)
       AND ($4::boolean IS NULL OR (t.revoked_at IS NULL) = $4)
     ORDER BY t.id LIMIT $5`,
    [decodeKeyCursor(f.after), f.member ?? null, f.system ?? null, f.active ?? null, f.limit + 1],
  );
  return keyPage(r.rows.map(toToken), f.limit, (t) => t.id);
}

/** Revokes a token by id (gateways drop it from their caches on the change notification). */
export async function revokeToken(ctx: ChangeContext, id: string): Promise<void> {
  const n = /^[0-9a-f-]{36}$/i.test(id) ? await revokeSystemToken(ctx.db, { now: () => ctx.at }, id) : 0;
  if (!n) throw new GatewayError('GW_ERR_REGISTRY_NOT_FOUND', `no active token with id "${id}"`);
  await recordChange(ctx, { object: 'token', action: 'revoked', key: id });
}

export interface UserRecord {
  login: string;
  name: string;
  role: Role;
  department: string;
  active: boolean;
}

type UserRow = { login: string; name: string; role: Role; department: string; active: boolean };
const USER_SQL = 'SELECT login, name, role, department, disabled_at IS NULL AS active FROM users';

export async function getUser(ctx: Pick<ChangeContext, 'db'>, login: string): Promise<UserRecord> {
  const r = await ctx.db.query<UserRow>(`${USER_SQL} WHERE login = $1`, [login]);
  if (!r.rows[0]) throw new GatewayError('GW_ERR_REGISTRY_NOT_FOUND', `no user "${login}"`);
  return r.rows[0];
}

export async function listUserRecords(
  ctx: Pick<ChangeContext, 'db'>,
  f: { role?: Role; department?: string; active?: boolean; after?: string; limit: number },
): Promise<{ items: UserRecord[]; next: string | null }> {
  const r = await ctx.db.query<UserRow>(
    `${USER_SQL} WHERE ($1::text IS NULL OR login > $1) AND ($2::text IS NULL OR role = $2) AND ($3::text IS NULL OR department = $3)
       AND ($4::boolean IS NULL OR (disabled_at IS NULL) = $4) ORDER BY login LIMIT $5`,
    [decodeKeyCursor(f.after), f.role ?? null, f.department ?? null, f.active ?? null, f.limit + 1],
  );
  return keyPage(r.rows, f.limit, (u) => u.login);
}

function checkRole(role: string | undefined): void {
  if (role !== undefined && !(ROLES as readonly string[]).includes(role)) {
    throw new GatewayError('GW_ERR_REGISTRY_INVALID', `role must be one of ${ROLES.join(', ')}`, { errors: [{ pointer: '/role', message: 'unknown role' }] });
  }
}

/** Creates a person; without a password one is generated and answered once. */
export async function createUser(
  ctx: ChangeContext,
  u: { login: string; name: string; role: Role; department: string; password?: string; active?: boolean },
): Promise<UserRecord & { password?: string }> {
  checkRole(u.role);
  await memberExists(ctx.db, u.department);
  const password = u.password ?? randomPassword();
  const r = await ctx.db.query(
    `INSERT INTO users (id, login, name, role, department, password_hash, disabled_at) VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (login) DO NOTHING`,
    [newId(), u.login, u.name, u.role, u.department, await hashPassword(password), u.active === false ? ctx.at : null],
  );
  if (!r.rowCount) throw new GatewayError('GW_ERR_REGISTRY_CONFLICT', `there is already a user "${u.login}"`);
  await recordChange(ctx, { object: 'user', action: 'created', key: u.login });
  return { ...(await getUser(ctx, u.login)), ...(u.password ? {} : { password }) };
}

/**
 * Changes a person's name, role, department or password; `active: false` disables the
 * login (the row stays: histories name it) and ends its sessions.
 */
export async function updateUser(
  ctx: ChangeContext,
  login: string,
  patch: { name?: string; role?: Role; department?: string; password?: string; active?: boolean },
): Promise<UserRecord> {
  const before = await getUser(ctx, login);
  const { password, active, ...rest } = patch;
  checkRole(rest.role);
  if (rest.department !== undefined) await memberExists(ctx.db, rest.department);
  const fields = changedFields(before, rest);
  if (fields.length || password !== undefined) {
    const next = { ...before, ...rest };
    await ctx.db.query('UPDATE users SET name = $2, role = $3, department = $4 WHERE login = $1', [login, next.name, next.role, next.department]);
    if (password !== undefined) await ctx.db.query('UPDATE users SET password_hash = $2 WHERE login = $1', [login, await hashPassword(password)]);
    // A new role, department or password: the old sessions end.
    await ctx.db.query('DELETE FROM user_sessions s USING users u WHERE s.user_id = u.id AND u.login = $1', [login]);
    await recordChange(ctx, { object: 'user', action: 'updated', key: login, fields: password !== undefined ? [...fields, 'password'] : fields });
  }
  if (active !== undefined && active !== before.active) {
    await ctx.db.query('UPDATE users SET disabled_at = $2 WHERE login = $1', [login, active ? null : ctx.at]);
    if (!active) await ctx.db.query('DELETE FROM user_sessions s USING users u WHERE s.user_id = u.id AND u.login = $1', [login]);
    await recordChange(ctx, { object: 'user', action: active ? 'reactivated' : 'deactivated', key: login });
  }
  return getUser(ctx, login);
}

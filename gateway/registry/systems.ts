import type { Db } from '../store/db';
import { GatewayError } from '../errors';
import { hashSecret, newId, newSecret } from '../ids';
import type { Clock } from '../clock';

/** A member's information system (X-Road subsystem); it authenticates with bearer tokens. */
export async function ensureSystem(db: Db, memberCode: string, code: string, name: string): Promise<string> {
  const r = await db.query<{ id: string }>(
    `INSERT INTO systems (id, member_code, code, name) VALUES ($1,$2,$3,$4)
     ON CONFLICT (member_code, code) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [newId(), memberCode, code, name],
  );
  return r.rows[0].id;
}

interface IssuedToken {
  id: string;
  token: string;
  member: string;
  system: string;
}

/** Creates a token; only its hash is stored, so the clear token is shown once. */
export async function createSystemToken(
  db: Db,
  clock: Clock,
  member: string,
  system: string,
  label = '',
): Promise<IssuedToken> {
  const sys = await db.query<{ id: string }>('SELECT id FROM systems WHERE member_code = $1 AND code = $2', [member, system]);
  if (!sys.rows[0]) throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `no system "${system}" for member "${member}"`);
  const token = newSecret('xgs');
  const id = newId();
  await db.query(
    `INSERT INTO system_tokens (id, system_id, token_hash, hint, label, created_at) VALUES ($1,$2,$3,$4,$5,$6)`,
    [id, sys.rows[0].id, hashSecret(token), token.slice(-4), label, clock.now()],
  );
  return { id, token, member, system };
}

/** Revokes by token id or by the clear token; returns how many were revoked. */
export async function revokeSystemToken(db: Db, clock: Clock, idOrToken: string): Promise<number> {
  const byHash = idOrToken.startsWith('xgs_');
  const r = await db.query(
    `UPDATE system_tokens SET revoked_at = $2 WHERE ${byHash ? 'token_hash' : 'id::text'} = $1 AND revoked_at IS NULL`,
    [byHash ? hashSecret(idOrToken) : idOrToken, clock.now()],
  );
  return r.rowCount;
}

export async function revokeTokensByLabel(db: Db, clock: Clock, member: string, label: string): Promise<number> {
  const r = await db.query(
    `UPDATE system_tokens t SET revoked_at = $3 FROM systems s
     WHERE t.system_id = s.id AND s.member_code = $1 AND t.label = $2 AND t.revoked_at IS NULL`,
    [member, label, clock.now()],
  );
  return r.rowCount;
}

interface TokenInfo {
  id: string;
  member: string;
  system: string;
  hint: string;
  label: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export async function listSystemTokens(db: Db, member?: string): Promise<TokenInfo[]> {
  const r = await db.query<{ id: string; member: string; system: string; hint: string; label: string; created_at: Date; revoked_at: Date | null }>(
    `SELECT t.id, s.member_code AS member, s.code AS system, t.hint, t.label, t.created_at, t.revoked_at
     FROM system_tokens t JOIN systems s ON s.id = t.system_id
     WHERE ($1::text IS NULL OR s.member_code = $1) ORDER BY t.created_at`,
    [member ?? null],
  );
  return r.rows.map((x) => ({ id: x.id, member: x.member, system: x.system, hint: x.hint, label: x.label, createdAt: x.created_at, revokedAt: x.revoked_at }));
}

export async function findSystemByToken(db: Db, token: string): Promise<{ member: string; system: string } | null> {
  const r = await db.query<{ member: string; system: string }>(
    `SELECT s.member_code AS member, s.code AS system FROM system_tokens t JOIN systems s ON s.id = t.system_id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
    [hashSecret(token)],
  );
  return r.rows[0] ?? null;
}

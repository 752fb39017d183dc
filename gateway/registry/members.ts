import type { Db } from '../store/db';
import { GatewayError } from '../errors';
import { isValidUscc } from '../schemas/identifiers';
import type { KeyAlg } from '../crypto/keys';

export type MemberKind = 'hall' | 'municipal' | 'vertical' | 'station';

export interface Member {
  code: string;
  name: string;
  kind: MemberKind;
  uscc: string;
  adapter: string;
  deliveryMode: 'push' | 'pull';
  webhookUrl: string | null;
  /** The algorithm of the department's signing key (SM2 by default; RSA/ECDSA/Ed25519 for interoperability). */
  keyAlg: KeyAlg;
  /** The member's adapter config as the registry holds it (the gateway config's `adapters.<code>` goes over it). */
  adapterConfig?: Record<string, unknown>;
}

interface MemberRow {
  code: string;
  name: string;
  kind: MemberKind;
  uscc: string;
  adapter: string;
  delivery_mode: 'push' | 'pull';
  webhook_url: string | null;
  key_alg: KeyAlg;
  adapter_config: Record<string, unknown>;
}

const toMember = (r: MemberRow): Member => ({
  code: r.code,
  name: r.name,
  kind: r.kind,
  uscc: r.uscc,
  adapter: r.adapter,
  deliveryMode: r.delivery_mode,
  webhookUrl: r.webhook_url,
  keyAlg: r.key_alg,
  adapterConfig: r.adapter_config,
});

const COLS = 'code, name, kind, uscc, adapter, delivery_mode, webhook_url, key_alg';
/** The member as the exchange sees it: its webhook only while active. */
const LIVE_COLS = `code, name, kind, uscc, adapter, delivery_mode, CASE WHEN webhook_active THEN webhook_url END AS webhook_url, key_alg, adapter_config`;

/** The active members (deactivated ones keep their rows for history but take no part in exchanges). */
export async function listMembers(db: Db): Promise<Member[]> {
  return (await db.query<MemberRow>(`SELECT ${LIVE_COLS} FROM members WHERE active ORDER BY code`)).rows.map(toMember);
}

/** The member as the exchange sees it, or null when there is none or it is deactivated. */
export async function findMember(db: Db, code: string): Promise<Member | null> {
  const r = await db.query<MemberRow>(`SELECT ${LIVE_COLS} FROM members WHERE code = $1 AND active`, [code]);
  return r.rows[0] ? toMember(r.rows[0]) : null;
}

export async function getMember(db: Db, code: string): Promise<Member> {
  const m = await findMember(db, code);
  if (!m) throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `no member with code "${code}"`);
  return m;
}

/**
 * Inserts or updates a member; USCC check char is validated unless `usccMode` is warn.
 * Whether its delivery settings fit its adapter is checked when the gateway binds adapters.
 */
export async function upsertMember(db: Db, m: Member, opts: { usccMode?: 'strict' | 'warn' } = {}): Promise<void> {
  if (opts.usccMode !== 'warn' && !isValidUscc(m.uscc)) {
    throw new GatewayError('GW_ERR_REGISTRY_INVALID', `member ${m.code}: USCC ${m.uscc} fails the GB 32100 check`);
  }
  await db.query(
    `INSERT INTO members (${COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, uscc = EXCLUDED.uscc,
       adapter = EXCLUDED.adapter, delivery_mode = EXCLUDED.delivery_mode, webhook_url = EXCLUDED.webhook_url,
       key_alg = EXCLUDED.key_alg`,
    [m.code, m.name, m.kind, m.uscc, m.adapter, m.deliveryMode, m.webhookUrl, m.keyAlg],
  );
}

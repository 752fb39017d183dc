import { GatewayError } from '../errors';
import { isValidUscc } from '../schemas/identifiers';
import { decodeKeyCursor, keyPage } from '../exchange/cursor';
import type { KeyAlg } from '../crypto/keys';
import type { MemberKind } from './members';
import { changedFields, recordChange, type ChangeContext } from './changes';

/** A member as registry administration sees it (the exchange sees only active members: members.ts). */
export interface MemberRecord {
  code: string;
  name: string;
  kind: MemberKind;
  uscc: string;
  adapter: string;
  adapterConfig: Record<string, unknown>;
  deliveryMode: 'push' | 'pull';
  keyAlg: KeyAlg;
  active: boolean;
}

export interface WebhookRecord {
  member: string;
  url: string;
  active: boolean;
}

interface Row {
  code: string;
  name: string;
  kind: MemberKind;
  uscc: string;
  adapter: string;
  adapter_config: Record<string, unknown>;
  delivery_mode: 'push' | 'pull';
  key_alg: KeyAlg;
  active: boolean;
  webhook_url: string | null;
  webhook_active: boolean;
}

const COLS = `code, name, kind, uscc, adapter, adapter_config, delivery_mode, key_alg, active, webhook_url, webhook_active`;

const toRecord = (r: Row): MemberRecord => ({
  code: r.code,
  name: r.name,
  kind: r.kind,
  uscc: r.uscc,
  adapter: r.adapter,
  adapterConfig: r.adapter_config,
  deliveryMode: r.delivery_mode,
  keyAlg: r.key_alg,
  active: r.active,
});

const toWebhook = (r: Row): WebhookRecord | null => (r.webhook_url ? { member: r.code, url: r.webhook_url, active: r.webhook_active } : null);

async function row(ctx: Pick<ChangeContext, 'db'>, code: string, lock = false): Promise<Row> {
  const r = await ctx.db.query<Row>(`SELECT ${COLS} FROM members WHERE code = $1${lock ? ' FOR UPDATE' : ''}`, [code]);
  if (!r.rows[0]) throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `no member with code "${code}"`);
  return r.rows[0];
}

export const getMemberRecord = async (ctx: Pick<ChangeContext, 'db'>, code: string): Promise<MemberRecord> => toRecord(await row(ctx, code));

export interface MemberFilter {
  kind?: MemberKind;
  active?: boolean;
  after?: string;
  limit: number;
}

export async function listMemberRecords(ctx: Pick<ChangeContext, 'db'>, f: MemberFilter): Promise<{ items: MemberRecord[]; next: string | null }> {
  const r = await ctx.db.query<Row>(
    `SELECT ${COLS} FROM members WHERE ($1::text IS NULL OR code > $1) AND ($2::text IS NULL OR kind = $2) AND ($3::boolean IS NULL OR active = $3)
     ORDER BY code LIMIT $4`,
    [decodeKeyCursor(f.after), f.kind ?? null, f.active ?? null, f.limit + 1],
  );
  return keyPage(r.rows.map(toRecord), f.limit, (m) => m.code);
}

function checkUscc(ctx: ChangeContext, code: string, uscc: string | undefined): void {
  if (uscc !== undefined && ctx.usccMode !== 'warn' && !isValidUscc(uscc)) {
    throw new GatewayError('GW_ERR_REGISTRY_INVALID', `member ${code}: USCC ${uscc} fails the GB 32100 check`, { errors: [{ pointer: '/uscc', message: 'check character does not match (GB 32100)' }] });
  }
}

export type MemberInput = Omit<MemberRecord, 'active' | 'adapterConfig' | 'keyAlg'> & Partial<Pick<MemberRecord, 'active' | 'adapterConfig' | 'keyAlg'>>;

/** Creates a member (409 GW_ERR_REGISTRY_CONFLICT when the code is taken, also by a deactivated one). */
export async function createMember(ctx: ChangeContext, m: MemberInput): Promise<MemberRecord> {
  checkUscc(ctx, m.code, m.uscc);
  const r = await ctx.db.query(
    `INSERT INTO members (code, name, kind, uscc, adapter, adapter_config, delivery_mode, key_alg, active) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
     ON CONFLICT (code) DO NOTHING`,
    [m.code, m.name, m.kind, m.uscc, m.adapter, m.adapterConfig ?? {}, m.deliveryMode, m.keyAlg ?? 'sm2', m.active ?? true],
  );
  if (!r.rowCount) throw new GatewayError('GW_ERR_REGISTRY_CONFLICT', `there is already a member with code "${m.code}"`);
  await ctx.needsBindingCheck(m.code);
  await recordChange(ctx, { object: 'member', action: 'created', key: m.code });
  return getMemberRecord(ctx, m.code);
}

export type MemberPatch = Partial<Omit<MemberRecord, 'code'>>;

/**
 * Changes a member; `active: false` deactivates it (its row stays for history, its
 * system tokens are revoked), `active: true` brings it back (with new tokens to issue).
 * Answers the member as it is now; changes nothing when nothing differs.
 */
export async function updateMember(ctx: ChangeContext, code: string, patch: MemberPatch): Promise<MemberRecord> {
  const before = toRecord(await row(ctx, code, true));
  const { active, ...rest } = patch;
  const fields = changedFields(before, rest);
  checkUscc(ctx, code, rest.uscc);
  if (fields.length) {
    const next = { ...before, ...rest };
    await ctx.db.query(
      `UPDATE members SET name = $2, kind = $3, uscc = $4, adapter = $5, adapter_config = $6, delivery_mode = $7, key_alg = $8 WHERE code = $1`,
      [code, next.name, next.kind, next.uscc, next.adapter, next.adapterConfig, next.deliveryMode, next.keyAlg],
    );
    if (before.active) await ctx.needsBindingCheck(code);
    await recordChange(ctx, { object: 'member', action: 'updated', key: code, fields });
  }
  if (active !== undefined && active !== before.active) {
    await ctx.db.query('UPDATE members SET active = $2 WHERE code = $1', [code, active]);
    if (!active) await ctx.db.query(`UPDATE system_tokens t SET revoked_at = $2 FROM systems s WHERE t.system_id = s.id AND s.member_code = $1 AND t.revoked_at IS NULL`, [code, ctx.at]);
    else await ctx.needsBindingCheck(code);
    await recordChange(ctx, { object: 'member', action: active ? 'reactivated' : 'deactivated', key: code });
  }
  return getMemberRecord(ctx, code);
}

export async function getWebhook(ctx: Pick<ChangeContext, 'db'>, code: string): Promise<WebhookRecord> {
  const w = toWebhook(await row(ctx, code));
  if (!w) throw new GatewayError('GW_ERR_REGISTRY_NOT_FOUND', `member "${code}" has no webhook`);
  return w;
}

export async function listWebhooks(ctx: Pick<ChangeContext, 'db'>, f: { active?: boolean; after?: string; limit: number }): Promise<{ items: WebhookRecord[]; next: string | null }> {
  const r = await ctx.db.query<Row>(
    `SELECT ${COLS} FROM members WHERE webhook_url IS NOT NULL AND ($1::text IS NULL OR code > $1) AND ($2::boolean IS NULL OR webhook_active = $2)
     ORDER BY code LIMIT $3`,
    [decodeKeyCursor(f.after), f.active ?? null, f.limit + 1],
  );
  return keyPage(r.rows.map((x) => toWebhook(x)!), f.limit, (w) => w.member);
}

/**
 * Sets a member's webhook (URL, active). The receiver authenticates the gateway's requests
 * by their RFC 9421 signature (the gateway's log key): there is no shared secret. Changes
 * nothing when nothing differs.
 */
export async function setWebhook(ctx: ChangeContext, code: string, w: { url?: string; active?: boolean }): Promise<WebhookRecord> {
  const r = await row(ctx, code, true);
  const before = toWebhook(r);
  if (!before && w.url === undefined) {
    throw new GatewayError('GW_ERR_REGISTRY_INVALID', `member "${code}" has no webhook yet: give its url`, { errors: [{ pointer: '/url', message: 'is required for a new webhook' }] });
  }
  const fields = before ? changedFields(before, { url: w.url, active: w.active }) : ['url', 'active'];
  if (!fields.length) return before!;
  await ctx.db.query(`UPDATE members SET webhook_url = $2, webhook_active = $3 WHERE code = $1`, [code, w.url ?? before!.url, w.active ?? before?.active ?? true]);
  if (r.active) await ctx.needsBindingCheck(code);
  await recordChange(ctx, { object: 'webhook', action: before ? 'updated' : 'created', key: code, fields });
  return getWebhook(ctx, code);
}

/** Removes a member's webhook; refused by the adapter check while the member is delivered by push. */
export async function removeWebhook(ctx: ChangeContext, code: string): Promise<void> {
  const r = await row(ctx, code, true);
  if (!r.webhook_url) throw new GatewayError('GW_ERR_REGISTRY_NOT_FOUND', `member "${code}" has no webhook`);
  await ctx.db.query('UPDATE members SET webhook_url = NULL, webhook_active = true WHERE code = $1', [code]);
  if (r.active) await ctx.needsBindingCheck(code);
  await recordChange(ctx, { object: 'webhook', action: 'deleted', key: code });
}

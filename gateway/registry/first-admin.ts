import type { Db } from '../store/db';
import { GatewayError } from '../errors';
import { createMember, type MemberInput } from './admin-members';
import { createUser, type UserRecord } from './admin-access';
import type { ChangeContext } from './changes';

/** Whether anyone can administer the registry yet (an active admin login). */
export async function hasAdmin(db: Db): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM users WHERE role = 'admin' AND disabled_at IS NULL LIMIT 1`)).rows.length > 0;
}

/**
 * `xgw init`: the first member (the operator's own department, unless it exists) and
 * the first admin in it. Refused once an admin exists: from then on admins use the API.
 */
export async function initRegistry(
  ctx: ChangeContext,
  first: { member: MemberInput; admin: { login: string; name: string; password?: string } },
): Promise<{ memberCreated: boolean; admin: UserRecord & { password?: string } }> {
  if (await hasAdmin(ctx.db)) throw new GatewayError('GW_ERR_REGISTRY_CONFLICT', 'the registry already has an admin: log in as one and use the admin API (xgw members|users …)');
  const exists = (await ctx.db.query('SELECT 1 FROM members WHERE code = $1', [first.member.code])).rows.length > 0;
  if (!exists) await createMember(ctx, first.member);
  const admin = await createUser(ctx, { ...first.admin, role: 'admin', department: first.member.code });
  return { memberCreated: !exists, admin };
}

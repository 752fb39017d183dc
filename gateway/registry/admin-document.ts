import { createMember, getWebhook, listMemberRecords, removeWebhook, setWebhook, updateMember, type MemberRecord } from './admin-members';
import { createAgreement, deleteAgreement, findAgreement, listAgreementRecords, updateAgreement, type AgreementRecord } from './admin-agreements';
import { createSystem, createUser, listSystems, listUserRecords, updateSystem, updateUser, type UserRecord } from './admin-access';
import type { ChangeContext, RegistryChange } from './changes';
import { GatewayError } from '../errors';

/**
 * The whole registry as one document (`xgw registry export|apply`): members with their
 * webhook and systems, agreements, people. Secrets are never in it.
 */
export interface RegistryDocument {
  xgwRegistry: 1;
  members: (Omit<MemberRecord, never> & { webhook: { url: string; active: boolean } | null; systems: { code: string; name: string; active: boolean }[] })[];
  agreements: Omit<AgreementRecord, 'id'>[];
  users: UserRecord[];
  notExported?: string;
}

export const NOT_EXPORTED =
  'system tokens and passwords are never exported: apply issues a new password where it creates a user (answered once), and tokens are issued with `xgw systems token`';

/** Reads every page of a keyset list. */
async function all<T>(read: (after: string | undefined) => Promise<{ items: T[]; next: string | null }>): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  do {
    const page = await read(after);
    out.push(...page.items);
    after = page.next ?? undefined;
  } while (after);
  return out;
}

const byKey = (a: { sender: string; receiver: string; messageType: string }) => `${a.sender}\u0000${a.receiver}\u0000${a.messageType}`;

export async function exportRegistry(ctx: Pick<ChangeContext, 'db'>): Promise<RegistryDocument> {
  const members = await all((after) => listMemberRecords(ctx, { after, limit: 500 }));
  const systems = await all((after) => listSystems(ctx, { after, limit: 500 }));
  const agreements = await all((after) => listAgreementRecords(ctx, { after, limit: 500 }));
  const users = await all((after) => listUserRecords(ctx, { after, limit: 500 }));
  const out: RegistryDocument['members'] = [];
  for (const m of members) {
    const w = await getWebhook(ctx, m.code).catch(() => null);
    out.push({
      ...m,
      webhook: w ? { url: w.url, active: w.active } : null,
      systems: systems.filter((s) => s.member === m.code).map((s) => ({ code: s.code, name: s.name, active: s.active })),
    });
  }
  return {
    xgwRegistry: 1,
    members: out,
    agreements: agreements
      .sort((a, b) => byKey(a).localeCompare(byKey(b)))
      .map((a) => ({ sender: a.sender, receiver: a.receiver, messageType: a.messageType, purposes: a.purposes, validFrom: a.validFrom, validTo: a.validTo })),
    users,
    notExported: NOT_EXPORTED,
  };
}

export interface ApplyResult {
  changes: RegistryChange[];
  /** Passwords issued by this apply (new users), shown once. */
  issued: { object: 'user'; key: string; secret: string }[];
}

function unique<T>(items: T[], key: (x: T) => string, what: string): void {
  const seen = new Set<string>();
  for (const x of items) {
    const k = key(x);
    if (seen.has(k)) throw new GatewayError('GW_ERR_REGISTRY_INVALID', `the document names ${what} "${k.replace(/\u0000/g, ' ')}" twice`);
    seen.add(k);
  }
}

/**
 * Makes the registry what the document says, in the caller's transaction: creates and
 * updates what differs, deactivates members, retires systems and disables users the
 * document no longer names, deletes agreements it no longer names. What already matches
 * is left alone, so applying the same document twice changes nothing the second time.
 */
export async function applyRegistry(ctx: ChangeContext, doc: RegistryDocument): Promise<ApplyResult> {
  unique(doc.members, (m) => m.code, 'member');
  unique(doc.agreements, byKey, 'agreement');
  unique(doc.users, (u) => u.login, 'user');
  const issued: ApplyResult['issued'] = [];
  const current = new Map((await all((after) => listMemberRecords(ctx, { after, limit: 500 }))).map((m) => [m.code, m]));
  for (const { webhook, systems, ...m } of doc.members) {
    if (current.has(m.code)) await updateMember(ctx, m.code, m);
    else await createMember(ctx, m);
    const hook = await getWebhook(ctx, m.code).catch(() => null);
    if (webhook) await setWebhook(ctx, m.code, webhook);
    else if (hook) await removeWebhook(ctx, m.code);
    unique(systems, (s) => s.code, `system of ${m.code}`);
    const have = await all((after) => listSystems(ctx, { member: m.code, after, limit: 500 }));
    for (const s of systems) {
      if (have.some((h) => h.code === s.code)) await updateSystem(ctx, m.code, s.code, { name: s.name, active: s.active });
      else {
        await createSystem(ctx, { member: m.code, code: s.code, name: s.name });
        if (!s.active) await updateSystem(ctx, m.code, s.code, { active: false });
      }
    }
    for (const h of have) if (!systems.some((s) => s.code === h.code)) await updateSystem(ctx, m.code, h.code, { active: false });
  }
  for (const code of current.keys()) if (!doc.members.some((m) => m.code === code)) await updateMember(ctx, code, { active: false });

  const agreements = await all((after) => listAgreementRecords(ctx, { after, limit: 500 }));
  for (const a of doc.agreements) {
    const found = await findAgreement(ctx, a.sender, a.receiver, a.messageType);
    if (found) await updateAgreement(ctx, found.id, { purposes: a.purposes, validFrom: a.validFrom ?? null, validTo: a.validTo ?? null });
    else await createAgreement(ctx, a);
  }
  for (const a of agreements) if (!doc.agreements.some((d) => byKey(d) === byKey(a))) await deleteAgreement(ctx, a.id);

  const users = await all((after) => listUserRecords(ctx, { after, limit: 500 }));
  for (const u of doc.users) {
    if (users.some((x) => x.login === u.login)) await updateUser(ctx, u.login, u);
    else {
      const created = await createUser(ctx, u);
      if (created.password) issued.push({ object: 'user', key: u.login, secret: created.password });
    }
  }
  for (const u of users) if (!doc.users.some((d) => d.login === u.login)) await updateUser(ctx, u.login, { active: false });
  return { changes: ctx.changes, issued };
}

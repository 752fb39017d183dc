import type { Db } from '../store/db';
import { appendEntries } from '../log/append';
import { prepareEntry } from '../log/entries';
import type { LogHashAlg } from '../merkle/hash';
import { canonicalJson } from '../crypto/canonical';

/** What registry administration changes, and how (enums: the signed log holds no free text). */
export const REGISTRY_OBJECTS = ['member', 'webhook', 'system', 'token', 'agreement', 'user', 'certificate', 'delivery'] as const;
export type RegistryObject = (typeof REGISTRY_OBJECTS)[number];
export const REGISTRY_ACTIONS = ['created', 'updated', 'deactivated', 'reactivated', 'issued', 'revoked', 'retired', 'deleted', 'superseded', 'paused', 'resumed'] as const;
export type RegistryAction = (typeof REGISTRY_ACTIONS)[number];

export interface RegistryChange {
  object: RegistryObject;
  action: RegistryAction;
  /** The object's key: member code, member/system, token or agreement id, login, member/certificate fingerprint. */
  key: string;
  /** The names of the fields that changed (never their values: no secrets, no personal data). */
  fields?: string[];
}

/** The NOTIFY channel of registry changes; the payload is the new registry version. */
export const REGISTRY_CHANNEL = 'xgw_registry';

/**
 * Who makes a change and where: every registry administration function takes one and
 * records each change it makes through it, in the caller's transaction.
 */
export interface ChangeContext {
  db: Db;
  alg: LogHashAlg;
  at: Date;
  /** The actor, as histories name it (member/login). */
  by: string;
  usccMode: 'strict' | 'warn';
  /**
   * Notes that a member's adapter binding must be checked (as the member will be) before
   * the transaction commits: the wiring runs the checks once all changes are made (a
   * push member and its webhook may be set by two calls), and a refusal rolls it all back.
   */
  needsBindingCheck(code: string): Promise<void>;
  /** Changes recorded so far (in order). */
  changes: RegistryChange[];
}

/**
 * Records one change: bumps the registry version (the 'registry' sequence row, taken
 * before the log's), appends a `registry.changed` entry to the signed log and sends
 * NOTIFY (delivered at commit, so listeners never see an uncommitted change).
 */
export async function recordChange(ctx: ChangeContext, change: RegistryChange): Promise<void> {
  const v = await ctx.db.query<{ value: number }>(`UPDATE sequences SET value = value + 1 WHERE name = 'registry' RETURNING value`);
  const version = Number(v.rows[0]!.value);
  const fields = change.fields ? { fields: [...change.fields].sort() } : {};
  await appendEntries(ctx.db, [prepareEntry(ctx.alg, 'registry.changed', ctx.at, { object: change.object, action: change.action, key: change.key, ...fields, by: ctx.by, version })]);
  await ctx.db.query('SELECT pg_notify($1, $2)', [REGISTRY_CHANNEL, String(version)]);
  ctx.changes.push(change);
}

/** The registry version: how many changes were ever recorded. */
export async function registryVersion(db: Db): Promise<number> {
  const r = await db.query<{ value: number }>(`SELECT value FROM sequences WHERE name = 'registry'`);
  return Number(r.rows[0]?.value ?? 0);
}

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** The names of the fields `after` sets to another value than `before` has (deep; key order ignored). */
export function changedFields<T extends object>(before: T, after: Partial<T>): string[] {
  return Object.keys(after).filter((k) => {
    const a = (after as Record<string, unknown>)[k];
    return a !== undefined && !same((before as Record<string, unknown>)[k], a);
  });
}

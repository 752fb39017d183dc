import type { Db } from '../store/db';
import { formatTime } from '../clock';
import { decodeCursor, encodeCursor } from '../exchange/cursor';

/**
 * Who looked at what, when (电子监察 of the auditors themselves): every trace query,
 * evidence export and verification is recorded with its parameters, in the data layer,
 * with an enum for the action; administrators list them newest first (keyset on id).
 */
export const AUDIT_ACCESS_ACTIONS = ['trace', 'evidence-export', 'evidence-verify'] as const;
export type AuditAccessAction = (typeof AUDIT_ACCESS_ACTIONS)[number];

export async function recordAuditAccess(
  db: Db,
  a: { at: Date; actor: string; action: AuditAccessAction; params: Record<string, unknown>; results?: number },
): Promise<void> {
  await db.query('INSERT INTO audit_access (at, actor, action, params, results) VALUES ($1, $2, $3, $4, $5)', [
    a.at,
    a.actor,
    a.action,
    JSON.stringify(a.params),
    a.results ?? null,
  ]);
}

export async function listAuditAccess(db: Db, q: { actor?: string; after?: string; limit: number }) {
  const before = decodeCursor(q.after);
  const r = await db.query<{ id: string; at: Date; actor: string; action: AuditAccessAction; params: Record<string, unknown>; results: number | null }>(
    `SELECT id, at, actor, action, params, results FROM audit_access
     WHERE ($1::bigint = 0 OR id < $1) AND ($2::text IS NULL OR actor = $2) ORDER BY id DESC LIMIT $3`,
    [before, q.actor ?? null, q.limit],
  );
  const items = r.rows.map((x) => ({ at: formatTime(x.at), actor: x.actor, action: x.action, params: x.params, results: x.results }));
  const last = r.rows[r.rows.length - 1];
  return { items, next: r.rows.length === q.limit && last ? encodeCursor(Number(last.id)) : null };
}

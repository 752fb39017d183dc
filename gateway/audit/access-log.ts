import type { Db } from '../store/db';
import { decodeCursor, encodeCursor } from '../exchange/cursor';
import { AUDIT_KINDS, type AuditKind } from './trail';

/**
 * Who looked at what, when (电子监察 of the auditors themselves), for administrators: read
 * from the auditors' own entries in the signed log (trail.ts), newest first, keyset on the
 * log index. One record, the log; this is only its admin view.
 */
export const AUDIT_ACCESS_ACTIONS = ['trace', 'evidence-export', 'evidence-verify'] as const;
type AuditAccessAction = (typeof AUDIT_ACCESS_ACTIONS)[number];

const ACTION_OF: Record<AuditKind, AuditAccessAction> = {
  'audit.trace_queried': 'trace',
  'audit.evidence_exported': 'evidence-export',
  'audit.evidence_verified': 'evidence-verify',
};

interface AuditEntry {
  at: string;
  kind: AuditKind;
  actor: string;
  role: string;
  query: Record<string, unknown>;
  outcome: { ok: boolean; entries?: number; code?: string };
}

export async function listAuditAccess(db: Db, q: { actor?: string; after?: string; limit: number }) {
  const before = decodeCursor(q.after);
  const r = await db.query<{ idx: string; entry: string }>(
    `SELECT idx, entry FROM log_entries
     WHERE kind = ANY($1::text[]) AND ($2::bigint = 0 OR idx < $2) AND ($3::text IS NULL OR entry::jsonb->>'actor' = $3)
     ORDER BY idx DESC LIMIT $4`,
    [AUDIT_KINDS, before, q.actor ?? null, q.limit],
  );
  const items = r.rows.map((row) => {
    const e = JSON.parse(row.entry) as AuditEntry;
    return {
      logIndex: Number(row.idx),
      at: e.at,
      actor: e.actor,
      role: e.role,
      action: ACTION_OF[e.kind],
      params: e.query,
      results: e.outcome.ok ? (e.outcome.entries ?? null) : null,
      ...(e.outcome.ok ? {} : { error: e.outcome.code }),
    };
  });
  const last = r.rows[r.rows.length - 1];
  // The cursor is the last index shown (the next page is below it); nothing is below index 0.
  return { items, next: r.rows.length === q.limit && last && Number(last.idx) > 0 ? encodeCursor(Number(last.idx)) : null };
}

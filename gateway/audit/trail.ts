import type { Db } from '../store/db';
import { digestHex } from '../crypto/digest';
import { prepareEntry } from '../log/entries';
import { appendEntries } from '../log/append';
import type { LogHashAlg } from '../merkle/hash';
import { GatewayError } from '../errors';

/**
 * The auditors audited (电子监察的监察): every trace query, evidence export and verification is an
 * entry in the signed exchange log — who (actor, role), what (the query or the case), when,
 * and the outcome (how many entries, or the error code). The entries name no message and
 * no case row, so a member's GET /log/entries sees only their leaf hashes; auditors and
 * supervisors read them. What the auditor typed enters as given only when it looks like an
 * identifier (case number, member code, message id); anything else as its digest, so a
 * name or ID number typed into a search box never becomes permanent log text.
 */
export interface AuditActor {
  /** member/login or member/system (registry/principal.ts actorName), or cli/<user>. */
  actor: string;
  role: string;
}

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:+〔〕-]{0,99}$/u;

/** Query values for the log: identifiers as given, anything else as `<name>Digest`. */
function queryFields(alg: LogHashAlg, query: Record<string, string | number | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (typeof v === 'number' || IDENTIFIER.test(v)) out[k] = v;
    else out[`${k}Digest`] = { alg, value: digestHex(alg, v) };
  }
  return out;
}

export type AuditOutcome = { ok: true; entries: number; messages?: number; checkpointSize?: number } | { ok: false; code: string };

/** The log entry kinds of the auditors' own looks at the records. */
export const AUDIT_KINDS = ['audit.trace_queried', 'audit.evidence_exported', 'audit.evidence_verified'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** Appends the audit entry of one trace query or evidence export (its own statement; commits with the caller's transaction). */
export async function recordAudit(
  db: Db,
  alg: LogHashAlg,
  at: Date,
  kind: AuditKind,
  who: AuditActor,
  query: Record<string, string | number | undefined>,
  outcome: AuditOutcome,
): Promise<number> {
  const entry = prepareEntry(alg, kind, at, { actor: who.actor, role: who.role, query: queryFields(alg, query), outcome });
  const [index] = await appendEntries(db, [entry]);
  return index!;
}

/**
 * Runs one look at the records (a trace, an export, a verification) and appends its audit
 * entry: the outcome when it answered, the error code when it failed (then rethrows). The
 * entry is written before the caller hands anything out. Returns the result and the entry's index.
 */
export async function audited<T>(
  db: Db,
  alg: LogHashAlg,
  now: () => Date,
  kind: AuditKind,
  who: AuditActor,
  query: Record<string, string | number | undefined>,
  run: () => Promise<T>,
  outcome: (out: T) => AuditOutcome,
): Promise<{ out: T; index: number }> {
  let out: T;
  try {
    out = await run();
  } catch (err) {
    await recordAudit(db, alg, now(), kind, who, query, { ok: false, code: err instanceof GatewayError ? err.code : 'GW_ERR_INTERNAL' });
    throw err;
  }
  const index = await recordAudit(db, alg, now(), kind, who, query, outcome(out));
  return { out, index };
}

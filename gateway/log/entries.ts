import { canonicalJson } from '../crypto/canonical';
import { formatTime } from '../clock';
import { leafHash, type LogHashAlg } from '../merkle/hash';

/** What the log records: every step of an exchange, as an enum (never free text). */
export const LOG_ENTRY_KINDS = [
  'message.received',
  'message.delivered',
  'message.delivery_failed',
  'message.dead_lettered',
  'message.acknowledged',
  'message.rejected',
  'message.replayed',
  'service.called',
  // The auditors audited: every trace query, evidence export and verification (who, what, when); no message or case refers to them.
  'audit.trace_queried',
  'audit.evidence_exported',
  'audit.evidence_verified',
  'registry.changed',
  // 公文 (documents/lifecycle.ts): 发文 steps, 收文 steps per addressee, and refusals (classified)
  'document.drafted',
  'document.reviewed',
  'document.signed_off',
  'document.registered',
  'document.sealed',
  'document.distributed',
  'document.signed_for',
  'document.recorded',
  'document.proposed',
  'document.approved',
  'document.assigned',
  'document.forwarded',
  'document.completed',
  'document.returned',
  'document.refused',
  // Retention (gateway/retention/): a batch of settled messages' bodies archived or dropped; their digests and entries stay.
  'retention.pruned',
  // 电子监察 (supervision/): a 黄牌 (warning) or 红牌 (overdue) raised on one branch of a case
  'supervision.card_raised',
] as const;
export type LogEntryKind = (typeof LOG_ENTRY_KINDS)[number];

/** An entry ready to append: its exact canonical text and leaf hash are fixed before the write. */
export interface PreparedEntry {
  kind: LogEntryKind;
  messageId: string | null;
  caseId: string | null;
  at: Date;
  text: string;
  leafHash: Buffer;
}

/**
 * Builds a log entry: `{v:1, kind, at, ...fields}` in RFC 8785 canonical JSON. The
 * text is what is hashed (leaf = H(0x00 ‖ text)) and what the log API serves, so
 * anyone can recompute the tree from it without our code.
 */
export function prepareEntry(
  alg: LogHashAlg,
  kind: LogEntryKind,
  at: Date,
  fields: Record<string, unknown>,
  refs: { messageId?: string | null; caseId?: string | null } = {},
): PreparedEntry {
  const text = canonicalJson({ v: 1, kind, at: formatTime(at), ...fields });
  return { kind, messageId: refs.messageId ?? null, caseId: refs.caseId ?? null, at, text, leafHash: leafHash(alg, text) };
}

import { prepareEntry, type PreparedEntry } from '../log/entries';
import type { LogHashAlg } from '../merkle/hash';
import type { MessageEvent } from './types';
import { messageHeader, type MessageHeaderRow } from './message-header';
import { digestHex } from '../crypto/digest';

/**
 * Free text in an event — a person's rejection reason, an agency's error text — may
 * hold personal data (an ID number). It stays in the message's history (for sender
 * and receiver) but never enters the log: the entry carries its digest
 * (`reasonDigest: {alg, value}`, the log's hash algorithm over the UTF-8 text).
 * Other records name their own free-text fields (a 公文's comments, assignee).
 */
const FREE_TEXT = ['reason', 'error', 'lastError', 'fault', 'message'] as const;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** The detail with every free-text field (at any depth, e.g. an agency's `answer.fault`) replaced by its digest. */
export function logDetail(alg: LogHashAlg, detail: Record<string, unknown>, freeText: readonly string[] = FREE_TEXT): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(detail)) {
    if (freeText.includes(k) && typeof v === 'string') out[`${k}Digest`] = { alg, value: digestHex(alg, v) };
    else out[k] = isPlainObject(v) ? logDetail(alg, v, freeText) : v;
  }
  return out;
}

/** The log entries for one history event on several messages (same time and actor; one detail, or one each). */
export function logEntriesFor(
  alg: LogHashAlg,
  event: Exclude<MessageEvent, 'received' | 'queued'>,
  at: Date,
  actor: string,
  messages: MessageHeaderRow[],
  /** One for every message, or one per message in their order. */
  detail: Record<string, unknown> | Record<string, unknown>[] = {},
): PreparedEntry[] {
  return messages.map((m, i) =>
    prepareEntry(
      alg,
      `message.${event}`,
      at,
      {
        message: messageHeader(m),
        actor,
        detail: logDetail(alg, Array.isArray(detail) ? detail[i]! : detail),
      },
      { messageId: m.id, caseId: m.case_id },
    ),
  );
}

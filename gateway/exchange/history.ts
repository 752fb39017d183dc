import type { Db } from '../store/db';
import { appendEntries } from '../log/store';
import { prepareEntry, type PreparedEntry } from '../log/entries';
import type { LogHashAlg } from '../merkle/hash';
import type { MessageEvent, MessageStatus } from './types';
import { digestHex } from '../crypto/digest';

/**
 * Free text in an event — a person's rejection reason, an agency's error text — may
 * hold personal data (an ID number). It stays in the message's history (for sender
 * and receiver) but never enters the log: the entry carries its digest
 * (`reasonDigest: {alg, value}`, the log's hash algorithm over the UTF-8 text).
 */
const FREE_TEXT = ['reason', 'error', 'lastError'] as const;

export function logDetail(alg: LogHashAlg, detail: Record<string, unknown>): Record<string, unknown> {
  if (!FREE_TEXT.some((k) => k in detail)) return detail;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(detail)) {
    if ((FREE_TEXT as readonly string[]).includes(k) && typeof v === 'string') out[`${k}Digest`] = { alg, value: digestHex(alg, v) };
    else out[k] = v;
  }
  return out;
}

interface MessageRef {
  id: string;
  message_id: string;
  sender: string;
  receiver: string;
  type: string;
  case_id: string | null;
}

/** The log entries for one history event on several messages (same time, actor and detail). */
export function logEntriesFor(
  alg: LogHashAlg,
  event: Exclude<MessageEvent, 'received' | 'queued'>,
  at: Date,
  actor: string,
  messages: MessageRef[],
  detail: Record<string, unknown> = {},
): PreparedEntry[] {
  return messages.map((m) =>
    prepareEntry(
      alg,
      `message.${event}`,
      at,
      {
        message: { id: m.id, messageId: m.message_id, from: m.sender, to: m.receiver, type: m.type, caseId: m.case_id },
        actor,
        detail: logDetail(alg, detail),
      },
      { messageId: m.id, caseId: m.case_id },
    ),
  );
}

/**
 * Records a history event in the caller's transaction: the message's history row,
 * its new status (when given) and the matching entry in the exchange log — so
 * every step an auditor can see in the history is also in the signed log.
 */
export async function recordEvent(
  db: Db,
  alg: LogHashAlg,
  messageId: string,
  event: Exclude<MessageEvent, 'received' | 'queued'>,
  status: MessageStatus | null,
  at: Date,
  actor: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await db.query('INSERT INTO message_events (message_id, event, at, actor, detail) VALUES ($1,$2,$3,$4,$5)', [
    messageId,
    event,
    at,
    actor,
    JSON.stringify(detail),
  ]);
  const r = await db.query<MessageRef>(
    status
      ? 'UPDATE messages SET status = $2, updated_at = $3 WHERE id = $1 RETURNING id, message_id, sender, receiver, type, case_id'
      : 'SELECT id, message_id, sender, receiver, type, case_id FROM messages WHERE id = $1',
    status ? [messageId, status, at] : [messageId],
  );
  await appendEntries(db, logEntriesFor(alg, event, at, actor, r.rows, detail));
}

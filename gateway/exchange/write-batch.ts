import { prepared, type Db } from '../store/db';
import { newId } from '../ids';
import { formatTime } from '../clock';
import type { NewMessage, Receipt, StoredOutcome } from './types';
import type { BatchedSignature } from '../crypto/batch-signature';
import type { DigestAlg } from '../crypto/digest';
import { logAppendCtes } from '../log/append';
import { ARRIVAL, ARRIVAL_QUEUED_FIELDS } from './lifecycle';
import { joinJsonTexts, splitJsonTexts } from '../store/joined-texts';

// Both arrival events in one history row (lifecycle.ts historyEvents reads it back as two).
const [RECEIVED] = ARRIVAL.events;
const [QUEUED_FIELD] = ARRIVAL_QUEUED_FIELDS;

/** The push answer, rebuilt the same way for a first push and for any identical retry. */
export const receiptOf = (m: { id: string; messageId: string; digestAlg: DigestAlg; digest: string; receivedAt: Date }, logIndex: number, leafHash: Buffer): Receipt => ({
  id: m.id,
  messageId: m.messageId,
  status: 'queued',
  digest: { alg: m.digestAlg, value: m.digest },
  receivedAt: formatTime(m.receivedAt),
  log: { index: logIndex, leafHash: leafHash.toString('hex') },
});

/**
 * One batch in ONE statement (one round trip, atomic on its own): lock the
 * exchange sequence row and take a range of seq numbers, insert the messages
 * (skipping (sender, messageId) duplicates), then the arrival history row and delivery
 * jobs for exactly the rows inserted, then the log append (log/append.ts) of one
 * 'message.received' entry per inserted message. The append's input reads the
 * inserted rows, so the exchange row is locked before the log row: the lock order
 * is always exchange → log (other log writers take only the log row), so no
 * deadlock. Constant SQL text, prepared once per connection.
 *
 * The rows travel as four parameters (batchParams): the small fields of every row as one
 * JSON array ($1), and the payloads, envelopes and log entries ($3, $4, $5) each as the rows'
 * canonical texts joined into one (store/joined-texts.ts), zipped back into rows by ROWS FROM;
 * the payload and envelope columns are `json` (migration 033), so they are stored as those texts.
 */
const BATCH_SQL = prepared(`
WITH s AS (
  UPDATE sequences SET value = value + $2 WHERE name = 'exchange' RETURNING value
), input AS (
  SELECT x.n, x.id, x.delivery_id, x.sender, x.sender_system, x.receiver, x.type, x.message_id, x.case_id, x.purpose,
    x.payload::json AS payload, x.digest_alg, x.digest, x.request_digest, x.envelope::json AS envelope, x.conversion,
    x.received_at, x.delivery_mode, x.log_entry, x.leaf_hash, s.value - $2 + x.n AS seq
  FROM s, ROWS FROM (
    jsonb_to_recordset($1::jsonb) AS (
      n bigint, id uuid, delivery_id uuid, sender text, sender_system text, receiver text, type text, message_id text,
      case_id text, purpose text, digest_alg text, digest text, request_digest text, conversion jsonb,
      received_at timestamptz, delivery_mode text, leaf_hash text),
    ${splitJsonTexts('$3')}, ${splitJsonTexts('$4')}, ${splitJsonTexts('$5')}
  ) AS x(n, id, delivery_id, sender, sender_system, receiver, type, message_id, case_id, purpose, digest_alg, digest,
    request_digest, conversion, received_at, delivery_mode, leaf_hash, payload, envelope, log_entry)
), ins AS (
  INSERT INTO messages (id, seq, sender, sender_system, receiver, type, message_id, case_id, purpose,
     payload, digest_alg, digest, request_digest, envelope, conversion, received_at, updated_at, status)
  SELECT id, seq, sender, sender_system, receiver, type, message_id, case_id, purpose,
     payload, digest_alg, digest, request_digest, envelope, conversion, received_at, received_at, '${ARRIVAL.status}'
  FROM input ORDER BY n
  ON CONFLICT (sender, message_id) DO NOTHING RETURNING id
), ev AS (
  INSERT INTO message_events (message_id, event, at, actor, detail)
  SELECT i.id, '${RECEIVED}', i.received_at, i.sender || '/' || i.sender_system, jsonb_build_object('digest', i.digest, '${QUEUED_FIELD}', i.delivery_mode)
  FROM input i JOIN ins USING (id)
  ORDER BY i.n
), dv AS (
  INSERT INTO deliveries (id, message_id, receiver, mode, status, next_attempt_at, created_at, updated_at)
  SELECT i.delivery_id, i.id, i.receiver, i.delivery_mode, 'pending', i.received_at, i.received_at, i.received_at
  FROM input i JOIN ins USING (id)
), ${logAppendCtes(`SELECT row_number() OVER (ORDER BY i.n) AS k, 'message.received' AS kind, i.id AS message_id, i.case_id,
         i.log_entry AS entry, i.leaf_hash, i.received_at AS created_at
  FROM input i JOIN ins USING (id)`)}
SELECT message_id AS id, idx FROM log_appended`);

const str = JSON.stringify;

/**
 * The batch statement's parameters: [small fields of every row as a JSON array, row count,
 * payloads, envelopes, log entries (each RS-joined, in row order)]. Written directly rather than
 * through row objects and JSON.stringify: the payload's canonical text made by preparePush
 * (`payloadText`), the envelope's made while sealing (`envelopeText`) and the log entry's are
 * passed as they are, not escaped into a JSON string.
 */
export function batchParams(msgs: NewMessage[]): [rows: string, count: number, payloads: string, envelopes: string, entries: string] {
  let rows = '[';
  const payloads: string[] = [], envelopes: string[] = [], entries: string[] = [];
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    payloads.push(m.payloadText ?? str(m.payload));
    envelopes.push((m as NewMessage & { envelopeText?: string }).envelopeText ?? str(m.envelope));
    entries.push(m.logEntry.text);
    if (i) rows += ',';
    rows +=
      `{"n":${i + 1},"id":${str(m.id)},"delivery_id":${str(newId())},"sender":${str(m.sender)},"sender_system":${str(m.senderSystem)},` +
      `"receiver":${str(m.receiver)},"type":${str(m.type)},"message_id":${str(m.messageId)},"case_id":${str(m.caseId)},"purpose":${str(m.purpose)},` +
      `"digest_alg":${str(m.digestAlg)},"digest":${str(m.digest)},"request_digest":${str(m.requestDigest)},` +
      `"conversion":${m.conversion == null ? 'null' : str(m.conversion)},"received_at":${str(m.receivedAt.toISOString())},` +
      `"delivery_mode":${str(m.deliveryMode)},"leaf_hash":"${m.logEntry.leafHash.toString('hex')}"}`;
  }
  return [rows + ']', msgs.length, joinJsonTexts(payloads, 'payload'), joinJsonTexts(envelopes, 'envelope'), joinJsonTexts(entries, 'log entry')];
}

/** Writes one batch: messages, their history, delivery jobs and log entries; then resolves duplicates. */
export async function writeBatch(db: Db, msgs: NewMessage[]): Promise<StoredOutcome[]> {
  const inserted = await db.query<{ id: string; idx: number }>(BATCH_SQL, batchParams(msgs));
  const logIndex = new Map(inserted.rows.map((r) => [r.id, Number(r.idx)]));
  const outcomes = new Map<string, StoredOutcome>();
  const others: NewMessage[] = [];
  for (const m of msgs) {
    const idx = logIndex.get(m.id);
    if (idx !== undefined) outcomes.set(m.id, { outcome: 'created', receipt: receiptOf(m, idx, m.logEntry.leafHash) });
    else others.push(m);
  }
  if (others.length) {
    // Committed already (this batch or an earlier one): same content → the same receipt, else a conflict.
    const existing = await db.query<{
      id: string; sender: string; message_id: string; request_digest: string; digest_alg: DigestAlg; digest: string;
      received_at: Date; idx: number; leaf_hash: Buffer; receipt_signature: BatchedSignature | null;
    }>(
      `SELECT m.id, m.sender, m.message_id, m.request_digest, m.digest_alg, m.digest, m.received_at, le.idx, le.leaf_hash, rs.signature AS receipt_signature
       FROM messages m JOIN log_entries le ON le.message_id = m.id AND le.kind = 'message.received'
       LEFT JOIN receipt_signatures rs ON rs.message_id = m.id
       WHERE (m.sender, m.message_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [others.map((m) => m.sender), others.map((m) => m.messageId)],
    );
    const byKey = new Map(existing.rows.map((r) => [`${r.sender}\u0000${r.message_id}`, r]));
    for (const m of others) {
      const e = byKey.get(`${m.sender}\u0000${m.messageId}`)!;
      outcomes.set(
        m.id,
        e.request_digest === m.requestDigest
          ? {
              outcome: 'duplicate',
              receipt: receiptOf(
                { id: e.id, messageId: e.message_id, digestAlg: e.digest_alg, digest: e.digest, receivedAt: e.received_at },
                Number(e.idx),
                Buffer.from(e.leaf_hash),
              ),
              signature: e.receipt_signature,
            }
          : { outcome: 'conflict', existingId: e.id },
      );
    }
  }
  return msgs.map((m) => outcomes.get(m.id)!);
}

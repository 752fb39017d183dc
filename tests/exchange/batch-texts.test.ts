/**
 * The batch statement takes each row's payload, envelope and log entry as RS-joined texts
 * (exchange/write-batch.ts batchParams) and zips them back into rows in the database. A batch
 * whose texts hold what JSON escapes (U+001E itself, quotes, backslashes, newlines, a non-BMP
 * character) is stored row for row: every message gets its own payload, envelope and log entry,
 * in order, and the log entry's stored leaf hash is the hash of its stored text. The payload and
 * envelope are stored as the texts given (json columns), so a push's are its canonical texts.
 */
import { createTestDatabase, type TestDatabase } from '../support/db';
import { writeBatch } from '../../gateway/exchange/write-batch';
import { migrate } from '../../gateway/store/migrate';
import { prepareEntry } from '../../gateway/log/entries';
import { leafHash } from '../../gateway/merkle/hash';
import { canonicalJson } from '../../gateway/crypto/canonical';
import { newId } from '../../gateway/ids';
import type { NewMessage } from '../../gateway/exchange/types';

const REMARKS = ['RS \u001e inside', 'quote " backslash \\ newline \n tab \t', '𠀀 \u001f\u2028 末尾'];

function message(i: number, withTexts: boolean): NewMessage {
  const id = newId();
  const receivedAt = new Date(Date.UTC(2026, 11, 8, 2, 0, i));
  const payload = { caseNo: `BATCH-TEXT-${i}`, remarks: REMARKS[i]!, nested: { b: [i, null, 'x\u001ey'], a: { z: '"' } } };
  const envelope = { header: { v: 1, messageId: `bt-${withTexts ? "t" : "o"}-${i}`, remarks: REMARKS[i]! }, signatures: [] };
  const logEntry = prepareEntry('sha256', 'message.received', receivedAt, { message: { id, messageId: `bt-${withTexts ? "t" : "o"}-${i}` }, remarks: REMARKS[i]! }, { messageId: id, caseId: payload.caseNo });
  return {
    id, sender: 'hall', senderSystem: 'default', receiver: 'housing', type: 'case-record', messageId: `bt-${withTexts ? "t" : "o"}-${i}`, caseId: payload.caseNo,
    purpose: 'case-handling', payload, digestAlg: 'sha256', digest: `d${i}`, requestDigest: `r${i}`, receivedAt, deliveryMode: 'pull',
    conversion: null, envelope, logEntry,
    // A push hands the canonical texts over as made (payloadText, envelopeText); other writers only the objects.
    ...(withTexts ? { payloadText: canonicalJson(payload), envelopeText: canonicalJson(envelope) } : {}),
  } as unknown as NewMessage;
}

describe('a batch of texts with what JSON escapes, written in one statement', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await migrate(db.store);
  }, 120_000);
  afterAll(() => db.drop());

  test.each([true, false])('each row gets its own payload, envelope and log entry, in order (canonical texts given: %s)', async (withTexts) => {
    const msgs = [0, 1, 2].map((i) => message(i, withTexts));
    const outcomes = await writeBatch(db.store, msgs);
    expect(outcomes.map((o) => o.outcome)).toEqual(['created', 'created', 'created']);
    const rows = (
      await db.store.query<{ id: string; seq: string; payload: unknown; envelope: unknown; payload_text: string; envelope_text: string; entry: string; leaf_hash: Buffer; idx: string }>(
        `SELECT m.id, m.seq, m.payload, m.envelope, m.payload::text AS payload_text, m.envelope::text AS envelope_text, le.entry, le.leaf_hash, le.idx
         FROM messages m JOIN log_entries le ON le.message_id = m.id AND le.kind = 'message.received'
         WHERE m.id = ANY($1::uuid[]) ORDER BY m.seq`,
        [msgs.map((m) => m.id)],
      )
    ).rows;
    expect(rows.map((r) => r.id)).toEqual(msgs.map((m) => m.id));
    rows.forEach((r, i) => {
      expect(r.payload).toEqual(msgs[i]!.payload);
      expect(r.envelope).toEqual(msgs[i]!.envelope);
      // json columns (migration 033) keep the text as written: a push's canonical texts byte for byte.
      expect(r.payload_text).toBe(withTexts ? canonicalJson(msgs[i]!.payload) : JSON.stringify(msgs[i]!.payload));
      expect(r.envelope_text).toBe(withTexts ? canonicalJson(msgs[i]!.envelope) : JSON.stringify(msgs[i]!.envelope));
      expect(r.entry).toBe(msgs[i]!.logEntry.text);
      expect(JSON.parse(r.entry).remarks).toBe(REMARKS[i]);
      expect(Buffer.from(r.leaf_hash).equals(leafHash('sha256', r.entry))).toBe(true);
    });
    // Log positions follow the rows' order.
    const idx = rows.map((r) => Number(r.idx));
    expect(idx).toEqual([idx[0]!, idx[0]! + 1, idx[0]! + 2]);
  }, 60_000);
});

/**
 * The push receipt's batch signature in its own narrow table, written once per message
 * (INSERT), instead of an UPDATE of the message row after the commit. A message row holds
 * the payload and the envelope (≈ 4.5 KB): one fits a page, so that UPDATE was never HOT —
 * a second copy of the whole row on a new page and a new entry in each of the message
 * table's six indexes, for every push. Existing signatures move over; the column goes.
 */
export const sql = `
CREATE TABLE receipt_signatures (
  message_id uuid PRIMARY KEY,
  signature jsonb NOT NULL
);
INSERT INTO receipt_signatures (message_id, signature) SELECT id, receipt_signature FROM messages WHERE receipt_signature IS NOT NULL;
ALTER TABLE messages DROP COLUMN receipt_signature;
`;

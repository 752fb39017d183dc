/**
 * Retention (gateway/retention/): a settled message's body (payload and the adapter's
 * native form) may leave the database after the configured number of days, archived
 * as a content-addressed file or dropped. `retention` says what happened to it:
 * {"at", "mode": "archive", "sha256"} or {"at", "mode": "drop"}; NULL while the body is
 * here. Its digest, envelope, receipts and log entry stay, so every proof still holds.
 */
export const sql = `
ALTER TABLE messages ALTER COLUMN payload DROP NOT NULL;
ALTER TABLE messages ADD COLUMN retention jsonb;
ALTER TABLE messages ADD CONSTRAINT messages_body_or_retention CHECK ((payload IS NULL) = (retention IS NOT NULL));
-- The pruner walks messages by seq (their unique index: no new index on the write path) from
-- this cursor: every message at or below it is pruned or was not there to prune.
INSERT INTO sequences (name, value) VALUES ('retention', 0);
`;

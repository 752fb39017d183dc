/**
 * A message's payload and envelope, and its receipt's signature, as `json`, not `jsonb` (#16).
 * The gateway writes them as JSON text (payload and envelope canonical, RFC 8785) and reads them back whole: no query looks inside them, none
 * compares them, and no index covers them. `jsonb` made PostgreSQL parse each into its binary
 * form on every push (string by string, keys sorted) and print it back on every read; `json`
 * only checks the text and keeps it as it came, so the stored bytes are the canonical text the
 * digests and signatures were computed over. PostgreSQL CPU per message of the push's batch
 * statement 125 → 109 µs (bench/write-path.js, three alternating pairs). Rows written before
 * keep their content; their text is jsonb's rendering (readers parse either).
 */
export const sql = `
ALTER TABLE messages ALTER COLUMN payload TYPE json USING payload::json, ALTER COLUMN envelope TYPE json USING envelope::json;
ALTER TABLE receipt_signatures ALTER COLUMN signature TYPE json USING signature::json;
`;

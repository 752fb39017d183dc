/**
 * Retention beyond message bodies (gateway/retention/): a service call's request, answer and
 * SOAP texts may leave the database after retention.serviceCallsAfterDays, and the bytes of a
 * 公文 attachment after retention.attachmentsAfterDays (off by default). `retention` says what
 * happened: {"at", "mode": "archive", "sha256"} or {"at", "mode": "drop"}; NULL while the
 * bodies or bytes are here. The service.called entries keep the calls' digests, the documents
 * keep their attachments' SM3/SHA-256 digests (under the 用印 signature), so proofs still hold.
 */
export const sql = `
ALTER TABLE service_calls ALTER COLUMN request DROP NOT NULL;
ALTER TABLE service_calls ADD COLUMN retention jsonb;
ALTER TABLE service_calls ADD CONSTRAINT service_calls_body_or_retention CHECK ((request IS NULL) = (retention IS NOT NULL));
-- The pruner's walk: calls still holding their bodies, oldest first. The index only holds
-- those (it empties as they are pruned), so a pass costs what it prunes, not the table size.
CREATE INDEX service_calls_unpruned ON service_calls (started_at) WHERE retention IS NULL;

ALTER TABLE attachment_blobs ADD COLUMN retention jsonb;
`;

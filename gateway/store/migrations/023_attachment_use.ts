/**
 * When a stored attachment blob was last taken up by an upload of the same bytes
 * (documents/attachments.ts, deduplication): the orphan sweeper (documents/orphans.ts)
 * removes a blob no document references only when it is older than the grace period
 * both by creation and by this use. NULL: never reused since it was stored.
 */
export const sql = `
ALTER TABLE attachment_blobs ADD COLUMN used_at timestamptz;
`;

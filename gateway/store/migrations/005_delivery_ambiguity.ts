/**
 * An attempt that failed without an answer (timed out, connection cut while the
 * receiver answered) may still have reached the receiver. The outbox remembers
 * that, across retries and replays, so an agency's "already have it" answer to a
 * later attempt counts as delivered only when an earlier one may really have arrived.
 */
export const sql = `
ALTER TABLE deliveries ADD COLUMN maybe_delivered boolean NOT NULL DEFAULT false;
`;

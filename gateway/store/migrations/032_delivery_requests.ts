/**
 * The outbox counts requests in flight, not messages (#16): a member that takes its messages
 * several to a webhook request (adapter config batchMax) had at most delivery.perReceiverConcurrency
 * MESSAGES in flight, i.e. with batchMax 16 and the default 16, one request at a time, which then waited
 * for its outcome's commit behind a full push load (≈ 300 delivered/s against ≈ 870 with four requests
 * out). Each claim now puts a receiver's jobs in requests of its batch size and marks each job with its
 * request (the id of the request's first job; a job of a member without batches, its own id); a receiver's requests in flight are its distinct `request` values among its live claims
 * (delivery/claim.ts). NULL on jobs claimed before this migration: each counts as a request of its own.
 */
export const sql = `
ALTER TABLE deliveries ADD COLUMN request uuid;
`;

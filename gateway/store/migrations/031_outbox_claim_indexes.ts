/**
 * The outbox's claim reads per receiver (#16). It ranked every due delivery with a window
 * function to keep each receiver within its in-flight limit, so each claim cost O(backlog): with
 * 17,000 messages waiting for one webhook receiver, PostgreSQL spent a core on claims, 0 of them
 * were delivered in a 10 s window and the backlog took more than 3 minutes to drain. The claim
 * (delivery/claim.ts) now takes, for each member, at most its free slots from the head of its own
 * queue: these indexes give the head of a receiver's pending jobs and its jobs in flight directly.
 * deliveries_due (every open push job by next_attempt_at) served only the old claim.
 */
export const sql = `
DROP INDEX deliveries_due;
CREATE INDEX deliveries_push_pending ON deliveries (receiver, next_attempt_at, id) WHERE status = 'pending' AND mode = 'push';
CREATE INDEX deliveries_push_in_flight ON deliveries (receiver, locked_until) WHERE status = 'in_flight' AND mode = 'push';
`;

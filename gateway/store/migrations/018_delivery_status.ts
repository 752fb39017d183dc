/**
 * The outbox per member (GET /api/v1/admin/delivery): backlog and its oldest, dead
 * letters, the last success and the last error, each read by an index on the receiver
 * so the console's overview costs a few index probes per member at any table size.
 */
export const sql = `
CREATE INDEX deliveries_receiver_open ON deliveries (receiver, created_at) WHERE status IN ('pending','in_flight');
CREATE INDEX deliveries_receiver_dead ON deliveries (receiver) WHERE status = 'dead';
CREATE INDEX deliveries_receiver_delivered ON deliveries (receiver, updated_at) WHERE status = 'delivered';
CREATE INDEX deliveries_receiver_error ON deliveries (receiver, updated_at) WHERE last_error IS NOT NULL;
`;

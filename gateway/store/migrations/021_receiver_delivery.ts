/**
 * Per-receiver delivery state (#16, delivery/claim.ts): an admin's pause (every process's
 * claim skips a paused receiver's jobs) and the receiver's breaker (delivery/receiver-breaker.ts):
 * consecutive failed attempts, and once they reach delivery.breakAfterFailures, when the one
 * probe may start. No row means deliveries run and nothing failed.
 */
export const sql = `
CREATE TABLE receiver_delivery (
  receiver   text PRIMARY KEY REFERENCES members(code),
  paused     boolean NOT NULL DEFAULT false,
  paused_at  timestamptz,
  paused_by  text,
  failures   integer NOT NULL DEFAULT 0,
  probe_at   timestamptz
);
`;

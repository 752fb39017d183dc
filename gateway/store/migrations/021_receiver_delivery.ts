/**
 * Per-receiver delivery state (#16, delivery/claim.ts): an admin's pause (every process's
 * claim skips a paused receiver's jobs). One row per receiver that was ever paused; no row
 * means deliveries run.
 */
export const sql = `
CREATE TABLE receiver_delivery (
  receiver   text PRIMARY KEY REFERENCES members(code),
  paused     boolean NOT NULL DEFAULT false,
  paused_at  timestamptz,
  paused_by  text
);
`;

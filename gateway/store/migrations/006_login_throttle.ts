/**
 * Failed-login throttling: one row per counter (a login from one address, or an
 * address over all logins). A login attempt claims its counters in ONE upsert, so
 * concurrent guesses (several gateway processes included) cannot all pass a
 * count that was read before any of them was recorded.
 */
export const sql = `
CREATE TABLE login_throttle (
  key            text PRIMARY KEY,
  free           integer NOT NULL,      -- failures allowed before delays start
  failures       integer NOT NULL,
  last_at        timestamptz NOT NULL,
  blocked_until  timestamptz
);
`;

/**
 * The web console (issue #12).
 * - A department's outbox (its sent messages, newest first) is served by an index like the
 *   inbox's (receiver, seq).
 * - Who looked at what, when: every audit trace query, evidence export and verification by an
 *   auditor or supervisor is recorded (audit/access-log.ts), for administrators to read.
 * Console sessions are the login sessions of user_sessions (001), carried in an HttpOnly cookie.
 */
export const sql = `
CREATE INDEX messages_outbox ON messages (sender, seq);

CREATE TABLE audit_access (
  id      bigserial PRIMARY KEY,
  at      timestamptz NOT NULL,
  actor   text NOT NULL,
  action  text NOT NULL CHECK (action IN ('trace', 'evidence-export', 'evidence-verify')),
  params  jsonb NOT NULL DEFAULT '{}'::jsonb,
  results integer
);
`;

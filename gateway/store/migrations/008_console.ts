/**
 * The web console (issue #12).
 * - A department's outbox (its sent messages, newest first) is served by an index like the
 *   inbox's (receiver, seq).
 * - Who looked at what, when: the auditors' own entries in the signed log (audit.*), listed
 *   newest first for administrators (audit/access-log.ts) by a partial index.
 * Console sessions are the login sessions of user_sessions (001), carried in an HttpOnly cookie.
 */
export const sql = `
CREATE INDEX messages_outbox ON messages (sender, seq);
CREATE INDEX log_entries_audit ON log_entries (idx) WHERE kind LIKE 'audit.%';
`;

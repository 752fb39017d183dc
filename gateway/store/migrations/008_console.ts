/**
 * The web console's reads: a department's outbox (its sent messages, newest first)
 * is served by an index like the inbox's (receiver, seq). Console sessions are the
 * login sessions of user_sessions (001), carried in an HttpOnly cookie.
 */
export const sql = `
CREATE INDEX messages_outbox ON messages (sender, seq);
`;

/**
 * A message's arrival is one history row instead of two: the write batch stored 'received'
 * ({digest}) and 'queued' ({mode}) at the same instant for every push, a second heap tuple,
 * two more index entries and a sequence call per message. Now the 'received' row carries
 * both events' fields ({digest, mode}) and the reader gives back both events
 * (exchange/lifecycle.ts historyEvents). Existing pairs are merged the same way; 'queued'
 * is written at arrival only (a replay writes 'replayed'), so no 'queued' row remains.
 */
export const sql = `
UPDATE message_events r SET detail = r.detail || q.detail
FROM message_events q
WHERE r.event = 'received' AND q.event = 'queued' AND q.message_id = r.message_id;
DELETE FROM message_events WHERE event = 'queued';
`;

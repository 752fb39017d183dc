/**
 * Storage tuning of the hot table, measured with `npm run bench`: keep message rows
 * (payload and envelope, a few KB) inline instead of in TOAST, and leave room on each
 * page so the receipt-signature update after commit stays a HOT update (no new index
 * entries).
 */
export const sql = `
ALTER TABLE messages SET (toast_tuple_target = 8160, fillfactor = 75);
`;

import { startTestGateway, type TestGateway } from '../support/gateway';
import { benchCaseRecord } from '../../bench/case-record';

// Migration 030 dropped the per-row foreign keys of the push's hot tables (messages → members,
// history and delivery rows → messages). What they guaranteed rests on members and messages
// never being deleted: the database itself refuses it, on PGlite and on PostgreSQL.
let t: TestGateway;
let id: string;
beforeAll(async () => {
  t = await startTestGateway();
  const res = await t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { to: 'housing', type: 'case-record', messageId: 'never-deleted-1', purpose: 'case-handling', payload: benchCaseRecord() },
  });
  expect(res.status).toBe(202);
  id = res.body.id;
});
afterAll(async () => {
  await t?.close();
});

const refusal = (sql: string, params: unknown[] = []) =>
  t.db.store.query(sql, params).then(
    () => null,
    (err: { code?: string; message: string }) => ({ code: err.code, message: err.message }),
  );

test.each([
  ['DELETE FROM messages WHERE id = $1', 'messages rows are never deleted: retention removes bodies, not messages'],
  ['TRUNCATE messages CASCADE', 'messages rows are never deleted: retention removes bodies, not messages'],
  ["DELETE FROM members WHERE code = 'hall'", 'members rows are never deleted: a member is deactivated instead'],
  ['TRUNCATE members CASCADE', 'members rows are never deleted: a member is deactivated instead'],
])('%s is refused (23001), and nothing is gone', async (sql, message) => {
  const params = sql.includes('$1') ? [id] : [];
  expect(await refusal(sql, params)).toEqual({ code: '23001', message });
  const kept = await t.db.store.query<{ n: string; events: string; jobs: string; members: string }>(
    `SELECT (SELECT count(*) FROM messages WHERE id = $1) AS n, (SELECT count(*) FROM message_events WHERE message_id = $1) AS events,
            (SELECT count(*) FROM deliveries WHERE message_id = $1) AS jobs, (SELECT count(*) FROM members WHERE code IN ('hall', 'housing')) AS members`,
    [id],
  );
  expect(kept.rows[0]).toEqual({ n: expect.anything(), events: expect.anything(), jobs: expect.anything(), members: expect.anything() });
  expect(Object.values(kept.rows[0]!).map(Number)).toEqual([1, 1, 1, 2]);
});

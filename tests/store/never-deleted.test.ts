import { startTestGateway, type TestGateway } from '../support/gateway';
import { pushCaseRecord } from '../support/exchange-load';

// Migration 030 dropped the per-row foreign keys of the push's hot tables (messages → members,
// history and delivery rows → messages). What they guaranteed rests on members and messages
// never being deleted: the database itself refuses it, on PGlite and on PostgreSQL.
let t: TestGateway;
let id: string;
beforeAll(async () => {
  t = await startTestGateway();
  const res = await pushCaseRecord(t.url, t.tokens.hall, 'never-deleted-1');
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
  const r = kept.rows[0]!;
  expect({ n: Number(r.n), events: Number(r.events), jobs: Number(r.jobs), members: Number(r.members) }).toEqual({ n: 1, events: 1, jobs: 1, members: 2 });
});

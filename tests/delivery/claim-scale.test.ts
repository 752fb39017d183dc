/**
 * The outbox's claim (gateway/delivery/claim.ts) reads the head of each receiver's queue, not the
 * backlog: with thousands of messages waiting, a claim still reads about members × free slots rows
 * of `deliveries` (it ranked every due delivery once, and PostgreSQL spent a core on claims while a
 * webhook receiver fell minutes behind).
 */
import { createTestDatabase, type TestDatabase } from '../support/db';
import { migrate } from '../../gateway/store/migrate';
import { upsertMember } from '../../gateway/registry/members';
import { demoMembers } from '../../gateway/registry/demo';
import { CLAIM_SQL } from '../../gateway/delivery/claim';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.store);
  for (const m of demoMembers) await upsertMember(db.store, m);
}, 60_000);
afterAll(() => db?.drop());

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

/** Rows the plan's scans of `relation` returned, over all their loops. */
const rowsRead = (n: PlanNode, relation: string): number =>
  (n['Relation Name'] === relation && /Scan/.test(n['Node Type']) ? n['Actual Rows'] * n['Actual Loops'] : 0) +
  (n.Plans ?? []).reduce((sum, c) => sum + rowsRead(c, relation), 0);

test('5,000 messages waiting for one receiver and 1,000 for another: a claim reads tens of delivery rows and claims each one its free slots', async () => {
  const now = new Date('2026-12-07T02:00:00Z');
  await db.store.query(
    `INSERT INTO deliveries (id, message_id, receiver, mode, status, next_attempt_at, created_at, updated_at)
     SELECT gen_random_uuid(), gen_random_uuid(), r, 'push', 'pending', $1::timestamptz - make_interval(secs => i), $1, $1
     FROM (VALUES ('housing', 5000), ('amr', 1000)) AS q(r, n) CROSS JOIN LATERAL generate_series(1, q.n) AS i`,
    [now],
  );
  // and one of housing's in flight (a live lease): its free slots are one fewer
  await db.store.query(
    `UPDATE deliveries SET status = 'in_flight', locked_until = $1::timestamptz + interval '5 minutes'
     WHERE id = (SELECT id FROM deliveries WHERE receiver = 'housing' ORDER BY next_attempt_at LIMIT 1)`,
    [now],
  );
  await db.store.query('ANALYZE deliveries');
  const lease = new Date(now.getTime() + 60_000);
  const rolledBack = new Error('roll back the claim');
  let plan: PlanNode | undefined;
  await db.store
    .tx(async (tx) => {
      const r = await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${CLAIM_SQL}`, [now, 64, lease, 16, 5]);
      const json = r.rows[0]!['QUERY PLAN'];
      plan = (typeof json === 'string' ? JSON.parse(json) : json)[0].Plan as PlanNode;
      const claimed = await tx.query<{ receiver: string; n: number }>(
        `SELECT receiver, count(*)::int AS n FROM deliveries WHERE status = 'in_flight' AND locked_until = $1 GROUP BY receiver ORDER BY receiver`,
        [lease],
      );
      // each receiver its limit (16) less its live claims, the oldest first
      expect(claimed.rows).toEqual([
        { receiver: 'amr', n: 16 },
        { receiver: 'housing', n: 15 },
      ]);
      throw rolledBack;
    })
    .catch((e) => {
      if (e !== rolledBack) throw e;
    });
  const read = rowsRead(plan!, 'deliveries');
  expect(read).toBeGreaterThanOrEqual(31);
  expect(read).toBeLessThan(200);
});

/**
 * The outbox's claim (gateway/delivery/claim.ts) reads the head of each receiver's queue, not the
 * backlog: with thousands of messages waiting, a claim still reads about members × free slots rows
 * of `deliveries` (it ranked every due delivery once, and PostgreSQL spent a core on claims while a
 * webhook receiver fell minutes behind). Also when the planner's statistics are from a time when
 * nothing waited (autovacuum's ANALYZE of an idle outbox), which made a claim read every waiting
 * row once per waiting row: 85 ms per claim and deliveries down to 39/s in the bench.
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
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** Rows the plan's scans of `relation` read (returned, or removed by their filter), over all their loops. */
const rowsRead = (n: PlanNode, relation: string): number =>
  (n['Relation Name'] === relation && /Scan/.test(n['Node Type']) ? (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0)) * n['Actual Loops'] : 0) +
  (n.Plans ?? []).reduce((sum, c) => sum + rowsRead(c, relation), 0);

interface Claimed {
  receiver: string;
  /** jobs claimed */
  n: number;
  /** requests they were put in */
  requests: number;
}

/** Claims as the outbox does (CLAIM_SQL with these values: 64 requests, 16 per receiver), reports the plan and what it claimed, and rolls back. */
async function explainClaim(on: TestDatabase, now: Date, opts: { generic: boolean; batches?: Record<string, number> }): Promise<{ plan: PlanNode; claimed: Claimed[] }> {
  const batches = Object.entries(opts.batches ?? {});
  const [receivers, sizes] = [batches.map((b) => b[0]), batches.map((b) => b[1])];
  const lease = new Date(now.getTime() + 60_000);
  const rolledBack = new Error('roll back the claim');
  let out: { plan: PlanNode; claimed: Claimed[] } | undefined;
  await on.store
    .tx(async (tx) => {
      let r: { rows: Array<{ 'QUERY PLAN': unknown }> };
      if (opts.generic) {
        // The plan a prepared statement settles on after five runs: made without the parameters' values, from the statistics alone.
        await tx.query('SET LOCAL plan_cache_mode = force_generic_plan');
        await tx.query(`PREPARE claim_probe(timestamptz, int, timestamptz, int, int, text[], int[]) AS ${CLAIM_SQL}`);
        const at = (d: Date) => `'${d.toISOString()}'::timestamptz`;
        const array = (xs: Array<string | number>, type: string) => `ARRAY[${xs.map((x) => (typeof x === 'string' ? `'${x}'` : x)).join(',')}]::${type}[]`;
        r = await tx.query(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE claim_probe(${at(now)}, 64, ${at(lease)}, 16, 5, ${array(receivers, 'text')}, ${array(sizes, 'int')})`);
        await tx.query('DEALLOCATE claim_probe');
      } else r = await tx.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${CLAIM_SQL}`, [now, 64, lease, 16, 5, receivers, sizes]);
      const json = r.rows[0]!['QUERY PLAN'];
      const plan = (typeof json === 'string' ? JSON.parse(json) : json)[0].Plan as PlanNode;
      const claimed = await tx.query<Claimed>(
        `SELECT receiver, count(*)::int AS n, count(DISTINCT request)::int AS requests FROM deliveries
         WHERE status = 'in_flight' AND locked_until = $1 GROUP BY receiver ORDER BY receiver`,
        [lease],
      );
      out = { plan, claimed: claimed.rows };
      throw rolledBack;
    })
    .catch((e) => {
      if (e !== rolledBack) throw e;
    });
  return out!;
}

const waiting = (on: TestDatabase, now: Date, status: string, queues: Array<[string, number]>) =>
  on.store.query(
    `INSERT INTO deliveries (id, message_id, receiver, mode, status, next_attempt_at, created_at, updated_at)
     SELECT gen_random_uuid(), gen_random_uuid(), q.r, 'push', $2, $1::timestamptz - make_interval(secs => i), $1, $1
     FROM unnest($3::text[], $4::int[]) AS q(r, n) CROSS JOIN LATERAL generate_series(1, q.n) AS i`,
    [now, status, queues.map((q) => q[0]), queues.map((q) => q[1])],
  );

test('statistics taken while nothing waited: the claim still reaches the heads by key, in its generic plan and with the values', async () => {
  const stale = await createTestDatabase();
  try {
    await migrate(stale.store);
    for (const m of demoMembers) await upsertMember(stale.store, m);
    const now = new Date('2026-12-07T03:00:00Z');
    // an outbox that had delivered everything when it was analyzed, then a backlog
    await waiting(stale, now, 'delivered', [['housing', 3000]]);
    await stale.store.query('ANALYZE deliveries');
    await waiting(stale, now, 'pending', [['housing', 5000], ['amr', 1000]]);
    for (const generic of [true, false]) {
      const { plan, claimed } = await explainClaim(stale, now, { generic });
      expect(claimed).toEqual([
        { receiver: 'amr', n: 16, requests: 16 },
        { receiver: 'housing', n: 16, requests: 16 },
      ]);
      const read = rowsRead(plan, 'deliveries');
      expect({ generic, read: read < 200 ? 'under 200' : read }).toEqual({ generic, read: 'under 200' });
      // housing taking 8 to a request: 16 requests of 8, and still read by key (about four reads per claimed job)
      const batched = await explainClaim(stale, now, { generic, batches: { housing: 8 } });
      expect(batched.claimed).toEqual([
        { receiver: 'amr', n: 16, requests: 16 },
        { receiver: 'housing', n: 128, requests: 16 },
      ]);
      const readBatched = rowsRead(batched.plan, 'deliveries');
      expect({ generic, read: readBatched < 800 ? 'under 800' : readBatched }).toEqual({ generic, read: 'under 800' });
    }
  } finally {
    await stale.drop();
  }
}, 60_000);

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
      const r = await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${CLAIM_SQL}`, [now, 64, lease, 16, 5, [], []]);
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

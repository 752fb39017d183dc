/**
 * The statistics read the 90th percentile and the average off a working-days histogram
 * (gateway/stats/query.ts): on 3,000 random cases they equal PostgreSQL's own
 * percentile_cont(0.9) and avg() per matter, per month and over all.
 */
import { createTestDatabase, type TestDatabase } from '../support/db';
import { migrate } from '../../gateway/store/migrate';
import { statsRows } from '../../gateway/stats/query';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.store);
  await db.store.query(`SELECT setseed(0.3)`);
  await db.store.query(
    `INSERT INTO cases (case_no, matter_code, matter_name, applicant, accepting_department, hall, legal_limit_days, accepted_at, accepted_on,
                        status, due_on, completed_on, working_days, first_idx, last_idx)
     SELECT 'P-' || i, 'M-0000000' || (i % 7), '事项' || (i % 7), '{}'::jsonb, '大厅', 'hall', 10, acc::timestamptz, acc,
            st, acc + 14, CASE WHEN st <> 'in_progress' THEN acc + 10 END,
            CASE WHEN st <> 'in_progress' AND random() > 0.02 THEN (random() * random() * 40)::int END, i, i
     FROM (SELECT i, date '2026-01-05' + (random() * 300)::int AS acc,
                  (ARRAY['completed', 'completed', 'completed', 'refused', 'returned', 'in_progress'])[1 + (random() * 5)::int] AS st
           FROM generate_series(1, 3000) i) s`,
  );
}, 60_000);
afterAll(async () => {
  await db?.drop();
});

const DECIDED = `status IN ('completed', 'refused')`;

test.each([
  ['matter', 'matter_code'],
  ['month', `to_char(accepted_on, 'YYYY-MM')`],
])('groupBy=%s: p90 and average equal percentile_cont(0.9) and avg()', async (groupBy, key) => {
  const ours = await statsRows(db.store, { groupBy: groupBy as 'matter' | 'month' }, '2026-12-01');
  const theirs = (
    await db.store.query<{ key: string | null; p90: number | null; avg: number | null }>(
      `SELECT ${key} AS key, round((percentile_cont(0.9) WITHIN GROUP (ORDER BY working_days) FILTER (WHERE ${DECIDED}))::numeric, 2)::float8 AS p90,
              round(avg(working_days) FILTER (WHERE ${DECIDED}), 2)::float8 AS avg
       FROM cases GROUP BY GROUPING SETS ((${key}), ()) ORDER BY ${key} IS NULL, ${key}`,
    )
  ).rows;
  expect(ours.map((r) => [r.key, r.p90_days, r.avg_days])).toEqual(theirs.map((r) => [r.key, r.p90, r.avg]));
  expect(theirs.length).toBeGreaterThan(7);
});

/**
 * Case statistics benchmark (`node dist/bench/case-stats.js`, or `npm run bench` with
 * BENCH_TARGETS=case-stats): seeds 10^6 projected cases (10^5 on PGlite) straight into the
 * case tables with generate_series — rows as wide as real ones (an organisation applicant, full
 * matter and department names), ~1.3 branches each (30 % 并联审批), 40 matters, 12
 * departments, accepted over ~23 months, 80 % approved, 5 % refused, 3 % returned, 12 % open —
 * then times exactly what GET /api/v1/stats/cases runs in the database (gateway/stats/query.ts statsRows)
 * for every grouping, over all cases and over one year. Goal: under 1 s each on PostgreSQL.
 *
 * BENCH_STATS_CASES overrides the case count. Figures go under "caseStats" in bench/results.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../gateway/schemas/paths';
import type { Store } from '../gateway/store/db';
import { migrate } from '../gateway/store/migrate';
import { GROUPINGS, statsRows, type StatsQuery } from '../gateway/stats/query';
import { prepareDb } from './db';
import { f0, f2, markdownTable } from './table';

const RUNS = 5;
const TODAY = '2026-11-30';
export const STATS_GOAL_MS = 1000;

export interface CaseStatsBenchResult {
  date: string;
  database: 'postgres' | 'pglite';
  cases: number;
  branches: number;
  seedSeconds: number;
  queries: Array<{ groupBy: string; period: string; groups: number; medianMs: number; maxMs: number; goalMet: boolean }>;
}

/** The seeding statements (exported for EXPLAIN sessions on a kept database). */
export const SEED = (n: number) => [
  `SELECT setseed(0.15)`,
  `INSERT INTO cases (case_no, matter_code, matter_name, applicant, accepting_department, hall, legal_limit_days, accepted_at, accepted_on,
                      status, due_on, completed_on, working_days, first_idx, last_idx)
   SELECT 'BENCH-' || lpad(i::text, 8, '0'), 'M-350100-XK-' || lpad((i % 40)::text, 4, '0'), '建设工程规划许可（房屋建筑工程）' || (i % 40),
          jsonb_build_object('type', 'organisation', 'name', '福州榕城示范置业有限公司' || (i % 1000), 'uscc', '91350100273896412W',
                             'legalRepresentative', '陈建华', 'contactPhone', '0591-87654321'),
          '福州市自然资源和规划局（市行政服务中心窗口）', 'hall', lim, acc::timestamptz, acc, st,
          acc + (lim * 7 / 5 + 1),
          CASE WHEN st IN ('completed', 'refused', 'returned') THEN acc + (wd * 7 / 5) END,
          CASE WHEN st IN ('completed', 'refused', 'returned') THEN wd END, i, i
   FROM (SELECT i, acc, lim, (r2 * (lim + 4))::int AS wd,
                CASE WHEN r < 0.80 THEN 'completed' WHEN r < 0.85 THEN 'refused' WHEN r < 0.88 THEN 'returned'
                     WHEN r < 0.93 THEN 'in_progress' WHEN r < 0.96 THEN 'correction' ELSE 'accepted' END AS st
         FROM (SELECT i, date '2025-01-01' + (random() * 690)::int AS acc, 1 + (random() * 19)::int AS lim, random() AS r, random() AS r2
               FROM generate_series(1, ${n}) i) s) s
   ORDER BY s.acc -- cases arrive in the order they are accepted, as the projection writes them`,
  `INSERT INTO case_branches (case_no, department, status, required, suspensions, due_on, completed_on, working_days, opened_idx, accepted_on, matter_code, case_status)
   SELECT case_no, 'dept-' || (first_idx % 12), status, true, '[]'::jsonb, due_on, completed_on, working_days, first_idx, accepted_on, matter_code, status FROM cases ORDER BY accepted_on`,
  `INSERT INTO case_branches (case_no, department, status, required, suspensions, due_on, completed_on, working_days, opened_idx, accepted_on, matter_code, case_status)
   SELECT case_no, 'dept-' || ((first_idx + 5) % 12), status, true, '[]'::jsonb, due_on, completed_on, working_days, first_idx + 1, accepted_on, matter_code, status
   FROM cases WHERE first_idx % 10 < 3 ORDER BY accepted_on`,
  // as autovacuum leaves a table after bulk inserts: statistics, hint bits and the visibility map set
  `VACUUM ANALYZE cases`,
  `VACUUM ANALYZE case_branches`,
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeQuery(store: Store, q: StatsQuery): Promise<{ groups: number; ms: number[] }> {
  let groups = 0;
  const ms: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const t0 = process.hrtime.bigint();
    const rows = await statsRows(store, q, TODAY);
    const took = Number(process.hrtime.bigint() - t0) / 1e6;
    groups = rows.length - 1;
    if (run > 0) ms.push(took); // the first run warms the cache
  }
  return { groups, ms };
}

export async function runCaseStatsBench(databaseUrl: string | null, cleanups: Array<() => Promise<void>>): Promise<CaseStatsBenchResult> {
  const n = Number(process.env.BENCH_STATS_CASES ?? (databaseUrl ? 1_000_000 : 100_000));
  const db = await prepareDb(databaseUrl, cleanups);
  const store = await db.open();
  try {
    await migrate(store);
    const t0 = process.hrtime.bigint();
    for (const sql of SEED(n)) await store.query(sql);
    const seedSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const branches = Number((await store.query<{ n: string }>('SELECT count(*) AS n FROM case_branches')).rows[0]!.n);
    const queries: CaseStatsBenchResult['queries'] = [];
    for (const groupBy of GROUPINGS) {
      for (const [period, range] of [['all', {}], ['2025', { from: '2025-01-01', to: '2025-12-31' }]] as const) {
        const { groups, ms } = await timeQuery(store, { groupBy, ...range });
        const med = median(ms);
        queries.push({ groupBy, period, groups, medianMs: med, maxMs: Math.max(...ms), goalMet: Math.max(...ms) < STATS_GOAL_MS });
      }
    }
    return { date: new Date().toISOString(), database: db.kind, cases: n, branches, seedSeconds, queries };
  } finally {
    await store.close();
  }
}

export function printCaseStatsBench(r: CaseStatsBenchResult): void {
  console.log(
    markdownTable(
      [
        ['GET /stats/cases SQL', 'period', 'groups', 'median ms', 'max ms', `< ${STATS_GOAL_MS} ms`],
        ...r.queries.map((q) => [`groupBy=${q.groupBy} (${r.database})`, q.period, f0(q.groups), f0(q.medianMs), f0(q.maxMs), q.goalMet ? 'yes' : 'NO']),
      ],
      (i) => i >= 2 && i <= 4,
    ),
  );
  console.log(`(${f0(r.cases)} cases, ${f0(r.branches)} branches seeded in ${f2(r.seedSeconds)} s; ${RUNS} timed runs after one warm-up)`);
}

/** Standalone: run, print, and put the figures under "caseStats" in bench/results.json (other keys kept). */
if (require.main === module) {
  const cleanups: Array<() => Promise<void>> = [];
  runCaseStatsBench(process.env.DATABASE_URL || null, cleanups)
    .then((r) => {
      printCaseStatsBench(r);
      const file = path.join(projectRoot(), 'bench', 'results.json');
      const previous = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
      fs.writeFileSync(file, JSON.stringify({ ...previous, caseStats: r }, null, 2) + '\n');
      console.log(`wrote ${path.relative(process.cwd(), file) || file} (key "caseStats")`);
      if (r.queries.some((q) => !q.goalMet)) process.exitCode = 1;
    })
    .catch((e) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exitCode = 1;
    })
    .finally(async () => {
      for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
    });
}

/**
 * `inbox` target (PostgreSQL only, opt-in): GET /api/v1/inbox?limit=50 page latency at 10^4
 * and then 10^6 stored messages for one receiver, through the real gateway (bench/target.ts).
 *
 * Rows are made as the write path makes them: one real push (hall → housing, the 2 KB case
 * record) goes through the gateway, then its messages / message_events / deliveries rows are
 * cloned with generate_series (new id, seq, messageId; every column copied, so payload, envelope
 * and receipt are the real ones). Cloned messages are 'delivered' (with the 'delivered' event and
 * delivery the pull records) so a page read is a read: the first pull of fresh messages also
 * records their delivery, which is a write path and not what this measures. No log entries are
 * cloned (the inbox query does not read log_entries). VACUUM ANALYZE after each size.
 *
 * Pages: sequential requests at random keyset cursors (`after=` the cursor of a random seq),
 * warm-up pages discarded. EXPLAIN (ANALYZE, BUFFERS) of the inbox query at the largest size.
 */
import { Client } from 'pg';
import { prepareDb } from './db';
import { cleanups, startTarget } from './children';
import { BENCH_RECEIVER, BENCH_SENDER } from './seed';
import { DATABASE_URL, RUN_TAG } from './settings';
import { encodeCursor } from '../gateway/exchange/cursor';
import { createSystemToken } from '../gateway/registry/systems';
import { systemClock } from '../gateway/clock';
import { f1, f2, percentile } from './table';
import { cpuWindow, type CpuWindow } from './cpu';

const env = process.env;
export const INBOX_SIZES = (env.BENCH_INBOX_SIZES ?? '10000,1000000').split(',').map(Number);
const PAGES = Number(env.BENCH_INBOX_PAGES ?? 200);
const WARM_PAGES = 20;
const LIMIT = 50;
const CHUNK = 100_000;

export interface InboxSize {
  messages: number;
  seedSeconds: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  pages: number;
  tableMB: number;
  cpu: CpuWindow;
}
export interface InboxBenchResult {
  sizes: InboxSize[];
  ratioP50: number;
  ratioP99: number;
  explain: string;
  indexOnly: boolean;
}

async function columns(c: Client, table: string): Promise<string[]> {
  const r = await c.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1
       AND coalesce(column_default, '') NOT LIKE 'nextval%' ORDER BY ordinal_position`,
    [table],
  );
  return r.rows.map((x) => x.column_name);
}

/** One statement per chunk: messages seq lo..hi cloned from `src`, with their events and delivery. */
function cloneSql(msgCols: string[], delCols: string[]): string {
  const m: Record<string, string> = { id: 'g.nid', seq: '$4::bigint + g.n', message_id: `s.message_id || '-' || g.n`, status: `'delivered'` };
  const d: Record<string, string> = { id: 'gen_random_uuid()', message_id: 'g.nid', status: `'delivered'`, attempts: '1' };
  return `
WITH s AS (SELECT * FROM messages WHERE id = $1),
g AS (SELECT n, gen_random_uuid() AS nid FROM generate_series($2::bigint, $3::bigint) AS n),
ins AS (
  INSERT INTO messages (${msgCols.join(', ')}) SELECT ${msgCols.map((k) => m[k] ?? `s.${k}`).join(', ')} FROM s, g RETURNING id
), ev AS (
  INSERT INTO message_events (message_id, event, at, actor, detail)
  SELECT g.nid, e.event, e.at, e.actor, e.detail FROM g, (
    SELECT event, at, actor, detail, id FROM message_events WHERE message_id = $1
    UNION ALL SELECT 'delivered', at, '${BENCH_RECEIVER}/default', '{"via":"pull"}'::jsonb, 1e18::bigint FROM message_events WHERE message_id = $1 AND event = 'received'
  ) e ORDER BY g.n, e.id
), dv AS (
  INSERT INTO deliveries (${delCols.join(', ')}) SELECT ${delCols.map((k) => d[k] ?? `x.${k}`).join(', ')}
  FROM g, deliveries x WHERE x.message_id = $1
)
SELECT count(*)::int AS n FROM ins`;
}

const INBOX_EXPLAIN = `EXPLAIN (ANALYZE, BUFFERS)
SELECT * FROM messages WHERE receiver = $1 AND seq > $2 AND ($3::text IS NULL OR type = $3) AND ($4::text IS NULL OR status = $4)
ORDER BY seq LIMIT $5`;

async function measurePages(url: string, token: string, maxSeq: number): Promise<Omit<InboxSize, 'messages' | 'seedSeconds' | 'tableMB' | 'cpu'>> {
  const headers = { authorization: `Bearer ${token}` };
  const times: number[] = [];
  for (let i = 0; i < WARM_PAGES + PAGES; i++) {
    const after = Math.floor(Math.random() * (maxSeq - LIMIT));
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${url}/api/v1/inbox?limit=${LIMIT}${after ? `&after=${encodeCursor(after)}` : ''}`, { headers });
    const body = (await res.json()) as { items?: unknown[] };
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.status !== 200 || body.items?.length !== LIMIT) throw new Error(`bench inbox: page after ${after}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    if (i >= WARM_PAGES) times.push(ms);
  }
  const s = [...times].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length, pages: s.length };
}

export async function runInboxBench(bodyFor: (id: string) => string): Promise<InboxBenchResult> {
  if (!DATABASE_URL) throw new Error('bench inbox: needs PostgreSQL (DATABASE_URL)');
  const db = await prepareDb(DATABASE_URL, cleanups);
  const c = new Client({ connectionString: db.spec.databaseUrl });
  try {
    const t = await startTarget(db.spec);
    try {
      const probe = await fetch(`${t.url}/api/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}` },
        body: bodyFor(`${RUN_TAG}-inbox`),
      });
      const receipt = (await probe.json()) as { id: string };
      if (probe.status !== 202) throw new Error(`bench inbox: push refused: ${probe.status} ${JSON.stringify(receipt)}`);
      await c.connect();
      const store = await db.open();
      const token = await store.tx((tx) => createSystemToken(tx, systemClock, BENCH_RECEIVER, 'default', 'bench-inbox')).then((x) => x.token);
      await store.close();
      // The probe is seq 1 and the only row; make it look like the clones.
      await c.query(`UPDATE messages SET status = 'delivered' WHERE id = $1`, [receipt.id]);
      await c.query(`UPDATE deliveries SET status = 'delivered' WHERE message_id = $1`, [receipt.id]);
      const sql = cloneSql(await columns(c, 'messages'), await columns(c, 'deliveries'));
      const sizes: InboxSize[] = [];
      let have = 1;
      let maxSeq = 1;
      for (const n of INBOX_SIZES) {
        const t0 = Date.now();
        // Reserve the clones' seq range first, as the writer does: the gateway keeps writing meanwhile (supervision notices).
        const top = Number((await c.query<{ v: string }>(`UPDATE sequences SET value = value + $1 WHERE name = 'exchange' RETURNING value AS v`, [n - have])).rows[0]!.v);
        const offset = top - n; // clone k (have < k ≤ n) gets seq top - n + k
        for (let lo = have + 1; lo <= n; lo += CHUNK) await c.query(sql, [receipt.id, lo, Math.min(n, lo + CHUNK - 1), offset]);
        maxSeq = top;
        have = n;
        await c.query('VACUUM ANALYZE messages, message_events, deliveries');
        const seedSeconds = (Date.now() - t0) / 1000;
        const size = (await c.query<{ mb: number }>(`SELECT pg_total_relation_size('messages') / 1048576.0 AS mb`)).rows[0]!.mb;
        const own = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE receiver = $1 AND sender = $2`, [BENCH_RECEIVER, BENCH_SENDER])).rows[0]!.n;
        const { out, cpu } = await cpuWindow(t, 'postgres', () => measurePages(t.url, token, maxSeq));
        sizes.push({ messages: own, seedSeconds, tableMB: Number(size), cpu, ...out });
      }
      const ex = await c.query<{ 'QUERY PLAN': string }>(INBOX_EXPLAIN, [BENCH_RECEIVER, Math.floor(maxSeq / 2), null, null, LIMIT]);
      const explain = ex.rows.map((r) => r['QUERY PLAN']).join('\n');
      const first = sizes[0]!, last = sizes[sizes.length - 1]!;
      return { sizes, ratioP50: last.p50 / first.p50, ratioP99: last.p99 / first.p99, explain, indexOnly: /Index Only Scan/.test(explain) };
    } finally {
      await t.stop('graceful');
    }
  } finally {
    await c.end().catch(() => undefined);
    await db.drop().catch((e) => console.error('bench: could not remove the scratch database:', (e as Error).message));
  }
}

const cpuCell = (c: CpuWindow) => [c.machine, c.server, c.postgres, c.other].map((x) => (x === null ? 'n/a' : f2(x))).join(' / ');

export function printInboxBench(r: InboxBenchResult) {
  console.log(`\ninbox pages (GET /api/v1/inbox?limit=${LIMIT}, random keyset cursors, sequential, PostgreSQL):`);
  console.log('| stored messages (one receiver) | messages table MB | seed s | pages | p50 ms | p90 ms | p99 ms | mean ms | CPU machine / server / postgres / other processes |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const s of r.sizes) console.log(`| ${s.messages} | ${f1(s.tableMB)} | ${f1(s.seedSeconds)} | ${s.pages} | ${f2(s.p50)} | ${f2(s.p90)} | ${f2(s.p99)} | ${f2(s.mean)} | ${cpuCell(s.cpu)} |`);
  console.log(`ratio largest/smallest: p50 ${f2(r.ratioP50)}×, p99 ${f2(r.ratioP99)}× (target ≤ 1.5×)`);
  console.log(`index-only scan: ${r.indexOnly ? 'yes' : 'no'}; EXPLAIN (ANALYZE, BUFFERS) at the largest size:\n${r.explain}`);
}

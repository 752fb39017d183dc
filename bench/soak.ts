/**
 * `npm run soak`: the gateway under a steady mixed load at a fixed, moderate rate for a long
 * time (default 1 hour), reporting every interval whether anything drifts.
 *
 *   npm run soak                                                        gateway on PGlite (temp data dir)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run soak   on PostgreSQL (scratch database, dropped after)
 *
 * The gateway (bench/target.ts, started with --expose-gc) and the mock agencies run in child
 * processes; the load (bench/soak-load.ts) runs here. Every SOAK_INTERVAL seconds one row:
 * requests/s, p99 per kind and overall, errors, retries (soak-load.ts), the gateway's RSS, its heap after a full GC,
 * its event-loop delay p99, the database size (and its growth per message stored), messages
 * stored, the outbox backlog (deliveries pending or in flight), CPU of the gateway and of its
 * PostgreSQL backends. At the end: a graceful stop (last checkpoint signed), `xgw verify log`
 * on the database, and a verdict (see soak-verdict.ts). Exit status 1 when it fails.
 *
 * Environment (rates in requests per second):
 *   SOAK_MINUTES        duration (default 60)
 *   SOAK_INTERVAL       seconds per report row (default 60)
 *   SOAK_PUSH_RATE      pushes (default 45); the receiver acknowledges each, so acks come at the same rate
 *   SOAK_SERVICE_RATE   query-enterprise calls through the mock 市场监管 (default 8)
 *   SOAK_PAGE_RATE      the receiver's inbox pages of up to 100 (default 2)
 *                       defaults ≈ 100 req/s, ≈ 0.5 core of gateway + PostgreSQL on this machine; 200 req/s is
 *                       SOAK_PUSH_RATE=90 SOAK_SERVICE_RATE=16 SOAK_PAGE_RATE=4 (on a quiet machine)
 *   SOAK_MAX_INFLIGHT   requests in flight before new ones are shed and counted as errors (default 1000)
 *   SOAK_WARMUP         intervals left out of the baselines (default 2, at most a quarter of the run)
 *   SOAK_RSS_DRIFT_MB / SOAK_HEAP_DRIFT_MB / SOAK_BACKLOG_MAX   verdict bounds (default 64 / 24 / 10 s of pushes)
 * Writes bench/soak-results.json (overwritten).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { projectRoot } from '../gateway/schemas/paths';
import { unreachableDemoAgencies } from '../gateway/registry/demo';
import { pushBody } from './case-record';
import { cleanups, runBenchMain, startTarget, type Target } from './children';
import { prepareDb } from './db';
import { BENCH_RECEIVER } from './seed';
import { DATABASE_URL, DB_KIND, RUN_TAG } from './settings';
import { KINDS, SoakLoad, type IntervalStats, type Rates } from './soak-load';
import { judge, type Sample } from './soak-verdict';
import { f0, f1, f2 } from './table';
import type { ChildHealth, ChildMessage } from './target';

const env = process.env;
const num = (k: string, d: number) => {
  const v = Number(env[k] ?? d);
  if (!Number.isFinite(v) || v < 0) throw new Error(`soak: ${k} must be a number ≥ 0`);
  return v;
};
const MINUTES = num('SOAK_MINUTES', 60);
const INTERVAL = num('SOAK_INTERVAL', 60);
const RATES: Rates = { push: num('SOAK_PUSH_RATE', 45), ack: 0, service: num('SOAK_SERVICE_RATE', 8), page: num('SOAK_PAGE_RATE', 2) };
RATES.ack = RATES.push * 1.5; // acks drain what the pages deliver (bursty), never faster than this
const MAX_INFLIGHT = num('SOAK_MAX_INFLIGHT', 1000);
const INTERVALS = Math.max(1, Math.round((MINUTES * 60) / INTERVAL));
const WARMUP = Math.min(num('SOAK_WARMUP', 2), Math.floor(INTERVALS / 4));
const BOUNDS = {
  rssDriftMb: num('SOAK_RSS_DRIFT_MB', 64),
  heapDriftMb: num('SOAK_HEAP_DRIFT_MB', 24),
  backlogMax: num('SOAK_BACKLOG_MAX', Math.max(100, RATES.push * 10)),
};
const TICK = 100; // USER_HZ
const MB = 1024 * 1024;

function health(t: Target): Promise<ChildHealth> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('soak: the gateway did not answer the health sample within 60 s')), 60_000);
    t.child.on('message', function onHealth(m: ChildMessage) {
      if (m.type !== 'health' && m.type !== 'error') return;
      clearTimeout(timer);
      t.child.off('message', onHealth);
      if (m.type === 'error') reject(new Error(m.message));
      else resolve(m.health);
    });
    t.child.send({ type: 'health' });
  });
}

/**
 * CPU ticks per PostgreSQL backend of the soak's database (their process title names it). Per pid,
 * so a pooled connection that closes between two rows does not make the difference negative
 * (a sum would lose its ticks); a new backend counts from zero.
 */
function backendTicks(database: string): Map<number, number> {
  const word = ` ${database} `;
  const ticks = new Map<number, number>();
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(word)) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(Number(pid), Number(f[11]) + Number(f[12])); // utime + stime
    } catch {
      /* gone meanwhile */
    }
  }
  return ticks;
}
const ticksSince = (before: Map<number, number>, now: Map<number, number>): number => [...now].reduce((sum, [pid, t]) => sum + Math.max(0, t - (before.get(pid) ?? 0)), 0);

const rssOf = (pid: number): number => Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;

const p99 = (xs: number[]): number => {
  if (!xs.length) return 0;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!;
};

const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

function row(cells: Array<string | number>): string {
  return `| ${cells.map(String).join(' | ')} |`;
}

async function main() {
  const { bodyFor, bytes } = await pushBody(RUN_TAG);
  const agencies = await startTarget({ kind: 'agencies' });
  const db = await prepareDb(DATABASE_URL, cleanups);
  const gw = await startTarget(
    { ...db.spec, tokensFor: [BENCH_RECEIVER], adapters: { ...unreachableDemoAgencies, amr: { endpoint: agencies.url, maxConcurrent: 64, maxQueued: 256 } } },
    ['--expose-gc'],
  );
  const total = RATES.push * 2 + RATES.service + RATES.page;
  console.log(
    `xgw soak: ${os.cpus().length} CPUs, node ${process.version}, database ${DB_KIND}${db.name ? ` (${db.name})` : ''}, ${MINUTES} min, a row every ${INTERVAL} s; ` +
      `fixed rates per second: ${RATES.push} pushes (${bytes} B case record), as many acks, ${RATES.page} inbox pages (≤ 100), ${RATES.service} service calls (query-enterprise via mock SOAP) ≈ ${f0(total)} req/s; ` +
      `started ${new Date().toISOString()}`,
  );
  const load = new SoakLoad({ url: gw.url, senderToken: gw.token!, receiverToken: gw.tokens![BENCH_RECEIVER]!, bodyFor, runTag: RUN_TAG }, RATES, MAX_INFLIGHT);
  const samples: Sample[] = [];
  const header = ['t', 'req/s', 'push p99', 'ack p99', 'svc p99', 'page p99', 'all p99 ms', 'errors', 'retried', 'RSS MB', 'heap MB (after GC)', 'loop p99 ms', 'DB MB', 'DB B/msg (interval)', 'messages', 'backlog', 'gw cores', 'pg cores', 'soak cores'];
  console.log(row(header));
  console.log(row(header.map(() => '---')));
  const pgTicks = () => (db.name ? backendTicks(db.name) : null);
  const start = performance.now();
  let prevCpu = await gw.cpu(), prevPg = pgTicks(), prevAt = start, prevSelf = process.cpuUsage();
  let prevDb = (await health(gw)).db!;
  if (prevDb.autovacuum !== 'on') {
    console.log(`WARNING: autovacuum is ${prevDb.autovacuum} on this server: the row versions every status update leaves (pull, ack) are never reclaimed, so the database grows by them too`);
  }
  const progress = process.stderr.isTTY
    ? setInterval(() => {
        const s = (performance.now() - start) / 1000;
        process.stderr.write(`\rsoak ${clock(s)} / ${clock(MINUTES * 60)}  requests ${load.totals.requests}  pushes stored ${load.totals.pushOk}  errors ${samples.reduce((a, x) => a + x.errors, 0)}  retried ${load.totals.retried}   `);
      }, 1000)
    : null;
  load.start();
  for (let i = 1; i <= INTERVALS; i++) {
    const due = start + i * INTERVAL * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    const stats: IntervalStats = load.take();
    const h = await health(gw);
    const now = performance.now();
    const wall = (now - prevAt) / 1000;
    const cpu = await gw.cpu(), pg = pgTicks();
    const gwCores = (cpu - prevCpu) / 1e6 / wall;
    const pgCores = pg !== null && prevPg !== null ? ticksSince(prevPg, pg) / TICK / wall : null;
    const self = process.cpuUsage(prevSelf);
    const soakCores = (self.user + self.system) / 1e6 / wall;
    prevCpu = cpu; prevPg = pg; prevAt = now; prevSelf = process.cpuUsage();
    const all = KINDS.flatMap((k) => stats.latencies[k]);
    const ok = KINDS.reduce((a, k) => a + stats.ok[k], 0);
    const errors = KINDS.reduce((a, k) => a + stats.failed[k], 0) + stats.shed;
    const retried = KINDS.reduce((a, k) => a + stats.retried[k], 0);
    const newMessages = h.db!.messages - prevDb.messages;
    const sample: Sample = {
      atSeconds: Math.round((now - start) / 1000),
      reqPerSec: ok / wall,
      p99Ms: p99(all),
      p99ByKind: Object.fromEntries(KINDS.map((k) => [k, +p99(stats.latencies[k]).toFixed(1)])) as Record<string, number>,
      ok,
      errors,
      retried,
      shed: stats.shed,
      errorSamples: stats.samples,
      rssBytes: rssOf(gw.child.pid!),
      heapUsedBytes: h.memory.heapUsed,
      loopDelayP99Ms: h.loopDelayMs.p99,
      dbBytes: h.db!.bytes,
      dbBytesPerMessage: newMessages > 0 ? (h.db!.bytes - prevDb.bytes) / newMessages : null,
      messages: h.db!.messages,
      backlog: h.db!.backlog,
      serviceCalls: h.db!.serviceCalls,
      gatewayCores: gwCores,
      postgresCores: pgCores,
      loadGeneratorCores: soakCores,
    };
    prevDb = h.db!;
    samples.push(sample);
    if (progress) process.stderr.write('\r\x1b[K');
    console.log(
      row([
        clock(sample.atSeconds),
        f0(sample.reqPerSec),
        ...KINDS.map((k) => f1(sample.p99ByKind[k]!)),
        f1(sample.p99Ms),
        errors,
        retried,
        f0(sample.rssBytes / MB),
        f1(sample.heapUsedBytes / MB),
        f1(sample.loopDelayP99Ms),
        f1(sample.dbBytes / MB),
        sample.dbBytesPerMessage === null ? '-' : f0(sample.dbBytesPerMessage),
        sample.messages,
        sample.backlog,
        f2(gwCores),
        pgCores === null ? '-' : f2(pgCores),
        f2(soakCores),
      ]),
    );
    for (const e of stats.samples) console.log(`  error: ${e}`);
  }
  if (progress) clearInterval(progress);
  await load.stop();
  const final = await health(gw);
  console.log(`\nload stopped ${new Date().toISOString()}; ${load.totals.requests} requests (${load.totals.retried} of them retried once on a new connection after the gateway closed a reused keep-alive socket), ${load.totals.pushOk} pushes acknowledged (202), ${final.db!.messages} messages stored, backlog ${final.db!.backlog}`);
  const perMessage = (b: number) => (final.db!.messages ? ` (${f0(b / final.db!.messages)} B per message)` : '');
  console.log(`dead row versions in messages: ${final.db!.deadMessageRows} (autovacuum ${final.db!.autovacuum})`);
  console.log(`largest tables (with indexes and TOAST): ${final.db!.largest.map((t) => `${t.table} ${f1(t.bytes / MB)} MB${perMessage(t.bytes)}`).join(', ')}`);
  await gw.stop('graceful');
  await agencies.stop('graceful');
  const verify = await verifyLog(db.spec);
  console.log(`xgw verify log (after a graceful stop): ${verify.ok ? 'OK' : 'FAILED'}\n${verify.output.trimEnd()}`);
  const verdict = judge(samples, { warmup: WARMUP, bounds: BOUNDS, targetReqPerSec: total, pushesAcked: load.totals.pushOk, messagesStored: final.db!.messages, verifyOk: verify.ok });
  console.log('\nverdict:');
  for (const c of verdict.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`);
  console.log(verdict.ok ? 'SOAK PASSED' : 'SOAK FAILED');
  const file = path.join(projectRoot(), 'bench', 'soak-results.json');
  const out = {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, node: process.version },
    date: new Date().toISOString(),
    database: DB_KIND,
    minutes: MINUTES,
    intervalSeconds: INTERVAL,
    rates: RATES,
    bounds: BOUNDS,
    samples,
    verify,
    verdict,
  };
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
  if (!verdict.ok) process.exitCode = 1;
}

/** `xgw verify log` as a separate process on the soak's database, the way an auditor runs it. */
function verifyLog(spec: { databaseUrl?: string; dataDir?: string }): Promise<{ ok: boolean; output: string }> {
  const { XGW_CONFIG: _c, DATABASE_URL: _d, XGW_DATA_DIR: _x, ...rest } = process.env;
  const where = spec.databaseUrl ? { DATABASE_URL: spec.databaseUrl } : { XGW_DATA_DIR: spec.dataDir! };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(projectRoot(), 'bin', 'xgw.js'), 'verify', 'log', '--no-progress'], { env: { ...rest, ...where }, maxBuffer: 16 * MB, timeout: 600_000 }, (err, stdout, stderr) =>
      resolve({ ok: !err, output: stdout + (stderr ? `\n${stderr}` : '') }),
    );
  });
}

runBenchMain(main);

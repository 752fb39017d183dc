/**
 * CPU cost of the push's write path per message, without HTTP (load-independent, so two
 * variants can be compared on a busy machine):
 *
 *   node dist/bench/write-path.js [batches] [batchSize]      (DATABASE_URL: PostgreSQL, else PGlite)
 *
 * Builds the real gateway (createGateway on a scratch database), prepares pushes with
 * preparePush, and then submits them to the writer `batchSize` at a time (one group commit
 * each), awaiting every answer. Reports per message: the gateway process's CPU for
 * preparePush, for the writer (seal + statement + receipts) and for serialising the 202
 * body; the PostgreSQL processes' CPU; wall time per batch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildConfig } from '../gateway/config';
import { unreachableDemoAgencies } from '../gateway/registry/demo';
import { createGateway } from '../gateway/gateway';
import { preparePush } from '../gateway/exchange/push';
import { pushDeps } from '../gateway/deps';
import type { Principal } from '../gateway/registry/principal';
import { benchCaseRecord } from './case-record';
import { prepareDb } from './db';
import { BENCH_PURPOSE, BENCH_RECEIVER, BENCH_SENDER, seedBenchRegistry } from './seed';
import { postgresBackendTicks, postgresTicks } from './cpu';

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

export interface WritePathResult {
  database: string;
  batches: number;
  batchSize: number;
  prepareUs: number;
  writerUs: number;
  answerUs: number;
  postgresUs: number | null;
  /** Of postgresUs: the scratch database's own backends (other databases on a shared server excluded). */
  postgresBackendUs: number | null;
  wallMsPerBatch: number;
}

export async function measureWritePath(databaseUrl: string | null, batches: number, batchSize: number): Promise<WritePathResult> {
  const cleanups: Array<() => Promise<void>> = [];
  const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-bench-wp-'));
  cleanups.push(async () => fs.rmSync(pkiDir, { recursive: true, force: true }));
  try {
    const db = await prepareDb(databaseUrl, cleanups);
    const store = await db.open();
    cleanups.push(() => store.close());
    await seedBenchRegistry(store);
    if (process.env.WP_SQL) await store.query(process.env.WP_SQL); // an experiment's schema change, e.g. dropping an index
    const config = buildConfig({ demo: false, logLevel: 'warn', delivery: { enabled: false }, trust: { pkiDir }, adapters: unreachableDemoAgencies, ...(databaseUrl ? { databaseUrl } : {}) });
    const gw = await createGateway(config, { store, startIntegrator: false });
    cleanups.push(() => gw.close());
    const deps = pushDeps(gw.deps);
    const principal: Principal = { kind: 'system', member: BENCH_SENDER, system: 'default' };
    const payload = benchCaseRecord();
    const bodyText = JSON.stringify({ to: BENCH_RECEIVER, type: 'case-record', messageId: 'X', caseId: payload.caseNo, purpose: BENCH_PURPOSE, payload });
    let n = 0;
    const body = () => {
      const b = JSON.parse(bodyText) as { messageId: string };
      b.messageId = `wp-${++n}`;
      return b;
    };
    const run = async (count: number, measure: boolean) => {
      let prepare = 0, writer = 0, answer = 0;
      const pgb = () => (measure && db.name ? postgresBackendTicks(db.name) : null);
      const p0 = measure ? postgresTicks() : null, b0 = pgb();
      const t0 = process.hrtime.bigint();
      for (let b = 0; b < count; b++) {
        const c0 = cpuMicros();
        const msgs = Array.from({ length: batchSize }, () => preparePush(deps, principal, body()));
        const c1 = cpuMicros();
        const outs = await Promise.all(msgs.map((m) => gw.deps.writer.submit(m)));
        const c2 = cpuMicros();
        for (const o of outs) if (o.outcome !== 'conflict') JSON.stringify(o.receipt);
        const c3 = cpuMicros();
        prepare += c1 - c0;
        writer += c2 - c1;
        answer += c3 - c2;
      }
      await gw.deps.writer.drain();
      await new Promise((r) => setTimeout(r, 50)); // the receipt-signature statement, if any
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      const p1 = measure ? postgresTicks() : null, b1 = pgb();
      const m = count * batchSize;
      return { prepare: prepare / m, writer: writer / m, answer: answer / m, pg: p0 !== null && p1 !== null ? ((p1 - p0) * 10_000) / m : null, pgBackends: b0 !== null && b1 !== null ? ((b1 - b0) * 10_000) / m : null, wall: wall / count };
    };
    await run(Math.max(5, Math.floor(batches / 5)), false); // warm-up
    const r = await run(batches, true);
    return {
      database: store.kind,
      batches,
      batchSize,
      prepareUs: r.prepare,
      writerUs: r.writer,
      answerUs: r.answer,
      postgresUs: store.kind === 'postgres' ? r.pg : null,
      postgresBackendUs: store.kind === 'postgres' ? r.pgBackends : null,
      wallMsPerBatch: r.wall,
    };
  } finally {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
  }
}

if (require.main === module) {
  const batches = Number(process.argv[2] ?? 200);
  const size = Number(process.argv[3] ?? 25);
  measureWritePath(process.env.DATABASE_URL || null, batches, size)
    .then((r) => {
      const f = (x: number | null) => (x === null ? '–' : x.toFixed(1));
      console.log(
        `${r.database}: ${r.batches} batches × ${r.batchSize}: µs/message CPU — preparePush ${f(r.prepareUs)}, writer ${f(r.writerUs)}, answer JSON ${f(r.answerUs)}, postgres ${f(r.postgresUs)} (its backends ${f(r.postgresBackendUs)}); wall ${r.wallMsPerBatch.toFixed(2)} ms/batch`,
      );
    })
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}

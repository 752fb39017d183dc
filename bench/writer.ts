/**
 * The exchange write path in isolation (no HTTP): `npm run --silent build && node dist/bench/writer.js`
 * (PGlite) or with DATABASE_URL (a scratch PostgreSQL database, dropped after).
 *
 *  1. step timing: sequential transactions of writeBatch() for batch sizes 1 and 25, with the
 *     time of each statement and of BEGIN/COMMIT (tx total − statements);
 *  2. ExchangeWriter closed loop: WRITER_CONCURRENCY (default 50) submitters, each submitting
 *     its next message when the previous one is committed, for BENCH_SECONDS (default 5);
 *  3. the same with WRITER_CPU_MS (default 0.5) of synchronous work before each submit,
 *     standing in for what an HTTP request costs the event loop (parse, validate, digest, answer).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import type { Db, Store } from '../gateway/store/db';
import { createLogger } from '../gateway/logger';
import { createMetrics } from '../gateway/metrics';
import { ExchangeWriter, writeBatch } from '../gateway/exchange/writer';
import type { NewMessage } from '../gateway/exchange/types';
import { newId } from '../gateway/ids';
import { prepareEntry } from '../gateway/log/entries';
import type { Envelope } from '../gateway/crypto/envelope';
import { benchCaseRecord } from './case-record';
import { prepareDb } from './db';
import { BENCH_PURPOSE, BENCH_RECEIVER, BENCH_SENDER, seedBenchRegistry } from './seed';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.WRITER_CONCURRENCY ?? 50);
const CPU_MS = Number(process.env.WRITER_CPU_MS ?? 0.5);
const payload = benchCaseRecord();
const digest = createHash('sha256').update(JSON.stringify(payload)).digest('hex');
let n = 0;
// The writer stores whatever envelope it is given; one representative envelope serves every message here.
const envelope: Envelope = {
  header: { v: 1, messageId: 'w', sender: BENCH_SENDER, receiver: BENCH_RECEIVER, type: 'case-record', caseId: String(payload.caseNo), purpose: BENCH_PURPOSE, payloadDigest: { alg: 'sha256', value: digest } },
  signatures: [{ role: 'sender', signer: BENCH_SENDER, onBehalf: true, alg: 'SM2-SM3', certificate: '0'.repeat(64), value: 'MEUCIQ' + 'A'.repeat(90) }],
};

function message(): NewMessage {
  const id = newId();
  const receivedAt = new Date();
  return {
    id,
    sender: BENCH_SENDER,
    senderSystem: 'default',
    receiver: BENCH_RECEIVER,
    type: 'case-record',
    messageId: `w-${process.pid}-${++n}`,
    caseId: String(payload.caseNo),
    purpose: BENCH_PURPOSE,
    payload,
    digestAlg: 'sha256',
    digest,
    requestDigest: digest,
    receivedAt,
    deliveryMode: 'pull',
    envelope,
    logEntry: prepareEntry('sha256', 'message.received', receivedAt, { message: { id }, payloadDigest: { alg: 'sha256', value: digest } }, { messageId: id }),
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function stepTiming(store: Store, batch: number, rounds: number) {
  const steps = new Map<string, number>();
  let total = 0;
  for (let r = 0; r < rounds; r++) {
    const msgs = Array.from({ length: batch }, message);
    let inner = 0;
    const t0 = performance.now();
    await store.tx(async (db) => {
      const timed: Db = {
        exec: (sql) => db.exec(sql),
        async query(sql, params) {
          const s = performance.now();
          const out = await db.query(sql, params);
          const d = performance.now() - s;
          inner += d;
          const k = sql.trim().split(/\s+/).slice(0, 3).join(' ');
          steps.set(k, (steps.get(k) ?? 0) + d);
          return out as never;
        },
      };
      await writeBatch(timed, msgs);
    });
    total += performance.now() - t0;
    steps.set('BEGIN + COMMIT (+ pool)', (steps.get('BEGIN + COMMIT (+ pool)') ?? 0) + (performance.now() - t0 - inner));
  }
  console.log(`  batch ${batch}: ${(total / rounds).toFixed(2)} ms per transaction → ${((batch * rounds) / (total / 1000)).toFixed(0)} msg/s sequential`);
  for (const [k, v] of steps) console.log(`    ${(v / rounds).toFixed(2).padStart(7)} ms  ${k}`);
}

function spin(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

async function closedLoop(store: Store, cpuMs: number) {
  const metrics = createMetrics();
  const writer = new ExchangeWriter(store, { maxBatch: 256, maxQueue: 20_000 }, createLogger('warn'), metrics);
  const lat: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  let done = 0;
  const loop = async () => {
    while (performance.now() < end) {
      // Let the other submitters' "requests" interleave like separate HTTP requests would.
      await new Promise((r) => setImmediate(r));
      if (cpuMs) spin(cpuMs);
      const t = performance.now();
      await writer.submit(message());
      lat.push(performance.now() - t);
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  const wall = (performance.now() - t0) / 1000;
  await writer.drain();
  const h = (await metrics.commitBatch.get()).values;
  const sum = h.find((v) => v.metricName === 'xgw_group_commit_batch_size_sum')!.value;
  const count = h.find((v) => v.metricName === 'xgw_group_commit_batch_size_count')!.value;
  console.log(
    `  ${CONCURRENCY} submitters, ${cpuMs} ms CPU each before submit: ${(done / wall).toFixed(0)} msg/s, ` +
      `${(count / wall).toFixed(0)} commits/s, mean batch ${(sum / count).toFixed(1)}, ` +
      `commit wait p50 ${pct(lat, 50).toFixed(1)} ms p99 ${pct(lat, 99).toFixed(1)} ms`,
  );
}

async function main() {
  const cleanups: Array<() => Promise<void>> = [];
  const db = await prepareDb(process.env.DATABASE_URL || null, cleanups);
  console.log(`writer bench: ${os.cpus().length} CPUs, node ${process.version}, database ${db.kind}`);
  const store = await db.open();
  try {
    await seedBenchRegistry(store);
    await stepTiming(store, 1, 20); // warm
    console.log('step timing (sequential transactions):');
    await stepTiming(store, 1, 200);
    await stepTiming(store, 25, 80);
    console.log('ExchangeWriter closed loop:');
    await closedLoop(store, 0);
    if (CPU_MS > 0) await closedLoop(store, CPU_MS);
  } finally {
    await store.close();
    for (const c of cleanups.reverse()) await c();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

/**
 * The push with its delivery (BENCH_TARGETS=delivery): the receiver takes its messages at a
 * webhook instead of pulling them, so every push is followed by the outbox's work — claim
 * (FOR UPDATE SKIP LOCKED), the RFC 9421-signed POST, and the 'delivered' step (history row,
 * message status, log entry) committed. The receiver (bench/target.ts, kind receiver) is a
 * bare node:http server in its own process that answers 204 and measures each message's lag
 * from the gateway's receipt of the push (the body's receivedAt) to its arrival.
 *
 * Two phases on one gateway:
 *   1. full load (autocannon, as fast as answers come) for the measured window, then until the
 *      receiver has every acknowledged message: pushes/s and deliveries/s side by side, the
 *      backlog the window left, how long it took to drain, and the CPU per message of both legs;
 *   2. a steady load (an open loop on a 20 ms tick) at half the rate the outbox delivered in
 *      phase 1 (while draining, if more): the lag a receiver sees when the outbox is not behind.
 */
import type { ChildMessage, ReceiverStats } from './target';
import { cleanups, startTarget, type Target } from './children';
import { cpuWindow, waitForQuiet, type CpuWindow } from './cpu';
import { prepareDb } from './db';
import { load, type LoadResult } from './push';
import { SoakLoad } from './soak-load';
import { BENCH_RECEIVER } from './seed';
import { unreachableDemoAgencies } from '../gateway/registry/demo';
import { defaults } from '../gateway/config-schema';
import { CONNECTIONS, DATABASE_URL, DB_KIND, RUN_TAG, SECONDS, WARMUP } from './settings';
import { f0, f1, f2, markdownTable, percentile } from './table';

export interface DeliveryPhase {
  /** Pushes acknowledged (202) in the window. */
  pushed: number;
  push: LoadResult;
  /** Of those, delivered when the window closed. */
  deliveredInWindow: number;
  /** Deliveries per second during the window. */
  deliveredPerSec: number;
  /** Seconds after the window until the receiver had every acknowledged message (null: not within the limit). */
  drainSeconds: number | null;
  /** Deliveries per second while the outbox drained the window's backlog with no pushes coming in (null: no backlog to drain). */
  drainPerSec: number | null;
  /** POSTs the receiver answered more than once for one message (redeliveries). */
  duplicates: number;
  lagMs: ReceiverStats['lagMs'];
  /** CPU from the window's start until the last delivery (cores on average over that time). */
  cpu: CpuWindow;
  /** Wall seconds the CPU figures cover (window + drain). */
  cpuSeconds: number;
  /** Gateway and PostgreSQL (its backends on the scratch database) CPU per message, push and delivery together. */
  microsPerMessage: { gateway: number; postgres: number | null };
}

export interface DeliveryBenchResult {
  database: 'postgres' | 'pglite';
  connections: number;
  /** Outbox settings in force (the defaults): requests in flight per process, per receiver; messages per webhook request (the receiver's batchMax). */
  outbox: { concurrency: number; perReceiver: number; batchMax: number };
  full: DeliveryPhase;
  /** Paced at half of what the outbox delivered in the full phase, draining or not (see `rate`). */
  paced: DeliveryPhase & { rate: number };
}

/** Outbox settings over the defaults (BENCH_DELIVERY, JSON: config delivery.*). */
const OUTBOX = JSON.parse(process.env.BENCH_DELIVERY ?? '{}') as Record<string, unknown>;

/** The receiver's adapter config batchMax (BENCH_WEBHOOK_BATCH): messages per webhook request, 1 (the default) one per request. */
const BATCH_MAX = Number(process.env.BENCH_WEBHOOK_BATCH ?? 1);

/** Longest wait for the outbox to catch up after a window. */
const DRAIN_LIMIT_MS = Number(process.env.BENCH_DRAIN_LIMIT_MS ?? 180_000);

function receiverStats(t: Target, type: 'receiver-stats' | 'receiver-reset'): Promise<ReceiverStats> {
  return new Promise<ReceiverStats>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bench: the receiver did not answer')), 10_000);
    t.child.on('message', function onStats(m: ChildMessage) {
      if (m.type !== 'receiver') return;
      clearTimeout(timer);
      t.child.off('message', onStats);
      resolve(m.stats);
    });
    t.child.send({ type });
  });
}

/**
 * Waits until the receiver holds `expected` distinct messages and nothing has arrived for 300 ms
 * (requests answered after autocannon closed its window are stored and delivered too). Seconds waited, or null.
 */
async function drain(receiver: Target, expected: number): Promise<{ seconds: number | null; stats: ReceiverStats }> {
  const t0 = Date.now();
  for (;;) {
    const s = await receiverStats(receiver, 'receiver-stats');
    if (s.distinct >= expected && Date.now() - s.lastAt >= 300) return { seconds: Math.max(0, s.lastAt - t0) / 1000, stats: s };
    if (Date.now() - t0 > DRAIN_LIMIT_MS) return { seconds: null, stats: s };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Pushes at a steady `rate` for the window: an open loop on a 20 ms tick (bench/soak-load.ts), not
 * autocannon's rate limit, which sends each second's requests in a burst at its start (a burst
 * the outbox then takes a while to deliver: lag that a steady sender never sees).
 */
async function paced(gw: Target, bodyFor: (id: string) => string, rate: number): Promise<{ push: LoadResult; pushed: number }> {
  const l = new SoakLoad({ url: gw.url, senderToken: gw.token!, receiverToken: gw.token!, bodyFor, runTag: `${RUN_TAG}-paced` }, { push: rate, ack: 0, service: 0, page: 0 }, CONNECTIONS);
  const started = performance.now();
  l.start();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  await l.stop();
  const duration = (performance.now() - started) / 1000;
  const s = l.take();
  const lat = [...s.latencies.push].sort((a, b) => a - b);
  const ok = s.ok.push;
  return {
    pushed: l.totals.pushOk,
    push: { reqPerSec: ok / duration, okPerSec: ok / duration, p50: percentile(lat, 50), p90: percentile(lat, 90), p99: percentile(lat, 99), max: lat[lat.length - 1] ?? NaN, ok, non2xx: s.failed.push, errors: s.shed, timeouts: 0, statusCodes: {}, duration },
  };
}

async function phase(gw: Target, receiver: Target, headers: Record<string, string>, bodyFor: (id: string) => string, dbName: string | undefined, rate?: number): Promise<DeliveryPhase> {
  await receiverStats(receiver, 'receiver-reset');
  const acked = new Set<string>();
  const t0 = process.hrtime.bigint();
  const { out, cpu } = await cpuWindow(
    gw,
    DB_KIND,
    async () => {
      const { push, pushed } = rate ? await paced(gw, bodyFor, rate) : { push: await load(gw.url, headers, bodyFor, SECONDS, acked), pushed: acked.size };
      const atEnd = await receiverStats(receiver, 'receiver-stats');
      const drained = await drain(receiver, pushed);
      return { push, pushed, atEnd, drained };
    },
    dbName,
  );
  const cpuSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const { push, pushed, atEnd, drained } = out;
  const delivered = drained.stats.distinct;
  const per = (cores: number | null | undefined) => (cores == null ? null : Math.round((cores * cpuSeconds * 1e6) / delivered));
  return {
    pushed,
    push,
    deliveredInWindow: atEnd.distinct,
    deliveredPerSec: atEnd.distinct / push.duration,
    drainSeconds: drained.seconds,
    drainPerSec: drained.seconds ? (delivered - atEnd.distinct) / drained.seconds : null,
    duplicates: drained.stats.received - drained.stats.distinct,
    lagMs: drained.stats.lagMs,
    cpu,
    cpuSeconds,
    microsPerMessage: { gateway: per(cpu.server)!, postgres: per(cpu.postgresBackends) },
  };
}

export async function runDeliveryBench(bodyFor: (id: string) => string): Promise<DeliveryBenchResult> {
  const receiver = await startTarget({ kind: 'receiver' });
  const db = await prepareDb(DATABASE_URL, cleanups);
  let gw: Target | undefined;
  try {
    const execArgv = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const adapters = BATCH_MAX > 1 ? { ...unreachableDemoAgencies, [BENCH_RECEIVER]: { batchMax: BATCH_MAX } } : undefined;
    gw = await startTarget({ ...db.spec, webhooks: { [BENCH_RECEIVER]: `${receiver.url}/xgw/messages` }, delivery: OUTBOX, ...(adapters ? { adapters } : {}) }, execArgv);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${gw.token}` };
    const probe = await fetch(`${gw.url}/api/v1/messages`, { method: 'POST', headers, body: bodyFor(`${RUN_TAG}-delivery-probe`) });
    if (probe.status !== 202) throw new Error(`bench: the gateway refused the probe push: ${probe.status} ${await probe.text()}`);
    if ((await drain(receiver, 1)).seconds === null) throw new Error('bench: the probe push never reached the webhook receiver');
    // Warm-up, then let the outbox catch up so that the window starts with no backlog.
    const warm = new Set<string>();
    await load(gw.url, headers, bodyFor, WARMUP, warm);
    if ((await drain(receiver, warm.size + 1)).seconds === null) console.warn(`bench: the warm-up's deliveries did not drain within ${DRAIN_LIMIT_MS / 1000} s; the window starts behind`);
    // BENCH_ANALYZE=1: statistics taken now, when nothing waits (autovacuum's ANALYZE of an idle outbox; this machine's server has autovacuum off).
    if (process.env.BENCH_ANALYZE === '1' && db.kind === 'postgres') {
      const store = await db.open();
      await store.query('ANALYZE').finally(() => store.close());
    }
    await waitForQuiet('delivery (full load)');
    const full = await phase(gw, receiver, headers, bodyFor, db.name);
    // Half of what the outbox delivers alone (draining) or while pushes arrive, whichever is more.
    const rate = Math.max(10, Math.round(Math.min(full.push.reqPerSec, Math.max(full.deliveredPerSec, full.drainPerSec ?? 0)) / 2));
    await waitForQuiet('delivery (paced)');
    const paced = { ...(await phase(gw, receiver, headers, bodyFor, db.name, rate)), rate };
    const outbox = { ...defaults.delivery, ...OUTBOX };
    return { database: DB_KIND, connections: CONNECTIONS, outbox: { concurrency: outbox.concurrency, perReceiver: outbox.perReceiverConcurrency, batchMax: BATCH_MAX }, full, paced };
  } finally {
    await gw?.stop('graceful');
    await receiver.stop('graceful');
    await db.drop().catch((e) => console.error('bench: could not remove the scratch database:', (e as Error).message));
  }
}

export function printDeliveryBench(r: DeliveryBenchResult, pushOnly?: { reqPerSec: number; microsPerPush: number; postgresMicrosPerPush?: number }): void {
  const rows = [['phase', 'pushes/s', 'push p99 ms', 'delivered/s in window', 'backlog at window end', 'drain s', 'delivered/s draining', 'lag p50 ms', 'lag p99 ms', 'redelivered', 'gateway µs/msg', 'PG µs/msg']];
  for (const [name, p] of [[`full load (${r.connections} connections)`, r.full], [`paced at ${r.paced.rate}/s`, r.paced]] as const) {
    rows.push([
      name,
      f0(p.push.reqPerSec),
      f1(p.push.p99),
      f0(p.deliveredPerSec),
      f0(p.pushed - p.deliveredInWindow),
      p.drainSeconds === null ? `> ${DRAIN_LIMIT_MS / 1000}` : f1(p.drainSeconds),
      p.drainPerSec === null ? '–' : f0(p.drainPerSec),
      p.lagMs ? f1(p.lagMs.p50) : 'n/a',
      p.lagMs ? f1(p.lagMs.p99) : 'n/a',
      f0(p.duplicates),
      f0(p.microsPerMessage.gateway),
      p.microsPerMessage.postgres === null ? 'n/a' : f0(p.microsPerMessage.postgres),
    ]);
  }
  console.log(`\nPush with webhook delivery (${r.database}; outbox: ${r.outbox.concurrency} requests in flight per process, ${r.outbox.perReceiver} per receiver, ${r.outbox.batchMax === 1 ? 'one message per request' : `up to ${r.outbox.batchMax} messages per request`}; CPU per message covers the window and the drain):`);
  console.log(markdownTable(rows, (i) => i > 0));
  if (pushOnly) {
    console.log(
      `Same run, push without delivery: ${f0(pushOnly.reqPerSec)} pushes/s (with delivery ×${f2(r.full.push.reqPerSec / pushOnly.reqPerSec)}), ` +
        `${f0(pushOnly.microsPerPush)} µs of gateway CPU per push${pushOnly.postgresMicrosPerPush == null ? '' : ` + ${f0(pushOnly.postgresMicrosPerPush)} of PostgreSQL`}.`,
    );
  }
}

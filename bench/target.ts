/**
 * Benchmark target, run as a child process (child_process.fork) so that the server and
 * the load generator (autocannon, in the parent) do not share one event loop.
 *
 *   BENCH_TARGET={"kind":"echo"}                                   bare Express 5 JSON echo
 *   BENCH_TARGET={"kind":"gateway","dataDir":"/tmp/…"}             full gateway on PGlite
 *   BENCH_TARGET={"kind":"gateway","databaseUrl":"postgres://…"}   full gateway on PostgreSQL
 *   BENCH_TARGET={"kind":"agencies"}                               the mock agencies (url: 市场监管's endpoint)
 *   BENCH_TARGET={"kind":"receiver"}                               a webhook receiver that counts what arrives (bench/delivery.ts)
 *
 * IPC: the child sends {type:'ready', url, token?} once listening, answers {type:'cpu'}
 * with its process.cpuUsage(), its event loop's busy time and its main thread's CPU, and on {type:'stop'} closes (gateway: drains the writer)
 * and exits 0. The parent may also SIGKILL it (crash-stop durability check).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import express from 'express';
import { buildConfig } from '../gateway/config';
import { createGateway } from '../gateway/gateway';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../gateway/store/open';
import { migrate } from '../gateway/store/migrate';
import { seedBenchRegistry } from './seed';
import { createSystemToken } from '../gateway/registry/systems';
import { systemClock } from '../gateway/clock';
import { unreachableDemoAgencies } from '../gateway/registry/demo';
import { startMockAgencies } from '../adapters/mock-agencies';
import { percentile } from './table';
import { mainThreadMicros } from './cpu';

export type TargetSpec =
  /** A bare JSON echo: parses the body and answers `answer` (a receipt-sized JSON, bench/receipt.ts) with the request's messageId; on Express 5 or on node:http alone. */
  | { kind: 'echo'; server?: 'express' | 'node'; answer?: Record<string, unknown> }
  | { kind: 'agencies' }
  /** A webhook receiver on node:http: answers 204 to every POST and counts arriving messages (one or a batch per POST) and their lag (IPC receiver-stats / receiver-reset). */
  | { kind: 'receiver' }
  | {
      kind: 'gateway';
      /** Members that take pushes at a webhook (delivery_mode push): code → URL. Any: the outbox worker runs (delivery.enabled). */
      webhooks?: Record<string, string>;
      /** Outbox settings over the defaults (config delivery.*), e.g. perReceiverConcurrency. */
      delivery?: Record<string, unknown>;
      dataDir?: string;
      databaseUrl?: string;
      adapters?: Record<string, Record<string, unknown>>;
      /** Members (besides the sender) that get a system token too, e.g. the receiver that pulls (bench/soak.ts). */
      tokensFor?: string[];
    };


export type ChildMessage =
  | { type: 'ready'; url: string; token?: string; tokens?: Record<string, string>; storeKind?: string }
  /** loopActive: ms the event loop has been busy since the process started (performance.eventLoopUtilization().active). */
  | { type: 'cpu'; user: number; system: number; loopActive: number; mainThread: number }
  | { type: 'memory'; usage: NodeJS.MemoryUsage }
  | { type: 'health'; health: ChildHealth }
  | { type: 'receiver'; stats: ReceiverStats }
  | { type: 'error'; message: string };

/** What the webhook receiver saw since its last reset. */
export interface ReceiverStats {
  /** Messages received (one per POST, or the messages of each WebhookBatch). */
  received: number;
  /** Distinct message ids among them (a redelivery counts once). */
  distinct: number;
  /**
   * From the gateway's receipt of the push (the body's receivedAt) to its arrival here, in ms; both
   * clocks are this machine's. receivedAt has millisecond precision.
   */
  lagMs: { p50: number; p90: number; p99: number; max: number } | null;
  /** Date.now() of the last arrival (0: none). */
  lastAt: number;
}

/** What the soak (bench/soak.ts) samples in the child every interval: memory after a full GC, event-loop delay since the last sample, database size and backlog. */
export interface ChildHealth {
  memory: NodeJS.MemoryUsage;
  /** True when a full GC ran just before `memory` was read (child started with --expose-gc). */
  afterGc: boolean;
  loopDelayMs: { p50: number; p99: number; max: number };
  /** Gateway only: pg_database_size of its database, messages stored, deliveries still pending or in flight (the outbox backlog). */
  db?: {
    bytes: number;
    messages: number;
    backlog: number;
    serviceCalls: number;
    largest: Array<{ table: string; bytes: number }>;
    /** The server's autovacuum setting; off, dead row versions (every status update leaves one) are never reclaimed. */
    autovacuum: string;
    /** Dead row versions in `messages` (pg_stat_user_tables), not yet vacuumed. */
    deadMessageRows: number;
  };
}

const send = (m: ChildMessage) => process.send?.(m);

interface Started {
  url: string;
  token?: string;
  tokens?: Record<string, string>;
  storeKind?: string;
  close: () => Promise<void>;
  /** Database figures for the health sample (gateway only). */
  dbHealth?: () => Promise<NonNullable<ChildHealth['db']>>;
}

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

async function health(t: Started): Promise<ChildHealth> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const ms = (ns: number) => +(ns / 1e6).toFixed(2);
  const loopDelayMs = { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) };
  loopDelay.reset();
  return { memory: process.memoryUsage(), afterGc: !!gc, loopDelayMs, db: await t.dbHealth?.() };
}

async function startEcho(spec: Extract<TargetSpec, { kind: 'echo' }>): Promise<Started> {
  const answer = (body: { messageId?: unknown } | undefined) => (spec.answer ? { ...spec.answer, messageId: body?.messageId } : body);
  let server: http.Server;
  if (spec.server === 'node') {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const out = JSON.stringify(answer(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) });
        res.end(out);
      });
    });
    server.listen(0, '127.0.0.1');
  } else {
    const app = express();
    app.disable('x-powered-by');
    app.use(express.json());
    app.post('/{*any}', (req, res) => {
      res.json(answer(req.body));
    });
    server = app.listen(0, '127.0.0.1');
  }
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The webhook receiver (bench/delivery.ts): as cheap as a receiver can be, so the gateway is what is measured. */
async function startReceiver(): Promise<Started & { stats(): ReceiverStats; reset(): void }> {
  let received = 0, lastAt = 0;
  let seen = new Set<string>();
  let lags: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      lastAt = Date.now();
      // A WebhookMessage, or a WebhookBatch (adapter config batchMax) of them: counted message by message.
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: string; receivedAt?: string; messages?: Array<{ id?: string; receivedAt?: string }> };
      for (const m of body.messages ?? [body]) {
        received++;
        if (typeof m.id === 'string') seen.add(m.id);
        const receivedAt = Date.parse(m.receivedAt ?? '');
        if (Number.isFinite(receivedAt)) lags.push(lastAt - receivedAt);
      }
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats: () => {
      const s = Float64Array.from(lags).sort();
      return { received, distinct: seen.size, lastAt, lagMs: s.length ? { p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1]! } : null };
    },
    reset: () => {
      received = 0;
      lastAt = 0;
      seen = new Set();
      lags = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The mock agencies (市场监管 SOAP 1.1, 税务 SOAP 1.2 + GBK): `url` is 市场监管's endpoint. */
async function startAgencies(): Promise<Started> {
  const agencies = await startMockAgencies({ taxCredentials: { username: 'bench', password: 'bench' } });
  return { url: agencies.amr.url, close: () => agencies.close() };
}

async function startGateway(spec: Extract<TargetSpec, { kind: 'gateway' }>): Promise<Started> {
  const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-bench-pki-'));
  const config = buildConfig({
    demo: false,
    logLevel: 'warn',
    host: '127.0.0.1',
    port: 0,
    ...(spec.databaseUrl ? { databaseUrl: spec.databaseUrl } : { dataDir: spec.dataDir }),
    delivery: { ...spec.delivery, enabled: !!spec.webhooks },
    trust: { pkiDir },
    adapters: spec.adapters ?? unreachableDemoAgencies,
  });
  // Registry first (members need their signing keys when the gateway opens its PKI).
  const store = await openStore({ databaseUrl: config.databaseUrl ?? undefined, dataDir: config.dataDir });
  await migrate(store);
  const token = await seedBenchRegistry(store);
  for (const [member, url] of Object.entries(spec.webhooks ?? {})) {
    await store.query(`UPDATE members SET delivery_mode = 'push', webhook_url = $2, webhook_active = true WHERE code = $1`, [member, url]);
  }
  const tokens: Record<string, string> = {};
  for (const member of spec.tokensFor ?? []) tokens[member] = await store.tx(async (db) => (await createSystemToken(db, systemClock, member, 'default', 'bench')).token);
  const gw = await createGateway(config, { store });
  const url = await gw.listen(0);
  return {
    url,
    token,
    tokens,
    storeKind: store.kind,
    dbHealth: async () => {
      const r = await store.query<{ bytes: string; messages: string; backlog: string; calls: string }>(
        `SELECT pg_database_size(current_database())::text AS bytes,
                (SELECT count(*) FROM messages)::text AS messages,
                (SELECT count(*) FROM deliveries WHERE status IN ('pending','in_flight'))::text AS backlog,
                (SELECT count(*) FROM service_calls)::text AS calls`,
      );
      const row = r.rows[0]!;
      const largest = await store.query<{ table: string; bytes: string }>(
        `SELECT c.relname AS table, pg_total_relation_size(c.oid)::text AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8`,
      );
      const vacuum = await store.query<{ autovacuum: string; dead: string | null }>(
        `SELECT current_setting('autovacuum') AS autovacuum, (SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'messages' AND schemaname = current_schema())::text AS dead`,
      );
      return {
        autovacuum: vacuum.rows[0]!.autovacuum,
        deadMessageRows: Number(vacuum.rows[0]!.dead ?? 0),
        bytes: Number(row.bytes),
        messages: Number(row.messages),
        backlog: Number(row.backlog),
        serviceCalls: Number(row.calls),
        largest: largest.rows.map((t) => ({ table: t.table, bytes: Number(t.bytes) })),
      };
    },
    close: async () => {
      await gw.close();
      await store.close();
      fs.rmSync(pkiDir, { recursive: true, force: true });
    },
  };
}

async function main() {
  const spec = JSON.parse(process.env.BENCH_TARGET ?? '{"kind":"echo"}') as TargetSpec;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | null = null;
  let t: Started;
  if (spec.kind === 'receiver') t = receiver = await startReceiver();
  else if (spec.kind === 'echo') t = await startEcho(spec);
  else if (spec.kind === 'agencies') t = await startAgencies();
  else t = await startGateway(spec);
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'receiver-stats' && receiver) {
      send({ type: 'receiver', stats: receiver.stats() });
    } else if (m?.type === 'receiver-reset' && receiver) {
      receiver.reset();
      send({ type: 'receiver', stats: receiver.stats() });
    } else if (m?.type === 'cpu') {
      const u = process.cpuUsage();
      send({ type: 'cpu', user: u.user, system: u.system, loopActive: performance.eventLoopUtilization().active, mainThread: mainThreadMicros() });
    } else if (m?.type === 'health') {
      health(t).then(
        (h) => send({ type: 'health', health: h }),
        (e) => send({ type: 'error', message: `bench target: health sample failed: ${(e as Error).message}` }),
      );
    } else if (m?.type === 'memory') {
      send({ type: 'memory', usage: process.memoryUsage() });
    } else if (m?.type === 'gc') {
      // a full collection (started with --expose-gc): what the start left behind (e.g. PGlite's initdb instance) is not the baseline
      (globalThis as { gc?: () => void }).gc?.();
      send({ type: 'memory', usage: process.memoryUsage() });
    } else if (m?.type === 'stop') {
      t.close().then(
        () => process.exit(0),
        (e) => {
          console.error('bench target: close failed', e);
          process.exit(1);
        },
      );
    }
  });
  // The parent going away must not leave a server behind.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url: t.url, token: t.token, tokens: t.tokens, storeKind: t.storeKind });
}

main().catch((e) => {
  send({ type: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) });
  process.exit(1);
});

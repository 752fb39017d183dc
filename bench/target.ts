/**
 * Benchmark target, run as a child process (child_process.fork) so that the server and
 * the load generator (autocannon, in the parent) do not share one event loop.
 *
 *   BENCH_TARGET={"kind":"echo"}                                   bare Express 5 JSON echo
 *   BENCH_TARGET={"kind":"gateway","dataDir":"/tmp/…"}             full gateway on PGlite
 *   BENCH_TARGET={"kind":"gateway","databaseUrl":"postgres://…"}   full gateway on PostgreSQL
 *   BENCH_TARGET={"kind":"agencies"}                               the mock agencies (url: 市场监管's endpoint)
 *
 * IPC: the child sends {type:'ready', url, token?} once listening, answers {type:'cpu'}
 * with its process.cpuUsage(), and on {type:'stop'} closes (gateway: drains the writer)
 * and exits 0. The parent may also SIGKILL it (crash-stop durability check).
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { buildConfig } from '../gateway/config';
import { createGateway } from '../gateway/gateway';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../gateway/store/open';
import { migrate } from '../gateway/store/migrate';
import { seedBenchRegistry } from './seed';
import { unreachableDemoAgencies } from '../gateway/registry/demo';
import { startMockAgencies } from '../adapters/mock-agencies';

export type TargetSpec =
  | { kind: 'echo' }
  | { kind: 'agencies' }
  | { kind: 'gateway'; dataDir?: string; databaseUrl?: string; adapters?: Record<string, Record<string, unknown>> };


export type ChildMessage =
  | { type: 'ready'; url: string; token?: string; storeKind?: string }
  | { type: 'cpu'; user: number; system: number }
  | { type: 'memory'; usage: NodeJS.MemoryUsage }
  | { type: 'error'; message: string };

const send = (m: ChildMessage) => process.send?.(m);

interface Started {
  url: string;
  token?: string;
  storeKind?: string;
  close: () => Promise<void>;
}

async function startEcho(): Promise<Started> {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());
  app.post('/{*any}', (req, res) => {
    res.json(req.body);
  });
  const server = app.listen(0, '127.0.0.1');
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
    delivery: { enabled: false },
    trust: { pkiDir },
    adapters: spec.adapters ?? unreachableDemoAgencies,
  });
  // Registry first (members need their signing keys when the gateway opens its PKI).
  const store = await openStore({ databaseUrl: config.databaseUrl ?? undefined, dataDir: config.dataDir });
  await migrate(store);
  const token = await seedBenchRegistry(store);
  const gw = await createGateway(config, { store });
  const url = await gw.listen(0);
  return {
    url,
    token,
    storeKind: store.kind,
    close: async () => {
      await gw.close();
      await store.close();
      fs.rmSync(pkiDir, { recursive: true, force: true });
    },
  };
}

async function main() {
  const spec = JSON.parse(process.env.BENCH_TARGET ?? '{"kind":"echo"}') as TargetSpec;
  const t: Started = spec.kind === 'echo' ? await startEcho() : spec.kind === 'agencies' ? await startAgencies() : await startGateway(spec);
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'cpu') {
      const u = process.cpuUsage();
      send({ type: 'cpu', user: u.user, system: u.system });
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
  send({ type: 'ready', url: t.url, token: t.token, storeKind: t.storeKind });
}

main().catch((e) => {
  send({ type: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) });
  process.exit(1);
});

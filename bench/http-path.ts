/**
 * CPU per push through HTTP at a fixed amount of work, for comparing two variants of the
 * push's HTTP path on a busy machine (where req/s and the bench's µs/req move with the load):
 *
 *   node dist/bench/http-path.js [pushes] [connections]      (DATABASE_URL: PostgreSQL, else PGlite)
 *
 * The real gateway (createGateway on a scratch database, listening on 127.0.0.1) and a keep-alive
 * client in the same process: 500 warm-up pushes, then `pushes` (3000) with `connections` (50) in
 * flight, each a unique messageId. Reports this process's CPU per push (gateway and client: the
 * client's share is the same for both variants) and the scratch database's backends' CPU per push.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { buildConfig } from '../gateway/config';
import { unreachableDemoAgencies } from '../gateway/registry/demo';
import { createGateway } from '../gateway/gateway';
import { benchCaseRecord } from './case-record';
import { prepareDb } from './db';
import { BENCH_PURPOSE, BENCH_RECEIVER, seedBenchRegistry } from './seed';
import { postgresBackendTicks } from './cpu';

export async function measureHttpPath(databaseUrl: string | null, pushes: number, connections: number): Promise<string> {
  const cleanups: Array<() => Promise<void>> = [];
  const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-bench-hp-'));
  cleanups.push(async () => fs.rmSync(pkiDir, { recursive: true, force: true }));
  try {
    const db = await prepareDb(databaseUrl, cleanups);
    const store = await db.open();
    cleanups.push(() => store.close());
    const token = await seedBenchRegistry(store);
    const config = buildConfig({ demo: false, logLevel: 'warn', delivery: { enabled: false }, trust: { pkiDir }, adapters: unreachableDemoAgencies, ...(databaseUrl ? { databaseUrl } : {}) });
    const gw = await createGateway(config, { store });
    cleanups.push(() => gw.close());
    const url = new URL(await gw.listen(0));
    const payload = benchCaseRecord();
    const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    cleanups.push(async () => agent.destroy());
    let n = 0;
    const push = () =>
      new Promise<void>((resolve, reject) => {
        const body = JSON.stringify({ to: BENCH_RECEIVER, type: 'case-record', messageId: `hp-${++n}`, caseId: payload.caseNo, purpose: BENCH_PURPOSE, payload });
        const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
        const req = http.request({ host: url.hostname, port: url.port, path: '/api/v1/messages', method: 'POST', agent, headers }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`push answered ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end(body);
      });
    const run = async (count: number) => {
      let left = count;
      await Promise.all(Array.from({ length: connections }, async () => {
        while (left-- > 0) await push();
      }));
    };
    await run(500);
    const pg = () => (db.name && store.kind === 'postgres' ? postgresBackendTicks(db.name) : null);
    const c0 = process.cpuUsage(), b0 = pg(), t0 = process.hrtime.bigint();
    await run(pushes);
    const c1 = process.cpuUsage(c0), b1 = pg(), wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const backends = b0 !== null && b1 !== null ? `${(((b1 - b0) * 10_000) / pushes).toFixed(0)} µs` : '–';
    return `${store.kind}: ${pushes} pushes, ${connections} in flight, ${(pushes / wall).toFixed(0)} req/s; CPU per push: this process (gateway + client) ${((c1.user + c1.system) / pushes).toFixed(0)} µs, database backends ${backends}`;
  } finally {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
  }
}

if (require.main === module) {
  measureHttpPath(process.env.DATABASE_URL || null, Number(process.argv[2] ?? 3000), Number(process.argv[3] ?? 50))
    .then((line) => console.log(line))
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}

/**
 * `workers` target (PostgreSQL only, opt-in): the push (same body, same autocannon settings as
 * gateway-push) against `xgw start` run as a real process (bin/xgw.js) with XGW_WORKERS=1 and
 * then XGW_WORKERS=2, each on its own scratch database on the same PostgreSQL server. The config
 * (XGW_CONFIG file) matches bench/target.ts: demo off, log level warn, delivery off, the demo
 * agencies unreachable; the registry is seeded from here before the start (seedBenchRegistry).
 * Server CPU is the primary plus its worker processes (/proc). Stopped with SIGTERM; then every
 * acknowledged messageId is checked in the database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { prepareDb } from './db';
import { cleanups } from './children';
import { cpuWindow, processTreeMicros } from './cpu';
import { load, type TargetResult } from './push';
import { seedBenchRegistry } from './seed';
import { DATABASE_URL, RUN_TAG, SECONDS, WARMUP } from './settings';
import { projectRoot } from '../gateway/schemas/paths';
import { unreachableDemoAgencies } from '../gateway/registry/demo';

async function startXgw(workers: number, databaseUrl: string, dir: string): Promise<{ child: ChildProcess; url: string }> {
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      demo: false, logLevel: 'warn', host: '127.0.0.1', port: 0, databaseUrl, dataDir: path.join(dir, 'data'), workers,
      delivery: { enabled: false }, trust: { pkiDir: path.join(dir, 'pki') }, adapters: unreachableDemoAgencies,
    }),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, XGW_CONFIG: configFile };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [path.join(projectRoot(), 'bin', 'xgw.js'), 'start'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(async () => void (child.exitCode === null && child.kill('SIGKILL')));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`bench workers: xgw start did not listen within 60 s:\n${out}`)), 60_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`bench workers: xgw start exited (${code}):\n${out}`)));
  });
  return { child, url };
}

async function runOne(workers: number, bodyFor: (id: string) => string): Promise<TargetResult> {
  const db = await prepareDb(DATABASE_URL, cleanups);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-bench-workers-'));
  try {
    const store = await db.open();
    const token = await seedBenchRegistry(store);
    await store.close();
    const { child, url } = await startXgw(workers, db.spec.databaseUrl!, dir);
    const acked = new Set<string>();
    let result: TargetResult;
    try {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
      const probe = await fetch(`${url}/api/v1/messages`, { method: 'POST', headers, body: bodyFor(`${RUN_TAG}-w${workers}-probe`) });
      if (probe.status !== 202) throw new Error(`bench workers: probe push refused: ${probe.status} ${await probe.text()}`);
      const w = await load(url, headers, bodyFor, WARMUP, acked);
      const target = { cpu: async () => processTreeMicros(child.pid!) };
      const { out, cpu } = await cpuWindow(target, 'postgres', () => load(url, headers, bodyFor, SECONDS, acked));
      result = { target: `xgw-start-workers-${workers}`, database: 'postgres', load: out, warmup: { reqPerSec: w.reqPerSec, ok: w.ok, non2xx: w.non2xx, errors: w.errors }, cpu };
    } finally {
      const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
    }
    const v = await db.verify(acked);
    result.durability = {
      stop: 'graceful', acknowledged: acked.size, ackedFoundInDb: v.ackedFound, rowsInMessages: v.messages - 1, messageEvents: v.events,
      deliveries: v.deliveries, committedNotCounted: v.messages - 1 - acked.size, ok: v.ackedFound === acked.size,
    };
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await db.drop().catch((e) => console.error('bench: could not remove the scratch database:', (e as Error).message));
  }
}

/** XGW_WORKERS=1 then 2, in this order, in one run. */
export async function runWorkersBench(bodyFor: (id: string) => string): Promise<TargetResult[]> {
  if (!DATABASE_URL) throw new Error('bench workers: XGW_WORKERS needs PostgreSQL (DATABASE_URL)');
  return [await runOne(1, bodyFor), await runOne(2, bodyFor)];
}

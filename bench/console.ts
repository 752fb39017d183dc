/**
 * `npm run bench:console`: the web console's size and speed (issue #12).
 *  1. First load of /console/: index.html plus the scripts and styles it names, gzip'd
 *     (bench/console-size.ts; the goal is under 1 MB).
 *  2. The trace of one case with 100 log events, rendered by the trace screen in Debian's
 *     chromium (playwright-core): time from pressing 追溯 to the 100th timeline step on
 *     screen, median of 5 (the goal is under 1 s). Gateway on in-memory PGlite.
 * Needs a built console (npm run build:web) and /usr/bin/chromium (or CHROMIUM_PATH).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { projectRoot } from '../gateway/schemas/paths';
import { buildConfig } from '../gateway/config';
import { createGateway } from '../gateway/gateway';
import { openPglite } from '../gateway/store/pglite';
import { systemClock } from '../gateway/clock';
import { unreachableDemoAgencies } from '../gateway/registry/demo';
import { createSystemToken } from '../gateway/registry/systems';
import { upsertUser } from '../gateway/registry/users';
import { randomPassword } from '../gateway/registry/passwords';
import { consoleSize } from './console-size';
import { benchCaseRecord } from './case-record';
import { seedBenchRegistry } from './seed';

const CASE = 'FZ-ZJ-20260302-000100';
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

async function traceRender(): Promise<{ events: number; runsMs: number[]; medianMs: number }> {
  const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-bench-console-'));
  const store = await openPglite();
  const hall = await seedBenchRegistry(store);
  const housing = (await createSystemToken(store, systemClock, 'housing', 'default', 'bench')).token;
  const password = randomPassword();
  await upsertUser(store, { login: 'bench.auditor', name: '基准审计员', role: 'auditor', department: 'hall', password });
  const config = buildConfig({ demo: false, logLevel: 'warn', delivery: { enabled: false }, trust: { pkiDir }, adapters: unreachableDemoAgencies });
  const gw = await createGateway(config, { store, startIntegrator: false, startDelivery: false });
  const url = await gw.listen(0);
  const call = async (token: string, method: string, p: string, body?: unknown) => {
    const r = await fetch(url + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<{ id: string }>;
  };
  // 34 messages × (received, delivered, acknowledged) = 102 entries; the trace shows the first 100 or more.
  let events = 0;
  for (let i = 0; events < 100; i++) {
    const { id } = await call(hall, 'POST', '/api/v1/messages', { to: 'housing', type: 'case-record', messageId: `bench-console-${i}`, caseId: CASE, purpose: 'case-handling', payload: benchCaseRecord(CASE) });
    await call(housing, 'GET', '/api/v1/inbox?status=queued&limit=10');
    await call(housing, 'POST', `/api/v1/messages/${id}/ack`, { result: 'accepted' });
    events += 3;
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1366, height: 768 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const runsMs: number[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${url}/console/login`);
    await page.getByLabel('用户名').fill('bench.auditor');
    await page.getByLabel('密码', { exact: true }).fill(password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(/\/trace$/);
    await page.getByLabel('办件编号').fill(CASE);
    for (let run = 0; run < 6; run++) {
      await page.evaluate('window.__t0 = performance.now()');
      await page.getByRole('button', { name: '追溯' }).click();
      // A function, not a string: the console's CSP forbids the eval a string predicate needs.
      type Doc = { querySelectorAll(s: string): { length: number }; querySelector(s: string): unknown };
      const ms = (await (
        await page.waitForFunction(
          (n) => {
            const g = globalThis as unknown as { document: Doc; performance: { now(): number }; __t0: number };
            return g.document.querySelectorAll('.trace-card .el-timeline-item').length >= n && !g.document.querySelector('.el-loading-mask') && g.performance.now() - g.__t0;
          },
          events,
          { polling: 'raf' },
        )
      ).jsonValue()) as number;
      if (run > 0) runsMs.push(ms); // the first run warms the route's chunk and the caches
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(null)))');
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
    await gw.close();
    await store.close();
    fs.rmSync(pkiDir, { recursive: true, force: true });
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  return { events, runsMs, medianMs: sorted[Math.floor(sorted.length / 2)] };
}

async function main() {
  const dist = path.join(projectRoot(), 'web', 'dist');
  if (!fs.existsSync(path.join(dist, 'index.html'))) throw new Error('build the console first: npm run build:web');
  const size = consoleSize(dist);
  console.log('first load of /console/ (gzip):');
  for (const f of size.firstLoad) console.log(`  ${f.file.padEnd(40)} ${kib(f.bytes).padStart(11)} → ${kib(f.gzip).padStart(10)}`);
  console.log(`  total ${kib(size.firstLoadGzip)} (goal < 1024 KiB); every console asset gzip'd: ${kib(size.allAssetsGzip)}`);
  const trace = await traceRender();
  console.log(`trace of one case with ${trace.events} log events, 追溯 → all steps on screen: median ${trace.medianMs.toFixed(0)} ms (runs ${trace.runsMs.map((m) => m.toFixed(0)).join(', ')}; goal < 1000 ms)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

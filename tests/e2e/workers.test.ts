import pg from 'pg';
import { buildDist, cliEnvironment, RunningGateways, runXgw, startXgw, stopXgw } from '../support/cli';
import { postgresServer } from '../support/pg-cluster';
import { demoTokens, pushCaseRecord } from '../support/exchange-load';

// Real `xgw start` processes on a 2-core machine that may be busy: generous, not timed.
jest.setTimeout(180_000);

// XGW_WORKERS=2: two gateway processes on one port and one PostgreSQL (DATABASE_URL on the
// PostgreSQL pass, a throwaway cluster of this file's own on the PGlite pass). Both answer;
// every acknowledged push is stored once with its own log index; the log keeps one total
// order and verifies; a worker that dies is replaced; SIGTERM stops them all with exit 0.
const gateways = new RunningGateways();
afterEach(() => gateways.stopAll());
beforeAll(() => buildDist(), 60_000);

let env: NodeJS.ProcessEnv;
let dataDir: string;
let databaseUrl: string;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  const server = await postgresServer();
  closers.push(() => server.close());
  const cli = await cliEnvironment('workers', { postgres: server.base });
  closers.unshift(() => cli.cleanup());
  ({ env, dataDir } = cli);
  databaseUrl = cli.databaseUrl!;
}, 120_000);
afterAll(async () => {
  for (const close of closers) await close();
});

const gatewayBackends = async (): Promise<string[]> => {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const r = await c.query<{ app: string }>(`SELECT DISTINCT application_name AS app FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'xgw/%'`);
    return r.rows.map((x) => x.app).sort();
  } finally {
    await c.end();
  }
};

test('PGlite cannot have workers: refused at once with the reason', () => {
  const r = runXgw(['start'], { ...env, DATABASE_URL: '', XGW_WORKERS: '2' });
  expect(r.status).not.toBe(0);
  expect(r.stderr + r.stdout).toContain('XGW_WORKERS=2 needs PostgreSQL (DATABASE_URL): PGlite is one process per data directory');
});

test('two workers share the port and the database: every 202 stored once, one log order, a dead worker replaced, SIGTERM stops all', async () => {
  const gw = gateways.track(await startXgw({ ...env, XGW_WORKERS: '2' }));
  expect(gw.output()).toContain('; 2 worker processes)');
  const { hall } = demoTokens(dataDir);

  const push = async (n: number, prefix: string) => {
    const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    const answers = await Promise.all(ids.map((id) => pushCaseRecord(gw.url, hall, id)));
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 202));
    return answers.map((a) => a.body as { id: string; log: { index: number } });
  };
  const first = await push(120, 'w2-a');
  // Both worker processes hold connections of their own (application_name xgw/<pid>), besides the primary's (if still open).
  const apps = await gatewayBackends();
  const primary = `xgw/${gw.child.pid}`;
  const workerPids = apps.filter((a) => a !== primary).map((a) => Number(a.slice(4)));
  expect(workerPids.length).toBe(2);

  // One worker dies hard: the other goes on serving, and the primary starts a replacement.
  const replaced = new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      if (d.toString().includes(`xgw: worker ${workerPids[0]} exited (SIGKILL); starting another`)) {
        gw.child.stdout!.off('data', onData);
        resolve();
      }
    };
    gw.child.stdout!.on('data', onData);
  });
  process.kill(workerPids[0]!, 'SIGKILL');
  await replaced;
  const second = await push(60, 'w2-b');

  // Every acknowledged push once, each with its own log index: one total order across processes.
  const all = [...first, ...second];
  expect(new Set(all.map((a) => a.id)).size).toBe(180);
  expect(new Set(all.map((a) => a.log.index)).size).toBe(180);

  expect(await stopXgw(gw.child)).toBe(0);
  expect(await gatewayBackends()).toEqual([]);
  const verified = runXgw(['verify', 'log', '--json'], env);
  expect(verified.status).toBe(0);
  const report = JSON.parse(verified.stdout) as { ok: boolean; unsigned: { entries: number } | null };
  expect(report.ok).toBe(true);
  expect(report.unsigned?.entries ?? 0).toBe(0); // the workers' last checkpoints cover everything
});

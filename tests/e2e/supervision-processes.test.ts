/**
 * 电子监察 idempotence with two real gateway processes (`xgw start`, demo mode) on one
 * PostgreSQL database, both running supervision every 50 ms while the hall pushes cases
 * that are long past their limit (accepted 2026-01-05, 3 working days: due 2026-01-08,
 * whatever day the test runs): every case branch gets exactly one red card, one
 * `supervision.card_raised` log entry and one `supervision-notice` in housing's inbox.
 * PostgreSQL only (two processes cannot share a PGlite directory): DATABASE_URL on the
 * PostgreSQL pass, else a throwaway cluster of its own.
 */
import type { ChildProcess } from 'node:child_process';
import { buildDist, cliEnvironment, RunningGateways, startXgw } from '../support/cli';
import { postgresServer } from '../support/pg-cluster';
import { openPostgres } from '../../gateway/store/postgres';
import { sampleCaseRecord } from '../fixtures/case-record';
import { demoCredentials } from '../support/exchange-load';

jest.setTimeout(240_000);

let server: Awaited<ReturnType<typeof postgresServer>>;
let env: NodeJS.ProcessEnv;
let dataDir: string;
let databaseUrl: string;
let cleanup: () => Promise<void>;
const gateways = new RunningGateways();

beforeAll(async () => {
  buildDist();
  server = await postgresServer();
  const e = await cliEnvironment('supervision', { postgres: server.base });
  ({ env, dataDir, cleanup } = e);
  databaseUrl = e.databaseUrl!;
  env = { ...env, XGW_LOG_LEVEL: 'debug', XGW_SUPERVISION: '1', XGW_SUPERVISION_INTERVAL_MS: '50' };
}, 120_000);
afterAll(async () => {
  await gateways.stopAll();
  await cleanup?.();
  await server?.close();
});

/** The 'supervision run' log lines a process prints (one per finished run), and a wait for more of them. */
function supervisionRuns(child: ChildProcess) {
  const runs: { raised: number; sent: number }[] = [];
  const waiting: Array<{ n: number; resolve: () => void }> = [];
  let rest = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (rest + d.toString()).split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line.includes('"msg":"supervision run"')) runs.push(JSON.parse(line));
    for (const w of waiting.splice(0)) (runs.length >= w.n ? w.resolve : () => waiting.push(w))();
  });
  return { runs, until: (n: number) => new Promise<void>((resolve) => (runs.length >= n ? resolve() : waiting.push({ n, resolve }))) };
}

test('two gateway processes supervising at once raise, log and notify each card exactly once', async () => {
  const one = gateways.track(await startXgw(env));
  const two = gateways.track(await startXgw(env));
  const [a, b] = [supervisionRuns(one.child), supervisionRuns(two.child)];
  const creds = demoCredentials(dataDir);
  const call = async (url: string, token: string, method: string, route: string, body?: unknown) => {
    const r = await fetch(`${url}${route}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as any };
  };

  const n = 30;
  for (let i = 0; i < n; i++) {
    const caseNo = `PR-2026-0105-${String(i).padStart(3, '0')}`;
    const r = await call(i % 2 ? one.url : two.url, creds.members.hall.token, 'POST', '/api/v1/messages', {
      to: 'housing', type: 'case-record', messageId: `pr-${i}`, caseId: caseNo, purpose: 'case-handling',
      payload: sampleCaseRecord({ caseNo, acceptedAt: '2026-01-05T10:00:00+08:00', legalLimitDays: 3 }),
    });
    expect(r.status).toBe(202);
  }
  // Two more finished runs in each process: the second of them started after the last push.
  await Promise.all([a.until(a.runs.length + 2), b.until(b.runs.length + 2)]);
  expect([...a.runs, ...b.runs].reduce((sum, r) => sum + r.raised, 0)).toBe(n);

  const store = openPostgres(databaseUrl, { max: 1 });
  try {
    const one = async (sql: string) => (await store.query<{ n: number }>(sql)).rows[0]!.n;
    expect(await one(`SELECT count(*)::int AS n FROM supervision_cards WHERE case_no LIKE 'PR-2026-0105-%' AND kind = 'overdue' AND due_on = '2026-01-08'`)).toBe(n);
    expect(await one(`SELECT count(*)::int AS n FROM supervision_cards`)).toBe(n);
    expect(await one(`SELECT count(*)::int AS n FROM log_entries WHERE kind = 'supervision.card_raised'`)).toBe(n);
    expect(await one(`SELECT count(DISTINCT case_id)::int AS n FROM log_entries WHERE kind = 'supervision.card_raised'`)).toBe(n);
    expect(await one(`SELECT count(*)::int AS n FROM messages WHERE type = 'supervision-notice'`)).toBe(n);
  } finally {
    await store.close();
  }
  const inbox = await call(one.url, creds.members.housing.token, 'GET', '/api/v1/inbox?type=supervision-notice&limit=100');
  expect(inbox.status).toBe(200);
  expect(inbox.body.items.map((m: any) => [m.from, m.payload.card, m.payload.dueOn])).toEqual(Array.from({ length: n }, () => ['hall', '红牌', '2026-01-08']));
  expect(new Set(inbox.body.items.map((m: any) => m.caseId)).size).toBe(n);
});

import { runXgw, startXgw, useCliEnvironment } from '../support/cli';
import { demoCredentials } from '../support/exchange-load';

// `xgw demo generate` pushes a realistic case history through a running demo gateway's
// exchange API: every case arrives (the statistics count them), with parallel approvals,
// decisions and open cases; the same seed gives the same history.
const cli = useCliEnvironment('demo-generate');
const { gateways } = cli;

test('xgw demo generate --cases 40: every case through the exchange, visible to the supervisor', async () => {
  const refused = runXgw(['demo', 'generate', '--cases', '5'], cli.env);
  expect([refused.status, refused.stderr]).toEqual([1, expect.stringContaining('no gateway is running')]);

  const gw = gateways.track(await startXgw(cli.env));
  const run = runXgw(['demo', 'generate', '--cases', '40', '--seed', '7'], cli.env);
  expect([run.status, run.stderr]).toEqual([0, ""]);
  expect(run.stdout).toMatch(/^40 case\(s\), \d+ message\(s\) pushed through http/);

  const creds = demoCredentials(cli.dataDir);
  const login = await fetch(`${gw.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'supervisor', password: creds.users.supervisor.password }) });
  const token = ((await login.json()) as { token: string }).token;
  const get = async (route: string) => (await (await fetch(`${gw.url}/api/v1${route}`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
  const byMatter = await get('/stats/cases?groupBy=matter');
  expect(byMatter.total.received).toBe(40);
  expect(byMatter.total.completed).toBeGreaterThan(10);
  const byDepartment = await get('/stats/cases?groupBy=department');
  expect(byDepartment.total.received).toBeGreaterThan(40); // 并联审批: some cases have two branches
  expect(byDepartment.groups.map((g: { key: string }) => g.key)).toEqual(['amr', 'housing', 'tax']);
}, 240_000);

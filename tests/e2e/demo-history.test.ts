import type { ChildProcess } from 'node:child_process';
import { startXgw, stopXgw, useCliEnvironment } from '../support/cli';
import { demoCredentials } from '../support/exchange-load';

// `npm start` in demo mode: the first start of an installation without cases pushes a case
// history through the real exchange in the background, after the gateway listens, and says
// so; a restart (cases there) does not. The other real-CLI tests run with
// XGW_DEMO_HISTORY=0 (tests/support/cli.ts); here a small history (XGW_DEMO_HISTORY=15).
jest.setTimeout(240_000);
const cli = useCliEnvironment('demo-history');
const { gateways } = cli;

/** Resolves once the process has printed a line matching `re` (whatever it printed before included). */
function printed(child: ChildProcess, output: () => string, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(output());
      if (!m) return;
      child.stdout!.off('data', later);
      child.off('exit', gone);
      resolve(m[0]);
    };
    const later = () => setImmediate(check); // the start helper's own listener appends the chunk first
    const gone = () => reject(new Error(`xgw exited before printing ${re}:\n${output()}`));
    child.stdout!.on('data', later);
    child.once('exit', gone);
    check();
  });
}

test('a fresh demo start pushes its history through the exchange in the background; a restart does not', async () => {
  const env = { ...cli.env, XGW_DEMO_HISTORY: '15' };
  const gw = gateways.track(await startXgw(env));
  expect(gw.output()).toContain('demo history: pushing 15 cases of the past 4 months through the exchange in the background');
  const ready = await printed(gw.child, gw.output, /xgw: demo history ready: (\d+) case\(s\), (\d+) message\(s\)[^\n]*/);
  expect(ready).toMatch(/^xgw: demo history ready: 15 case\(s\), \d+ message\(s\) through the exchange/);
  expect(gw.output()).not.toContain('demo history stopped');

  const creds = demoCredentials(cli.dataDir);
  const login = await fetch(`${gw.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'supervisor', password: creds.users.supervisor.password }) });
  const token = ((await login.json()) as { token: string }).token;
  const stats = (await (await fetch(`${gw.url}/api/v1/stats/cases?groupBy=month`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
  expect(stats.total.received).toBe(15);
  expect(stats.groups.length).toBeGreaterThan(1); // spread over past months
  // 税务's mock refused its first deliveries: the admin has dead letters to replay in the console
  expect(gw.output()).toContain("税务's mock refuses its first 2 deliveries (材料不全): dead letters for the admin to replay");
  const admin = await fetch(`${gw.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'admin', password: creds.users.admin.password }) });
  const adminToken = ((await admin.json()) as { token: string }).token;
  await printed(gw.child, gw.output, /delivery dead-lettered/); // the outbox's warning (the log goes to stdout)
  const dead = (await (await fetch(`${gw.url}/api/v1/admin/dead-letters?receiver=tax`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as { items: unknown[] };
  expect(dead.items.length).toBeGreaterThan(0);
  expect(JSON.stringify(dead.items[0])).toContain('材料不全');
  await stopXgw(gw.child);

  const again = gateways.track(await startXgw(env));
  expect(again.output()).not.toContain('demo history');
  await stopXgw(again.child);
});

import { runXgw, startXgw, stopXgw, useCliEnvironment } from '../support/cli';
import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import { demoCredentials } from '../support/exchange-load';

// The demo hall sends a case to two departments, one refuses; `xgw cases rebuild` on the same
// data directory (gateway stopped: PGlite has one owner) gives the case the live gateway showed.
const cli = useCliEnvironment('cases');
const { gateways } = cli;

test('xgw cases rebuild gives the cases the live gateway answered', async () => {
  const caseNo = 'CLI-2026-000001';
  let gw = gateways.track(await startXgw(cli.env));
  const creds = demoCredentials(cli.dataDir);
  const session = async (url: string, who: string) =>
    ((await (await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: who, password: creds.users[who].password }) })).json()) as { token: string }).token;
  const push = async (url: string, token: string, body: Record<string, unknown>) => {
    const r = await fetch(`${url}/api/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    expect(r.status).toBe(202);
  };
  const view = async (url: string) => {
    const r = await fetch(`${url}/api/v1/cases/${caseNo}`, { headers: { authorization: `Bearer ${await session(url, 'supervisor')}` } });
    expect(r.status).toBe(200);
    return (await r.json()) as any;
  };

  const hall = await session(gw.url, 'hall.clerk');
  for (const to of ['housing', 'tax']) {
    await push(gw.url, hall, { to, type: 'case-record', messageId: `cli-${to}`, caseId: caseNo, purpose: 'parallel-approval', payload: sampleCaseRecord({ caseNo, acceptedAt: '2026-03-02T09:30:00+08:00', legalLimitDays: 5 }) });
  }
  await push(gw.url, await session(gw.url, 'tax.clerk'), {
    to: 'hall', type: 'case-status', messageId: 'cli-tax-1', caseId: caseNo, purpose: 'status-feedback',
    payload: sampleCaseStatus({ caseNo, status: 'completed', result: 'denied', occurredAt: '2026-03-04T10:00:00+08:00' }),
  });
  const live = await view(gw.url);
  expect(live).toMatchObject({ status: 'refused', dueOn: '2026-03-09', completedOn: '2026-03-04' });
  expect(live.timeline).toHaveLength(3);
  expect(await stopXgw(gw.child)).toBe(0);

  const rebuilt = runXgw(['cases', 'rebuild'], cli.env);
  expect([rebuilt.status, rebuilt.stderr]).toEqual([0, '']);
  expect(rebuilt.stdout).toContain('1 case(s) rebuilt from the log');

  gw = gateways.track(await startXgw(cli.env));
  expect(await view(gw.url)).toEqual(live);
}, 180_000);

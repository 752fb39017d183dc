import fs from 'node:fs';
import path from 'node:path';
import { runXgw, runXgwAsync, startXgw, useCliEnvironment } from '../support/cli';
import { demoCredentials } from '../support/exchange-load';

// Real `xgw` processes on a busy 2-core machine: generous, not timed.
jest.setTimeout(180_000);

// `xgw delivery pause|resume|status` against a running demo gateway (through its admin
// API): paused, a message to the demo's 税务 waits in the outbox (status shows it, paused);
// resumed, it is delivered. Without a gateway the commands refuse clearly.
const cli = useCliEnvironment('delivery');
const { gateways } = cli;

async function statusOf(url: string, token: string, id: string, want: string): Promise<string> {
  let status = '';
  for (let i = 0; i < 150; i++) {
    status = ((await (await fetch(`${url}/api/v1/messages/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string }).status;
    if (status === want) return status;
    await new Promise((r) => setTimeout(r, 200));
  }
  return status;
}

test('xgw delivery pause, status and resume through the running gateway', async () => {
  const refused = runXgw(['delivery', 'pause', 'tax'], cli.env);
  expect([refused.status, refused.stderr]).toEqual([1, expect.stringContaining(`xgw: no gateway is running on ${cli.dataDir}`)]);

  const gw = gateways.track(await startXgw(cli.env));
  const hall = demoCredentials(cli.dataDir).members.hall!.token;
  const xgw = async (...args: string[]) => {
    const r = await runXgwAsync(args, cli.env);
    expect({ args, status: r.status, stderr: r.stderr }).toEqual({ args, status: 0, stderr: '' });
    return r.stdout;
  };

  expect(await xgw('delivery', 'pause', 'tax')).toMatch(/^delivery to tax: paused since \S+ by \S+; its messages wait until xgw delivery resume tax\n$/);
  const example = JSON.parse(fs.readFileSync(path.join(__dirname, '../../schemas/examples/case-record.example.json'), 'utf8'));
  const pushed = (await (
    await fetch(`${gw.url}/api/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hall}` },
      body: JSON.stringify({ to: 'tax', type: 'case-record', messageId: 'paused-1', caseId: example.caseNo, purpose: 'case-handling', payload: example }),
    })
  ).json()) as { id: string };
  const status = await xgw('delivery', 'status', 'tax');
  expect(status).toMatch(/^tax +push  backlog 1 \(oldest \S+\)  dead 0  paused since \S+ by \S+\n$/);
  expect(await xgw('delivery', 'status')).toContain('hall ');

  expect(await xgw('delivery', 'resume', 'tax')).toBe('delivery to tax: running\n');
  expect(await statusOf(gw.url, hall, pushed.id, 'delivered')).toBe('delivered');
  expect(await xgw('delivery', 'status', 'tax')).toMatch(/^tax +push  backlog 0  dead 0  running\n$/);

  const unknown = await runXgwAsync(['delivery', 'pause', 'nobody'], cli.env);
  expect([unknown.status, unknown.stderr]).toEqual([1, expect.stringMatching(/^xgw: GW_ERR_REGISTRY_UNKNOWN_MEMBER: /)]);
});

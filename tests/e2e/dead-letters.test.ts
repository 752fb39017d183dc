import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runXgw, startXgw, stopXgw, useCliEnvironment } from '../support/cli';
import { demoCredentials } from '../support/exchange-load';

// Real `xgw` processes (PGlite, PKI, mock agencies, witness) on a 2-core machine that may be busy: generous, not timed.
jest.setTimeout(180_000);

// The operator's path: the demo's mock 税务 refuses a case it already has (a business
// refusal: dead-lettered at once); `xgw dead-letters list|replay` finds and requeues it,
// and the replay is in the message's history with who did it.
const cli = useCliEnvironment('dead-letters');
const { gateways } = cli;

async function statusOf(url: string, token: string, id: string, want: string): Promise<any> {
  let m: any = null;
  for (let i = 0; i < 50; i++) {
    m = await (await fetch(`${url}/api/v1/messages/${id}`, { headers: { authorization: `Bearer ${token}` } })).json();
    if (m.status === want) return m;
    await new Promise((r) => setTimeout(r, 200));
  }
  return m;
}

test('xgw dead-letters list and replay', async () => {
  const gw = gateways.track(await startXgw(cli.env));
  const creds = demoCredentials(cli.dataDir);
  const hall = creds.members.hall.token as string;
  const example = JSON.parse(fs.readFileSync(path.join(__dirname, '../../schemas/examples/case-record.example.json'), 'utf8'));
  const push = async (messageId: string) =>
    (await (
      await fetch(`${gw.url}/api/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${hall}` },
        body: JSON.stringify({ to: 'tax', type: 'case-record', messageId, caseId: example.caseNo, purpose: 'case-handling', payload: example }),
      })
    ).json()) as { id: string };
  const first = await push('dl-1');
  expect((await statusOf(gw.url, hall, first.id, 'delivered')).status).toBe('delivered');
  const second = await push('dl-2'); // the same case again: 税务 answers 业务编号 … 重复
  const dead = await statusOf(gw.url, hall, second.id, 'dead_lettered');
  expect(dead.status).toBe('dead_lettered');
  expect(await stopXgw(gw.child)).toBe(0); // PGlite allows one process per data directory; on PostgreSQL it would not matter

  const list = runXgw(['dead-letters', 'list', '--receiver', 'tax'], cli.env);
  expect(list.status).toBe(0);
  expect(list.stdout).toContain(`${second.id}  hall → tax  case-record  ${example.caseNo}  attempts 1`);
  expect(list.stdout).toMatch(/GW_ERR_AGENCY_FAULT: .*重复/);
  expect(list.stdout).toContain('1 dead letter(s)');

  const bad = runXgw(['dead-letters', 'replay', '--from', 'yesterday'], cli.env);
  expect([bad.status, bad.stderr.trim()]).toEqual([1, expect.stringContaining('GW_ERR_REQUEST_INVALID')]);
  const replay = runXgw(['dead-letters', 'replay', second.id], cli.env);
  expect(replay.status).toBe(0);
  expect(replay.stdout).toContain(`replayed ${second.id}`);
  expect(runXgw(['dead-letters', 'replay', second.id], cli.env).stderr).toContain('GW_ERR_DEAD_LETTER_NOT_FOUND');

  // restarted, the gateway delivers the replayed message (the restarted mock agency has forgotten the first case)
  const again = gateways.track(await startXgw(cli.env));
  const m = await statusOf(again.url, hall, second.id, 'delivered');
  const replayed = m.history.find((h: { event: string }) => h.event === 'replayed');
  expect(replayed).toMatchObject({ actor: `cli/${os.userInfo().username}`, previousAttempts: 1 });
  expect(m.history.map((h: { event: string }) => h.event).slice(-3)).toEqual(['dead_lettered', 'replayed', 'delivered']);
}, 180_000);

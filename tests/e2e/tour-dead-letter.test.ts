import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startXgw, useCliEnvironment } from '../support/cli';
import { demoCredentials } from '../support/exchange-load';

// Real `xgw start` (demo, mock agencies next to its port) on a busy machine: generous, not timed.
jest.setTimeout(180_000);

// The README tour's step 11 as written: the mock 税务 refuses its next message with a
// Sender fault (a business refusal), so the outbox dead-letters it at once; an admin lists
// and replays it by filter; the fault was for one call only, so the replay is delivered.
// Its case differs from step 12's, which 税务 would otherwise refuse as a duplicate.
const cli = useCliEnvironment('tour');
const { gateways } = cli;

/** Whether `port` can be listened on at 127.0.0.1 right now. */
const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/**
 * `size` consecutive free ports for `xgw start` and the demo services it puts next to its own port
 * (the agencies at +1 and +2, the witness at +3, the station at +4). Taken below the kernel's ephemeral
 * range: a port there (what listen(0) hands out) can become the local port of any process's outgoing
 * connection before the gateway binds it, as it once did in CI (EADDRINUSE).
 */
async function freePortBlock(size: number): Promise<number> {
  const range = fs.existsSync('/proc/sys/net/ipv4/ip_local_port_range') ? fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8') : '32768';
  const ephemeralLow = Number(range.trim().split(/\s+/)[0]) || 32768;
  for (;;) {
    const base = 10_000 + Math.floor(Math.random() * (ephemeralLow - 10_000 - size));
    let free = true;
    for (let i = 0; i < size && free; i++) free = await canListen(base + i);
    if (free) return base;
  }
}

async function statusOf(base: string, token: string, id: string, want: string): Promise<{ status: string; history: { event: string }[] }> {
  let m: { status: string; history: { event: string }[] } = { status: '', history: [] };
  for (let i = 0; i < 150 && m.status !== want; i++) {
    if (i) await new Promise((r) => setTimeout(r, 200));
    m = (await (await fetch(`${base}/api/v1/messages/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as typeof m;
  }
  return m;
}

test('README tour step 11: make a dead letter, then replay it', async () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const step11 = readme.slice(readme.indexOf('# 11. '), readme.indexOf('# 12. '));
  const step12 = readme.slice(readme.indexOf('# 12. '), readme.indexOf('```', readme.indexOf('# 12. ')));
  const behaviour = JSON.parse(/_behaviour -H 'Content-Type: application\/json' -d '([^']+)'/.exec(step11)![1]!);
  expect(behaviour).toEqual({ fault: { code: 'Sender', reason: '材料不全' }, times: 1 });
  const deadCase = /s\/JZ-ZJ-20260302-000001\/(JZ-ZJ-\d{8}-\d{6})\/g/.exec(step11)![1]!;
  expect(step12).not.toContain(deadCase); // step 12 pushes the example's own case to 税务 again

  // Another test may still take one of the ports before xgw binds it: then try another block.
  let port = 0;
  let gw!: Awaited<ReturnType<typeof startXgw>>;
  for (let attempt = 1; !port; attempt++) {
    const block = await freePortBlock(5);
    try {
      gw = gateways.track(await startXgw({ ...cli.env, PORT: String(block) }));
      port = block;
    } catch (err) {
      if (attempt === 3 || !/EADDRINUSE/.test(String(err))) throw err;
    }
  }
  const creds = demoCredentials(cli.dataDir);
  const hall = creds.members.hall.token as string;
  const json = { 'content-type': 'application/json' };

  expect((await fetch(`http://127.0.0.1:${port + 2}/tax/ws/gateway/_behaviour`, { method: 'PUT', headers: json, body: JSON.stringify(behaviour) })).status).toBe(200);
  const example = JSON.parse(fs.readFileSync(path.join(__dirname, '../../schemas/examples/case-record.example.json'), 'utf8'));
  const payload = { ...example, caseNo: deadCase };
  const pushed = await fetch(`${gw.url}/api/v1/messages`, {
    method: 'POST',
    headers: { ...json, authorization: `Bearer ${hall}` },
    body: JSON.stringify({ to: 'tax', type: 'case-record', messageId: 'JZ-0011', caseId: deadCase, purpose: 'case-handling', payload }),
  });
  const { id } = (await pushed.json()) as { id: string };
  expect((await statusOf(gw.url, hall, id, 'dead_lettered')).status).toBe('dead_lettered');

  const login = await fetch(`${gw.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ login: 'admin', password: creds.users.admin.password }) });
  const admin = ((await login.json()) as { token: string }).token;
  const listed = (await (await fetch(`${gw.url}/api/v1/admin/dead-letters?receiver=tax`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { items: { id: string; lastError: string }[] };
  expect(listed.items).toEqual([expect.objectContaining({ id, lastError: expect.stringContaining('Sender: 材料不全') })]);
  const replay = await fetch(`${gw.url}/api/v1/admin/dead-letters/replay`, { method: 'POST', headers: { ...json, authorization: `Bearer ${admin}` }, body: JSON.stringify({ receiver: 'tax' }) });
  expect(await replay.json()).toEqual({ replayed: 1, ids: [id] });
  const delivered = await statusOf(gw.url, hall, id, 'delivered');
  expect(delivered.status).toBe('delivered');
  expect(delivered.history.map((h) => h.event)).toEqual(expect.arrayContaining(['dead_lettered', 'replayed', 'delivered']));
});

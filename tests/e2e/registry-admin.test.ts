/**
 * Registry administration from the command line, as an operator does it on a fresh,
 * non-demo installation: `xgw start` says what to do next, `xgw init`, members, a system
 * and its token, an agreement, a webhook (all through the running gateway's admin API),
 * a push that arrives on the webhook, the sender's certificate rotated and the log key renewed
 * (the next webhook verifies with the new key only), the sender's certificate revoked (its
 * next push refused), then `xgw registry export` → `apply` on a second
 * installation reproduces the registry, and applying again changes nothing.
 * PGlite by default, PostgreSQL with DATABASE_URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { buildDist, cliEnvironment, RunningGateways, runXgw, runXgwAsync, startXgw } from '../support/cli';
import { startReceiver, type Hit, type Receiver } from '../support/receiver';
import { requestOf, runOpensslRecipe, type LogKey } from '../support/webhook-recipe';
import { sampleCaseRecord, validUscc } from '../fixtures/case-record';

// Real `xgw` processes (PGlite, PKI, mock agencies, witness) on a 2-core machine that may be busy: generous, not timed.
jest.setTimeout(180_000);

const gateways = new RunningGateways();
const envs: Awaited<ReturnType<typeof cliEnvironment>>[] = [];
let hook: Receiver;

beforeAll(async () => {
  buildDist();
  envs.push(await cliEnvironment('registry-a'), await cliEnvironment('registry-b'));
  hook = await startReceiver();
}, 180_000);
afterEach(() => gateways.stopAll());
afterAll(async () => {
  await hook?.close();
  for (const e of envs) await e.cleanup();
});

const envOf = (i: number) => ({ ...envs[i]!.env, XGW_DEMO: '0' });
const xgw = (i: number, ...args: string[]) => runXgw(args, envOf(i));
const ok = (r: { status: number; stdout: string; stderr: string }) => {
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
  return r.stdout;
};

test('init, members, system and token, agreement, webhook through the CLI; a push arrives; export → apply reproduces the registry; apply twice is a no-op', async () => {
  const onPglite = !envs[0]!.databaseUrl;
  const refused = xgw(0, 'members', 'list');
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain('no gateway is running on');

  const a = gateways.track(await startXgw(envOf(0)));
  expect(a.output()).toContain('the registry has no admin yet');
  expect(a.output()).toContain('xgw init --member <code>');
  if (onPglite) {
    // Commands that open the database themselves refuse while the gateway owns it.
    const direct = xgw(0, 'token', 'list');
    expect(direct.status).toBe(1);
    expect(direct.stderr).toContain('the gateway is running on this data directory');
    const twice = xgw(0, 'start');
    expect([twice.status, twice.stderr.trim()]).toEqual([1, expect.stringMatching(/^xgw: another gateway \(pid \d+\) is running on .*; one process owns a PGlite data directory$/)]);
  }

  expect(ok(xgw(0, 'init', '--member', 'bigdata', '--name', '江州市大数据管理局', '--uscc', validUscc(11111111), '--admin', 'root', '--password', 'root password 1'))).toContain('first admin root in member bigdata');
  expect(xgw(0, 'init', '--member', 'bigdata', '--name', 'x', '--uscc', validUscc(11111111), '--admin', 'root2').stderr).toContain('already has an admin');
  ok(xgw(0, 'members', 'add', 'hall', '--kind', 'hall', '--adapter', 'hall-rest', '--name', '江州市政务服务大厅', '--uscc', validUscc(22222222)));
  const plan = ok(xgw(0, 'members', 'add', 'planning', '--name', '江州市规划局', '--uscc', validUscc(33333333), '--webhook', hook.url));
  expect(plan).not.toContain('secret');
  const badUscc = xgw(0, 'members', 'add', 'x-bad', '--name', 'x', '--uscc', validUscc(44444444).slice(0, 17) + '0');
  expect(badUscc.stderr).toContain('GW_ERR_REGISTRY_INVALID');
  ok(xgw(0, 'members', 'set', 'planning', '--delivery', 'push'));
  const badConfig = xgw(0, 'members', 'set', 'planning', '--adapter-config', '{"requestTimeoutMs":5}');
  expect(badConfig.stderr.trim()).toBe('xgw: GW_ERR_REGISTRY_INVALID: config error: adapters.planning.requestTimeoutMs: must be >= 100');
  ok(xgw(0, 'systems', 'add', 'hall', 'window', '--name', '综合受理系统'));
  const token = ok(xgw(0, 'systems', 'token', 'hall', 'window', '--label', 'prod')).trim().split('\n').at(-1)!;
  expect(token).toMatch(/^xgs_/);
  ok(xgw(0, 'agreements', 'add', '--sender', 'hall', '--receiver', 'planning', '--type', 'case-record', '--purposes', 'case-handling,parallel-approval'));
  expect(ok(xgw(0, 'members', 'list'))).toMatch(/planning .* push .*active/);
  expect(ok(xgw(0, 'webhooks', 'list'))).toContain(hook.url);

  const arrived = new Promise<Hit>((resolve) => {
    hook.reply = (hit) => (resolve(hit), 'ok');
  });
  const push = await fetch(`${a.url}/api/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ to: 'planning', type: 'case-record', messageId: 'CLI-1', purpose: 'case-handling', payload: sampleCaseRecord() }),
  });
  expect(push.status).toBe(202);
  const hit = await arrived;
  expect(hit.body).toMatchObject({ from: 'hall', type: 'case-record', messageId: 'CLI-1' });
  // signed by the gateway (SM2 log key): the README's openssl recipe verifies it
  const key = (await (await fetch(`${a.url}/api/v1/log/key`, { headers: { authorization: `Bearer ${token}` } })).json()) as LogKey;
  expect(runOpensslRecipe(requestOf(hit), key)).toMatchObject({ status: 0, out: 'Verified OK\n' });
  // (not blocking: the receiver answers from this process)
  expect(ok(await runXgwAsync(['webhooks', 'test', 'planning'], envOf(0)))).toMatch(new RegExp(`^webhook of planning \\(${hook.url}\\): answered HTTP 200 in \\d+ ms`));

  // The key lifecycle on this fresh install: rotate the sender's certificate and renew the log key, then revoke the sender's.
  expect(ok(xgw(0, 'certs', 'rotate', '--member', 'hall'))).toMatch(/^issued sm2 certificate [0-9a-f]{64} .* for hall, /);
  expect(ok(xgw(0, 'certs', 'renew-log'))).toMatch(/^issued sm2 log certificate [0-9a-f]{64} /);
  const pushOne = (messageId: string) =>
    fetch(`${a.url}/api/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'planning', type: 'case-record', messageId, purpose: 'case-handling', payload: sampleCaseRecord() }),
    });
  const arrivedAgain = new Promise<Hit>((resolve) => {
    hook.reply = (h) => (resolve(h), 'ok');
  });
  expect((await pushOne('CLI-2')).status).toBe(202);
  const renewedHit = await arrivedAgain;
  const renewedKey = (await (await fetch(`${a.url}/api/v1/log/key`, { headers: { authorization: `Bearer ${token}` } })).json()) as LogKey;
  expect(renewedKey.keyId).not.toBe(key.keyId);
  expect(runOpensslRecipe(requestOf(renewedHit), renewedKey)).toMatchObject({ status: 0, out: 'Verified OK\n' });
  expect(runOpensslRecipe(requestOf(renewedHit), key).status).not.toBe(0);
  ok(xgw(0, 'certs', 'revoke', '--member', 'hall'));
  const refusedPush = await pushOne('CLI-3');
  expect([refusedPush.status, ((await refusedPush.json()) as { code: string }).code]).toEqual([422, 'GW_ERR_TRUST_CERTIFICATE_INVALID']);

  const file = path.join(envs[0]!.dataDir, 'registry.yaml');
  expect(ok(xgw(0, 'registry', 'export', '-o', file))).toContain('(3 members, 1 agreements, 1 users); system tokens and passwords are never exported');
  const text = fs.readFileSync(file, 'utf8');
  for (const secret of [token, 'root password 1']) expect(text).not.toContain(secret);
  expect(ok(xgw(0, 'registry', 'apply', file))).toContain('no changes');

  // A second installation: the file alone reproduces the registry.
  gateways.track(await startXgw(envOf(1)));
  const dry = ok(xgw(1, 'registry', 'apply', file, '--dry-run'));
  expect(dry).toContain('would created     member    planning');
  expect(dry).toContain('(dry run: nothing applied)');
  expect(ok(xgw(1, 'members', 'list'))).toBe('');
  const applied = ok(xgw(1, 'registry', 'apply', file));
  expect(applied).not.toContain('webhook secret');
  expect(applied).toMatch(/password of root \(shown once\): /);
  expect(ok(xgw(1, 'registry', 'apply', file))).toContain('no changes: the registry already matches the file');
  const again = path.join(envs[1]!.dataDir, 'registry.json');
  xgw(1, 'registry', 'export', '--format', 'json', '-o', again);
  expect(JSON.parse(fs.readFileSync(again, 'utf8'))).toEqual(YAML.parse(text));

  // A reviewed change: the dry run names it, apply makes it.
  const changed = path.join(envs[1]!.dataDir, 'changed.yaml');
  fs.writeFileSync(changed, text.replace('name: 江州市规划局', 'name: 江州市自然资源和规划局'));
  expect(ok(xgw(1, 'registry', 'apply', changed, '--dry-run'))).toContain('would updated     member    planning  (name)');
  expect(ok(xgw(1, 'registry', 'apply', changed))).toContain('1 change(s) applied');
}, 180_000);

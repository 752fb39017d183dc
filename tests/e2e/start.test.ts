import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildDist, cliEnvironment, RunningGateways, runXgw, startXgw, stopXgw } from '../support/cli';

// Real `xgw` processes (PGlite, PKI, mock agencies, witness) on a 2-core machine that may be busy: generous, not timed.
jest.setTimeout(180_000);

// `npm start` as a new user runs it: the real CLI in a child process, demo mode,
// then a restart on the same database. PGlite by default, PostgreSQL with DATABASE_URL.
let dataDir: string;
let env: NodeJS.ProcessEnv;
let cleanup: () => Promise<void>;
const gateways = new RunningGateways();
const track = gateways.track.bind(gateways);

beforeAll(async () => {
  buildDist();
  ({ dataDir, env, cleanup } = await cliEnvironment('start'));
}, 180_000);
afterEach(() => gateways.stopAll());
afterAll(() => cleanup());

test('start seeds the demo, prints URL and logins, serves; a restart keeps credentials and messages', async () => {
  const first = track(await startXgw(env));
  const credsFile = path.join(dataDir, 'demo-credentials.json');
  const creds = JSON.parse(fs.readFileSync(credsFile, 'utf8'));
  expect(Object.keys(creds.members).sort()).toEqual(['amr', 'docstation', 'hall', 'housing', 'tax']);
  expect(Object.values(creds.users).map((u: any) => u.role).sort()).toEqual(['admin', 'auditor', 'clerk', 'clerk', 'clerk', 'clerk', 'signer', 'supervisor']);
  expect(fs.statSync(credsFile).mode & 0o777).toBe(0o600);
  expect(first.output()).toContain('hall.clerk');
  expect(first.output()).toContain(`${first.url}/docs`);

  const login = await fetch(`${first.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'housing.clerk', password: creds.users['housing.clerk'].password }),
  });
  expect(login.status).toBe(200);

  const example = JSON.parse(fs.readFileSync(path.join(__dirname, '../../schemas/examples/case-record.example.json'), 'utf8'));
  const push = await fetch(`${first.url}/api/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${creds.members.hall.token}` },
    body: JSON.stringify({ to: 'housing', type: 'case-record', messageId: 'e2e-1', caseId: example.caseNo, purpose: 'case-handling', payload: example }),
  });
  expect(push.status).toBe(202);
  const receipt = (await push.json()) as { id: string };

  // the mock agencies run beside the demo: a lookup at 市场监管 and a case record delivered to 税务 over SOAP
  expect(first.output()).toMatch(/mock agencies: 市场监管 http:\/\/127\.0\.0\.1:\d+\/amr\S* .*税务 http:\/\/127\.0\.0\.1:\d+\/tax\S* /);
  const hall = { 'content-type': 'application/json', authorization: `Bearer ${creds.members.hall.token}` };
  const lookup = await fetch(`${first.url}/api/v1/services/amr/query-enterprise`, {
    method: 'POST',
    headers: { ...hall, 'x-purpose': 'case-handling', 'x-case-id': example.caseNo },
    body: JSON.stringify({ uscc: example.applicant.uscc }),
  });
  expect(lookup.status).toBe(200);
  expect(((await lookup.json()) as { data: { name: string } }).data.name).toBe(example.applicant.name);
  const toTax = await fetch(`${first.url}/api/v1/messages`, {
    method: 'POST',
    headers: hall,
    body: JSON.stringify({ to: 'tax', type: 'case-record', messageId: 'e2e-tax-1', caseId: example.caseNo, purpose: 'case-handling', payload: example }),
  });
  const taxId = ((await toTax.json()) as { id: string }).id;
  let status = '';
  for (let i = 0; i < 50 && status !== 'delivered'; i++) {
    await new Promise((r) => setTimeout(r, 200));
    status = ((await (await fetch(`${first.url}/api/v1/messages/${taxId}`, { headers: hall })).json()) as { status: string }).status;
  }
  expect(status).toBe('delivered');
  // one witness runs beside the demo in its own process: the published checkpoint (a signed note) carries its cosignature
  const witnessKey = /its key \(xgw verify bundle --witness\): (\S+)/.exec(first.output())![1]!;
  expect(first.output()).toMatch(/witness \(own process, .*\): http:\/\/127\.0\.0\.1:\d+/);
  let note = '';
  for (let i = 0; i < 100 && !note.includes(`\u2014 ${witnessKey.split('+')[0]} `); i++) {
    await new Promise((r) => setTimeout(r, 200));
    const cp = await fetch(`${first.url}/api/v1/log/checkpoint`, { headers: { authorization: `Bearer ${creds.members.hall.token}`, accept: 'text/plain' } });
    note = cp.status === 200 ? await cp.text() : '';
  }
  expect(note).toMatch(/^xgw\.local\/exchange-log\n\d+\n\S+=\n\n\u2014 xgw\.local\/exchange-log \S+\n\u2014 xgw\.local\/demo-witness \S+\n$/);
  expect(fs.existsSync(path.join(dataDir, 'witness', 'state.json'))).toBe(true);
  expect(fs.statSync(path.join(dataDir, 'witness', 'witness.key.pem')).mode & 0o777).toBe(0o600);
  // the mock exchange station runs beside the demo: a 公文 to 江州海关 goes out through it and its 回执 comes back
  expect(first.output()).toMatch(/mock exchange station \(市电子公文交换站\): http:\/\/127\.0\.0\.1:\d+\/packages /);
  const person = async (login: string) => {
    const r = await fetch(`${first.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password: creds.users[login].password }) });
    const token = ((await r.json()) as { token: string }).token;
    return (p: string, body: unknown = {}) => fetch(`${first.url}/api/v1/documents${p}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  };
  const clerk = await person('housing.clerk');
  const signer = await person('housing.signer');
  const notice = { kind: '通知', title: '江州市住房和城乡建设局关于进口建材质量抽检的通知', mainRecipients: ['中华人民共和国江州海关'], body: '请予配合。', issuingAuthorities: ['江州市住房和城乡建设局'] };
  const docId = ((await (await clerk('', { document: notice, addressees: { main: ['customs'] } })).json()) as { id: string }).id;
  for (const [step, by, body] of [['review', clerk, {}], ['sign-off', signer, {}], ['register', clerk, { agencyCode: '江住建' }], ['seal', clerk, {}], ['distribute', clerk, {}]] as const) {
    expect([step, (await by(`/${docId}/${step}`, body)).status]).toEqual([step, 200]);
  }
  let steps: string[] = [];
  for (let i = 0; i < 50 && !steps.includes('signed_for'); i++) {
    await new Promise((r) => setTimeout(r, 200));
    const trace = await fetch(`${first.url}/api/v1/documents/${docId}/trace`, { headers: { authorization: `Bearer ${creds.members.housing.token}` } });
    steps = ((await trace.json()) as { events: { step: string }[] }).events.map((e) => e.step);
  }
  expect(steps).toEqual(['drafted', 'reviewed', 'signed_off', 'registered', 'sealed', 'distributed', 'signed_for']);
  expect(await stopXgw(first.child)).toBe(0);

  const second = track(await startXgw(env));
  expect(JSON.parse(fs.readFileSync(credsFile, 'utf8'))).toEqual(creds);
  const inbox = await fetch(`${second.url}/api/v1/inbox`, { headers: { authorization: `Bearer ${creds.members.housing.token}` } });
  const body = (await inbox.json()) as { items: { id: string }[] };
  expect(body.items.map((m: { id: string }) => m.id)).toContain(receipt.id);
  // xgw start exports the process and Node.js metrics beside the gateway's own
  const metrics = await (await fetch(`${second.url}/metrics`)).text();
  expect(metrics).toMatch(/^xgw_process_cpu_seconds_total \d/m);
  expect(metrics).toMatch(/^xgw_nodejs_eventloop_lag_seconds /m);
  expect(metrics).toMatch(/^xgw_http_requests_total\{/m);
  expect(await stopXgw(second.child)).toBe(0);
}, 180_000);

test('the demo PKI: keys 0600 outside git, certificates openssl accepts, registered in the database', () => {
  const pki = path.join(dataDir, 'pki');
  const init = runXgw(['certs', 'init'], env);
  expect(init.status).toBe(0);
  expect(init.stdout).toMatch(/root +[0-9a-f]{64}/);
  for (const code of ['hall', 'housing', 'amr', 'tax', 'docstation']) {
    expect(fs.statSync(path.join(pki, 'departments', `${code}.key.pem`)).mode & 0o777).toBe(0o600);
    const v = spawnSync('openssl', ['verify', '-vfyopt', 'distid:1234567812345678', '-CAfile', path.join(pki, 'ca', 'root.cert.pem'), path.join(pki, 'departments', `${code}.cert.pem`)], { encoding: 'utf8' });
    expect(v.stdout.trim()).toMatch(/: OK$/);
  }
  const list = runXgw(['certs', 'list'], env).stdout;
  expect(list).toMatch(/^root +- +[0-9a-f]{64}/m);
  expect(list).toMatch(/^log +- +[0-9a-f]{64}/m);
  expect(list).toMatch(/^department +amr +[0-9a-f]{64}/m);
});

test('a bad configuration value stops start with one line naming the key', () => {
  const r = runXgw(['start'], { ...env, PORT: '80a' });
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain('config error: port');
});

test("a bad adapter config stops start with one line naming the member's key", () => {
  const file = path.join(dataDir, 'bad-adapter.json');
  fs.writeFileSync(file, JSON.stringify({ adapters: { amr: { endpoint: 'http://127.0.0.1:9/amr', timeoutMs: 5 } } }));
  const r = runXgw(['start'], { ...env, XGW_CONFIG: file });
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain('config error: adapters.amr.timeoutMs: must be >= 100');
});

test('token create / list / revoke through the CLI', () => {
  const created = runXgw(['token', 'create', '--member', 'housing', '--label', 'erp'], env);
  expect(created.status).toBe(0);
  const token = created.stdout.trim().split('\n').at(-1)!;
  expect(token).toMatch(/^xgs_[A-Za-z0-9_-]{43}$/);
  const list = runXgw(['token', 'list', '--member', 'housing'], env);
  expect(list.stdout).toContain(`…${token.slice(-4)}  active   erp`);
  const revoked = runXgw(['token', 'revoke', token], env);
  expect(revoked.status).toBe(0);
  expect(runXgw(['token', 'list', '--member', 'housing'], env).stdout).toContain(`…${token.slice(-4)}  revoked  erp`);
  const unknownMember = runXgw(['token', 'create', '--member', 'nobody'], env);
  expect(unknownMember.status).toBe(1);
  expect(unknownMember.stderr).toContain('GW_ERR_REGISTRY_UNKNOWN_MEMBER');
}, 180_000);

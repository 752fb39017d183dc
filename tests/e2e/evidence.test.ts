import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { buildDist, cliEnvironment, RunningGateways, runXgw, startXgw, stopXgw } from '../support/cli';
import { Signer } from '../../gateway/crypto/sign';
import { witnessVkey } from '../../gateway/witness/service';
import { demoCredentials } from '../support/exchange-load';

// Real `xgw` processes (PGlite, PKI, mock agencies, witness) on a 2-core machine that may be busy: generous, not timed.
jest.setTimeout(180_000);

// The auditor's path with the real CLI: the demo gateway exchanges a case both ways;
// `xgw export evidence` writes the bundle; `xgw verify bundle` checks it with no
// database and no network. PGlite by default (the gateway is stopped before the
// export: one process per database directory), PostgreSQL with DATABASE_URL
// (the export runs next to the live gateway).
let dataDir: string;
let env: NodeJS.ProcessEnv;
let cleanup: () => Promise<void>;
const onPostgres = !!process.env.DATABASE_URL;
const gateways = new RunningGateways();

beforeAll(async () => {
  buildDist();
  ({ dataDir, env, cleanup } = await cliEnvironment('evidence'));
}, 180_000);
afterEach(() => gateways.stopAll());
afterAll(() => cleanup());

const example = (type: string) => JSON.parse(fs.readFileSync(path.join(__dirname, `../../schemas/examples/${type}.example.json`), 'utf8'));

async function exchangeCase(url: string, tokens: Record<string, { token: string }>, caseNo: string): Promise<string[]> {
  const call = async (method: string, p: string, member: string, body?: unknown) => {
    const res = await fetch(url + p, {
      method,
      headers: { authorization: `Bearer ${tokens[member].token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const ids: string[] = [];
  for (const [from, to, type, purpose] of [
    ['hall', 'housing', 'case-record', 'case-handling'],
    ['housing', 'hall', 'case-status', 'status-feedback'],
  ]) {
    const pushed = await call('POST', '/api/v1/messages', from, { to, type, messageId: `e2e-${type}`, caseId: caseNo, purpose, payload: { ...example(type), caseNo } });
    expect(pushed.status).toBe(202);
    const inbox = await call('GET', '/api/v1/inbox', to);
    expect(inbox.body.items.map((m: { id: string }) => m.id)).toContain(pushed.body.id);
    expect((await call('POST', `/api/v1/messages/${pushed.body.id}/ack`, to, { result: 'accepted' })).status).toBe(200);
    ids.push(pushed.body.id);
  }
  return ids;
}

test('xgw export evidence, then xgw verify bundle offline; tampering fails with the message named', async () => {
  const caseNo = 'JZ-ZJ-20260302-000777';
  const gw = gateways.track(await startXgw(env));
  const creds = demoCredentials(dataDir);
  const [recordId] = await exchangeCase(gw.url, creds.members, caseNo);
  // the demo's witness cosigns the checkpoint that covers the case (the gateway sends each new one)
  const witnessKey = /its key \(xgw verify bundle --witness\): (\S+)/.exec(gw.output())![1]!;
  let note = '';
  for (let i = 0; i < 100 && !(note.includes('\u2014 xgw.local/demo-witness ') && Number(note.split('\n')[1]) >= 6); i++) {
    await new Promise((r) => setTimeout(r, 200));
    const cp = await fetch(`${gw.url}/api/v1/log/checkpoint`, { headers: { authorization: `Bearer ${creds.members.hall.token}`, accept: 'text/plain' } });
    note = cp.status === 200 ? await cp.text() : '';
  }
  if (!onPostgres) expect(await stopXgw(gw.child)).toBe(0);

  const file = path.join(dataDir, 'evidence.json');
  const exported = runXgw(['export', 'evidence', '--case', caseNo, '--out', file], env);
  expect({ status: exported.status, stderr: exported.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
  expect(exported.stdout).toContain(`evidence bundle for case ${caseNo}: 6 log entries, 2 messages`);
  expect(exported.stdout).toContain('personal data');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  if (onPostgres) expect(await stopXgw(gw.child)).toBe(0);

  // the verifier needs neither the database nor the configuration
  const offline = { DATABASE_URL: 'postgres://127.0.0.1:1/nowhere', XGW_DATA_DIR: path.join(dataDir, 'no-such-dir'), XGW_CONFIG: '' };
  const rootPem = path.join(dataDir, 'pki', 'ca', 'root.cert.pem');
  const pinned = runXgw(['verify', 'bundle', file, '--root', rootPem], offline);
  expect({ status: pinned.status, stderr: pinned.stderr }).toEqual({ status: 0, stderr: '' });
  expect(pinned.stdout).toContain('trust anchor: PINNED');
  expect(pinned.stdout).toContain(`✓ message ${recordId}`);
  expect(pinned.stdout).not.toContain('✗');
  expect(pinned.stdout.trim().split('\n').at(-1)).toBe('RESULT: VERIFIED — every check passed');

  // the checkpoint's cosignature by the witness, whose key the auditor got from the witness's operator
  const witnessed = runXgw(['verify', 'bundle', file, '--root', rootPem, '--witness', witnessKey], offline);
  expect({ status: witnessed.status, stderr: witnessed.stderr }).toEqual({ status: 0, stderr: '' });
  expect(witnessed.stdout).toMatch(/✓ witness xgw\.local\/demo-witness: cosigned \(tlog-cosignature\/v1\)/);
  const otherWitness = witnessVkey('xgw.local/demo-witness', new Signer({ privateKey: generateKeyPairSync('ed25519').privateKey }));
  const unwitnessed = runXgw(['verify', 'bundle', file, '--root', rootPem, '--witness', otherWitness], offline);
  expect(unwitnessed.status).toBe(1);
  expect(unwitnessed.stdout).toMatch(/✗ witness xgw\.local\/demo-witness: no cosignature by this witness key/);
  expect(runXgw(['verify', 'bundle', file, '--witness', 'not-a-key'], offline).status).not.toBe(0);

  const asJson = runXgw(['verify', 'bundle', file, '--json'], offline);
  expect(asJson.status).toBe(0);
  expect(JSON.parse(asJson.stdout)).toMatchObject({ ok: true, anchor: 'bundled', caseId: caseNo, counts: { entries: 6, messages: 2 } });
  expect(runXgw(['verify', 'bundle', file], offline).stdout).toContain('NOT PINNED');

  const bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
  bundle.messages[0].payload.applicant.name = '某某';
  bundle.messages[0].payloadCanonical = undefined;
  const tampered = path.join(dataDir, 'tampered.json');
  fs.writeFileSync(tampered, JSON.stringify(bundle));
  const bad = runXgw(['verify', 'bundle', tampered, '--root', rootPem], offline);
  expect(bad.status).toBe(1);
  expect(bad.stdout).toMatch(new RegExp(`✗ message ${recordId} .*digest does not equal envelope.header.payloadDigest`));
  expect(bad.stdout).toContain('RESULT: FAILED');

  const unreadable = runXgw(['verify', 'bundle', path.join(dataDir, 'none.json')], offline);
  expect(unreadable.status).toBe(2);
  expect(unreadable.stderr).toContain('cannot read');

  const unknown = runXgw(['export', 'evidence', '--case', 'JZ-NO-SUCH-CASE', '--out', path.join(dataDir, 'x.json')], env);
  expect(unknown.status).toBe(1);
  expect(unknown.stderr).toContain('GW_ERR_AUDIT_CASE_NOT_FOUND');
  expect(runXgw(['export', 'evidence', '--case', caseNo, '--out', file], env).stderr).toContain('exists; pass --force');
  const forced = runXgw(['export', 'evidence', '--case', caseNo, '--out', file, '--force'], env);
  expect(forced.status).toBe(0);
  expect(runXgw(['verify', 'bundle', file, '--root', rootPem], offline).status).toBe(0);
}, 180_000);

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { runXgw, startXgw, stopXgw, useCliEnvironment } from '../support/cli';
import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import { demoCredentials } from '../support/exchange-load';
import { X509Certificate } from 'node:crypto';
import { createCrl, loadCertificateAuthority } from '../../certs/ca';
import { certificateFingerprint } from '../../gateway/crypto/envelope';

// `xgw certs rotate|revoke --member` against a running demo gateway (through its admin API, as
// every registry command): the gateway signs with the new key at once; after the revocation it
// refuses to sign on the member's behalf until the next rotation. PGlite, or PostgreSQL with DATABASE_URL.
jest.setTimeout(180_000);

const cli = useCliEnvironment('certs');
const { gateways } = cli;

test('xgw certs rotate, then revoke, the sender certificate of a running gateway', async () => {
  const gw = gateways.track(await startXgw({ ...cli.env, XGW_DEMO: '1' }));
  const creds = demoCredentials(cli.dataDir);
  // A new connection each time: the synchronous xgw runs between pushes block this process
  // past the server's keep-alive timeout, so a pooled socket would be found closed.
  const push = (messageId: string) =>
    new Promise<{ status: number; body: { code?: string; detail?: string } }>((resolve, reject) => {
      const body = JSON.stringify({ to: 'hall', type: 'case-status', messageId, purpose: 'status-feedback', payload: sampleCaseStatus() });
      const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${creds.members.housing.token}` };
      const req = http.request(`${gw.url}/api/v1/messages`, { method: 'POST', agent: false, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject).end(body);
    });
  const xgw = (...args: string[]) => {
    const r = runXgw(args, { ...cli.env, XGW_DEMO: '1' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    return r.stdout;
  };

  expect((await push('cli-before')).status).toBe(202);
  const rotated = xgw('certs', 'rotate', '--member', 'housing');
  expect(rotated).toMatch(/^issued sm2 certificate [0-9a-f]{64} \(serial [0-9a-f]+\) for housing, valid until \S+; signing with it now\n$/);
  expect((await push('cli-rotated')).status).toBe(202);

  const revoked = xgw('certs', 'revoke', '--member', 'housing');
  expect(revoked).toContain(`revoked ${/certificate ([0-9a-f]{64})/.exec(rotated)![1]}`);
  expect(revoked).toContain('the gateway refuses to sign on its behalf until xgw certs rotate --member housing');
  const refused = await push('cli-revoked');
  expect([refused.status, refused.body.code]).toEqual([422, 'GW_ERR_TRUST_CERTIFICATE_INVALID']);
  const again = runXgw(['certs', 'revoke', '--member', 'housing'], { ...cli.env, XGW_DEMO: '1' });
  expect([again.status, again.stderr.trim()]).toEqual([1, 'xgw: GW_ERR_TRUST_NOT_FOUND: member "housing" has no active certificate']);
});

test('xgw certs revoke <fingerprint> and xgw certs crl go through the running gateway, and refuse clearly without one', async () => {
  const env = { ...cli.env, XGW_DEMO: '1' };
  const pki = path.join(cli.dataDir, 'pki');
  const ca = loadCertificateAuthority(fs.readFileSync(path.join(pki, 'ca', 'root.cert.pem'), 'utf8'), fs.readFileSync(path.join(pki, 'ca', 'root.key.pem'), 'utf8'));
  const amrPem = fs.readFileSync(path.join(pki, 'departments', 'amr.cert.pem'), 'utf8');
  const crl = createCrl({ ca, revoked: [{ serial: new X509Certificate(amrPem).serialNumber, revokedAt: new Date(Date.now() - 60_000), reason: 'keyCompromise' }], thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 86_400_000), crlNumber: 7 });
  const crlFile = path.join(cli.dataDir, 'amr.crl.pem');
  fs.writeFileSync(crlFile, crl.pem);
  const taxFingerprint = certificateFingerprint(fs.readFileSync(path.join(pki, 'departments', 'tax.cert.pem'), 'utf8'));

  // No gateway runs: nothing is written behind anyone's back.
  for (const args of [['certs', 'crl', crlFile], ['certs', 'revoke', taxFingerprint]]) {
    const refused = runXgw(args, env);
    expect([refused.status, refused.stderr]).toEqual([1, expect.stringContaining(`xgw: no gateway is running on ${cli.dataDir}`)]);
  }

  gateways.track(await startXgw(env));
  const revoked = runXgw(['certs', 'revoke', taxFingerprint.toUpperCase()], env);
  expect({ status: revoked.status, stderr: revoked.stderr }).toEqual({ status: 0, stderr: '' });
  expect(revoked.stdout).toMatch(new RegExp(`^revoked ${taxFingerprint} \\(department of tax, serial [0-9a-f]+\\) from \\S+\\n$`));
  const applied = runXgw(['certs', 'crl', crlFile], env);
  expect({ status: applied.status, stderr: applied.stderr }).toEqual({ status: 0, stderr: '' });
  expect(applied.stdout).toBe(`revoked 1: ${certificateFingerprint(amrPem)}\n`);
  expect(runXgw(['certs', 'crl', crlFile], env).stdout).toBe('no known certificate newly revoked\n');
  const again = runXgw(['certs', 'revoke', taxFingerprint], env);
  expect([again.status, again.stderr]).toEqual([1, expect.stringMatching(/^xgw: GW_ERR_TRUST_CERTIFICATE_STATUS: /)]);
});

test('xgw certs renew-log, then renew-root, on a running gateway: checkpoints are signed with the new key; xgw verify log checks all of them afterwards', async () => {
  const env = { ...cli.env, XGW_DEMO: '1' };
  const gw = gateways.track(await startXgw(env));
  // hall sends: the earlier tests revoked housing's certificate (and tax's, amr's).
  const token = demoCredentials(cli.dataDir).members.hall.token;
  const get = async (p: string) => (await fetch(`${gw.url}/api/v1${p}`, { headers: { authorization: `Bearer ${token}` } })).json();
  const sizeOf = (cp: { body?: string }) => (cp.body ? (JSON.parse(cp.body) as { size: number }).size : 0);
  /** Pushes a message, then waits for the checkpoint (signed every few seconds) that covers it: the certificate that signed it. */
  const checkpointAfterPush = async (messageId: string): Promise<string> => {
    const head = sizeOf((await get('/log/checkpoint')) as { body?: string });
    const pushed = await fetch(`${gw.url}/api/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ to: 'housing', type: 'case-record', messageId, purpose: 'case-handling', payload: sampleCaseRecord() }),
    });
    expect(pushed.status).toBe(202);
    for (let i = 0; i < 150; i++) {
      const cp = (await get('/log/checkpoint')) as { body?: string; signature?: { certificate: string } };
      if (sizeOf(cp) > head) return cp.signature!.certificate;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no new checkpoint within 15 s');
  };
  const firstLog = ((await get('/log/key')) as { fingerprint: string }).fingerprint;
  expect(await checkpointAfterPush('renew-cli-before')).toBe(firstLog);

  const renewed = runXgw(['certs', 'renew-log'], env);
  expect({ status: renewed.status, stderr: renewed.stderr }).toEqual({ status: 0, stderr: '' });
  expect(renewed.stdout).toMatch(/^issued sm2 log certificate [0-9a-f]{64} \(serial [0-9a-f]+\), valid until \S+; signing checkpoints, receipts and webhooks with it now\n$/);
  const secondLog = /certificate ([0-9a-f]{64})/.exec(renewed.stdout)![1]!;
  expect(await checkpointAfterPush('renew-cli-log')).toBe(secondLog);

  const root = runXgw(['certs', 'renew-root'], env);
  expect({ status: root.status, stderr: root.stderr }).toEqual({ status: 0, stderr: '' });
  expect(root.stdout).toMatch(/^issued root [0-9a-f]{64} "xgw Gateway Root CA G2" \(serial [0-9a-f]+\), valid until \S+\n/);
  expect(root.stdout).toContain('the previous root stays a trust anchor');
  const thirdLog = /log certificate ([0-9a-f]{64}) under the new root/.exec(root.stdout)![1]!;
  expect(await checkpointAfterPush('renew-cli-root')).toBe(thirdLog);
  const keys = ((await get('/log/keys')) as { items: { fingerprint: string; status: string }[] }).items;
  expect(keys.map((k) => [k.fingerprint, k.status])).toEqual([[thirdLog, 'current'], [secondLog, 'previous'], [firstLog, 'previous']]);

  expect(await stopXgw(gw.child)).toBe(0);
  const verified = runXgw(['verify', 'log'], env);
  expect({ status: verified.status, stderr: verified.stderr }).toEqual({ status: 0, stderr: '' });
  expect(verified.stdout).toContain('OK: the exchange log verifies');
  // And the gateway starts again on the renewed PKI (the registry keeps it as its own).
  gateways.track(await startXgw(env));
});

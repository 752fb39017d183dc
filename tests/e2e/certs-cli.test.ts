import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { runXgw, startXgw, useCliEnvironment } from '../support/cli';
import { sampleCaseStatus } from '../fixtures/case-record';
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

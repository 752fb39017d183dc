import http from 'node:http';
import { runXgw, startXgw, useCliEnvironment } from '../support/cli';
import { sampleCaseStatus } from '../fixtures/case-record';
import { demoCredentials } from '../support/exchange-load';

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

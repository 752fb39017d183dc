/**
 * Defect class: a WS-Security UsernameToken honoured by local name and forever. A
 * `Security` element in any namespace satisfied the check, and a captured request
 * could be replayed at will. Now only the OASIS wsse namespace counts, wsu:Created
 * must be within the window of the gateway's (injected) clock, and a Nonce is
 * refused when seen again within the window (remembered in bounded memory).
 */
import { decodeXmlBody } from '../../adapters/soap/encoding';
import { NonceCache } from '../../adapters/soap/wsse';
import { startAgencyWorld, TAX_CREDENTIALS, type AgencyWorld } from '../support/agencies';
import { taxReport, wsseHeader } from '../support/wsse';

let w: AgencyWorld;
beforeAll(async () => {
  w = await startAgencyWorld();
});
afterAll(async () => {
  await w?.close();
});

const { username, password } = TAX_CREDENTIALS;
const post = async (xml: string) => {
  const res = await fetch(`${w.t.url}/soap/tax`, { method: 'POST', headers: { 'content-type': 'application/soap+xml; charset=utf-8' }, body: xml });
  return { status: res.status, text: decodeXmlBody(Buffer.from(await res.arrayBuffer()), res.headers.get('content-type') ?? undefined) }; // (answers are GBK)
};
const stored = async (caseNo: string) =>
  Number((await w.t.db.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE sender = 'tax' AND case_id = $1`, [caseNo])).rows[0].n);

test('a fresh token in the wsse namespace is accepted (the clock is the gateway\'s, injected)', async () => {
  const res = await post(taxReport(wsseHeader(username, password, { created: w.t.clock.now() }), 'JZ-WS-OK-000001'));
  expect(res.status).toBe(200);
  expect(await stored('JZ-WS-OK-000001')).toBe(1);
});

test('a Security element in another namespace neither satisfies the check nor is read as the token', async () => {
  const foreign = wsseHeader(username, password, { created: w.t.clock.now(), securityNs: 'urn:not-wsse' });
  const res = await post(taxReport(foreign, 'JZ-WS-NS-000001'));
  expect(res.status).toBe(400);
  expect(res.text).toContain('身份认证失败');
  // a foreign Security next to a genuine one with a wrong password: still refused (the foreign one is not "the" token)
  const both = foreign.replace('</soap:Header>', '') + wsseHeader(username, 'wrong', { created: w.t.clock.now() }).replace('<soap:Header>', '');
  expect((await post(taxReport(both, 'JZ-WS-NS-000002'))).status).toBe(400);
  expect(await stored('JZ-WS-NS-000001') + (await stored('JZ-WS-NS-000002'))).toBe(0);
});

test('Created older than the window (300 s) or missing, or no Nonce: refused with GW_ERR_SOAP_TOKEN_REFUSED', async () => {
  const old = new Date(w.t.clock.now().getTime() - 301_000);
  const stale = await post(taxReport(wsseHeader(username, password, { created: old }), 'JZ-WS-OLD-000001'));
  expect(stale.status).toBe(400);
  expect(stale.text).toMatch(/GW_ERR_SOAP_TOKEN_REFUSED: 身份认证失败: the UsernameToken was created more than 300 s ago/);
  const future = await post(taxReport(wsseHeader(username, password, { created: new Date(w.t.clock.now().getTime() + 301_000) }), 'JZ-WS-OLD-000002'));
  expect(future.text).toContain('GW_ERR_SOAP_TOKEN_REFUSED');
  const noCreated = await post(taxReport(wsseHeader(username, password, { created: null }), 'JZ-WS-OLD-000003'));
  expect(noCreated.text).toMatch(/GW_ERR_SOAP_TOKEN_REFUSED: .*no valid wsu:Created/);
  const noNonce = await post(taxReport(wsseHeader(username, password, { created: w.t.clock.now(), nonce: null }), 'JZ-WS-OLD-000004'));
  expect(noNonce.text).toMatch(/GW_ERR_SOAP_TOKEN_REFUSED: .*no valid wsse:Nonce/);
  for (const n of [1, 2, 3, 4]) expect(await stored(`JZ-WS-OLD-00000${n}`)).toBe(0);
});

test('a replayed request (same Nonce) is refused within the window; the same Nonce after the window has passed is stale anyway', async () => {
  const header = wsseHeader(username, password, { created: w.t.clock.now(), nonce: 'bm9uY2UtcmVwbGF5LTE=' });
  expect((await post(taxReport(header, 'JZ-WS-RP-000001'))).status).toBe(200);
  const replay = await post(taxReport(header, 'JZ-WS-RP-000002'));
  expect(replay.status).toBe(400);
  expect(replay.text).toContain('GW_ERR_SOAP_TOKEN_REFUSED: 身份认证失败: the UsernameToken nonce was already used');
  w.t.clock.advance(301_000);
  expect((await post(taxReport(header, 'JZ-WS-RP-000003'))).text).toContain('created more than 300 s ago');
  expect([await stored('JZ-WS-RP-000002'), await stored('JZ-WS-RP-000003')]).toEqual([0, 0]);
});

test('the tax mock and the gateway send Created and Nonce: the demo still works both ways', async () => {
  const answer = await w.agencies.tax.reportStatus(`${w.t.url}/soap/tax`, { ztxx: { ywbh: 'JZ-WS-DEMO-0001', blzt: 'SL', jbr: '赵喆', blsj: '20260304093000', swjg: '国家税务总局江州市税务局' } });
  expect(answer).toMatchObject({ retCode: '0000' });
  const res = await w.t.call('POST', '/api/v1/services/tax/query-tax-status', { token: w.t.tokens.hall, body: { uscc: '91350105MA2XK9P1LR' }, headers: { 'x-purpose': 'case-handling', 'x-case-id': 'JZ-WS-DEMO-0001' } });
  expect(res.status).toBe(200);
  expect(w.agencies.tax.received.at(-1)!.username).toBe(username);
});

test('nonces are remembered in bounded memory: when full, new tokens are refused until some expire', () => {
  const cache = new NonceCache(300_000, 3);
  expect(['a', 'b', 'c'].map((n) => cache.record('u', n, 0))).toEqual(['ok', 'ok', 'ok']);
  expect(cache.record('u', 'a', 1000)).toBe('replayed');
  expect(cache.record('u', 'd', 1000)).toBe('full');
  expect(cache.record('u', 'd', 300_000)).toBe('ok');
  expect(cache.size).toBe(1);
});

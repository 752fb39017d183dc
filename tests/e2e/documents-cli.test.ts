import { runXgw, startXgw, stopXgw, useCliEnvironment } from '../support/cli';
import { demoCredentials } from '../support/exchange-load';

// Real `xgw` processes (PGlite, PKI, mock agencies, witness) on a 2-core machine that may be busy: generous, not timed.
jest.setTimeout(180_000);

// The demo's people take a 公文 through 发文 (住建局 clerk and signer), then the operator lists
// 税务局's inbox with `xgw documents list` on the same data directory.
const cli = useCliEnvironment('documents');
const { gateways } = cli;

test('the demo clerk and signer send a 通知; xgw documents list shows it in 税务局’s inbox', async () => {
  const gw = gateways.track(await startXgw(cli.env));
  const creds = demoCredentials(cli.dataDir);
  const login = async (who: string) =>
    ((await (await fetch(`${gw.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: who, password: creds.users[who].password }) })).json()) as { token: string }).token;
  const [clerk, signer] = [await login('housing.clerk'), await login('housing.signer')];
  const post = async (token: string, p: string, body: unknown = {}) =>
    (await (await fetch(`${gw.url}/api/v1/documents${p}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) })).json()) as any;
  const doc = await post(clerk, '', {
    document: { urgency: { text: '加急', level: '加急' }, title: '江州市住房和城乡建设局关于开展燃气安全检查的通知', kind: '通知', body: '请各单位配合。' },
    addressees: { main: ['tax'] },
  });
  await post(clerk, `/${doc.id}/review`);
  await post(signer, `/${doc.id}/sign-off`);
  await post(clerk, `/${doc.id}/register`, { agencyCode: '江住建' });
  await post(clerk, `/${doc.id}/seal`);
  expect((await post(clerk, `/${doc.id}/distribute`)).status).toBe('distributed');
  expect(await stopXgw(gw.child)).toBe(0); // PGlite: one process per data directory

  const list = runXgw(['documents', 'list', '--department', 'tax', '--q', '燃氣安全'], cli.env);
  expect(list.status).toBe(0);
  expect(list.stdout).toMatch(/^加急 {2}江住建〔\d{4}〕1号 {2}江州市住房和城乡建设局关于开展燃气安全检查的通知 {2}housing → tax {2}delivered {2}/m);
  expect(list.stdout).toContain('1 document(s)');
  const outbox = runXgw(['documents', 'list', '--box', 'outbox', '--json'], cli.env);
  expect(JSON.parse(outbox.stdout.trim().split('\n')[0]!)).toMatchObject({ id: doc.id, status: 'distributed', sender: 'housing' });
  const bad = runXgw(['documents', 'list', '--urgency', '很急'], cli.env);
  expect([bad.status, bad.stderr]).toEqual([1, expect.stringContaining('GW_ERR_REQUEST_INVALID')]);
}, 180_000);

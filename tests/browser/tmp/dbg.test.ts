import { startTestGateway, TEST_PASSWORD } from '../../support/gateway';
import { openBrowser } from '../../support/browser';
test('dbg', async () => {
  const t = await startTestGateway();
  const b = await openBrowser();
  b.page.on('response', async (r) => console.log('RESP', r.status(), r.url(), JSON.stringify(await r.allHeaders()).slice(0, 400)));
  b.page.on('request', (r) => console.log('REQ', r.method(), r.url(), JSON.stringify(r.headers())));
  await b.page.goto(`${t.url}/console/login`);
  await b.page.getByLabel('用户名').fill('t.clerk');
  await b.page.getByLabel('密码', { exact: true }).fill(TEST_PASSWORD);
  await b.page.getByRole('button', { name: '登录' }).click();
  await new Promise((r) => setTimeout(r, 3000));
  console.log(b.problems, b.page.url());
  await b.close(); await t.close();
});

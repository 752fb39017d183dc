import { TEST_PASSWORD } from '../support/gateway';
import { startWebhookGateway, type WebhookSetup } from '../support/webhook-receivers';
import { axeViolations, loginAs, openBrowser, screenshot, type ConsoleBrowser } from '../support/browser';

/**
 * 适配器与熔断 names how each member takes its pushes: housing in batches (adapter config batchMax 5,
 * GET /admin/adapters batchMax), docstation one message per request. Real gateway, database and chromium.
 */
let w: WebhookSetup;
let b: ConsoleBrowser;

beforeAll(async () => {
  w = await startWebhookGateway('CB', {}, { housing: { batchMax: 5 } });
  b = await openBrowser();
});
afterAll(async () => {
  await b?.close();
  await w?.close();
});

const row = (member: string) => b.page.locator('.el-table__body-wrapper .el-table__body tr').filter({ hasText: member });

test('the administrator sees which members take their pushes in batches, and how many to a request', async () => {
  const admin = (await w.t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
  const items = (await w.t.call('GET', '/api/v1/admin/adapters', { token: admin })).body.items as Array<{ member: string; batchMax: number | null }>;
  expect(items.filter((i) => i.batchMax !== null).map((i) => [i.member, i.batchMax])).toEqual([['housing', 5]]);

  await loginAs(b.page, w.t.url, 't.admin', TEST_PASSWORD);
  await b.page.getByRole('menuitem', { name: '适配器与熔断' }).click();
  await b.page.waitForURL(/\/console\/admin\/adapters$/);
  await row('housing').getByText('批量推送（每次至多 5 条）').waitFor();
  const docstation = (await row('docstation').locator('td').allTextContents()).map((c) => c.trim());
  expect(docstation[1]).toMatch(/· 推送$/);
  await screenshot(b.page, 'admin-adapters-batches');
  expect(await axeViolations(b.page)).toEqual([]);
});

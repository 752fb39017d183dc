import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { axeViolations, loginAs, openBrowser, screenshot, type ConsoleBrowser } from '../support/browser';
import { SCRIPT_TEXT, sendCaseRecord, sendCaseStatus } from './scenario';

/**
 * Department staff in the console (real gateway, real database, Debian's chromium):
 * dashboard, inbox with filters, a message with its history, acknowledging it (a
 * CSRF-protected POST from the page), the outbox, the services it may call; a payload
 * holding <script> shows as text; a request without the CSRF token is refused; an
 * expired session goes back to the login page.
 */
const TTL_S = 900;
let t: TestGateway;
let b: ConsoleBrowser;
let hostile: string;

beforeAll(async () => {
  t = await startTestGateway({ config: { auth: { sessionTtlSeconds: TTL_S, tokenCacheSeconds: 30 } } });
  b = await openBrowser();
  // housing → hall: status events, one of them with a hostile opinion; hall → housing: case records.
  // Over a few days (the gateway's clock), so the dashboard's chart has something to show.
  for (let i = 1; i <= 3; i++) {
    await sendCaseStatus(t, `JZ-ZJ-2026030${i}-00000${i}`);
    await sendCaseRecord(t, `JZ-ZJ-2026031${i}-00001${i}`);
    t.clock.advance(86_400_000);
  }
  hostile = await sendCaseStatus(t, 'JZ-ZJ-20260309-000009', `审查意见 ${SCRIPT_TEXT}`);
});
afterAll(async () => {
  await b?.close();
  await t?.close();
});

test('the clerk logs in and sees the dashboard: counts and the chart of messages per day', async () => {
  await loginAs(b.page, t.url, 't.clerk', TEST_PASSWORD);
  await b.page.waitForURL(/\/console\/dashboard$/);
  await b.page.locator('.chart canvas').waitFor();
  await expectText('收件（近 500 条）');
  await screenshot(b.page, 'staff-dashboard');
  expect(await axeViolations(b.page)).toEqual([]);
});

test('the inbox lists the received messages with status; the status filter narrows it', async () => {
  await b.page.getByRole('menuitem', { name: '收件箱' }).click();
  await b.page.waitForURL(/\/mailbox\/in$/);
  const rows = b.page.locator('.el-table__body tr');
  await rows.nth(3).waitFor();
  expect(await rows.count()).toBe(4);
  await expectText('江州市住房和城乡建设局');
  await screenshot(b.page, 'staff-inbox');
  expect(await axeViolations(b.page)).toEqual([]);
  // Keyboard only: open the select, pick the option, run the query.
  await b.page.getByRole('combobox', { name: '状态筛选' }).focus();
  await b.page.keyboard.press('Enter');
  await b.page.getByRole('option', { name: '已确认' }).click();
  await b.page.getByRole('button', { name: '查询' }).click();
  await b.page.getByText('暂无报文').waitFor();
});

test('a message with <script> in its payload renders as text; the clerk acknowledges it (a CSRF-protected POST) and the history shows it', async () => {
  await b.page.goto(`${t.url}/console/messages/${hostile}`);
  const payload = b.page.getByLabel('报文内容', { exact: true });
  await payload.waitFor();
  expect(await payload.textContent()).toContain('<script>window.__xss = 1</script>');
  expect(await b.page.evaluate('window.__xss')).toBeUndefined();
  expect(await b.page.locator('main script, main img[src="x"]').count()).toBe(0);
  await b.page.getByRole('button', { name: '确认接收' }).click();
  await b.page.getByText('已确认接收').waitFor();
  await b.page.locator('.el-timeline-item', { hasText: '接收方确认' }).waitFor();
  await screenshot(b.page, 'staff-message');
  expect(await axeViolations(b.page)).toEqual([]);
  const m = await t.call('GET', `/api/v1/messages/${hostile}`, { token: t.tokens.hall });
  expect(m.body.status).toBe('acknowledged');
  expect(m.body.history.at(-1)).toMatchObject({ event: 'acknowledged', actor: 'hall/t.clerk' });
});

test('rejecting by keyboard only: the dialog takes focus, Escape closes it, the reason is sent and shown in the history', async () => {
  const id = await sendCaseStatus(t, 'JZ-ZJ-20260321-000021');
  await b.page.goto(`${t.url}/console/messages/${id}`);
  await b.page.getByRole('button', { name: '拒收…' }).focus();
  await b.page.keyboard.press('Enter');
  const dialog = b.page.getByRole('dialog', { name: '拒收报文' });
  await dialog.waitFor();
  // Focus moves into the dialog (Element Plus traps it there while open).
  await b.page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { contains(n: unknown): boolean } | null; activeElement: unknown } }).document.querySelector('[role=dialog]')?.contains((globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement));
  expect(await axeViolations(b.page)).toEqual([]);
  await b.page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await b.page.getByRole('button', { name: '拒收…' }).focus();
  await b.page.keyboard.press('Enter');
  await b.page.getByLabel('拒收理由').focus();
  await b.page.keyboard.type('材料不全，请补正');
  await b.page.keyboard.press('Tab'); // 取消
  await b.page.keyboard.press('Tab'); // 拒收
  await b.page.keyboard.press('Enter');
  await b.page.getByText('已拒收').first().waitFor();
  await b.page.locator('.el-timeline-item', { hasText: '材料不全，请补正' }).waitFor();
  expect((await t.call('GET', `/api/v1/messages/${id}`, { token: t.tokens.housing })).body.status).toBe('rejected');
});

test('the outbox and the services the department may call', async () => {
  await b.page.getByRole('menuitem', { name: '发件箱' }).click();
  await b.page.waitForURL(/\/mailbox\/out$/);
  await b.page.locator('.el-table__body tr').nth(2).waitFor();
  expect(await b.page.locator('.el-table__body tr').count()).toBe(3);
  await b.page.getByRole('menuitem', { name: '可调用服务' }).click();
  await b.page.locator('.el-table__body tr', { hasText: '办件信息' }).first().waitFor();
  await expectText('江州市市场监督管理局');
  await screenshot(b.page, 'staff-services');
});

test('the global search finds a case in the mailbox', async () => {
  await b.page.getByLabel('全局搜索').fill('JZ-ZJ-20260302-000002');
  await b.page.getByRole('button', { name: '搜索' }).click();
  await b.page.waitForURL(/caseId=JZ-ZJ-20260302-000002/);
  await b.page.locator('.el-table__body tr').first().waitFor();
  expect(await b.page.locator('.el-table__body tr').count()).toBe(1);
});

test('a state-changing request from the page without X-CSRF-Token is refused (403 GW_ERR_AUTH_CSRF); the page itself sends it', async () => {
  const id = await sendCaseStatus(t, 'JZ-ZJ-20260320-000020');
  const out = (await b.page.evaluate(
    `fetch('/api/v1/messages/${id}/ack', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"result":"accepted"}' }).then(async r => [r.status, (await r.json()).code])`,
  )) as [number, string];
  expect(out).toEqual([403, 'GW_ERR_AUTH_CSRF']);
  expect((await t.call('GET', `/api/v1/messages/${id}`, { token: t.tokens.hall })).body.history.map((h: { event: string }) => h.event)).not.toContain('acknowledged');
  // The cookie is HttpOnly: the page's scripts cannot read it.
  expect(await b.page.evaluate('document.cookie')).not.toContain('xgw_session');
});

test('an expired session goes back to the login page, which says so; logging in again returns to the screen', async () => {
  t.clock.advance((TTL_S + 1) * 1000);
  await b.page.getByRole('menuitem', { name: '收件箱' }).click();
  await b.page.waitForURL(/\/console\/login\?/);
  await b.page.getByText('登录已过期，请重新登录').waitFor();
  await screenshot(b.page, 'login-expired');
  expect(await axeViolations(b.page)).toEqual([]);
  await b.page.getByLabel('用户名').fill('t.clerk');
  await b.page.getByLabel('密码', { exact: true }).fill(TEST_PASSWORD);
  await b.page.getByRole('button', { name: '登录' }).click();
  await b.page.waitForURL(/\/mailbox\/in$/);
  expect(b.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
});

async function expectText(text: string) {
  await b.page.getByText(text).first().waitFor();
}

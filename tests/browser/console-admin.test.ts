import { demoMembers } from '../../gateway/registry/demo';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { startReceiver, type Receiver } from '../support/receiver';
import { axeViolations, loginAs, waitForCount, openBrowser, screenshot, type ConsoleBrowser } from '../support/browser';
import { sendCaseRecord } from './scenario';

/**
 * The administrator in the console: dead letters (a receiver that kept failing), replayed
 * from the page (a CSRF-protected POST), after which the outbox delivers them. Real
 * gateway and database, a real webhook receiver on loopback, chromium.
 */
let t: TestGateway;
let rx: Receiver;
let b: ConsoleBrowser;
const dead: string[] = [];

beforeAll(async () => {
  rx = await startReceiver();
  const members = demoMembers.map((m) => (m.code === 'housing' ? { ...m, deliveryMode: 'push' as const, webhookUrl: rx.url } : m));
  t = await startTestGateway({ members, config: { delivery: { requestTimeoutMs: 1500, maxAttempts: 2, backoffBaseMs: 1000, backoffMaxMs: 2000 } } });
  b = await openBrowser();
  rx.reply = () => ({ status: 503 });
  for (let i = 1; i <= 3; i++) dead.push(await sendCaseRecord(t, `JZ-ZJ-20260302-00050${i}`));
  for (let i = 0; i < 4; i++) {
    await t.gw.deps.delivery.runOnce();
    t.clock.advance(5_000);
  }
  rx.reply = () => 'ok';
});
afterAll(async () => {
  await b?.close();
  await t?.close();
  await rx?.close();
});

const statusOf = async (id: string) => (await t.call('GET', `/api/v1/messages/${id}`, { token: t.tokens.hall })).body.status;

test('the administrator sees the dead letters with their last error', async () => {
  expect(await Promise.all(dead.map(statusOf))).toEqual(['dead_lettered', 'dead_lettered', 'dead_lettered']);
  await loginAs(b.page, t.url, 't.admin', TEST_PASSWORD);
  await b.page.waitForURL(/\/console\/admin\/dead-letters$/);
  const rows = b.page.locator('.el-table__body-wrapper .el-table__body tr');
  await rows.nth(2).waitFor();
  expect(await rows.count()).toBe(3);
  await b.page.getByText('HTTP 503').first().waitFor();
  await screenshot(b.page, 'admin-dead-letters');
  expect(await axeViolations(b.page)).toEqual([]);
});

test('replaying one from its row, then the selected ones: the outbox delivers them', async () => {
  const rows = b.page.locator('.el-table__body-wrapper .el-table__body tr');
  await rows.filter({ hasText: 'JZ-ZJ-20260302-000501' }).getByRole('button', { name: '重放' }).click();
  await b.page.getByText('已重放 1 条死信').waitFor();
  await waitForCount(b.page, '.el-table__body-wrapper .el-table__body tr', 2);
  expect(await statusOf(dead[0])).toBe('queued');

  // Select all remaining with the header checkbox, replay them.
  await b.page.locator('.el-table__header .el-checkbox').click();
  await b.page.getByRole('button', { name: /重放所选（2）/ }).click();
  await b.page.getByText('已重放 2 条死信').waitFor();
  await b.page.getByText('没有死信').waitFor();
  await t.gw.deps.delivery.runOnce();
  expect(await Promise.all(dead.map(statusOf))).toEqual(['delivered', 'delivered', 'delivered']);
  const history = (await t.call('GET', `/api/v1/messages/${dead[1]}`, { token: t.tokens.hall })).body.history;
  expect(history.find((h: { event: string }) => h.event === 'replayed')).toMatchObject({ actor: 'hall/t.admin' });
});

test("the administrator reads who looked at what: an auditor's trace query and evidence export, newest first", async () => {
  const auditor = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.auditor', password: TEST_PASSWORD } })).body.token;
  expect((await t.call('GET', '/api/v1/audit/trace?caseId=JZ-ZJ-20260302-000501', { token: auditor })).status).toBe(200);
  expect((await t.call('GET', '/api/v1/audit/evidence?caseId=JZ-ZJ-20260302-000501', { token: auditor })).status).toBe(200);
  await b.page.getByRole('menuitem', { name: '审计访问记录' }).click();
  const rows = b.page.locator('.el-table__body tr');
  await rows.nth(1).waitFor();
  expect(await rows.nth(0).textContent()).toContain('导出证据包');
  expect(await rows.nth(1).textContent()).toMatch(/报文追溯.*办件编号：JZ-ZJ-20260302-000501/);
  await screenshot(b.page, 'admin-audit-access');
  expect(await axeViolations(b.page)).toEqual([]);
});

test('the administrator has no auditor or department screens; logout ends the session', async () => {
  expect(await b.page.getByRole('menuitem', { name: '报文追溯' }).count()).toBe(0);
  await b.page.getByRole('button', { name: '退出登录' }).click();
  await b.page.waitForURL(/\/console\/login$/);
  await b.page.goto(`${t.url}/console/admin/dead-letters`);
  await b.page.waitForURL(/\/console\/login\?redirect=/);
  expect(b.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
});

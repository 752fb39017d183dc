import { demoMembers } from '../../gateway/registry/demo';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { startReceiver, type Receiver } from '../support/receiver';
import { axeViolations, loginAs, openBrowser, screenshot, type ConsoleBrowser } from '../support/browser';
import { sendCaseRecord } from './scenario';
import { until } from '../support/faulty-store';

/**
 * 投递状态: the administrator sees each member's outbox — backlog, dead letters, the last
 * error of a failing webhook — and tests a webhook from its row (a signed test event the
 * receiver really gets). Real gateway and database, a real receiver on loopback, chromium.
 */
let t: TestGateway;
let rx: Receiver;
let b: ConsoleBrowser;

beforeAll(async () => {
  rx = await startReceiver();
  const members = demoMembers.map((m) => (m.code === 'housing' ? { ...m, deliveryMode: 'push' as const, webhookUrl: rx.url } : m));
  t = await startTestGateway({ members, config: { delivery: { requestTimeoutMs: 1500, maxAttempts: 2, backoffBaseMs: 1000, backoffMaxMs: 2000 } } });
  b = await openBrowser();
  rx.reply = () => ({ status: 503 });
  await sendCaseRecord(t, 'JZ-ZJ-20260302-000701');
  await t.gw.deps.delivery.runOnce();
  t.clock.advance(5_000);
  await t.gw.deps.delivery.runOnce(); // the second and last attempt: a dead letter
  await sendCaseRecord(t, 'JZ-ZJ-20260302-000702');
  await t.gw.deps.delivery.runOnce(); // failed once, waits for its retry: the backlog
});
afterAll(async () => {
  await b?.close();
  await t?.close();
  await rx?.close();
});

const housingRow = () => b.page.locator('.el-table__body-wrapper .el-table__body tr').filter({ hasText: 'housing' });

test('the administrator sees backlog, dead letters and the last error per member', async () => {
  await loginAs(b.page, t.url, 't.admin', TEST_PASSWORD);
  await b.page.getByRole('menuitem', { name: '投递状态' }).click();
  await b.page.waitForURL(/\/console\/admin\/delivery$/);
  await housingRow().waitFor();
  const cells = (await housingRow().locator('td').allTextContents()).map((c) => c.trim());
  expect(cells[1]).toBe(`推送${rx.url}`);
  expect(cells[2]).toBe('1'); // backlog (nothing out now: no 在途 line)
  expect(cells[4]).toBe('1'); // dead letters
  expect(cells[6]).toContain('HTTP 503');
  await screenshot(b.page, 'admin-delivery-status');
  expect(await axeViolations(b.page)).toEqual([]);
});

test('测试回调 sends a signed test event and shows status and latency; a failing endpoint shows its error', async () => {
  rx.reply = () => 'ok';
  await housingRow().getByRole('button', { name: '测试回调' }).click();
  await b.page.getByRole('status').filter({ hasText: '测试回调成功：housing 应答 HTTP 200' }).waitFor();
  const test = rx.hits.find((h) => h.headers['x-xgw-event'] === 'test');
  expect(test?.headers.signature).toMatch(/^xgw=:/);
  rx.reply = () => ({ status: 500 });
  await housingRow().getByRole('button', { name: '测试回调' }).click();
  await b.page.getByRole('status').filter({ hasText: '测试回调失败：housing HTTP 500' }).waitFor();
  await screenshot(b.page, 'admin-delivery-test');
  expect(b.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
});

test('a request out to a member shows under its backlog as 在途 while the receiver holds it', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  rx.reply = () => ({ after: held });
  const before = rx.hits.length;
  t.clock.advance(10_000); // the message waiting for its retry is due
  const pass = t.gw.deps.delivery.runOnce();
  try {
    await until(() => rx.hits.length > before, 'the retry posted');
    await b.page.getByRole('button', { name: '刷新' }).click();
    await housingRow().filter({ hasText: '在途 1' }).waitFor();
    expect((await housingRow().locator('td').nth(2).textContent())?.trim()).toBe('1在途 1');
    await screenshot(b.page, 'admin-delivery-in-flight');
  } finally {
    release();
    await pass;
  }
  await b.page.getByRole('button', { name: '刷新' }).click();
  await housingRow().locator('td').nth(2).filter({ hasText: /^\s*0\s*$/ }).waitFor(); // delivered: no backlog, nothing out
});

import fs from 'node:fs';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { axeViolations, loginAs, waitForCount, openBrowser, screenshot, type ConsoleBrowser } from '../support/browser';
import { caseWithHistory, sendCaseRecord } from './scenario';

/**
 * The auditor (电子监察) in the console: trace a case through the exchange (each message's
 * route as a timeline with log indexes), verify its evidence and download the bundle,
 * the checkpoints, the offline-verification page. Real gateway, real database, chromium.
 */
const CASE = 'JZ-ZJ-20260302-000777';
let t: TestGateway;
let b: ConsoleBrowser;

beforeAll(async () => {
  t = await startTestGateway();
  b = await openBrowser();
  await caseWithHistory(t, CASE);
  await sendCaseRecord(t, 'JZ-ZJ-20260302-000888'); // another case: not in this trace
});
afterAll(async () => {
  await b?.close();
  await t?.close();
});

test('the login page: Chinese, accessible; a wrong password is answered in Chinese with the request id', async () => {
  await b.page.goto(`${t.url}/`);
  await b.page.waitForURL(/\/console\/login/);
  await b.page.getByLabel('用户名').fill('t.auditor');
  await b.page.getByLabel('密码', { exact: true }).fill('not the password');
  await b.page.getByRole('button', { name: '登录' }).click();
  await b.page.getByText('用户名或密码错误').waitFor();
  await b.page.getByText(/请求编号：\S+/).waitFor();
  await screenshot(b.page, 'login');
  expect(await axeViolations(b.page)).toEqual([]);
});

test('the auditor traces a case: one card per message, its route as a timeline with the log index of each step', async () => {
  await loginAs(b.page, t.url, 't.auditor', TEST_PASSWORD);
  await b.page.waitForURL(/\/console\/trace$/);
  await b.page.getByLabel('办件编号').fill(CASE);
  await b.page.getByRole('button', { name: '追溯' }).click();
  const cards = b.page.locator('.trace-card');
  await cards.nth(1).waitFor();
  expect(await cards.count()).toBe(2);
  const record = cards.filter({ hasText: '办件信息' });
  const steps = await record.locator('.el-timeline-item strong').allTextContents();
  expect(steps).toEqual(['网关接收', '已投递', '接收方确认']);
  const indexes = (await record.locator('.idx').allTextContents()).map((s) => Number(/#(\d+)/.exec(s)![1]));
  const trace = await t.call('GET', `/api/v1/audit/trace?caseId=${CASE}`, { token: (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.auditor', password: TEST_PASSWORD } })).body.token });
  expect(indexes).toEqual(trace.body.items.filter((e: { entry: { message: { type: string } } }) => e.entry.message.type === 'case-record').map((e: { index: number }) => e.index));
  await expectText('江州市政务服务大厅 → 江州市住房和城乡建设局');
  await screenshot(b.page, 'auditor-trace');
  expect(await axeViolations(b.page)).toEqual([]);
});

test('the trace narrows by message type; the global search traces a member', async () => {
  await b.page.getByRole('combobox', { name: '报文类型' }).focus();
  await b.page.keyboard.press('Enter');
  await b.page.getByRole('option', { name: '办理状态（case-status）' }).click();
  await b.page.getByRole('button', { name: '追溯' }).click();
  await waitForCount(b.page, '.trace-card', 1);
  await b.page.getByText('报文 housing-').first().waitFor();

  await b.page.getByRole('combobox', { name: '搜索类别' }).focus();
  await b.page.keyboard.press('Enter');
  await b.page.getByRole('option', { name: '成员单位' }).click();
  await b.page.getByLabel('全局搜索').fill('housing');
  await b.page.getByRole('button', { name: '搜索' }).click();
  await b.page.waitForURL(/\/trace\?member=housing/);
  await waitForCount(b.page, '.trace-card', 3);
});

test('evidence: every check passes (verified by the gateway), with the checkpoint; the bundle downloads', async () => {
  await b.page.goto(`${t.url}/console/evidence?caseId=${CASE}`);
  await b.page.getByText('✓ 全部通过').waitFor();
  const lines = b.page.getByRole('table', { name: '逐项核验结果' });
  expect(await b.page.locator('.el-table__body .bad').count()).toBe(0);
  await b.page.locator('.el-table__body tr', { hasText: '日志记录与包含证明' }).first().waitFor();
  expect(lines).toBeTruthy();
  await b.page.locator('.el-table__body tr', { hasText: /^\d+/ }).first().waitFor(); // the checkpoint history
  // Every check line in Chinese (the verifier's codes, web/src/verify-zh.ts): what it is about and what was checked.
  const checks = b.page.locator('[aria-label="逐项核验结果"] .el-table__body tr');
  const explained = (await checks.locator('td:nth-child(5)').allTextContents()).map((c) => c.trim());
  expect(explained.length).toBeGreaterThan(10);
  expect(explained.filter((c) => !/[\u4e00-\u9fff]/.test(c))).toEqual([]);
  expect(explained).toEqual(expect.arrayContaining([expect.stringMatching(/^叶子哈希一致；已包含在检查点的日志树中（\d+ 个证明哈希）$/), expect.stringMatching(/^报文载荷的 (sha256|sm3) 摘要 [0-9a-f]{16}… 与信封头中的载荷摘要一致$/)]));
  await checks.filter({ hasText: /日志记录 #\d+（网关接收）/ }).first().waitFor();
  await screenshot(b.page, 'auditor-evidence');
  expect(await axeViolations(b.page)).toEqual([]);

  const [download] = await Promise.all([b.page.waitForEvent('download'), b.page.getByRole('link', { name: '下载证据包' }).click()]);
  expect(download.suggestedFilename()).toBe(`evidence-${CASE}.json`);
  const bundle = JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
  expect(bundle).toMatchObject({ format: 'xgw-evidence/2', caseId: CASE });
  expect(bundle.entries).toHaveLength(4);
  // Every export is on record (who, what).
  expect(t.logs.some((l) => l.audit === 'evidence-export' && l.by === 'hall/t.auditor')).toBe(true);
});

test('a message altered in the store fails its check, said in Chinese', async () => {
  const OTHER = 'JZ-ZJ-20260302-000888';
  await t.db.store.query(`UPDATE messages SET payload = jsonb_set(payload::jsonb, '{remark}', '"事后改动"')::json WHERE case_id = $1`, [OTHER]);
  await b.page.getByLabel('办件编号').fill(OTHER);
  await b.page.getByRole('button', { name: '核验' }).click();
  await b.page.getByText(/^✗ \d+ 项未通过$/).waitFor();
  const failed = b.page.locator('.el-table__body tr', { has: b.page.locator('.bad') });
  await failed.filter({ hasText: /报文载荷的 (sha256|sm3) 摘要与信封头中的载荷摘要不一致：载荷或信封头已被篡改/ }).first().waitFor();
  await screenshot(b.page, 'auditor-evidence-tampered');
});

test('an unknown case is an empty result in Chinese, with the request id', async () => {
  await b.page.getByLabel('办件编号').fill('NO-SUCH-CASE');
  await b.page.getByRole('button', { name: '核验' }).click();
  await b.page.getByText('未找到该办件的记录').waitFor();
  await b.page.getByText(/请求编号：\S+/).waitFor();
});

test('the offline verification page explains openssl with the SM2 distinguishing ID', async () => {
  await b.page.getByRole('menuitem', { name: '离线核验说明' }).click();
  await b.page.getByText('distid:1234567812345678').first().waitFor();
  await screenshot(b.page, 'auditor-verify-guide');
  expect(await axeViolations(b.page)).toEqual([]);
  // The auditor's menu has no department or administrator screens; their URLs lead home.
  expect(await b.page.getByRole('menuitem', { name: '收件箱' }).count()).toBe(0);
  await b.page.goto(`${t.url}/console/admin/dead-letters`);
  await b.page.waitForURL(/\/console\/trace$/);
  expect(b.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
});

async function expectText(text: string) {
  await b.page.getByText(text).first().waitFor();
}

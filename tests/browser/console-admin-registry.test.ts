import { usccCheckChar } from '../../gateway/schemas/identifiers';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { axeViolations, loginAs, openBrowser, screenshot, type ConsoleBrowser } from '../support/browser';
import type { Locator, Page } from 'playwright-core';

/**
 * The administrator's registry screens (成员单位, 接入系统与令牌, 交换协议, 用户与角色) on the
 * registry administration API: a new member (its USCC refused first, in Chinese), a system with a
 * token shown once and then used by a plain HTTP client, revoked from the page (the same call is
 * then 401), an agreement with a validity period, a user with a generated password.
 * Real gateway and database, chromium, axe on every screen.
 */
let t: TestGateway;
let b: ConsoleBrowser;
let page: Page;
let token = '';

const BODY17 = '11360100MB9876543';
const GOOD_USCC = BODY17 + usccCheckChar(BODY17);
const BAD_USCC = BODY17 + (usccCheckChar(BODY17) === '0' ? '1' : '0');

beforeAll(async () => {
  t = await startTestGateway();
  b = await openBrowser();
  page = b.page;
  await loginAs(page, t.url, 't.admin', TEST_PASSWORD);
});
afterAll(async () => {
  await b?.close();
  await t?.close();
});

const dialog = (title: string | RegExp): Locator => page.getByRole('dialog', { name: title });
/** Picks `option` in the Element Plus select labelled `label` inside `scope`. */
async function pick(scope: Locator, label: string, option: string | RegExp, multiple = false): Promise<void> {
  const input = scope.getByLabel(label, { exact: true });
  await input.locator('xpath=ancestor::div[contains(@class, "el-select__wrapper")]').click(); // a placeholder may cover the input
  const list = await input.getAttribute('aria-controls'); // this select's own list (others may still be fading out)
  await page.locator(`[id="${list}"] .el-select-dropdown__item`, { hasText: option }).first().click();
  if (multiple) await page.keyboard.press('Escape'); // closes a multi-select's list, not the dialog
  await page.locator(`[id="${list}"]`).waitFor({ state: 'hidden' });
}
const open = async (menu: string) => {
  await page.getByRole('menuitem', { name: menu }).click();
  await page.getByRole('heading', { name: new RegExp(`^${menu}`) }).waitFor();
};
const asSystem = (tok: string) => t.call('GET', '/api/v1/messages?box=in', { token: tok });

test('成员单位: a wrong USCC is refused in Chinese; the corrected member is created and listed', async () => {
  await open('成员单位');
  await page.locator('.el-table__body tr', { hasText: 'housing' }).waitFor();
  await screenshot(page, 'admin-members');
  expect(await axeViolations(page)).toEqual([]);

  await page.getByRole('button', { name: '新增成员单位' }).click();
  const d = dialog('新增成员单位');
  await d.getByLabel('编码').fill('water');
  await d.getByLabel('名称').fill('江州市水务局');
  await d.getByLabel('统一社会信用代码').fill(BAD_USCC);
  await d.getByRole('button', { name: '保存' }).click();
  await d.getByText('统一社会信用代码：校验码不正确（GB 32100）').waitFor();
  await d.getByText('登记信息不符合要求').waitFor();
  await screenshot(page, 'admin-member-uscc-refused');
  expect(await axeViolations(page)).toEqual([]);

  await d.getByLabel('统一社会信用代码').fill(GOOD_USCC);
  await d.getByRole('button', { name: '保存' }).click();
  await page.getByText('已新增成员单位 江州市水务局').waitFor();
  await page.locator('.el-table__body tr', { hasText: 'water' }).waitFor();
  const m = await t.call('GET', '/api/v1/admin/members/water', { token: await adminToken() });
  expect(m.body).toMatchObject({ code: 'water', name: '江州市水务局', kind: 'municipal', uscc: GOOD_USCC, adapter: 'dept-rest', deliveryMode: 'pull', active: true });
});

test("成员单位: the member's webhook is set; the dialog says how its requests are signed (no shared secret)", async () => {
  await page.locator('.el-table__body tr', { hasText: 'water' }).getByRole('button', { name: '回调地址' }).click();
  const d = dialog(/回调地址：water/);
  await d.getByText('RFC 9421').waitFor();
  expect(await d.getByText('密钥').count()).toBe(1); // only in the explanation: 网关日志密钥
  await d.getByLabel('回调地址').fill('https://water.example.gov.cn/xgw/inbox');
  expect(await axeViolations(page)).toEqual([]);
  await d.getByRole('button', { name: '保存' }).click();
  await d.waitFor({ state: 'hidden' });
  const w = await t.call('GET', '/api/v1/admin/members/water/webhook', { token: await adminToken() });
  expect(w.body).toEqual({ member: 'water', url: 'https://water.example.gov.cn/xgw/inbox', active: true });
});

test('接入系统与令牌: a new system, a token shown once that works over HTTP, then revoked (401)', async () => {
  await open('接入系统与令牌');
  await page.getByRole('button', { name: '新增接入系统' }).click();
  const d = dialog('新增接入系统');
  await pick(d, '成员单位', '江州市水务局');
  await d.getByLabel('系统编码').fill('approval');
  await d.getByLabel('系统名称').fill('水务审批系统');
  await d.getByRole('button', { name: '保存' }).click();
  const row = page.locator('.el-table__body tr', { hasText: '水务审批系统' }).first();
  await row.waitFor();
  await screenshot(page, 'admin-systems');
  expect(await axeViolations(page)).toEqual([]);

  await row.getByRole('button', { name: '签发令牌' }).click();
  const issue = dialog(/签发令牌：water\/approval/);
  await issue.getByLabel('用途说明').fill('生产环境');
  await issue.getByRole('button', { name: '签发' }).click();
  const once = dialog('新令牌');
  await once.getByText('访问令牌只显示这一次').waitFor();
  token = await once.getByLabel('访问令牌').inputValue();
  expect(token.length).toBeGreaterThan(20);
  await screenshot(page, 'admin-token-once');
  expect(await axeViolations(page)).toEqual([]);
  await once.getByRole('button', { name: /我已妥善保存/ }).click();
  await once.waitFor({ state: 'hidden' });

  // The token works for a plain HTTP client: the new member's system reads its (empty) inbox.
  const me = await t.call('GET', '/api/v1/auth/me', { token });
  expect(me.status).toBe(200);
  expect(me.body).toMatchObject({ kind: 'system', member: 'water' });
  expect((await asSystem(token)).status).toBe(200);
  // Never shown again: the list has its last four characters only.
  const tokens = page.locator('.el-card', { hasText: '令牌：江州市水务局' }).locator('.el-table__body tr');
  await tokens.first().waitFor();
  expect(await tokens.count()).toBe(1);
  expect(await tokens.first().textContent()).toContain(`…${token.slice(-4)}`);
  expect(await page.content()).not.toContain(token);

  await tokens.first().getByRole('button', { name: '吊销' }).click();
  const confirm = page.getByRole('dialog', { name: '吊销令牌' });
  await confirm.getByText(`…${token.slice(-4)}`).waitFor();
  expect(await axeViolations(page)).toEqual([]);
  await confirm.getByRole('button', { name: '确定' }).click();
  await page.getByText('令牌已吊销').waitFor();
  await tokens.first().getByText('已吊销').waitFor();
  expect((await asSystem(token)).status).toBe(401);
  expect((await t.call('GET', '/api/v1/auth/me', { token })).status).toBe(401);
});

test('交换协议: an agreement with purposes and a validity period, listed with its period', async () => {
  await open('交换协议');
  await page.locator('.el-table__body tr').first().waitFor();
  await page.getByRole('button', { name: '新增交换协议' }).click();
  const d = dialog('新增交换协议');
  await pick(d, '发送方', '江州市水务局');
  await pick(d, '接收方', '江州市住房和城乡建设局');
  await pick(d, '报文类型或服务', /办件信息/);
  await pick(d, '用途', /办件办理/, true);
  await d.getByPlaceholder('生效时间（不填为立即）').fill('2026-01-01 00:00:00');
  await d.getByPlaceholder('失效时间（不填为长期）').fill('2027-01-01 00:00:00');
  await page.keyboard.press('Enter');
  await d.getByRole('button', { name: '保存' }).click();
  await page.getByText('已新增交换协议').waitFor();
  const row = page.locator('.el-table__body tr', { hasText: '江州市水务局 → 江州市住房和城乡建设局' });
  await row.waitFor();
  expect(await row.textContent()).toMatch(/办件信息（case-record）.*办件办理.*2026-01-01 00:00:00 至 2027-01-01 00:00:00/);
  expect(await axeViolations(page)).toEqual([]); // also waits for the new row's tags to fade in
  await screenshot(page, 'admin-agreements');
  const list = await t.call('GET', '/api/v1/admin/agreements?sender=water', { token: await adminToken() });
  expect(list.body.items).toEqual([
    expect.objectContaining({ sender: 'water', receiver: 'housing', messageType: 'case-record', purposes: ['case-handling'], validFrom: expect.stringMatching(/^2026-01-01T00:00:00/), validTo: expect.stringMatching(/^2027-01-01T00:00:00/) }),
  ]);
});

test('用户与角色: a user with a generated password (shown once) logs in; role changed; disabled', async () => {
  await open('用户与角色');
  await page.locator('.el-table__body tr', { hasText: 't.admin' }).waitFor();
  await page.getByRole('button', { name: '新增用户' }).click();
  const d = dialog('新增用户');
  await d.getByLabel('登录名').fill('water.clerk');
  await d.getByLabel('姓名').fill('王小水');
  await pick(d, '所属单位', '江州市水务局');
  await d.getByRole('button', { name: '保存' }).click();
  const once = dialog('初始密码');
  await once.getByText('初始密码只显示这一次').waitFor();
  const password = await once.getByLabel('初始密码').inputValue();
  await once.getByRole('button', { name: /我已妥善保存/ }).click();
  const login = await t.call('POST', '/api/v1/auth/login', { body: { login: 'water.clerk', password } });
  expect(login.status).toBe(200);

  const row = page.locator('.el-table__body tr', { hasText: 'water.clerk' });
  await row.getByText('窗口/收发人员').waitFor();
  await screenshot(page, 'admin-users');
  expect(await axeViolations(page)).toEqual([]);
  await row.getByRole('button', { name: '修改角色' }).click();
  const r = dialog(/修改角色：water.clerk/);
  await pick(r, '角色', '签发人');
  await r.getByRole('button', { name: '保存' }).click();
  await row.getByText('签发人').waitFor();

  await row.getByRole('button', { name: '停用' }).click();
  await page.getByRole('dialog', { name: '请确认' }).getByRole('button', { name: '确定' }).click();
  await row.getByText('已停用').waitFor();
  const u = await t.call('GET', '/api/v1/admin/users/water.clerk', { token: await adminToken() });
  expect(u.body).toMatchObject({ role: 'signer', active: false, department: 'water' });
  expect((await t.call('POST', '/api/v1/auth/login', { body: { login: 'water.clerk', password } })).status).toBe(401);
  expect(b.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
});

let adminBearer = '';
async function adminToken(): Promise<string> {
  adminBearer ||= (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
  return adminBearer;
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { startStationWorld, type StationWorld } from '../support/station';
import { axeViolations, loginAs, openBrowser, screenshot, waitForCount, type ConsoleBrowser } from '../support/browser';
import { as, housingNotice } from '../support/documents';
import { buildDist, runXgwAsync } from '../support/cli';

/**
 * The clerk screens for 公文 (real gateway, real database, Debian's chromium): a clerk of
 * 市住建局 drafts a 通知 on the compose screen and submits it; the signer signs it off; it
 * is registered (发文字号), sealed and sent to 税务局 and 市场监管局. 税务局 签收, 登记 and
 * 转办 to the hall, which 签收, 登记 and 办结; 市场监管局 退回 with a reason; the sender sees
 * both on the route timeline. Every step is a button of the document view; the steps that
 * need input open a dialog. A 函 to 江州海关 goes out through the (mock) exchange station and
 * its 回执 comes back on the timeline.
 */
let w: StationWorld;
let t: TestGateway;
let b: ConsoleBrowser;
let tokens: Record<string, string>;
let docId = '';
let attachmentFile = '';
const TITLE = '江州市住房和城乡建设局关于开展建筑工地扬尘专项检查的通知';
const REASON = '本局不是该事项的承办单位，请改送区住建局';

beforeAll(async () => {
  buildDist(); // xgw verify bundle runs from dist/
  w = await startStationWorld();
  t = w.t;
  tokens = w.tok;
  b = await openBrowser();
  attachmentFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-doc-')), '检查安排表.txt');
  fs.writeFileSync(attachmentFile, '检查时间：3月10日至3月20日\n');
});
afterAll(async () => {
  await b?.close();
  await w?.close();
  if (attachmentFile) fs.rmSync(path.dirname(attachmentFile), { recursive: true, force: true });
});

const page = () => b.page;

async function switchTo(login: string): Promise<void> {
  if (!page().url().endsWith('/login') && page().url().includes('/console/')) {
    await page().getByRole('button', { name: '退出登录' }).click();
    await page().waitForURL(/\/console\/login/);
  }
  await loginAs(page(), t.url, login, TEST_PASSWORD);
}

async function openDocument(): Promise<void> {
  await page().goto(`${t.url}/console/documents/${docId}`);
  await page().getByRole('heading', { name: TITLE }).waitFor();
}

/** Clicks a step button and waits until the document shows the status the step leads to. */
async function step(button: string, status: string): Promise<void> {
  await page().getByRole('button', { name: button, exact: true }).click();
  await page().getByRole('toolbar', { name: '办理操作' }).getByText(status).waitFor();
}

/** Picks an option of an Element Plus select (its placeholder covers the input: the select's box is clicked). */
async function pick(combobox: string, option: string): Promise<void> {
  const item = page().getByRole('option', { name: option, exact: true });
  if (!(await item.isVisible())) await page().locator('.el-select', { has: page().getByRole('combobox', { name: combobox, exact: true }) }).click();
  await item.click();
}

test('paste text → 识别: the found/missing report is shown and the form is filled for review, nothing invented', async () => {
  await switchTo('housing.clerk');
  await page().getByRole('menuitem', { name: '拟稿' }).click();
  await page().waitForURL(/\/documents\/compose$/);
  const text = ['首页 > 通知公告', '打印本页', '江州市住房和城乡建设局关于做好雨季施工安全工作的通知', '江州市市场监督管理局：', '　　请各单位做好雨季施工安全工作。', '江州市住房和城乡建设局', '2026年3月1日'].join('\n');
  await page().getByLabel('粘贴公文文本').fill(text);
  await page().getByRole('button', { name: '识别' }).click();
  const report = page().getByLabel('识别结果');
  await report.waitFor();
  expect(await page().getByLabel('标题').inputValue()).toBe('江州市住房和城乡建设局关于做好雨季施工安全工作的通知');
  const reportText = (await report.textContent()) ?? '';
  const [found, missing] = reportText.split('未识别到的要素');
  expect(found).toContain('标题');
  expect(found).toContain('成文日期');
  expect(missing).toContain('发文字号'); // the text has none: none is invented
  expect(missing).toContain('抄送机关');
  await page().locator('.el-select__tags-text, .el-tag', { hasText: '江州市市场监督管理局' }).first().waitFor(); // 主送 recognised as a member
  await screenshot(page(), 'documents-compose');
  expect(await axeViolations(page())).toEqual([]);
});

test('the clerk drafts a 通知 with an attachment on the compose screen and submits it for review', async () => {
  await page().goto(`${t.url}/console/documents/compose`);
  await page().getByLabel('标题').fill(TITLE);
  await pick('文种', '通知');
  await pick('紧急程度', '特急');
  await pick('主送单位', '国家税务总局江州市税务局');
  await pick('主送单位', '江州市市场监督管理局');
  await page().keyboard.press('Escape');
  await page().getByLabel('正文').fill('各有关单位：\n为改善空气质量，经研究，决定于2026年3月开展建筑工地扬尘专项检查，请予配合。');
  await page().getByLabel('附件').setInputFiles(attachmentFile);
  await page().getByRole('button', { name: '保存草稿' }).click();
  await page().waitForURL(/\/documents\/[0-9a-f-]{36}$/);
  docId = page().url().split('/').pop()!;
  await page().getByRole('heading', { name: TITLE }).waitFor();
  await page().getByRole('link', { name: '检查安排表.txt' }).waitFor();
  // A clerk may not sign off: the button is not offered.
  await step('审核通过', '发文：已审核');
  expect(await page().getByRole('button', { name: '签发', exact: true }).count()).toBe(0);
  const d = await as(t, tokens['housing.clerk']!).get(`/api/v1/documents/${docId}`);
  expect(d.body).toMatchObject({ status: 'reviewed', urgency: '特急', kind: '通知', addressees: { main: ['tax', 'amr'] } });
  expect(d.body.attachments[0]).toMatchObject({ name: '检查安排表.txt', size: Buffer.byteLength('检查时间：3月10日至3月20日\n') });
});

test('the signer signs it off; the clerk registers it (发文字号), seals and distributes it', async () => {
  await switchTo('housing.signer');
  await openDocument();
  await step('签发', '发文：已签发');
  await switchTo('housing.clerk');
  await openDocument();
  await page().getByRole('button', { name: '登记（编发文字号）' }).click();
  const dialog = page().getByRole('dialog', { name: '登记（编发文字号）' });
  await dialog.waitFor();
  await page().getByLabel('机关代字').fill('江住建');
  await dialog.getByRole('button', { name: '确定' }).click();
  await page().getByRole('toolbar', { name: '办理操作' }).getByText('发文：已登记').waitFor();
  await page().locator('.doc-number', { hasText: /^江住建〔\d{4}〕1号$/ }).waitFor();
  await step('用印', '发文：已用印');
  await page().getByRole('img', { name: /江州市住房和城乡建设局已用印.*GB\/T 38540 电子印章已验证/ }).waitFor();
  await step('分发', '发文：已分发');
  await waitForCount(page(), '.receipts li', 2);
  await openDocument(); // without the step messages
  await screenshot(page(), 'documents-view-sender');
  expect(await axeViolations(page())).toEqual([]);
});

test('税务局: the inbox shows it with its 特急 badge; 签收, 登记 and 转办 to the hall; the hall 签收, 登记, 承办 and 办结', async () => {
  await switchTo('tax.clerk');
  await page().getByRole('menuitem', { name: '收文箱' }).click();
  await page().waitForURL(/\/documents\/inbox$/);
  const row = page().locator('.el-table__body tr', { hasText: TITLE });
  await row.waitFor();
  expect(await row.locator('.el-tag--danger', { hasText: '特急' }).count()).toBe(1);
  await page().mouse.move(1, 760); // no hover highlight in the screenshot
  await screenshot(page(), 'documents-inbox');
  expect(await axeViolations(page())).toEqual([]);
  // the filters: 加急 finds nothing, a traditional-script title search finds it
  await pick('紧急程度筛选', '加急');
  await page().getByRole('button', { name: '查询' }).click();
  await page().getByText('暂无公文').waitFor();
  const urgencyFilter = page().locator('.el-select', { has: page().getByRole('combobox', { name: '紧急程度筛选' }) });
  await urgencyFilter.hover();
  await urgencyFilter.locator('.el-select__clear').click();
  await page().getByLabel('标题搜索').fill('揚塵專項檢查');
  await page().getByRole('button', { name: '查询' }).click();
  await row.waitFor();
  await row.getByRole('link', { name: TITLE }).click();
  await page().getByRole('heading', { name: TITLE }).waitFor();
  await step('签收', '收文：已签收');
  await step('登记', '收文：已登记');
  await page().getByRole('button', { name: '转办…' }).click();
  const dialog = page().getByRole('dialog', { name: '转办' });
  await dialog.waitFor();
  expect(await axeViolations(page())).toEqual([]);
  await pick('转办单位', '江州市政务服务大厅');
  await dialog.getByRole('button', { name: '确定' }).click();
  await page().getByRole('toolbar', { name: '办理操作' }).getByText('收文：已转办').waitFor();

  await switchTo('hall.clerk');
  await openDocument();
  await step('签收', '收文：已签收');
  await step('登记', '收文：已登记');
  await page().getByRole('button', { name: '承办…' }).click();
  const assign = page().getByRole('dialog', { name: '承办' });
  await assign.waitFor();
  await page().getByLabel('承办人').fill('王敏');
  await page().getByLabel('办理期限').fill('2026-03-13');
  await page().getByLabel('办理期限').press('Enter');
  await assign.getByRole('button', { name: '确定' }).click();
  await page().getByRole('toolbar', { name: '办理操作' }).getByText('收文：承办中').waitFor();
  await page().locator('.receipts li', { hasText: '承办人 王敏，期限 2026-03-13' }).waitFor();
  await step('办结', '收文：已办结');
});

test('市场监管局 退回 with a reason; the sender sees 办结 and 退回 (with the reason) on the route timeline', async () => {
  await switchTo('amr.clerk');
  await openDocument();
  await page().getByRole('button', { name: '退回…' }).click();
  const dialog = page().getByRole('dialog', { name: '退回' });
  await dialog.waitFor();
  await page().getByLabel('退回原因').fill(REASON);
  await dialog.getByRole('button', { name: '确定' }).click();
  await page().getByRole('toolbar', { name: '办理操作' }).getByText('收文：已退回').waitFor();

  await switchTo('housing.clerk');
  await page().getByRole('menuitem', { name: '发文箱' }).click();
  await page().locator('.el-table__body tr', { hasText: TITLE }).getByRole('link').click();
  await page().getByRole('heading', { name: TITLE }).waitFor();
  const timeline = page().getByLabel('流转轨迹');
  await timeline.locator('.el-timeline-item', { hasText: '办结' }).waitFor();
  const returned = timeline.locator('.el-timeline-item', { hasText: '退回' });
  await returned.waitFor();
  expect(await returned.textContent()).toContain(REASON);
  expect(await returned.textContent()).toContain('签名已验证');
  expect(await returned.textContent()).toMatch(/日志序号 #\d+/);
  await timeline.locator('.el-timeline-item', { hasText: '转办至：江州市政务服务大厅' }).first().waitFor();
  await returned.scrollIntoViewIfNeeded();
  await screenshot(page(), 'documents-trace');
  expect(await axeViolations(page())).toEqual([]);
  // the page shows what the API says
  const trace = await as(t, tokens['housing.clerk']!).get(`/api/v1/documents/${docId}/trace`);
  const steps = trace.body.events.map((e: { step: string; department: string }) => `${e.department}:${e.step}`);
  expect(steps).toEqual(expect.arrayContaining(['tax:forwarded', 'hall:completed', 'amr:returned', 'housing:distributed']));
  expect(await timeline.locator('.el-timeline-item').count()).toBe(trace.body.events.length);
  expect(b.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
});

test('下载证据包 on the document page: the downloaded bundle passes the real `xgw verify bundle`; one changed byte fails it', async () => {
  await switchTo('housing.clerk');
  await openDocument();
  const [download] = await Promise.all([page().waitForEvent('download'), page().getByRole('link', { name: '下载证据包' }).click()]);
  expect(download.suggestedFilename()).toBe(`evidence-document-${docId}.json`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-doc-bundle-'));
  try {
    const file = path.join(dir, download.suggestedFilename());
    await download.saveAs(file);
    const bytes = fs.readFileSync(file);
    expect(JSON.parse(bytes.toString('utf8'))).toMatchObject({ documentId: docId });
    const rootPem = path.join(dir, 'root.pem');
    fs.writeFileSync(rootPem, t.gw.deps.trust.pki.rootCertPem);
    const ok = await runXgwAsync(['verify', 'bundle', file, '--root', rootPem], {});
    expect([ok.status, ok.stderr]).toEqual([0, '']);
    expect(ok.stdout).toContain(`xgw evidence bundle — document ${docId}:`);
    expect(ok.stdout).toContain('RESULT: VERIFIED');
    // one byte of the title as downloaded: 扬尘 (尘 = E5 B0 98) → 扬尙 (E5 B0 99)
    const at = bytes.indexOf(Buffer.from('扬尘'));
    expect(at).toBeGreaterThan(0);
    bytes[at + 5] = 0x99;
    const changed = path.join(dir, 'changed.json');
    fs.writeFileSync(changed, bytes);
    const no = await runXgwAsync(['verify', 'bundle', changed, '--root', rootPem], {});
    expect(no.status).toBe(1);
    expect(no.stdout).toMatch(/✗ document .*the document was altered/);
    expect(no.stdout).toContain('RESULT: FAILED');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A 函 of 市住建局 to 江州海关 (reached through the station), through the API up to 用印; its id. */
async function sealedLetterToCustoms(title: string): Promise<string> {
  const clerk = as(t, tokens['housing.clerk']!);
  const draft = await clerk.post('/api/v1/documents', { document: housingNotice({ title, kind: '函', mainRecipients: ['中华人民共和国江州海关'] }), addressees: { main: ['customs'] } });
  const id = draft.body.id as string;
  await clerk.post(`/api/v1/documents/${id}/review`);
  await as(t, tokens['housing.signer']!).post(`/api/v1/documents/${id}/sign-off`);
  await clerk.post(`/api/v1/documents/${id}/register`, { agencyCode: '江住建' });
  await clerk.post(`/api/v1/documents/${id}/seal`);
  return id;
}

test('a 函 to 江州海关 goes out through the exchange station; its 回执 comes back on the timeline', async () => {
  const title = '江州市住房和城乡建设局关于进口建材质量抽检的函';
  const id = await sealedLetterToCustoms(title);
  await switchTo('housing.clerk');
  await page().goto(`${t.url}/console/documents/${id}`);
  await page().getByRole('heading', { name: title }).waitFor();
  await step('分发', '发文：已分发');
  // the outbox sends the package; the mock station answers 回执
  expect(await t.gw.deps.delivery.runOnce()).toBe(1);
  expect(w.station.answers.at(-1)).toMatchObject({ kind: '回执', duplicate: false });
  await page().reload();
  const timeline = page().getByLabel('流转轨迹');
  const signed = timeline.locator('.el-timeline-item', { hasText: '签收' });
  await signed.waitFor();
  expect(await signed.textContent()).toContain('中华人民共和国江州海关');
  expect(await signed.textContent()).toContain('经市电子公文交换站');
  await page().locator('.receipts li', { hasText: '中华人民共和国江州海关' }).getByText('已签收').waitFor();
  await signed.scrollIntoViewIfNeeded();
  await screenshot(page(), 'documents-station-receipt');
  expect(await axeViolations(page())).toEqual([]);
});

test('a step the server refuses (the document moved on meanwhile) shows its refusal in Chinese with the request id', async () => {
  const clerk = as(t, tokens['housing.clerk']!);
  const draft = await clerk.post('/api/v1/documents', { document: housingNotice({ title: '关于报送第一季度安全生产情况的通知' }), addressees: { main: ['tax'] } });
  const id = draft.body.id as string;
  await clerk.post(`/api/v1/documents/${id}/review`);
  expect((await as(t, tokens['housing.signer']!).post(`/api/v1/documents/${id}/sign-off`)).status).toBe(200);
  await clerk.post(`/api/v1/documents/${id}/register`, { agencyCode: '江住建' });
  await clerk.post(`/api/v1/documents/${id}/seal`);
  await page().goto(`${t.url}/console/documents/${id}`);
  await page().getByRole('button', { name: '分发', exact: true }).waitFor();
  expect((await clerk.post(`/api/v1/documents/${id}/distribute`)).status).toBe(200); // elsewhere, meanwhile
  await page().getByRole('button', { name: '分发', exact: true }).click();
  await page().locator('.el-message--error', { hasText: /公文当前状态不允许此办理步骤（请求编号：[^—]+）/ }).waitFor();
});

test('the global search finds a 公文 by its 发文字号 in any bracket spelling and opens it; an unknown number says so', async () => {
  await switchTo('tax.clerk');
  const number: string = (await as(t, tokens['tax.clerk']!).get(`/api/v1/documents/${docId}`)).body.documentNumber; // 江住建〔yyyy〕1号
  const search = async (text: string) => {
    await page().getByRole('combobox', { name: '搜索类别' }).focus();
    await page().keyboard.press('Enter');
    await page().getByRole('option', { name: '发文字号' }).click();
    await page().getByLabel('全局搜索').fill(text);
    await page().getByRole('button', { name: '搜索', exact: true }).click();
  };
  await search(number.replace('〔', '【').replace('〕', '】'));
  await page().waitForURL(new RegExp(`/console/documents/${docId}$`));
  await page().getByRole('heading', { name: TITLE }).waitFor();
  const unknown = number.replace('〔', '[').replace('〕', ']').replace(/\d+号$/, '999号');
  await search(unknown);
  await page().locator('.el-message--warning', { hasText: `没有找到发文字号为「${unknown}」的公文` }).waitFor();
  expect(page().url()).toMatch(new RegExp(`/console/documents/${docId}$`));
});

// Last in the file: it moves the gateway's clock 128 minutes on (the outbox's retries), past the
// login sessions the tests above share, so the tests after it would meet 401s.
test('a package the station never takes is a dead letter on the timeline; the admin’s replay shows too, then the 回执', async () => {
  const clerk = as(t, tokens['housing.clerk']!);
  const id = await sealedLetterToCustoms('江州市住房和城乡建设局关于建材进口报关材料的函');
  w.station.behave({ fail: true });
  await clerk.post(`/api/v1/documents/${id}/distribute`);
  const message = (await clerk.get(`/api/v1/documents/${id}`)).body.receipts[0].station.message as string;
  for (let i = 0; i < 8; i++) {
    expect(await t.gw.deps.delivery.runOnce()).toBe(1); // delivery.maxAttempts 8, backoff at most 15 min
    t.clock.advance(16 * 60_000);
  }
  w.station.behave({});
  await switchTo('housing.clerk');
  await page().goto(`${t.url}/console/documents/${id}`);
  const timeline = page().getByLabel('流转轨迹');
  const dead = timeline.locator('.el-timeline-item', { hasText: '死信（交换站未送达）' });
  await dead.waitFor();
  expect(await dead.textContent()).toContain('交换站投递失败，待管理员重发');
  expect(await dead.textContent()).toContain('中华人民共和国江州海关');
  await dead.scrollIntoViewIfNeeded();
  await screenshot(page(), 'documents-station-dead-letter');
  expect(await axeViolations(page())).toEqual([]);
  const admin = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
  expect((await t.call('POST', `/api/v1/admin/dead-letters/${message}/replay`, { token: admin })).status).toBe(200);
  expect(await t.gw.deps.delivery.runOnce()).toBe(1);
  await page().reload();
  await timeline.locator('.el-timeline-item strong', { hasText: /^重发$/ }).waitFor();
  const signed = timeline.locator('.el-timeline-item strong', { hasText: /^签收$/ });
  await signed.waitFor();
  await signed.scrollIntoViewIfNeeded();
  await screenshot(page(), 'documents-station-replayed');
});

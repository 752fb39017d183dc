import fs from 'node:fs';
import path from 'node:path';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { axeViolations, loginAs, openBrowser, screenshot, waitForCount, type ConsoleBrowser } from '../support/browser';
import { MATTER_A, MATTER_B, recordCase, seedStatsCases, STATS_TODAY } from '../support/stats-cases';

/**
 * The supervisor's dashboard (电子监察) in the console: per-department on-time rates and cards
 * (黄牌/红牌), the weekly trend of received vs completed (ECharts), the overdue and warning
 * lists with the responsible department and working days over or left, each case linked to its timeline; filters by matter,
 * department and period; the CSV export. The figures are those tests/stats hand-computes.
 */
let t: TestGateway;
let b: ConsoleBrowser;

beforeAll(async () => {
  t = await startTestGateway();
  t.clock.set(STATS_TODAY);
  await seedStatsCases(t);
  b = await openBrowser();
});
afterAll(async () => {
  await b?.close();
  await t?.close();
});

const cells = async (row: string) => (await b.page.locator('.departments .el-table__body tr', { hasText: row }).locator('td').allTextContents()).map((s) => s.trim());

test('per department: on-time rates and overdue; the weekly trend; the overdue list', async () => {
  await loginAs(b.page, t.url, 't.supervisor', TEST_PASSWORD);
  await b.page.getByRole('menuitem', { name: '监察看板' }).click();
  await b.page.waitForURL(/\/console\/supervision$/);
  await waitForCount(b.page, '.departments .el-table__body tr', 3);
  expect(await cells('住房')).toEqual([expect.stringContaining('住房'), '4', '3', '75.0%', '66.7%', '4.33', '5.6', '1', '0', '3', '2']);
  expect(await cells('税务')).toEqual([expect.stringContaining('税务'), '1', '1', '100.0%', '100.0%', '4', '4', '0', '1', '1', '0']);
  await b.page.getByText('4 / 2').waitFor(); // cards over all departments: 黄牌 / 红牌
  await b.page.getByText('71.4%').waitFor(); // 办结率 over all branches: 5 / 7
  await b.page.locator('.chart canvas').first().waitFor();
  expect(await b.page.locator('.chart').getAttribute('aria-label')).toBe('4 周的每周受理与办结件数：柱为受理，折线为办结') // 08-31 … 09-21, the two weeks between without cases as 0;
  await waitForCount(b.page, '.overdue .el-table__body tr', 1);
  const overdue = (await b.page.locator('.overdue .el-table__body tr td').allTextContents()).map((s) => s.trim());
  expect(overdue).toEqual([`ST-2026-S4${MATTER_B.name}`, expect.stringContaining('住房'), '2026-09-04', '28']);
  expect(await axeViolations(b.page)).toEqual([]);
  // The README's pictures are refreshed only when asked (XGW_UPDATE_DOCS=1): a test run leaves the tree clean.
  const docs = process.env.XGW_UPDATE_DOCS === '1' ? path.join(__dirname, '..', '..', 'docs', 'screenshots') : undefined;
  const dashboard = await screenshot(b.page, 'supervisor-dashboard');
  if (docs) fs.copyFileSync(dashboard, path.join(docs, 'supervisor-dashboard.png'));
  await b.page.locator('.overdue').scrollIntoViewIfNeeded();
  const trend = await screenshot(b.page, 'supervisor-trend');
  if (docs) fs.copyFileSync(trend, path.join(docs, 'supervisor-trend.png'));
});

test('filters: a matter narrows the departments; a period with nothing shows nothing', async () => {
  await b.page.getByLabel('事项编码').fill(MATTER_B.code);
  await b.page.getByRole('button', { name: '查询' }).click();
  await waitForCount(b.page, '.departments .el-table__body tr', 2);
  expect((await cells('住房')).slice(1, 3)).toEqual(['1', '0']);
  await b.page.getByRole('combobox', { name: '部门' }).focus();
  await b.page.keyboard.press('Enter');
  await b.page.getByRole('option', { name: /税务/ }).click();
  await b.page.getByRole('button', { name: '查询' }).click();
  await waitForCount(b.page, '.departments .el-table__body tr', 1);
  await waitForCount(b.page, '.overdue .el-table__body tr', 0);
  await b.page.getByPlaceholder('开始日期').fill('2026-01-01');
  await b.page.getByPlaceholder('结束日期').fill('2026-01-31');
  await b.page.keyboard.press('Enter');
  await b.page.getByRole('button', { name: '查询' }).click();
  await b.page.getByText('所选期间没有办件').waitFor();
});

test('the CSV export is the table of the filters in force', async () => {
  const [download] = await Promise.all([b.page.waitForEvent('download'), b.page.getByRole('link', { name: '导出 CSV' }).click()]);
  expect(download.suggestedFilename()).toBe('case-stats-department-2026-10-20.csv');
  const csv = fs.readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '').trimEnd().split('\r\n');
  expect(csv).toEqual([expect.stringMatching(/^key,label,received/), 'total,合计,0,0,,0,,,,0,0,0,0,0']);
});

test("an overdue case opens its timeline: branches with due dates, every event with its log index and 已验签", async () => {
  await b.page.goto(`${t.url}/console/supervision`);
  await waitForCount(b.page, '.overdue .el-table__body tr', 1);
  await b.page.getByRole('link', { name: 'ST-2026-S4' }).click();
  await b.page.waitForURL(/\/console\/cases\/ST-2026-S4$/);
  await b.page.getByText('承办').first().waitFor();
  expect(await b.page.locator('.timeline .el-timeline-item').count()).toBe(2);
  expect(await b.page.locator('.timeline .idx').first().textContent()).toMatch(/日志序号 #\d+/);
  await waitForCount(b.page, '.timeline .el-tag.sig', 2);
  expect((await b.page.locator('.timeline .el-tag.sig').allTextContents()).map((x) => x.trim())).toEqual(['已验签', '已验签']);
  await b.page.getByText('证据包验签').getByText('全部通过').waitFor();
  await b.page.getByText('超期', { exact: true }).waitFor();
  await screenshot(b.page, 'supervisor-case');
  expect(await axeViolations(b.page)).toEqual([]);
  expect(b.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
});

test('an envelope altered in the database: that event shows 验签失败, the other 已验签', async () => {
  const last = await t.db.store.query<{ id: string; envelope: any }>(
    `SELECT m.id, m.envelope FROM case_events e JOIN messages m ON m.id = e.message_id WHERE e.case_no = 'ST-2026-S4' ORDER BY e.idx DESC LIMIT 1`,
  );
  const envelope = last.rows[0]!.envelope;
  envelope.header.messageId += '-altered';
  await t.db.store.query('UPDATE messages SET envelope = $2 WHERE id = $1', [last.rows[0]!.id, JSON.stringify(envelope)]);
  await b.page.reload();
  await waitForCount(b.page, '.timeline .el-tag.sig', 2);
  expect((await b.page.locator('.timeline .el-tag.sig').allTextContents()).map((x) => x.trim())).toEqual(['已验签', '验签失败']);
  await b.page.locator('.sig-problems').first().waitFor();
  await b.page.getByText('证据包验签').getByText(/项未通过/).waitFor();
  await screenshot(b.page, 'supervisor-case-tampered');
  expect(await axeViolations(b.page)).toEqual([]);
});

test('the warning list beside the overdue list: responsible department, working days left, the link to the timeline', async () => {
  // today Tue 10-20: accepted Fri 10-16 with 3 working days, due Wed 10-21, 1 working day left (inside the 2-day window)
  await recordCase(t, 'ST-2026-S8', 'A', 'housing', '2026-10-16', 3);
  await b.page.goto(`${t.url}/console/supervision`);
  await waitForCount(b.page, '.warnings .el-table__body tr', 1);
  await waitForCount(b.page, '.overdue .el-table__body tr', 1);
  const warning = (await b.page.locator('.warnings .el-table__body tr td').allTextContents()).map((s) => s.trim());
  expect(warning).toEqual([`ST-2026-S8${MATTER_A.name}`, expect.stringContaining('住房'), '2026-10-21', '1']);
  const lists = await b.page.locator('.lists > .el-card').evaluateAll((cards) => cards.map((c) => c.getBoundingClientRect().top));
  expect(lists).toHaveLength(2);
  expect(lists[0]).toBe(lists[1]); // side by side
  expect(await axeViolations(b.page)).toEqual([]);
  await b.page.locator('.lists').scrollIntoViewIfNeeded();
  await screenshot(b.page, 'supervisor-warnings');
  await b.page.getByRole('link', { name: 'ST-2026-S8' }).click();
  await b.page.waitForURL(/\/console\/cases\/ST-2026-S8$/);
  await b.page.getByText('2026-10-21').first().waitFor();
});

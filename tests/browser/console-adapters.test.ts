import { drainOutbox, startAgencyWorld, type AgencyWorld } from '../support/agencies';
import { sampleCaseRecord } from '../fixtures/case-record';
import { TEST_PASSWORD } from '../support/gateway';
import { axeViolations, loginAs, openBrowser, screenshot, waitForCount, type ConsoleBrowser } from '../support/browser';

/**
 * 适配器与熔断: the administrator sees each member's adapter and where it sends, and an
 * agency's circuit breaker open on the screen when the agency fails — the screen follows
 * it by itself; and each receiver's delivery breaker and pause (the outbox's own breaker,
 * shared by every process). Real gateway and database, the mock agencies as real SOAP servers, chromium.
 */
let w: AgencyWorld;
let b: ConsoleBrowser;

beforeAll(async () => {
  // The circuit stays open for the whole test: nothing probes the agency meanwhile.
  w = await startAgencyWorld({ circuit: { failures: 2, halfOpenAfterMs: 600_000 }, amr: { timeoutMs: 10_000 }, delivery: { breakAfterFailures: 2 } }); // a loaded machine's first call (WSDL) may be slow
  b = await openBrowser();
});
afterAll(async () => {
  await b?.close();
  await w?.close();
});

const row = (member: string) => b.page.locator('.el-table__body-wrapper .el-table__body tr').filter({ hasText: member });
const queryAmr = () =>
  w.t.call('POST', '/api/v1/services/amr/query-enterprise', { token: w.t.tokens.hall, body: { uscc: '91350100273896412W' }, headers: { 'x-purpose': 'case-handling', 'x-case-id': 'JZ-SV-20260302-000001' } });

test("the administrator sees each member's adapter and endpoint, and the agency circuits closed", async () => {
  expect((await queryAmr()).status).toBe(200);
  await loginAs(b.page, w.t.url, 't.admin', TEST_PASSWORD);
  await b.page.getByRole('menuitem', { name: '适配器与熔断' }).click();
  await b.page.waitForURL(/\/console\/admin\/adapters$/);
  await row('amr').getByText('正常（闭合）').waitFor();
  const amr = (await row('amr').locator('td').allTextContents()).map((c) => c.trim());
  expect(amr[1]).toContain('amr-soap');
  expect(amr[2]).toBe(w.agencies.amr.url);
  expect(amr[4]).toContain('0 / 2');
  expect(amr[5]).toBe('1 / 0 / 0');
  expect(amr[6]).toBe('—');
  await row('tax').getByText('正常（闭合）').waitFor();
  await row('hall').getByText('无熔断器').waitFor();
  expect(await axeViolations(b.page)).toEqual([]);
});

test('an agency that fails opens its circuit, and the screen shows it without a reload', async () => {
  w.agencies.amr.behave({ fail: 'http-503' });
  for (let i = 0; i < 2; i++) expect((await queryAmr()).body.code).toBe('GW_ERR_AGENCY_UNAVAILABLE');
  expect((await queryAmr()).body.code).toBe('GW_ERR_AGENCY_CIRCUIT_OPEN');
  // the automatic refresh brings it: no click, no reload
  await row('amr').getByText('已熔断（断开）').waitFor();
  const amr = (await row('amr').locator('td').allTextContents()).map((c) => c.trim());
  expect(amr[4]).toContain('2 / 2');
  expect(amr[5]).toBe('1 / 2 / 1');
  expect(amr[6]).toMatch(/503/);
  await row('tax').getByText('正常（闭合）').waitFor();
  await screenshot(b.page, 'admin-adapters-circuit-open');
  expect(await axeViolations(b.page)).toEqual([]);
  // the filter by state keeps only the open one
  await b.page.getByRole('combobox', { name: '熔断状态筛选' }).focus(); // by keyboard
  await b.page.keyboard.press('Enter');
  await b.page.getByRole('option', { name: '已熔断（断开）' }).click();
  await waitForCount(b.page, '.el-table__body-wrapper .el-table__body tr', 1);
  await row('amr').waitFor();
  expect(b.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
});

test("a receiver whose deliveries fail shows its delivery breaker open, and a paused receiver shows paused (暂停投递 on the screen)", async () => {
  await b.page.goto(`${w.t.url}/console/admin/adapters`);
  await row('tax').getByText('投递正常').waitFor();
  // two failed pushes to 税务 in a row (delivery.breakAfterFailures = 2) open its delivery breaker
  w.agencies.tax.behave({ fail: 'http-503' });
  const record = sampleCaseRecord({ caseNo: 'JZ-AD-00001' });
  const sent = await w.t.call('POST', '/api/v1/messages', { token: w.t.tokens.hall, body: { to: 'tax', type: 'case-record', messageId: 'adapters-breaker-1', caseId: record.caseNo, purpose: 'case-handling', payload: record } });
  expect(sent.status).toBe(202);
  await drainOutbox(w.t, 2);
  const tax = (await w.t.call('GET', '/api/v1/admin/adapters?delivery=open', { token: w.admin })).body.items;
  expect(tax).toEqual([expect.objectContaining({ member: 'tax', delivery: expect.objectContaining({ state: 'open', failuresInARow: 2, threshold: 2, paused: false }) })]);
  await row('tax').getByText('投递熔断').waitFor(); // the automatic refresh brings it
  expect(await row('tax').locator('td').last().textContent()).toMatch(/待投递 [01] · 连续失败 2 \/ 2/); // its backlog: the message waits for the probe, or was dead-lettered
  // 暂停投递 on 市场监管's row (a push receiver), confirmed: paused, since when
  await row('amr').getByRole('button', { name: '暂停投递 amr' }).click();
  await b.page.getByRole('dialog').getByRole('button', { name: '确定' }).click();
  await row('amr').getByText('已暂停投递').waitFor();
  const paused = (await w.t.call('GET', '/api/v1/admin/members/amr/delivery', { token: w.admin })).body;
  expect(paused).toMatchObject({ paused: true, pausedBy: expect.any(String) });
  await row('amr').getByText(`${paused.pausedBy}`).first().waitFor();
  await screenshot(b.page, 'admin-adapters-delivery-breaker');
  expect(await axeViolations(b.page)).toEqual([]);
  // the delivery filter keeps the paused one only
  await b.page.getByRole('combobox', { name: '投递状态筛选' }).focus();
  await b.page.keyboard.press('Enter');
  await b.page.getByRole('option', { name: '已暂停投递' }).click();
  await waitForCount(b.page, '.el-table__body-wrapper .el-table__body tr', 1);
  await row('amr').waitFor();
  // 恢复投递: running again
  await row('amr').getByRole('button', { name: '恢复投递 amr' }).click();
  await b.page.getByRole('dialog').getByRole('button', { name: '确定' }).click();
  await b.page.getByText('已恢复投递').first().waitFor();
  expect((await w.t.call('GET', '/api/v1/admin/members/amr/delivery', { token: w.admin })).body.paused).toBe(false);
});

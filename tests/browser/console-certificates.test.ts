import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { axeViolations, loginAs, openBrowser, screenshot, type ConsoleBrowser } from '../support/browser';
import { sampleCaseStatus } from '../fixtures/case-record';
import type { Page } from 'playwright-core';

/**
 * The administrator's 证书管理 screen on the certificate API: every certificate with its status
 * and days to expiry, a warning when one in use expires within 30 days, 轮换 and 吊销 behind a
 * confirm dialog (the gateway signs with the new key at once; after 吊销 it refuses to sign
 * for the member). Real gateway and database, chromium, axe on the screen.
 */
let t: TestGateway;
let b: ConsoleBrowser;
let page: Page;

const DAY = 86_400_000;

beforeAll(async () => {
  t = await startTestGateway();
  // 20 days before the demo departments' certificates expire: the screen warns.
  const housingEnds = new Date(t.gw.deps.trust.signerFor('housing')!.certificate!.validTo).getTime();
  t.clock.advance(housingEnds - t.clock.now().getTime() - 20 * DAY);
  b = await openBrowser();
  page = b.page;
  await loginAs(page, t.url, 't.admin', TEST_PASSWORD);
});
afterAll(async () => {
  await b?.close();
  await t?.close();
});

const housingRow = (status: string) => page.locator('.el-table__body tr', { hasText: '江州市住房和城乡建设局' }).filter({ hasText: status });
const pushAsHousing = (messageId: string) => t.call('POST', '/api/v1/messages', { token: t.tokens.housing, body: { to: 'hall', type: 'case-status', messageId, purpose: 'status-feedback', payload: sampleCaseStatus() } });

test('证书管理: expiry warned; 轮换 signs with a new key at once, 吊销 stops on-behalf signing, both after a confirm dialog', async () => {
  await page.getByRole('menuitem', { name: '证书管理' }).click();
  await page.getByRole('heading', { name: /^证书管理/ }).waitFor();
  const row = housingRow('在用');
  await row.waitFor();
  expect(await row.textContent()).toContain('20 天');
  await page.getByText(/张在用证书将在 30 天内到期，请及时轮换/).waitFor();
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'admin-certificates');

  const before = t.gw.deps.trust.signerCertificate('housing');
  await row.getByRole('button', { name: '轮换' }).click();
  const rotate = page.getByRole('dialog', { name: '轮换证书' });
  await rotate.getByText(/网关将立即改用新证书代其签名/).waitFor();
  expect(await axeViolations(page)).toEqual([]);
  await rotate.getByRole('button', { name: '确定' }).click();
  await page.getByText('已轮换，新证书立即生效').waitFor();
  await housingRow('已轮换').waitFor();
  const after = t.gw.deps.trust.signerCertificate('housing');
  expect(after).not.toBe(before);
  expect(await housingRow('在用').textContent()).toMatch(/8\d\d 天/);
  expect((await pushAsHousing('console-rotated')).status).toBe(202);

  await housingRow('在用').getByRole('button', { name: '吊销' }).click();
  const revoke = page.getByRole('dialog', { name: '吊销证书' });
  await revoke.getByText(/在轮换签发新证书之前，网关将拒绝代该单位签名/).waitFor();
  await revoke.getByRole('button', { name: '确定' }).click();
  await page.getByText('证书已吊销').waitFor();
  await housingRow('已吊销').waitFor();
  await screenshot(page, 'admin-certificates-revoked');
  const refused = await pushAsHousing('console-revoked');
  expect([refused.status, refused.body.code]).toEqual([422, 'GW_ERR_TRUST_CERTIFICATE_INVALID']);
  expect(b.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
});

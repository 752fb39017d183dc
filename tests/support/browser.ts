import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * The browser tests' tools (tests/browser): Debian's chromium driven by playwright-core,
 * one browser per test file with a fresh profile, axe-core for accessibility, screenshots
 * as artifacts in tests/browser/artifacts (gitignored).
 */
const root = path.join(__dirname, '..', '..');
export const ARTIFACTS = path.join(root, 'tests', 'browser', 'artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Builds web/ into web/dist unless it is up to date (global setup; `npm start` does the same). */
export function buildConsole(): void {
  execFileSync(process.execPath, [path.join(root, 'web', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
}

export interface ConsoleBrowser {
  context: BrowserContext;
  page: Page;
  /** Console messages and page errors (CSP violations show up here). */
  problems: string[];
  close(): Promise<void>;
}

export async function openBrowser(): Promise<ConsoleBrowser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 768 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The page's document, typed just enough for predicates run in the page (this project compiles without the DOM lib). */
type PageDocument = { querySelectorAll(selector: string): { length: number } };

/**
 * Waits until `selector` matches exactly `n` elements. A function, not a string: the console's CSP
 * forbids eval, which Playwright would need for a string predicate.
 */
export async function waitForCount(page: Page, selector: string, n: number): Promise<void> {
  await page.waitForFunction(([s, k]) => (globalThis as unknown as { document: PageDocument }).document.querySelectorAll(s).length === k, [selector, n] as const);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await waitForCount(page, '.el-loading-mask', 0); // no spinner fading out
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core on the current page (WCAG 2.1 A/AA rules). Its source is evaluated through the
 * DevTools protocol, not a <script> tag, so the console's CSP stays as strict in the test as in use.
 * Answers the violations as short lines ("rule (impact): help — targets").
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.mouse.move(1, 760); // no hover state on what was clicked last
  // Element Plus fades dialogs and menus in: colours are checked once every transition has ended.
  await page.waitForFunction(() => (globalThis as unknown as { document: { getAnimations(): { playState: string }[] } }).document.getAnimations().every((a) => a.playState !== 'running'));
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE);
  const violations = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then(r => r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({ target: n.target })) })))`,
  )) as AxeViolation[];
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(' ')}`);
}

/** Logs in through the login page and waits for the first screen. */
export async function loginAs(page: Page, url: string, login: string, password: string): Promise<void> {
  await page.goto(`${url}/console/login`);
  await page.getByLabel('用户名').fill(login);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.endsWith('/login'));
}

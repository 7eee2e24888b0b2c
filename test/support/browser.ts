import * as fs from 'node:fs';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const required = process.env.REQUIRE_BROWSER === '1';
export const hasBrowser = fs.existsSync(CHROMIUM);

if (!hasBrowser) {
  const msg = `\n\n!!! Browser tests SKIPPED: no Chromium at ${CHROMIUM}. Install it with: apt-get install -y chromium !!!\n\n`;
  if (required) throw new Error(`REQUIRE_BROWSER=1 but ${msg}`);
  process.stderr.write(msg);
}

/** `describe` for browser tests: skipped (loudly) when no Chromium is installed, except in CI. */
export const describeBrowser: jest.Describe = hasBrowser ? describe : describe.skip;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** A fresh browser profile (cookies etc.) — one per person in the story. */
export async function newPerson(browser: Browser, baseURL: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  return { context, page };
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('メールアドレス').fill(email);
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForLoadState('domcontentloaded');
}

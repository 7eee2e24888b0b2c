import type { Browser } from 'playwright-core';
import { createTestApp, SECRETARIAT, TestApp } from '../support/app';
import { describeBrowser, launchBrowser, newPerson, signIn } from '../support/browser';

describeBrowser('in the browser: join, be approved, sign in', () => {
  let t: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    t = await createTestApp('browser_membership');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('a company applies on /join, the secretariat approves it in another browser, and the member signs in to the member home', async () => {
    const applicant = await newPerson(browser, t.url);
    const page = applicant.page;
    await page.goto('/');
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    await page.goto('/join');
    await page.getByLabel('団体・組織の名称').fill('株式会社かわちテック');
    await page.getByLabel('組織の種類').selectOption('corporation');
    await page.getByLabel('担当者のお名前').fill('河内 一郎');
    await page.getByLabel('メールアドレス').fill('ichiro@kawachi.example.jp');
    await page.getByLabel('パスワード').fill('kawachi-password-2026');
    await page.getByLabel('利用規約に同意します').check();
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '申し込む' }).click()]);
    await page.waitForURL('**/join/done');

    // not yet approved: a clear message
    await signIn(page, 'ichiro@kawachi.example.jp', 'kawachi-password-2026');
    await expect(page.locator('main').innerText()).resolves.toMatch(/審査中/);

    const secretariat = await newPerson(browser, t.url);
    await signIn(secretariat.page, SECRETARIAT.email, SECRETARIAT.password);
    await secretariat.page.goto('/secretariat');
    const card = secretariat.page.locator('[data-application="株式会社かわちテック"]');
    await card.getByRole('button', { name: '承認する' }).click();
    // the application leaves the queue (the URL stays /secretariat, so wait for the card itself)
    await secretariat.page.locator('[data-application="株式会社かわちテック"]').waitFor({ state: 'detached' });
    expect(await secretariat.page.locator('[data-application]').count()).toBe(0);

    await signIn(page, 'ichiro@kawachi.example.jp', 'kawachi-password-2026');
    await page.waitForURL('**/home');
    await expect(page.locator('h1').innerText()).resolves.toMatch(/マイページ/);
    await expect(page.locator('main').innerText()).resolves.toMatch(/株式会社かわちテック/);
    await applicant.context.close();
    await secretariat.context.close();
  });

  it('a form posted without a CSRF token is refused with 403', async () => {
    const res = await t.http().post('/login').type('form').send({ email: 'a@example.jp', password: 'x' });
    expect(res.status).toBe(403);
  });

  it('pages switch to English with ?lang=en and remember it', async () => {
    const { context, page } = await newPerson(browser, t.url);
    await page.goto('/login?lang=en');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.goto('/join');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await context.close();
  });
});

import type { Browser } from 'playwright-core';
import { createTestApp, TestApp } from '../support/app';
import { describeBrowser, launchBrowser, newPerson, signIn } from '../support/browser';
import { approvedMember, TestMember } from '../factories/members';
import { flushSearch } from '../factories/marketplace';

// shared Meilisearch and a busy machine: give slow steps room (no timing is asserted)
jest.setTimeout(150_000);

describeBrowser('in the browser: a municipality posts an issue, a company finds it and marks interest', () => {
  let t: TestApp;
  let browser: Browser;
  let municipality: TestMember;
  let company: TestMember;

  beforeAll(async () => {
    t = await createTestApp('browser_marketplace');
    municipality = await approvedMember(t, 'municipality', { municipalityCode: '27214', name: '富田林市' });
    company = await approvedMember(t, 'corporation', { name: '株式会社すまいつなぐ' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('富田林市 posts an issue on /issues/new; a company finds it with 「空き家」 and the field filter, opens it and clicks 関心あり', async () => {
    const muni = await newPerson(browser, t.url);
    await signIn(muni.page, municipality.email, municipality.password);
    await muni.page.goto('/issues/new');
    await muni.page.getByLabel('タイトル').fill('増え続ける空き家の実態を把握し、活用につなげたい');
    await muni.page
      .getByLabel('本文')
      .fill('本市の空き家は約5,000戸と推計されています。外観の目視調査に費用と手間がかかり、所有者への働きかけも進んでいません。');
    await muni.page.getByLabel('安全・安心なまちづくり').check();
    await muni.page.getByLabel('タグ').fill('空き家、住宅政策');
    await muni.page.getByLabel('予算の状況').selectOption('requesting');
    await Promise.all([muni.page.waitForEvent('load'), muni.page.getByRole('button', { name: '公開する' }).click()]);
    await muni.page.waitForURL(/\/issues\/[0-9a-f-]{36}$/);
    await expect(muni.page.locator('[role="status"]').first().innerText()).resolves.toMatch(/公開しました/);
    await expect(muni.page.locator('h1').innerText()).resolves.toBe('増え続ける空き家の実態を把握し、活用につなげたい');
    await expect(muni.page.locator('main').innerText()).resolves.toMatch(/予算要求予定/);
    const issueUrl = muni.page.url();
    await flushSearch(t);

    const co = await newPerson(browser, t.url);
    await signIn(co.page, company.email, company.password);
    await co.page.goto('/issues');
    await co.page.getByLabel('キーワード').fill('空き家');
    await co.page.getByLabel('安全・安心なまちづくり').check();
    await Promise.all([co.page.waitForEvent('load'), co.page.getByRole('button', { name: '検索', exact: true }).click()]);
    await co.page.waitForURL(/\/issues\?.*field=safety/);
    await expect(co.page.locator('#result-count').innerText()).resolves.toMatch(/1件見つかりました/);
    await expect(co.page.locator('.mp-results mark').first().innerText()).resolves.toBe('空き家');
    await expect(co.page.getByLabel('安全・安心なまちづくり').isChecked()).resolves.toBe(true);

    await Promise.all([
      co.page.waitForEvent('load'),
      co.page.getByRole('link', { name: '増え続ける空き家の実態を把握し、活用につなげたい' }).click(),
    ]);
    await co.page.waitForURL(issueUrl);
    await expect(co.page.locator('main').innerText()).resolves.toMatch(/富田林市/);
    await Promise.all([co.page.waitForEvent('load'), co.page.getByRole('button', { name: '関心あり' }).click()]);
    await co.page.waitForURL(issueUrl);
    await expect(co.page.locator('main').innerText()).resolves.toMatch(/「関心あり」を登録しています/);
    await expect(co.page.locator('[data-interest-count]').innerText()).resolves.toMatch(/1団体/);

    // the municipality sees who is interested
    await muni.page.reload();
    await expect(muni.page.locator('#interest').innerText()).resolves.toMatch(/株式会社すまいつなぐ/);
    await muni.context.close();
    await co.context.close();
  });
});

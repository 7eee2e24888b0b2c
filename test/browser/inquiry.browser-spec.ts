import type { Browser } from 'playwright-core';
import { createTestApp, TestApp } from '../support/app';
import { describeBrowser, launchBrowser, newPerson, signIn } from '../support/browser';
import { approvedMember, TestMember } from '../factories/members';
import { flushSearch, postSolution } from '../factories/marketplace';

// shared Meilisearch and a busy machine: give slow steps room (no timing is asserted)
jest.setTimeout(180_000);

describeBrowser('in the browser: a company finds a municipal issue, marks interest and inquires; the municipality answers', () => {
  let t: TestApp;
  let browser: Browser;
  let municipality: TestMember;
  let company: TestMember;

  beforeAll(async () => {
    t = await createTestApp('browser_inquiry');
    municipality = await approvedMember(t, 'municipality', { municipalityCode: '27100', name: '大阪市' });
    company = await approvedMember(t, 'corporation', { name: '株式会社みまもりラボ' });
    // the company's listed solution, so the issue page has something to recommend
    await postSolution(t, company.token, {
      status: 'published',
      title: '見守りセンサーによる高齢者の安否確認サービス',
      summary: '電力や人感センサーで生活リズムを見守り、異常があれば家族や自治体に知らせます。',
      body: '独居の高齢者宅にセンサーを設置し、安否確認を自動化します。民生委員の訪問負担を減らせます。',
      fieldSlugs: ['elderly'],
      tags: ['見守り', '安否確認', '高齢者'],
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('大阪市 posts an issue; a company finds it with 「安否確認」 and 高齢者 field, sees recommendations, marks interest and sends an inquiry; 大阪市 answers in /inquiries', async () => {
    const muni = await newPerson(browser, t.url);
    await signIn(muni.page, municipality.email, municipality.password);
    await muni.page.goto('/issues/new');
    await muni.page.getByLabel('タイトル').fill('一人暮らし高齢者の安否確認を効率化したい');
    await muni.page
      .getByLabel('本文')
      .fill('一人暮らしの高齢者が増え、民生委員による訪問だけでは安否確認が追いつきません。見守りの仕組みを探しています。');
    await muni.page.getByLabel('高齢者にやさしいまちづくり').check();
    await muni.page.getByLabel('タグ').fill('安否確認、見守り');
    await Promise.all([muni.page.waitForEvent('load'), muni.page.getByRole('button', { name: '公開する' }).click()]);
    await muni.page.waitForURL(/\/issues\/[0-9a-f-]{36}$/);
    const issueUrl = muni.page.url();
    await flushSearch(t);

    const co = await newPerson(browser, t.url);
    await signIn(co.page, company.email, company.password);
    await co.page.goto('/issues');
    await co.page.getByLabel('キーワード').fill('安否確認');
    await co.page.getByLabel('高齢者にやさしいまちづくり').check();
    await Promise.all([co.page.waitForEvent('load'), co.page.getByRole('button', { name: '検索', exact: true }).click()]);
    await co.page.waitForURL(/\/issues\?.*field=elderly/);
    await expect(co.page.locator('#result-count').innerText()).resolves.toMatch(/1件見つかりました/);

    // keep this search: new matching issues will be notified
    await Promise.all([co.page.waitForEvent('load'), co.page.getByRole('button', { name: 'この条件を保存' }).click()]);
    await co.page.waitForURL(/\/saved-searches$/);
    await expect(co.page.locator('main').innerText()).resolves.toMatch(/安否確認/);
    await co.page.goBack();

    await Promise.all([
      co.page.waitForEvent('load'),
      co.page.getByRole('link', { name: '一人暮らし高齢者の安否確認を効率化したい' }).click(),
    ]);
    await co.page.waitForURL(issueUrl);
    await expect(co.page.locator('#matches-heading').innerText()).resolves.toBe('おすすめのソリューション');
    await expect(co.page.locator('[data-section="matches"]').innerText()).resolves.toMatch(/見守りセンサーによる高齢者の安否確認サービス/);
    await Promise.all([co.page.waitForEvent('load'), co.page.getByRole('button', { name: '関心あり' }).click()]);
    await co.page.waitForURL(issueUrl);
    await expect(co.page.locator('main').innerText()).resolves.toMatch(/「関心あり」を登録しています/);

    await co.page.getByLabel('件名').fill('見守りセンサーの実証のご提案');
    await co.page.getByLabel('お問い合わせ内容').fill('弊社の見守りセンサーで、来年度に100世帯規模の実証をご一緒できないでしょうか。');
    await Promise.all([co.page.waitForEvent('load'), co.page.getByRole('button', { name: '問い合わせを送る' }).click()]);
    await co.page.waitForURL(/\/inquiries\/[0-9a-f-]{36}$/);
    await expect(co.page.locator('[role="status"]').first().innerText()).resolves.toMatch(/大阪市 に問い合わせを送りました/);
    const threadUrl = co.page.url();

    // 大阪市 reads it in its inbox (unread badge) and answers
    await muni.page.goto('/inquiries');
    const item = muni.page.locator('.inquiry-list__item', { hasText: '見守りセンサーの実証のご提案' });
    await expect(item.innerText()).resolves.toMatch(/未読1件/);
    await expect(item.innerText()).resolves.toMatch(/株式会社みまもりラボ/);
    await item.getByRole('link', { name: '見守りセンサーの実証のご提案' }).click();
    await muni.page.waitForURL(threadUrl);
    await expect(muni.page.locator('main').innerText()).resolves.toMatch(/100世帯規模の実証/);
    await muni.page.getByLabel('返信の内容').fill('ご提案ありがとうございます。高齢福祉課で検討し、来週ご連絡します。');
    await Promise.all([muni.page.waitForEvent('load'), muni.page.getByRole('button', { name: '返信を送る' }).click()]);
    await muni.page.waitForURL(/\/inquiries\/[0-9a-f-]{36}#latest$/);
    await expect(muni.page.locator('#latest').innerText()).resolves.toMatch(/高齢福祉課で検討し/);

    // the company sees the answer
    await co.page.goto('/inquiries');
    await expect(co.page.locator('.inquiry-list__item').first().innerText()).resolves.toMatch(/未読1件/);
    await Promise.all([co.page.waitForEvent('load'), co.page.getByRole('link', { name: '見守りセンサーの実証のご提案' }).click()]);
    await co.page.waitForURL(threadUrl);
    await expect(co.page.locator('main').innerText()).resolves.toMatch(/高齢福祉課で検討し、来週ご連絡します。/);
    await muni.context.close();
    await co.context.close();
  });
});

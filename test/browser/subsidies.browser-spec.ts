import type { Browser, Page } from 'playwright-core';
import { approvedMember, secretariatTokenFor, TestMember } from '../factories/members';
import { createProgram, pdfFile } from '../factories/subsidies';
import { createTestApp, SECRETARIAT, TestApp } from '../support/app';
import { describeBrowser, launchBrowser, newPerson, signIn } from '../support/browser';

describeBrowser('in the browser: a subsidy application from draft to the confirmed amount', () => {
  let t: TestApp;
  let browser: Browser;
  let company: TestMember;
  let reviewer: TestMember;
  let city: TestMember;
  let programTitle: string;

  beforeAll(async () => {
    t = await createTestApp('browser_subsidies');
    browser = await launchBrowser();
    const sec = await secretariatTokenFor(t);
    company = await approvedMember(t, 'corporation', { name: '株式会社かわちモビリティ' });
    reviewer = await approvedMember(t, 'university', { name: '河内工業大学' });
    city = await approvedMember(t, 'municipality', { municipalityCode: '27214', name: '富田林市' });
    programTitle = (await createProgram(t, sec, { title: '令和7年度 プロジェクト推進補助金（第1回）', budgetTotal: 3_000_000 })).title;
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const main = (page: Page) => page.locator('main').innerText();
  const status = (page: Page) => page.locator('[data-status]').getAttribute('data-status');

  it('an applicant drafts, attaches and submits; the secretariat returns it; the applicant resubmits; a reviewer scores; the secretariat adopts with the grant, receives the report and confirms the amount', async () => {
    // the applicant drafts
    const applicant = await newPerson(browser, t.url);
    const a = applicant.page;
    await signIn(a, company.email, company.password);
    await a.goto('/subsidies');
    await a.getByRole('link', { name: programTitle }).click();
    await a.getByRole('link', { name: 'この公募に申請する' }).click();
    await a.getByLabel('件名').fill('AIオンデマンドバスの実証運行');
    await a.getByLabel('事業の概要').fill('郊外の住宅地で、予約に応じて走るバスを3か月間運行します。');
    await a.getByLabel('経費の項目 1', { exact: true }).fill('車両リース費');
    await a.getByLabel('金額（円） 1', { exact: true }).fill('1,200,000');
    await a.getByLabel('経費の項目 2', { exact: true }).fill('配車システム利用料');
    await a.getByLabel('金額（円） 2', { exact: true }).fill('600000');
    await a.getByLabel('申請額（円）').fill('1200000');
    await a.getByLabel('連携する市町村').selectOption({ label: '富田林市' });
    await a.getByRole('button', { name: '下書き保存する' }).click();
    // over the cap: the form says so next to the field, with what was typed
    await expect(a.locator('#requestedAmount-error').innerText()).resolves.toMatch(/上限/);
    await expect(a.getByLabel('経費の項目 2', { exact: true }).inputValue()).resolves.toBe('配車システム利用料');
    await a.getByLabel('申請額（円）').fill('900000');
    await Promise.all([a.waitForEvent('load'), a.getByRole('button', { name: '下書き保存する' }).click()]);
    await a.waitForURL(/\/subsidies\/applications\/[0-9a-f-]{36}$/);
    expect(await status(a)).toBe('draft');
    const appUrl = a.url();

    // attaches a plan (and a lying file is refused)
    await a
      .getByLabel('添付するファイル')
      .setInputFiles({ name: '偽の計画書.pdf', mimeType: 'application/pdf', buffer: Buffer.from('GIF89a not a pdf') });
    await a.getByRole('button', { name: 'ファイルを添付する' }).click();
    await expect(a.locator('#file-error').innerText()).resolves.toMatch(/一致しません/);
    await a.goto(appUrl);
    await a.getByLabel('添付するファイル').setInputFiles({ name: '事業計画書.pdf', mimeType: 'application/pdf', buffer: pdfFile() });
    await Promise.all([a.waitForEvent('load'), a.getByRole('button', { name: 'ファイルを添付する' }).click()]);
    await a.waitForURL(appUrl);
    await expect(a.locator('[data-attachment="事業計画書.pdf"]').count()).resolves.toBe(1);
    expect(await a.locator('[data-attachment="偽の計画書.pdf"]').count()).toBe(0);
    await Promise.all([a.waitForEvent('load'), a.getByRole('button', { name: '提出する' }).click()]);
    await a.waitForURL(appUrl);
    expect(await status(a)).toBe('submitted');

    // the secretariat finds it in the work queue and returns it with a comment
    const secretariat = await newPerson(browser, t.url);
    const s = secretariat.page;
    await signIn(s, SECRETARIAT.email, SECRETARIAT.password);
    await s.goto('/subsidies/admin');
    await s.locator('[data-queue="toCheck"]').getByRole('link', { name: 'AIオンデマンドバスの実証運行' }).click();
    await s.waitForURL(appUrl);
    await s.getByLabel('差戻しの理由').fill('車両リース費の見積書を添付してください。');
    await Promise.all([s.waitForEvent('load'), s.getByRole('button', { name: '差し戻す' }).click()]);
    await s.waitForURL(appUrl);
    expect(await status(s)).toBe('returned');

    // the applicant reads the comment (page and mail), corrects and resubmits
    await a.goto('/subsidies/mine');
    await expect(a.locator('[data-section="notifications"]').innerText()).resolves.toContain('車両リース費の見積書を添付してください。');
    await a.goto(appUrl);
    await expect(a.locator('[data-section="return-comment"]').innerText()).resolves.toContain('車両リース費の見積書を添付してください。');
    await t.flushMail();
    expect(t.mail.to(company.email).some((m) => m.text.includes('車両リース費の見積書を添付してください。'))).toBe(true);
    await a.getByRole('link', { name: '内容を修正する' }).click();
    await a.getByLabel('申請額（円）').fill('850000');
    await Promise.all([a.waitForEvent('load'), a.getByRole('button', { name: '保存する' }).click()]);
    await a.waitForURL(appUrl);
    await a.getByLabel('添付するファイル').setInputFiles({ name: '見積書.pdf', mimeType: 'application/pdf', buffer: pdfFile() });
    await Promise.all([a.waitForEvent('load'), a.getByRole('button', { name: 'ファイルを添付する' }).click()]);
    await a.waitForURL(appUrl);
    await Promise.all([a.waitForEvent('load'), a.getByRole('button', { name: '再提出する' }).click()]);
    await a.waitForURL(appUrl);
    expect(await status(a)).toBe('submitted');
    await expect(a.locator('[data-field="requestedAmount"]').innerText()).resolves.toBe('850,000円');

    // the named municipality confirms the partnership on the application page (the review waits for it)
    const partner = await newPerson(browser, t.url);
    const c = partner.page;
    await signIn(c, city.email, city.password);
    await c.goto(appUrl);
    await c.getByLabel('コメント').fill('市として連携します。');
    await Promise.all([c.waitForEvent('load'), c.getByRole('button', { name: '連携する' }).click()]);
    await c.waitForURL(appUrl);
    expect(await status(c)).toBe('partner_confirmed');
    await partner.context.close();

    // the secretariat starts the review and assigns a reviewer
    await s.goto(appUrl);
    await Promise.all([s.waitForEvent('load'), s.getByRole('button', { name: '審査を開始する' }).click()]);
    await s.waitForURL(appUrl);
    await s.getByLabel('審査員のメールアドレス').fill(reviewer.email);
    await Promise.all([s.waitForEvent('load'), s.getByRole('button', { name: '審査員を割り当てる' }).click()]);
    await s.waitForURL(appUrl);
    await expect(main(s)).resolves.toContain('河内工業大学');

    // the reviewer scores each criterion
    const rev = await newPerson(browser, t.url);
    const r = rev.page;
    await signIn(r, reviewer.email, reviewer.password);
    await r.goto('/subsidies/reviews');
    await r.getByRole('link', { name: 'AIオンデマンドバスの実証運行' }).click();
    await r.getByLabel('新規性の評点').selectOption('4');
    await r.getByLabel('実現性の評点').selectOption('3');
    await r.getByLabel('地域課題への貢献の評点').selectOption('5');
    await r.getByLabel('講評').fill('高齢者の移動手段として効果が大きい。');
    await Promise.all([r.waitForEvent('load'), r.getByRole('button', { name: '評価を提出する' }).click()]);
    await r.waitForURL(appUrl);
    await expect(r.locator('[data-section="reviews"]').innerText()).resolves.toContain('4.25');

    // the secretariat sees the weighted score and the remaining budget, and adopts with the grant
    await s.goto(appUrl);
    await expect(s.locator('[data-field="averageWeighted"]').innerText()).resolves.toBe('4.25');
    await expect(s.locator('[data-field="remainingBudget"]').innerText()).resolves.toBe('3,000,000円');
    await s.getByLabel('採択する').check();
    await s.getByLabel('交付決定額（円）').fill('800000');
    await s.getByLabel('決定についてのコメント').fill('地域への貢献を評価しました。');
    await Promise.all([s.waitForEvent('load'), s.getByRole('button', { name: '決定する' }).click()]);
    await s.waitForURL(appUrl);
    expect(await status(s)).toBe('grant_decided');
    await expect(s.locator('[data-field="grantedAmount"]').innerText()).resolves.toBe('800,000円');

    // the applicant reports
    await a.goto(appUrl);
    await a.getByLabel('実際にかかった経費（円）').fill('1,650,000');
    await a.getByLabel('事業の成果').fill('3か月で延べ1,200人が利用しました。');
    await Promise.all([a.waitForEvent('load'), a.getByRole('button', { name: '実績報告を提出する' }).click()]);
    await a.waitForURL(appUrl);
    expect(await status(a)).toBe('report_submitted');

    // the secretariat confirms the amount (not more than granted)
    await s.goto('/subsidies/admin');
    await s.locator('[data-queue="reportsToConfirm"]').getByRole('link', { name: 'AIオンデマンドバスの実証運行' }).click();
    await s.getByLabel('確定額（円）').fill('900000');
    await s.getByRole('button', { name: '額を確定する' }).click();
    await expect(s.locator('#confirmedAmount-error').innerText()).resolves.toMatch(/交付決定額以内/);
    await s.getByLabel('確定額（円）').fill('780000');
    await Promise.all([s.waitForEvent('load'), s.getByRole('button', { name: '額を確定する' }).click()]);
    await s.waitForURL(appUrl);
    expect(await status(s)).toBe('completed');
    await expect(s.locator('[data-field="confirmedAmount"]').innerText()).resolves.toBe('780,000円');
    const steps = await s.locator('[data-section="history"] li').evaluateAll((els) => els.map((e) => e.getAttribute('data-to')));
    expect(steps).toEqual([
      'draft',
      'submitted',
      'returned',
      'submitted',
      'partner_confirmed',
      'under_review',
      'adopted',
      'grant_decided',
      'report_submitted',
      'completed',
    ]);
    await expect(s.locator('[data-section="history"]').innerText()).resolves.toContain('車両リース費の見積書を添付してください。');

    // the totals the forum reports
    await s.goto('/subsidies/admin');
    await expect(s.locator('[data-section="figures"]').innerText()).resolves.toContain('採択 1 件');
    await expect(s.locator('[data-section="program-totals"]').innerText()).resolves.toContain('780,000円');

    // the download is an attachment, for the applicant
    const [download] = await Promise.all([
      a.waitForEvent('download'),
      a.goto(appUrl).then(() => a.getByRole('link', { name: '事業計画書.pdf' }).click()),
    ]);
    expect(download.suggestedFilename()).toBe('事業計画書.pdf');

    await applicant.context.close();
    await secretariat.context.close();
    await rev.context.close();
  });

  it('a coordinator registers a project and moves it to demonstration with a note', async () => {
    const { context, page } = await newPerson(browser, t.url);
    await signIn(page, company.email, company.password);
    await page.goto('/projects/new');
    await page.getByLabel('プロジェクト名').fill('AIオンデマンド交通の実証');
    await page.getByLabel('分野').selectOption('mobility');
    await page.getByLabel('概要').fill('郊外の住宅地で予約に応じて走るバスを運行します。');
    await page.getByLabel('富田林市').check();
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '登録する' }).click()]);
    await page.waitForURL(/\/projects\/[0-9a-f-]{36}$/);
    await expect(page.locator('[data-stage]').first().getAttribute('data-stage')).resolves.toBe('proposal');
    await page.getByLabel('次の段階').selectOption('demonstration');
    await page.getByLabel('経過のメモ').fill('2025年10月から実証運行を開始しました。');
    await page.getByRole('button', { name: '段階を変更する' }).click();
    await expect(page.locator('[data-section="timeline"]').innerText()).resolves.toContain('2025年10月から実証運行を開始しました。');
    await expect(page.locator('[data-stage]').first().getAttribute('data-stage')).resolves.toBe('demonstration');
    await page.goto('/projects?stage=demonstration');
    await expect(page.locator('[data-project="AIオンデマンド交通の実証"]').count()).resolves.toBe(1);
    await context.close();
  });
});

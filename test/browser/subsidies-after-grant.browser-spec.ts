import type { Browser, Page } from 'playwright-core';
import { approvedMember, secretariatTokenFor, TestMember } from '../factories/members';
import { auth, createProgram, draftApplication } from '../factories/subsidies';
import { createTestApp, SECRETARIAT, TestApp } from '../support/app';
import { describeBrowser, launchBrowser, newPerson, signIn } from '../support/browser';

describeBrowser('in the browser: after the grant decision', () => {
  let t: TestApp;
  let browser: Browser;
  let sec: string;
  let company: TestMember;
  let city: TestMember;
  let programId: string;

  beforeAll(async () => {
    t = await createTestApp('browser_subsidies_after');
    browser = await launchBrowser();
    sec = await secretariatTokenFor(t);
    company = await approvedMember(t, 'corporation', { name: '株式会社ひらかたモビリティ' });
    city = await approvedMember(t, 'municipality', { municipalityCode: '27210', name: '枚方市' });
    programId = (await createProgram(t, sec, { title: '令和8年度 実証補助金', budgetTotal: 3_000_000 })).id;
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const status = (page: Page) => page.locator('[data-status]').getAttribute('data-status');
  const post = async (path: string, token: string, body: object = {}) => {
    const res = await t.http().post(`/api/v1/subsidy-applications/${path}`).set(auth(token)).send(body);
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  it('the applicant files a change request and the secretariat approves it; the secretariat returns a report with a comment and the applicant files it again', async () => {
    // granted through the API: ¥800,000 of ¥1,800,000 at ½
    const app = await draftApplication(t, company.token, programId, { municipalPartnerOrganizationId: city.organizationId });
    await post(`${app.id}/submit`, company.token);
    await post(`${app.id}/partner-confirmation`, city.token, { confirmed: true });
    await post(`${app.id}/start-review`, sec);
    await post(`${app.id}/decision`, sec, { decision: 'adopted', grantedAmount: 800_000, comment: '採択' });
    const appUrl = `/subsidies/applications/${app.id}`;

    // the applicant files a change request: a new budget
    const applicant = await newPerson(browser, t.url);
    const a = applicant.page;
    await signIn(a, company.email, company.password);
    await a.goto(appUrl);
    expect(await status(a)).toBe('grant_decided');
    await a.getByLabel('変更の理由').fill('配車システムを市の既存システムに統合するため、内訳を変更します。');
    await a.getByLabel('項目 2', { exact: true }).fill('システム連携費');
    await a.getByLabel('金額 2', { exact: true }).fill('400,000');
    await Promise.all([a.waitForEvent('load'), a.getByRole('button', { name: '変更承認申請を提出する' }).click()]);
    await a.waitForURL(appUrl);
    expect(await status(a)).toBe('change_requested');
    await expect(a.locator('[data-section="change-requests"]').innerText()).resolves.toContain('システム連携費');

    // the secretariat finds it in the queue and approves it with a comment
    const secretariat = await newPerson(browser, t.url);
    const s = secretariat.page;
    await signIn(s, SECRETARIAT.email, SECRETARIAT.password);
    await s.goto('/subsidies/admin');
    await s.locator('[data-queue="changeRequests"]').getByRole('link', { name: 'AIオンデマンドバスの実証運行' }).click();
    await s.waitForURL(appUrl);
    await s.getByLabel('事務局のコメント').fill('内訳の変更を承認します。');
    await Promise.all([s.waitForEvent('load'), s.getByRole('button', { name: '変更を承認する' }).click()]);
    await s.waitForURL(appUrl);
    expect(await status(s)).toBe('grant_decided');
    await expect(s.locator('[data-change-status="approved"]').innerText()).resolves.toContain('内訳の変更を承認します。');
    await expect(s.locator('[data-field="totalCost"]').innerText()).resolves.toBe('1,600,000円');

    // the applicant reports; the secretariat returns the report with a comment
    await a.goto(appUrl);
    await a.getByLabel('実際にかかった経費（円）').fill('1,100,000');
    await a.getByLabel('事業の成果').fill('延べ900人が利用しました。');
    await Promise.all([a.waitForEvent('load'), a.getByRole('button', { name: '実績報告を提出する' }).click()]);
    await a.waitForURL(appUrl);
    expect(await status(a)).toBe('report_submitted');
    await s.goto(appUrl);
    await s.getByLabel('差戻しの理由（申請者に伝わります）').fill('経費の領収書を添付し、実績額を見直してください。');
    await Promise.all([s.waitForEvent('load'), s.getByRole('button', { name: '実績報告を差し戻す' }).click()]);
    await s.waitForURL(appUrl);
    expect(await status(s)).toBe('report_returned');

    // the applicant reads the comment and files the report again
    await a.goto(appUrl);
    await expect(a.locator('[data-section="report-return-comment"]').innerText()).resolves.toContain('経費の領収書を添付し');
    await a.getByLabel('実際にかかった経費（円）').fill('1,200,000');
    await a.getByLabel('事業の成果').fill('延べ1,000人が利用し、定着しました。');
    await Promise.all([a.waitForEvent('load'), a.getByRole('button', { name: '実績報告を提出する' }).click()]);
    await a.waitForURL(appUrl);
    expect(await status(a)).toBe('report_submitted');

    // the secretariat sees the amount by rule with its working, and confirms it leaving the field empty
    await s.goto(appUrl);
    await expect(s.locator('[data-field="finalAmountWorking"]').innerText()).resolves.toContain('600,000円');
    await Promise.all([s.waitForEvent('load'), s.getByRole('button', { name: '額を確定する' }).click()]);
    await s.waitForURL(appUrl);
    expect(await status(s)).toBe('completed');
    await expect(s.locator('[data-field="confirmedAmount"]').innerText()).resolves.toBe('600,000円');
    const steps = await s.locator('[data-section="history"] li').evaluateAll((els) => els.map((e) => e.getAttribute('data-to')));
    expect(steps.slice(-6)).toEqual([
      'change_requested',
      'grant_decided',
      'report_submitted',
      'report_returned',
      'report_submitted',
      'completed',
    ]);

    await applicant.context.close();
    await secretariat.context.close();
  });
});

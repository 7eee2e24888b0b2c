import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { createTestApp, SECRETARIAT, TestApp } from '../support/app';
import { describeBrowser, launchBrowser, newPerson, signIn } from '../support/browser';
import { createEvent, publishedSolution } from '../factories/events';
import { approvedMember, secretariatTokenFor } from '../factories/members';

describeBrowser('in the browser: events', () => {
  let t: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    t = await createTestApp('browser_events');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const main = (page: import('playwright-core').Page) => page.locator('main').innerText();

  it('a member finds a Meet-Up, registers, sees the confirmed status and check-in code, then cancels', async () => {
    const event = await createEvent(t, { title: '第12回 課題プレゼンテーション Meet Up', capacity: 10 });
    const member = await approvedMember(t, 'corporation', { name: '株式会社なにわデータ' });
    const { context, page } = await newPerson(browser, t.url);
    await signIn(page, member.email, member.password);

    await page.goto('/events');
    await page.getByLabel('種類で絞り込む').selectOption('meetup');
    await page.getByRole('button', { name: '表示する' }).click();
    await Promise.all([page.waitForEvent('load'), page.getByRole('link', { name: '第12回 課題プレゼンテーション Meet Up' }).click()]);
    await page.waitForURL(`**/events/${event.id}`);

    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '参加を申し込む' }).click()]);
    await page.waitForURL(`**/events/${event.id}`);
    await expect(main(page)).resolves.toMatch(/参加申込が完了しました/);
    await expect(main(page)).resolves.toMatch(/参加が確定しています。/);
    const code = await page.locator('[data-check-in-code]').getAttribute('data-check-in-code');
    expect(code).toMatch(/^[A-Z2-9]{8}$/);

    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '参加を取り消す' }).click()]);
    await page.waitForURL(`**/events/${event.id}`);
    await expect(main(page)).resolves.toMatch(/参加を取り消しました。/);
    await expect(page.getByRole('button', { name: '参加を申し込む' }).isVisible()).resolves.toBe(true);
    await context.close();
  });

  it('the secretariat checks a registrant in by code, and a second check-in says already checked in', async () => {
    const event = await createEvent(t, { title: '行政DXワークショップ', kind: 'workshop' });
    const member = await approvedMember(t, 'university');
    await t.http().post(`/api/v1/events/${event.id}/registrations`).set('Authorization', `Bearer ${member.token}`).send({});
    const mine = await t.http().get(`/api/v1/events/${event.id}`).set('Authorization', `Bearer ${member.token}`);
    const code = mine.body.myRegistration.checkInCode as string;
    const name = (await t.http().get('/api/v1/me').set('Authorization', `Bearer ${member.token}`)).body.user.displayName;

    const { context, page } = await newPerson(browser, t.url);
    await signIn(page, SECRETARIAT.email, SECRETARIAT.password);
    await page.goto(`/events/${event.id}`);
    await Promise.all([page.waitForEvent('load'), page.getByRole('link', { name: '当日受付' }).click()]);
    await page.waitForURL(`**/events/${event.id}/check-in`);
    await page.getByLabel('受付コード').fill(code.toLowerCase());
    await page.getByLabel('開催日以外の受付を許可する').check();
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '受付する' }).click()]);
    await page.waitForURL(`**/events/${event.id}/check-in`);
    await expect(main(page)).resolves.toContain(`${name} さんを受付しました。`);
    await expect(main(page)).resolves.toMatch(/受付済み 1 名 \/ 参加確定 1 名/);

    await page.getByLabel('受付コード').fill(code);
    await page.getByLabel('開催日以外の受付を許可する').check();
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '受付する' }).click()]);
    await expect(main(page)).resolves.toMatch(/既に受付済みです/);

    await page.goto(`/events/${event.id}/registrations`);
    await expect(page.locator(`[data-registration="${member.email}"]`).innerText()).resolves.toMatch(/参加確定/);
    await context.close();
  });

  it('a judge scores a pitch and then sees the other judges\u2019 scores', async () => {
    const startup = await approvedMember(t, 'corporation', { name: '株式会社ケアテック大阪' });
    const solutionId = await publishedSolution(t, startup, '見守りセンサーによる高齢者支援');
    const event = await createEvent(t, { title: 'スタートアップ・ピッチデイ 秋', kind: 'pitch' });
    const sec = await secretariatTokenFor(t);
    const applied = await t
      .http()
      .post(`/api/v1/events/${event.id}/pitch-applications`)
      .set('Authorization', `Bearer ${startup.token}`)
      .send({ solutionId, summary: '独居高齢者の見守りを低コストで実現します。' });
    expect(applied.status).toBe(201);
    await t
      .http()
      .post(`/api/v1/pitch-applications/${applied.body.id}/decision`)
      .set('Authorization', `Bearer ${sec}`)
      .send({ decision: 'selected' });
    const judge = await approvedMember(t, 'municipality', { municipalityCode: '27214' });
    const other = await approvedMember(t, 'research_institute');
    const db = t.app.get(DataSource);
    for (const j of [judge, other]) {
      const [{ id }] = await db.query(`SELECT id FROM users WHERE email = $1`, [j.email]);
      await t.http().post(`/api/v1/events/${event.id}/judges`).set('Authorization', `Bearer ${sec}`).send({ userId: id });
    }
    await t
      .http()
      .post(`/api/v1/pitch-applications/${applied.body.id}/scores`)
      .set('Authorization', `Bearer ${other.token}`)
      .send({ scores: { novelty: 4, feasibility: 4, contribution: 4 }, comment: '実証の計画が具体的' });

    const { context, page } = await newPerson(browser, t.url);
    await signIn(page, judge.email, judge.password);
    await page.goto(`/events/${event.id}`);
    await Promise.all([page.waitForEvent('load'), page.getByRole('link', { name: '審査シートを開く' }).click()]);
    await page.waitForURL(`**/events/${event.id}/judging`);
    await expect(main(page)).resolves.toMatch(/ご自身が採点を送信すると表示されます/);
    await expect(main(page)).resolves.not.toMatch(/実証の計画が具体的/);

    await page.getByLabel('新規性（1〜5点）').selectOption('5');
    await page.getByLabel('実現性（1〜5点）').selectOption('3');
    await page.getByLabel('地域課題への貢献（1〜5点）').selectOption('4');
    await page.getByLabel('コメント').fill('地域への効果が期待できます');
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '採点を送信する' }).click()]);
    await page.waitForURL(`**/events/${event.id}/judging`);
    await expect(main(page)).resolves.toMatch(/採点を送信しました（合計 12 点）/);
    await expect(main(page)).resolves.toMatch(/実証の計画が具体的/);
    await context.close();
  });
});

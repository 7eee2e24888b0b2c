import { JobsService } from '../../libs/jobs';
import { createTestApp, SECRETARIAT, TestApp } from '../support/app';
import { pageClient } from '../support/pages';
import { createEvent, inHours } from '../factories/events';
import { approvedMember, secretariatTokenFor } from '../factories/members';

jest.setTimeout(240_000);

/** Messages to registrants, attendance recorded by hand, organisations in the figures, the survey after the event. */
describe('events: messages, attendance, figures with organisations, survey', () => {
  let t: TestApp;
  let sec: string;
  beforeAll(async () => {
    t = await createTestApp('events_follow_up');
    sec = await secretariatTokenFor(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const flushMail = () => t.app.get(JobsService).drain(['mail.send'], 200_000);
  const link = (email: string, subject: string, re: RegExp) => {
    const mail = [...t.mail.to(email)].reverse().find((m) => m.subject.includes(subject));
    const m = re.exec(mail?.text ?? '');
    if (!m) throw new Error(`no link in the mail "${subject}" to ${email}`);
    return m[1];
  };
  /** A guest registers and confirms; answers the registration id. */
  async function guestConfirmed(eventId: string, email: string, organizationName?: string, categoryId?: string) {
    const res = await t
      .http()
      .post(`/api/v1/events/${eventId}/guest-registrations`)
      .send({ name: `ゲスト ${email.split('@')[0]}`, email, organizationName, categoryId, agreeToTerms: true });
    expect(res.status).toBe(202);
    await flushMail();
    const token = link(email, '参加申込の確認', /\/events\/guest\/confirm\?token=([A-Za-z0-9_-]+)/);
    return (await t.http().post('/api/v1/guest-registrations/confirm').send({ token })).body;
  }

  it('figures count organisations as well as people, from check-ins and from attendance recorded by hand', async () => {
    const event = await createEvent(t, {
      title: '公開ワークショップ データ活用',
      kind: 'workshop',
      visibility: 'public',
      startsAt: inHours(1),
      endsAt: inHours(3),
    });
    const member = await approvedMember(t, 'corporation');
    const colleague = await approvedMember(t, 'university');
    for (const m of [member, colleague])
      expect((await t.http().post(`/api/v1/events/${event.id}/registrations`).set(auth(m.token)).send({})).status).toBe(201);
    await guestConfirmed(event.id, 'mirai1@example.jp', '株式会社Mirai');
    await guestConfirmed(event.id, 'mirai2@example.jp', ' 株式会社mirai ');
    await guestConfirmed(event.id, 'solo@example.jp');
    await guestConfirmed(event.id, 'absent@example.jp', '欠席株式会社');
    const list = await t.http().get(`/api/v1/events/${event.id}/registrations`).set(auth(sec));
    expect(list.body.confirmed).toBe(6);
    for (const r of list.body.items.filter((i: any) => i.email !== 'absent@example.jp'))
      expect(
        (await t.http().post(`/api/v1/events/${event.id}/check-ins`).set(auth(sec)).send({ code: r.checkInCode, override: true })).status,
      ).toBe(201);

    // attendance by hand only for events already held
    expect((await t.http().post(`/api/v1/events/${event.id}/attendance`).set(auth(sec)).send({ attended: 10 })).status).toBe(409);
    // the event is over
    expect(
      (
        await t
          .http()
          .patch(`/api/v1/events/${event.id}`)
          .set(auth(sec))
          .send({ startsAt: inHours(-3), endsAt: inHours(-1) })
      ).status,
    ).toBe(200);

    // a Meet-Up held before the platform, recorded by hand: 28団体48名
    const before = await createEvent(t, {
      title: '第1回 Meet Up（記録）',
      kind: 'meetup',
      startsAt: inHours(-24 * 30),
      endsAt: inHours(-24 * 30 + 3),
    });
    // first through the page (then corrected through the API)
    const secPage = pageClient(t);
    await secPage.signIn(SECRETARIAT.email, SECRETARIAT.password);
    expect((await secPage.get(`/events/${before.id}/registrations`)).text).toContain('data-attendance-form');
    expect((await secPage.post(`/events/${before.id}/attendance`, { attended: '40', organizations: '20' })).status).toBe(303);
    expect((await t.http().get('/api/v1/events/figures').set(auth(sec))).body.byKind.meetup).toMatchObject({
      attended: 40,
      organizations: 20,
    });
    const recorded = await t.http().post(`/api/v1/events/${before.id}/attendance`).set(auth(sec)).send({ attended: 48, organizations: 28 });
    expect(recorded.status).toBe(200);
    expect((await t.http().post(`/api/v1/events/${before.id}/attendance`).set(auth(sec)).send({ attended: -1 })).status).toBe(400);

    const figures = await t.http().get('/api/v1/events/figures').set(auth(sec));
    expect(figures.status).toBe(200);
    // 5 checked in: two member organisations, one guest organisation written two ways, one guest without one
    expect(figures.body.byKind.workshop).toMatchObject({ held: 1, registrations: 6, attended: 5, organizations: 3 });
    expect(figures.body.byKind.meetup).toMatchObject({ held: 1, attended: 48, organizations: 28 });

    // the survey through the page: to the five who attended
    expect((await secPage.get(`/events/${event.id}/registrations`)).text).toContain('data-survey-new');
    const sent = await secPage.post(`/events/${event.id}/survey`, { questionsText: 'rating | 満足度 | single | 良い/普通 | required' });
    expect(sent.status).toBe(303);
    expect((await t.http().get(`/api/v1/events/${event.id}/survey/results`).set(auth(sec))).body).toMatchObject({
      invited: 5,
      anonymous: false,
    });
  });

  it('a survey to those who attended: answered once per link, results summarised; only after the event', async () => {
    const upcoming = await createEvent(t, { title: '来月のセミナー', kind: 'seminar' });
    const questions = [
      { key: 'rating', label: '満足度', type: 'single', options: ['とても良い', '良い', '普通'], required: true },
      { key: 'topics', label: '役立った話題', type: 'multiple', options: ['事例', '制度', '補助金'] },
      { key: 'comment', label: 'ご意見', type: 'text' },
    ];
    expect((await t.http().post(`/api/v1/events/${upcoming.id}/survey`).set(auth(sec)).send({ questions })).status).toBe(409);

    const event = await createEvent(t, {
      title: '公開セミナー 振り返り',
      kind: 'seminar',
      visibility: 'public',
      startsAt: inHours(1),
      endsAt: inHours(2),
    });
    const emails = ['s1@example.jp', 's2@example.jp', 's3@example.jp', 's4@example.jp'];
    for (const e of emails) await guestConfirmed(event.id, e, '株式会社アンケート');
    const list = await t.http().get(`/api/v1/events/${event.id}/registrations`).set(auth(sec));
    for (const r of list.body.items.slice(0, 3))
      await t.http().post(`/api/v1/events/${event.id}/check-ins`).set(auth(sec)).send({ code: r.checkInCode, override: true });
    await t
      .http()
      .patch(`/api/v1/events/${event.id}`)
      .set(auth(sec))
      .send({ startsAt: inHours(-2), endsAt: inHours(-1) });

    const created = await t.http().post(`/api/v1/events/${event.id}/survey`).set(auth(sec)).send({ questions, anonymous: true });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ invited: 3 });
    expect((await t.http().post(`/api/v1/events/${event.id}/survey`).set(auth(sec)).send({ questions })).status).toBe(409);
    await flushMail();
    const invited = emails.filter((e) => t.mail.to(e).some((m) => m.subject.includes('アンケートのお願い')));
    expect(invited).toHaveLength(3);
    const tokens = invited.map((e) => link(e, 'アンケートのお願い', /\/events\/survey\?token=([A-Za-z0-9_-]+)/));

    const page = await t.http().get(`/events/survey?token=${tokens[0]}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('満足度');
    expect(
      (
        await t
          .http()
          .post('/api/v1/survey-responses')
          .send({ token: tokens[0], answers: { topics: ['事例'] } })
      ).status,
    ).toBe(400);
    const answers = [
      { rating: 'とても良い', topics: ['事例', '補助金'], comment: '次回も参加します' },
      { rating: '良い', topics: ['事例'] },
    ];
    for (const [i, a] of answers.entries())
      expect((await t.http().post('/api/v1/survey-responses').send({ token: tokens[i], answers: a })).status).toBe(201);
    expect((await t.http().post('/api/v1/survey-responses').send({ token: tokens[0], answers: answers[0] })).status).toBe(409);

    const results = await t.http().get(`/api/v1/events/${event.id}/survey/results`).set(auth(sec));
    expect(results.status).toBe(200);
    expect(results.body).toMatchObject({ anonymous: true, invited: 3, responses: 2 });
    expect(results.body.questions).toEqual([
      { key: 'rating', label: '満足度', type: 'single', answered: 2, counts: { とても良い: 1, 良い: 1, 普通: 0 } },
      { key: 'topics', label: '役立った話題', type: 'multiple', answered: 2, counts: { 事例: 2, 制度: 0, 補助金: 1 } },
      { key: 'comment', label: 'ご意見', type: 'text', answered: 1, texts: ['次回も参加します'] },
    ]);
    const secPage = pageClient(t);
    await secPage.signIn(SECRETARIAT.email, SECRETARIAT.password);
    const html = (await secPage.get(`/events/${event.id}/registrations`)).text;
    expect(html).toContain('アンケート結果');
    expect(html).toContain('回答 2 件 / 送付 3 件');
    expect(html).toContain('次回も参加します');
    // a guest answers through the page
    const form = pageClient(t);
    expect((await form.get(`/events/survey?token=${tokens[2]}`)).text).toContain('data-survey-form');
    const posted = await form.post('/events/survey', { token: tokens[2], 'answers.rating': '普通', 'answers.topics': '制度' });
    expect(posted.status).toBe(303);
    expect((await form.get(posted.headers.location)).text).toContain('ご回答ありがとうございました');
    expect((await t.http().get(`/api/v1/events/${event.id}/survey/results`).set(auth(sec))).body.questions[0].counts.普通).toBe(1);
  });

  it('messages to all registrants, one category or the waitlist go through the mail queue and stay in the event log', async () => {
    const event = await createEvent(t, {
      title: '公開セミナー 会場とオンライン',
      kind: 'seminar',
      visibility: 'public',
      categories: [
        { key: 'venue', label: '会場', capacity: 1 },
        { key: 'online', label: 'オンライン', capacity: 10, online: true },
      ],
    });
    await guestConfirmed(event.id, 'm-venue@example.jp', undefined, 'venue');
    expect((await guestConfirmed(event.id, 'm-wait@example.jp', undefined, 'venue')).status).toBe('waitlisted');
    await guestConfirmed(event.id, 'm-online@example.jp', undefined, 'online');
    const online = event.categories.find((c: any) => c.key === 'online');

    const send = (body: Record<string, unknown>) => t.http().post(`/api/v1/events/${event.id}/messages`).set(auth(sec)).send(body);
    expect((await send({ audience: 'category', subject: 'x', body: 'y' })).status).toBe(400);
    expect(
      (await send({ audience: 'waitlist', subject: 'キャンセル待ちの皆さまへ', body: '空きが出ましたらご連絡します。' })).body.recipients,
    ).toBe(1);
    expect(
      (await send({ audience: 'category', categoryId: online.id, subject: '配信URLのご案内', body: '当日お送りします。' })).body.recipients,
    ).toBe(1);
    expect((await send({ audience: 'all', subject: '資料のご案内', body: '資料を公開しました。' })).body.recipients).toBe(3);
    await flushMail();
    const subjects = (email: string) => t.mail.to(email).map((m) => m.subject);
    expect(subjects('m-wait@example.jp').some((s) => s.includes('キャンセル待ちの皆さまへ'))).toBe(true);
    expect(subjects('m-venue@example.jp').some((s) => s.includes('キャンセル待ちの皆さまへ'))).toBe(false);
    expect(subjects('m-online@example.jp').some((s) => s.includes('配信URLのご案内'))).toBe(true);
    expect(subjects('m-venue@example.jp').some((s) => s.includes('配信URLのご案内'))).toBe(false);
    expect(emails3(subjects)).toBe(true);

    const secPage = pageClient(t);
    await secPage.signIn(SECRETARIAT.email, SECRETARIAT.password);
    expect((await secPage.get(`/events/${event.id}/registrations`)).text).toContain('data-message-form');
    const viaPage = await secPage.post(`/events/${event.id}/messages`, {
      audience: `category:${online.id}`,
      subject: '当日の接続テスト',
      body: '10分前から接続できます。',
    });
    expect(viaPage.status).toBe(303);
    await flushMail();
    expect(subjects('m-online@example.jp').some((s) => s.includes('当日の接続テスト'))).toBe(true);
    expect(subjects('m-venue@example.jp').some((s) => s.includes('当日の接続テスト'))).toBe(false);

    const log = await t.http().get(`/api/v1/events/${event.id}/messages`).set(auth(sec));
    expect(log.body.items.map((m: any) => [m.audience, m.subject, m.recipients])).toEqual([
      ['category', '当日の接続テスト', 1],
      ['all', '資料のご案内', 3],
      ['category', '配信URLのご案内', 1],
      ['waitlist', 'キャンセル待ちの皆さまへ', 1],
    ]);
  });

  const emails3 = (subjects: (e: string) => string[]) =>
    ['m-venue@example.jp', 'm-wait@example.jp', 'm-online@example.jp'].every((e) => subjects(e).some((s) => s.includes('資料のご案内')));
});

import { DataSource } from 'typeorm';
import { JobsService } from '../../libs/jobs';
import { createTestApp, SECRETARIAT, TestApp } from '../support/app';
import { pageClient } from '../support/pages';
import { createEvent, inHours } from '../factories/events';
import { approvedMember, secretariatTokenFor } from '../factories/members';

jest.setTimeout(240_000);

/** Guests (no account) on public events, ticket categories, registration questions, check-in rules. */
describe('events for everyone: guests, categories, questions', () => {
  let t: TestApp;
  let sec: string;
  beforeAll(async () => {
    t = await createTestApp('events_guests');
    sec = await secretariatTokenFor(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const flushMail = () => t.app.get(JobsService).drain(['mail.send'], 200_000);
  const guest = (over: Record<string, unknown> = {}) => ({
    name: '山田 花子',
    email: 'hanako@example.jp',
    organizationName: '株式会社みらい',
    agreeToTerms: true,
    ...over,
  });
  /** The token of the link `/events/guest/<kind>?token=…` in the latest matching mail to `email`. */
  const tokenFrom = (email: string, kind: 'confirm' | 'manage') => {
    const mails = t.mail.to(email).filter((m) => m.subject.includes('参加申込の確認'));
    const text = mails[mails.length - 1]?.text ?? '';
    const m = new RegExp(`/events/guest/${kind}\\?token=([A-Za-z0-9_-]+)`).exec(text);
    if (!m) throw new Error(`no ${kind} link in the mail to ${email}: ${text}`);
    return m[1];
  };

  it('a guest registers for a public seminar: 202 and a mail; the seat counts only once the link is opened; the manage link cancels', async () => {
    const event = await createEvent(t, {
      title: '公開セミナー 行政DX入門',
      kind: 'seminar',
      visibility: 'public',
      capacity: 10,
      onlineUrl: 'https://meet.example.jp/dx',
      questions: [
        { key: 'field', label: '関心のある分野', type: 'single', options: ['交通', '防災'], required: true },
        { key: 'topics', label: '聞きたい話題', type: 'multiple', options: ['予算', '事例', '体制'] },
        { key: 'note', label: 'ご質問', type: 'text' },
      ],
    });
    const members = await createEvent(t, { title: '会員限定 Meet Up' });
    expect((await t.http().post(`/api/v1/events/${members.id}/guest-registrations`).send(guest())).status).toBe(404);
    expect(
      (
        await t
          .http()
          .post(`/api/v1/events/${event.id}/guest-registrations`)
          .send(guest({ agreeToTerms: false }))
      ).status,
    ).toBe(400);
    const noAnswer = await t.http().post(`/api/v1/events/${event.id}/guest-registrations`).send(guest());
    expect(noAnswer.status).toBe(400);
    expect(JSON.stringify(noAnswer.body.message)).toMatch(/answers\.field/);
    const badChoice = await t
      .http()
      .post(`/api/v1/events/${event.id}/guest-registrations`)
      .send(guest({ answers: { field: '観光' } }));
    expect(badChoice.status).toBe(400);

    const res = await t
      .http()
      .post(`/api/v1/events/${event.id}/guest-registrations`)
      .send(guest({ answers: { field: '交通', topics: ['予算', '事例'], note: '=HYPERLINK("x")' } }));
    expect(res.status).toBe(202);
    await flushMail();
    const confirmToken = tokenFrom('hanako@example.jp', 'confirm');
    const manageToken = tokenFrom('hanako@example.jp', 'manage');
    // only hashes are stored
    const db = t.app.get(DataSource);
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM event_guest_requests WHERE confirm_token_hash = $1 OR manage_token_hash = $2`,
      [confirmToken, manageToken],
    );
    expect(n).toBe(0);

    // not counted before the link is opened
    expect((await t.http().get(`/api/v1/events/${event.id}`).set(auth(sec))).body.confirmedCount).toBe(0);
    const page = await t.http().get(`/events/guest/confirm?token=${confirmToken}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('申込を確定する');

    const confirmed = await t.http().post('/api/v1/guest-registrations/confirm').send({ token: confirmToken });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'confirmed' });
    const again = await t.http().post('/api/v1/guest-registrations/confirm').send({ token: confirmToken });
    expect(again.body).toMatchObject({ status: 'confirmed', id: confirmed.body.id });
    expect(
      (
        await t
          .http()
          .post('/api/v1/guest-registrations/confirm')
          .send({ token: 'x'.repeat(43) })
      ).status,
    ).toBe(404);

    const view = await t.http().get(`/events/guest/confirm?token=${confirmToken}`);
    expect(view.text).toMatch(/data-check-in-qr/);
    expect(view.text).toContain('https://meet.example.jp/dx');

    const list = await t.http().get(`/api/v1/events/${event.id}/registrations`).set(auth(sec));
    expect(list.body.confirmed).toBe(1);
    expect(list.body.items[0]).toMatchObject({
      guest: true,
      userId: null,
      name: '山田 花子',
      email: 'hanako@example.jp',
      organizationName: '株式会社みらい',
      answers: { field: '交通', topics: ['予算', '事例'] },
    });
    const csv = await t.http().get(`/api/v1/events/${event.id}/registrations?format=csv`).set(auth(sec));
    expect(csv.text).toContain('"関心のある分野","聞きたい話題","ご質問"');
    expect(csv.text).toContain('"交通","予算 / 事例","\'=HYPERLINK(""x"")"');

    const secPage = pageClient(t);
    await secPage.signIn(SECRETARIAT.email, SECRETARIAT.password);
    const regPage = (await secPage.get(`/events/${event.id}/registrations`)).text;
    expect(regPage).toContain('data-guest');
    expect(regPage).toMatch(/<dt>関心のある分野<\/dt><dd>交通<\/dd>/);

    // the event page offers the guest form to people not signed in; it takes the same answers
    const anon = pageClient(t);
    const eventPage = (await anon.get(`/events/${event.id}`)).text;
    expect(eventPage).toContain('data-guest-form');
    expect(eventPage).toContain('関心のある分野');
    const viaForm = await anon.post(`/events/${event.id}/guest-register`, {
      name: '田中 一郎',
      email: 'ichiro@example.jp',
      agreeToTerms: 'true',
      'answers.field': '防災',
    });
    expect(viaForm.status).toBe(303);
    const refused = await anon.post(`/events/${event.id}/guest-register`, {
      name: '田中 一郎',
      email: 'ichiro2@example.jp',
      agreeToTerms: 'true',
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('回答してください');

    await flushMail();
    expect(
      t.mail.to('hanako@example.jp').some((m) => m.subject.includes('参加が確定しました') && /受付コード：[A-Z2-9]{8}/.test(m.text)),
    ).toBe(true);

    const cancelled = await t.http().post('/api/v1/guest-registrations/cancel').send({ token: manageToken });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await t.http().get(`/api/v1/events/${event.id}`).set(auth(sec))).body.confirmedCount).toBe(0);
  });

  it('ticket categories: many guests confirming at the same moment for a small category → exactly its capacity confirmed', async () => {
    const event = await createEvent(t, {
      title: '公開ワークショップ 参加枠つき',
      kind: 'workshop',
      visibility: 'public',
      capacity: 1,
      venue: '大阪府咲洲庁舎',
      onlineUrl: 'https://meet.example.jp/ws',
      categories: [
        { key: 'venue', label: '会場参加', capacity: 3 },
        { key: 'online', label: 'オンライン参加', capacity: 50, online: true },
      ],
    });
    expect(event.capacity).toBe(53);
    expect(event.categories.map((c: any) => [c.key, c.capacity])).toEqual([
      ['venue', 3],
      ['online', 50],
    ]);
    expect(
      (
        await t
          .http()
          .post(`/api/v1/events/${event.id}/guest-registrations`)
          .send(guest({ email: 'nocat@example.jp' }))
      ).status,
    ).toBe(400);
    const emails = Array.from({ length: 8 }, (_, i) => `rush${i}@example.jp`);
    for (const email of emails)
      expect(
        (
          await t
            .http()
            .post(`/api/v1/events/${event.id}/guest-registrations`)
            .send(guest({ email, categoryId: 'venue' }))
        ).status,
      ).toBe(202);
    await flushMail();
    const tokens = emails.map((e) => tokenFrom(e, 'confirm'));
    const results = await Promise.all(tokens.map((token) => t.http().post('/api/v1/guest-registrations/confirm').send({ token })));
    expect(results.map((r) => r.status)).toEqual(emails.map(() => 200));
    expect(results.filter((r) => r.body.status === 'confirmed')).toHaveLength(3);
    expect(results.filter((r) => r.body.status === 'waitlisted')).toHaveLength(5);
    const [cat] = await t.app
      .get(DataSource)
      .query(`SELECT seats_taken FROM event_categories WHERE event_id = $1 AND key = 'venue'`, [event.id]);
    expect(cat.seats_taken).toBe(3);

    // the online category still has seats; its registrants see the URL, venue registrants do not
    expect(
      (
        await t
          .http()
          .post(`/api/v1/events/${event.id}/guest-registrations`)
          .send(guest({ email: 'online@example.jp', categoryId: 'online' }))
      ).status,
    ).toBe(202);
    await flushMail();
    const onlineToken = tokenFrom('online@example.jp', 'confirm');
    expect((await t.http().post('/api/v1/guest-registrations/confirm').send({ token: onlineToken })).body.status).toBe('confirmed');
    expect((await t.http().get(`/events/guest/confirm?token=${onlineToken}`)).text).toContain('https://meet.example.jp/ws');
    const winner = tokens[results.findIndex((r) => r.body.status === 'confirmed')];
    const venuePage = (await t.http().get(`/events/guest/confirm?token=${winner}`)).text;
    expect(venuePage).not.toContain('https://meet.example.jp/ws');
    expect(venuePage).toContain('大阪府咲洲庁舎');

    // a venue seat freed goes to the first waitlisted person of that category
    const winnerEmail = emails[results.findIndex((r) => r.body.status === 'confirmed')];
    const cancel = await t
      .http()
      .post('/api/v1/guest-registrations/cancel')
      .send({ token: tokenFrom(winnerEmail, 'manage') });
    expect(cancel.body).toMatchObject({ status: 'cancelled', promoted: 1 });
    const list = await t.http().get(`/api/v1/events/${event.id}/registrations`).set(auth(sec));
    expect(list.body.items.filter((i: any) => i.status === 'confirmed' && i.categoryId === event.categories[0].id)).toHaveLength(3);
  });

  it('check-in by a guest code only on the event day unless the secretariat overrides; no cancelling after check-in', async () => {
    const event = await createEvent(t, {
      title: '公開セミナー 受付確認',
      kind: 'seminar',
      visibility: 'public',
      startsAt: inHours(48),
      endsAt: inHours(50),
    });
    await t
      .http()
      .post(`/api/v1/events/${event.id}/guest-registrations`)
      .send(guest({ email: 'door@example.jp', name: '受付 太郎' }));
    await flushMail();
    await t
      .http()
      .post('/api/v1/guest-registrations/confirm')
      .send({ token: tokenFrom('door@example.jp', 'confirm') });
    const list = await t.http().get(`/api/v1/events/${event.id}/registrations`).set(auth(sec));
    const code = list.body.items[0].checkInCode;
    const early = await t.http().post(`/api/v1/events/${event.id}/check-ins`).set(auth(sec)).send({ code });
    expect(early.status).toBe(409);
    const ok = await t.http().post(`/api/v1/events/${event.id}/check-ins`).set(auth(sec)).send({ code, override: true });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ name: '受付 太郎', guest: true });
    const manage = tokenFrom('door@example.jp', 'manage');
    expect((await t.http().get(`/events/guest/manage?token=${manage}`)).text).not.toContain('参加を取り消す');
    expect((await t.http().post('/api/v1/guest-registrations/cancel').send({ token: manage })).status).toBe(409);
  });

  it('requests are throttled per address', async () => {
    const event = await createEvent(t, { title: '公開セミナー 連続申込', kind: 'seminar', visibility: 'public' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (
          await t
            .http()
            .post(`/api/v1/events/${event.id}/guest-registrations`)
            .send(guest({ email: 'flood@example.jp' }))
        ).status,
      );
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });
});

describe('events for everyone: the secretariat sets categories and questions on the event form', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('events_guests_form');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('one per line; the capacity becomes the categories’ sum; editing keeps them', async () => {
    const page = pageClient(t);
    await page.signIn(SECRETARIAT.email, SECRETARIAT.password);
    await page.get('/events/new');
    const form = {
      title: '公開セミナー フォーム確認',
      kind: 'seminar',
      description: '説明',
      startsAt: '2027-02-10T14:00',
      endsAt: '2027-02-10T16:00',
      capacity: '5',
      visibility: 'public',
      status: 'published',
      categoriesText: 'venue, 会場参加, 20\nonline, オンライン参加, 100, online',
      questionsText: 'field | 関心のある分野 | single | 交通/防災 | required\nnote | ご質問 | text',
    };
    const created = await page.post('/events', form);
    expect(created.status).toBe(303);
    const id = /\/events\/([0-9a-f-]{36})/.exec(created.headers.location)![1];
    const sec = await secretariatTokenFor(t);
    const event = (await t.http().get(`/api/v1/events/${id}`).set('Authorization', `Bearer ${sec}`)).body;
    expect(event.capacity).toBe(120);
    expect(event.categories.map((c: any) => [c.key, c.label, c.capacity, c.online])).toEqual([
      ['venue', '会場参加', 20, false],
      ['online', 'オンライン参加', 100, true],
    ]);
    expect(event.questions).toEqual([
      { key: 'field', label: '関心のある分野', type: 'single', options: ['交通', '防災'], required: true },
      { key: 'note', label: 'ご質問', type: 'text', required: false },
    ]);
    const edit = await page.get(`/events/${id}/edit`);
    expect(edit.text).toContain('venue, 会場参加, 20');
    const bad = await page.post('/events', { ...form, questionsText: 'x | 設問 | single' });
    expect(bad.status).toBe(400);
  });

  it('"my events" and the event page show a confirmed member the QR of the check-in code', async () => {
    const event = await createEvent(t, { title: 'QR確認 Meet Up' });
    const member = await approvedMember(t, 'corporation');
    await t.http().post(`/api/v1/events/${event.id}/registrations`).set('Authorization', `Bearer ${member.token}`).send({});
    const mine = await t.http().get('/api/v1/events/mine').set('Authorization', `Bearer ${member.token}`);
    expect(mine.body.items[0]).toMatchObject({ title: 'QR確認 Meet Up', checkInCode: expect.stringMatching(/^[A-Z2-9]{8}$/) });
    expect(mine.body.items[0].checkInQr).toMatch(/^data:image\/svg\+xml;base64,/);
    const page = pageClient(t);
    await page.signIn(member.email, member.password);
    expect((await page.get(`/events/${event.id}`)).text).toContain('data-check-in-qr');
  });
});

import { DataSource } from 'typeorm';
import { JobsService } from '../../libs/jobs';
import { EventsService } from '../../src/events/events.service';
import { EventRemindersService } from '../../src/events/reminders.service';
import { createTestApp, SECRETARIAT, TestApp } from '../support/app';
import { pageClient } from '../support/pages';
import { colleagues, createEvent, inHours, parseIcs, publishedIssue, publishedSolution, unescapeText } from '../factories/events';
import { approvedMember, secretariatTokenFor } from '../factories/members';

// mail is delivered by the job queue about one message a second: wait for the queue, however long it is
jest.setTimeout(240_000);

describe('events: Meet-Ups, seminars and pitch days', () => {
  let t: TestApp;
  let sec: string;
  beforeAll(async () => {
    t = await createTestApp('events');
    sec = await secretariatTokenFor(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const flushMail = () => t.app.get(JobsService).drain(['mail.send'], 200_000);

  it('only the secretariat creates events; an end before the start is refused; a past event can be recorded', async () => {
    const member = await approvedMember(t, 'corporation');
    const body = {
      title: '行政DXセミナー',
      kind: 'seminar',
      description: '説明',
      startsAt: inHours(48),
      endsAt: inHours(50),
      capacity: 10,
    };

    const byMember = await t.http().post('/api/v1/events').set(auth(member.token)).send(body);
    expect(byMember.status).toBe(403);
    const anonymous = await t.http().post('/api/v1/events').send(body);
    expect(anonymous.status).toBe(401);

    const backwards = await t
      .http()
      .post('/api/v1/events')
      .set(auth(sec))
      .send({ ...body, startsAt: inHours(50), endsAt: inHours(48) });
    expect(backwards.status).toBe(400);
    expect(JSON.stringify(backwards.body.message)).toMatch(/endsAt: 開始より後/);

    const unknownField = await t
      .http()
      .post('/api/v1/events')
      .set(auth(sec))
      .send({ ...body, colour: 'red' });
    expect(unknownField.status).toBe(400);

    const past = await t
      .http()
      .post('/api/v1/events')
      .set(auth(sec))
      .send({
        ...body,
        title: '2024年度 第1回ワークショップ',
        kind: 'workshop',
        startsAt: '2024-06-01T13:00:00+09:00',
        endsAt: '2024-06-01T16:00:00+09:00',
      });
    expect(past.status).toBe(201);
    expect(past.body).toMatchObject({
      status: 'published',
      kind: 'workshop',
      title: '2024年度 第1回ワークショップ',
      registrationState: 'closed',
    });

    const draft = await t
      .http()
      .post('/api/v1/events')
      .set(auth(sec))
      .send({ ...body, title: '準備中のセミナー', status: 'draft' });
    expect(draft.status).toBe(201);
    expect((await t.http().get(`/api/v1/events/${draft.body.id}`).set(auth(member.token))).status).toBe(404);
    const published = await t.http().post(`/api/v1/events/${draft.body.id}/publish`).set(auth(sec));
    expect(published.status).toBe(200);
    expect((await t.http().get(`/api/v1/events/${draft.body.id}`).set(auth(member.token))).body.status).toBe('published');
    expect((await t.http().post(`/api/v1/events/${draft.body.id}/publish`).set(auth(sec))).status).toBe(409);

    const list = await t.http().get('/api/v1/events?kind=workshop').set(auth(member.token));
    expect(list.status).toBe(200);
    expect(list.body.items.map((e: any) => e.title)).toContain('2024年度 第1回ワークショップ');
    expect(list.body.items.every((e: any) => e.kind === 'workshop')).toBe(true);
  });

  it('registering twice creates nothing new', async () => {
    const event = await createEvent(t, { title: '二重登録チェック', kind: 'seminar' });
    const member = await approvedMember(t, 'university');
    const once = await t.http().post(`/api/v1/events/${event.id}/registrations`).set(auth(member.token)).send({});
    expect(once.status).toBe(201);
    const twice = await t.http().post(`/api/v1/events/${event.id}/registrations`).set(auth(member.token)).send({});
    expect(twice.status).toBe(200);
    expect(twice.body.id).toBe(once.body.id);
    const list = await t.http().get(`/api/v1/events/${event.id}/registrations`).set(auth(sec));
    expect(list.body.total).toBe(1);
  });

  it('registration after the closing time answers 409 with a clear message', async () => {
    const event = await createEvent(t, { title: '締切済みセミナー', kind: 'seminar', registrationClosesAt: inHours(-1) });
    const member = await approvedMember(t, 'corporation');
    const res = await t.http().post(`/api/v1/events/${event.id}/registrations`).set(auth(member.token)).send({});
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/締め切りました/);
  });

  it('only the secretariat lists registrations, and the CSV opens in Excel with Japanese intact', async () => {
    const event = await createEvent(t, { title: 'CSV確認用ワークショップ', kind: 'workshop' });
    const member = await approvedMember(t, 'npo', { name: 'NPO法人なにわ未来' });
    await t.http().post(`/api/v1/events/${event.id}/registrations`).set(auth(member.token)).send({});

    expect((await t.http().get(`/api/v1/events/${event.id}/registrations`).set(auth(member.token))).status).toBe(403);
    expect((await t.http().get(`/api/v1/events/${event.id}/registrations?format=csv`).set(auth(member.token))).status).toBe(403);

    const csv = await t
      .http()
      .get(`/api/v1/events/${event.id}/registrations?format=csv`)
      .set(auth(sec))
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv; charset=utf-8/);
    const bytes = csv.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text.split('\r\n')[0]).toContain('"氏名","メールアドレス","所属","状態"');
    expect(text).toContain('NPO法人なにわ未来');
    expect(text).toContain('参加確定');
  });

  it('the online URL is shown only to confirmed registrants', async () => {
    const event = await createEvent(t, {
      title: 'オンライン説明会',
      kind: 'seminar',
      onlineUrl: 'https://meet.example.jp/secret-room',
      capacity: 1,
    });
    const [a, b] = [await approvedMember(t, 'corporation'), await approvedMember(t, 'corporation')];
    expect((await t.http().get(`/api/v1/events/${event.id}`).set(auth(a.token))).body.onlineUrl).toBeUndefined();
    await t.http().post(`/api/v1/events/${event.id}/registrations`).set(auth(a.token)).send({});
    const waiting = await t.http().post(`/api/v1/events/${event.id}/registrations`).set(auth(b.token)).send({});
    expect(waiting.body).toMatchObject({ status: 'waitlisted', waitlistPosition: 1 });
    expect((await t.http().get(`/api/v1/events/${event.id}`).set(auth(a.token))).body.onlineUrl).toBe(
      'https://meet.example.jp/secret-room',
    );
    expect((await t.http().get(`/api/v1/events/${event.id}`).set(auth(b.token))).body.onlineUrl).toBeUndefined();
    expect((await t.http().get(`/api/v1/events/${event.id}`)).status).toBe(401);

    // a cancels: b is promoted automatically and told by e-mail
    expect((await t.http().delete(`/api/v1/events/${event.id}/registrations/mine`).set(auth(a.token))).status).toBe(200);
    expect((await t.http().get(`/api/v1/events/${event.id}`).set(auth(b.token))).body.onlineUrl).toBe(
      'https://meet.example.jp/secret-room',
    );
    expect((await t.http().delete(`/api/v1/events/${event.id}/registrations/mine`).set(auth(a.token))).status).toBe(404);
    await flushMail();
    expect(
      t.mail
        .to(b.email)
        .map((m) => m.subject)
        .join('\n'),
    ).toMatch(/キャンセル待ちから参加確定になりました：オンライン説明会/);
  });

  it('an org admin registers a colleague; a plain member cannot register someone else', async () => {
    const event = await createEvent(t, { title: '代理登録セミナー', kind: 'seminar' });
    const { admin, people } = await colleagues(t, 2);
    const res = await t.http().post(`/api/v1/events/${event.id}/registrations`).set(auth(admin.token)).send({ userId: people[0].userId });
    expect(res.status).toBe(201);
    expect((await t.http().get(`/api/v1/events/${event.id}`).set(auth(people[0].token))).body.myRegistration.status).toBe('confirmed');
    const notAdmin = await t
      .http()
      .post(`/api/v1/events/${event.id}/registrations`)
      .set(auth(people[0].token))
      .send({ userId: people[1].userId });
    expect(notAdmin.status).toBe(403);
    const stranger = await approvedMember(t, 'corporation');
    const otherOrg = await t
      .http()
      .post(`/api/v1/events/${event.id}/registrations`)
      .set(auth(stranger.token))
      .send({ userId: people[1].userId });
    expect(otherOrg.status).toBe(404);
  });

  it('the .ics file is valid iCalendar with the Japanese title intact', async () => {
    const event = await createEvent(t, {
      title: '第11回 Meet Up：堺市・富田林市の課題発表, 交流会付き',
      description: '1行目\n2行目；セミコロン',
      venue: '堺市役所 本館3階 会議室（堺区南瓦町3-1）',
      startsAt: '2026-07-15T14:00:00+09:00',
      endsAt: '2026-07-15T17:30:00+09:00',
      visibility: 'public',
    });
    const res = await t.http().get(`/api/v1/events/${event.id}/calendar.ics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/calendar/);
    const ics = parseIcs(res.text);
    expect(ics.lines[0]).toBe('BEGIN:VCALENDAR');
    expect(ics.calendar.VERSION).toBe('2.0');
    expect(ics.calendar.PRODID).toBeTruthy();
    expect(ics.events).toHaveLength(1);
    const ev = ics.events[0];
    expect(ev.UID.value).toContain(event.id);
    expect(ev.DTSTAMP.value).toMatch(/^\d{8}T\d{6}Z$/);
    expect(ev.DTSTART).toEqual({ params: 'TZID=Asia/Tokyo', value: '20260715T140000' });
    expect(ev.DTEND).toEqual({ params: 'TZID=Asia/Tokyo', value: '20260715T173000' });
    expect(unescapeText(ev.SUMMARY.value)).toBe('第11回 Meet Up：堺市・富田林市の課題発表, 交流会付き');
    expect(ev.SUMMARY.value).toContain('\\,');
    expect(unescapeText(ev.LOCATION.value)).toBe('堺市役所 本館3階 会議室（堺区南瓦町3-1）');
    expect(unescapeText(ev.DESCRIPTION.value)).toContain('1行目\n2行目；セミコロン');
    expect(ev.URL.value).toMatch(new RegExp(`/events/${event.id}$`));
    expect(res.text).toContain('BEGIN:VTIMEZONE');
  });

  it('a member subscribes to a personal calendar feed that lists the events they registered for', async () => {
    const event = await createEvent(t, { title: 'フィード確認セミナー', kind: 'seminar' });
    const member = await approvedMember(t, 'corporation');
    await t.http().post(`/api/v1/events/${event.id}/registrations`).set(auth(member.token)).send({});
    const feed = await t.http().post('/api/v1/events/calendar-feed').set(auth(member.token));
    expect(feed.status).toBe(201);
    const path = new URL(feed.body.url).pathname;
    const res = await t.http().get(path);
    expect(res.status).toBe(200);
    const ics = parseIcs(res.text);
    expect(ics.events.map((e) => unescapeText(e.SUMMARY.value))).toContain('フィード確認セミナー');
    expect((await t.http().get('/events/feed/not-a-token.ics')).status).toBe(404);
  });

  it('the reminder job sends exactly one reminder per confirmed registrant, even when run twice', async () => {
    const soon = await createEvent(t, { title: '明日のリマインド確認 Meet Up', startsAt: inHours(20), endsAt: inHours(22), capacity: 2 });
    const later = await createEvent(t, {
      title: '来週のセミナー',
      kind: 'seminar',
      startsAt: inHours(24 * 6),
      endsAt: inHours(24 * 6 + 2),
    });
    const { people } = await colleagues(t, 3);
    for (const p of people) {
      await t.http().post(`/api/v1/events/${soon.id}/registrations`).set(auth(p.token)).send({});
      await t.http().post(`/api/v1/events/${later.id}/registrations`).set(auth(p.token)).send({});
    }
    const events = t.app.get(EventRemindersService);
    const now = new Date();
    const [first, second] = await Promise.all([events.sendDueReminders(now), events.sendDueReminders(now)]);
    const third = await events.sendDueReminders(new Date());
    // only this event starts within 24 hours: two confirmed registrants, reminded once in all
    expect(first + second + third).toBe(2);
    expect(third).toBe(0);
    await flushMail();
    const reminders = (email: string) => t.mail.to(email).filter((m) => m.subject.includes('明日のイベントのご案内'));
    expect(reminders(people[0].email)).toHaveLength(1);
    expect(reminders(people[1].email)).toHaveLength(1);
    expect(reminders(people[2].email)).toHaveLength(0); // waitlisted
    expect(reminders(people[0].email)[0].subject).toContain('明日のリマインド確認 Meet Up');
    expect(t.mail.to(people[0].email).some((m) => m.subject.includes('来週のセミナー') && m.subject.includes('明日'))).toBe(false);
  });

  it('the secretariat checks a registrant in by code once; a second check-in says already checked in', async () => {
    const event = await createEvent(t, { title: '受付確認ワークショップ', kind: 'workshop' });
    const member = await approvedMember(t, 'corporation');
    await t.http().post(`/api/v1/events/${event.id}/registrations`).set(auth(member.token)).send({});
    const me = await t.http().get(`/api/v1/events/${event.id}`).set(auth(member.token));
    const code = me.body.myRegistration.checkInCode;
    expect(code).toMatch(/^[A-Z2-9]{8}$/);
    expect((await t.http().post(`/api/v1/events/${event.id}/check-ins`).set(auth(member.token)).send({ code })).status).toBe(403);
    const first = await t
      .http()
      .post(`/api/v1/events/${event.id}/check-ins`)
      .set(auth(sec))
      .send({ code: code.toLowerCase(), override: true });
    expect(first.status).toBe(201);
    const second = await t.http().post(`/api/v1/events/${event.id}/check-ins`).set(auth(sec)).send({ code, override: true });
    expect(second.status).toBe(409);
    expect(second.body.message).toMatch(/既に受付済み/);
    expect(
      (await t.http().post(`/api/v1/events/${event.id}/check-ins`).set(auth(sec)).send({ code: 'ZZZZZZZZ', override: true })).status,
    ).toBe(404);
  });

  it('after check-in the registration can no longer be cancelled: the page offers no button and the API answers 409', async () => {
    const event = await createEvent(t, { title: '受付後の取消確認セミナー', kind: 'seminar' });
    const member = await approvedMember(t, 'corporation');
    await t.http().post(`/api/v1/events/${event.id}/registrations`).set(auth(member.token)).send({});
    const before = await t.http().get(`/api/v1/events/${event.id}`).set(auth(member.token));
    expect(before.body.myRegistration.actions).toEqual(['cancel']);
    const page = pageClient(t);
    await page.signIn(member.email, member.password);
    expect((await page.get(`/events/${event.id}`)).text).toContain(`action="/events/${event.id}/cancel-registration"`);

    const code = before.body.myRegistration.checkInCode;
    expect((await t.http().post(`/api/v1/events/${event.id}/check-ins`).set(auth(sec)).send({ code, override: true })).status).toBe(201);
    const after = await t.http().get(`/api/v1/events/${event.id}`).set(auth(member.token));
    expect(after.body.myRegistration).toMatchObject({ status: 'confirmed', actions: [] });
    expect((await page.get(`/events/${event.id}`)).text).not.toContain('/cancel-registration');

    const refused = await t.http().delete(`/api/v1/events/${event.id}/registrations/mine`).set(auth(member.token));
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('events.checkedInCannotCancel');
    expect(refused.body.message).toMatch(/受付済み.*取り消せません/);
    const byPage = await page.post(`/events/${event.id}/cancel-registration`, {});
    expect(byPage.status).toBe(409);
    expect(byPage.text).toMatch(/受付済み.*取り消せません/);
    const still = await t.http().get(`/api/v1/events/${event.id}`).set(auth(member.token));
    expect(still.body.myRegistration).toMatchObject({ status: 'confirmed', checkedInAt: expect.any(String) });
  });

  it('the event detail carries the actions the caller may take, and the secretariat\u2019s page shows only those', async () => {
    const event = await createEvent(t, { title: '公開前のワークショップ', kind: 'workshop', status: 'draft' });
    const member = await approvedMember(t, 'corporation');
    const detail = async (token: string) => (await t.http().get(`/api/v1/events/${event.id}`).set(auth(token))).body;
    expect((await detail(sec)).actions).toEqual(['publish', 'cancel']);
    const page = pageClient(t);
    await page.signIn(SECRETARIAT.email, SECRETARIAT.password);
    let html = (await page.get(`/events/${event.id}`)).text;
    expect(html).toContain(`action="/events/${event.id}/publish"`);
    expect(html).toContain(`action="/events/${event.id}/cancel"`);

    expect((await t.http().post(`/api/v1/events/${event.id}/publish`).set(auth(sec))).body.actions).toEqual(['cancel']);
    expect((await detail(member.token)).actions).toEqual([]);
    html = (await page.get(`/events/${event.id}`)).text;
    expect(html).not.toContain(`action="/events/${event.id}/publish"`);
    expect(html).toContain(`action="/events/${event.id}/cancel"`);
    const again = await t.http().post(`/api/v1/events/${event.id}/publish`).set(auth(sec));
    expect(again.status).toBe(409);

    const cancelled = await t
      .http()
      .post(`/api/v1/events/${event.id}/cancel`)
      .set(auth(sec))
      .send({ reason: '講師の都合により中止します。' });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', actions: [] });
    html = (await page.get(`/events/${event.id}`)).text;
    expect(html).not.toContain(`action="/events/${event.id}/cancel"`);
    expect((await t.http().post(`/api/v1/events/${event.id}/cancel`).set(auth(sec)).send({ reason: '再度' })).status).toBe(409);
  });

  it('cancelling an event tells every registrant by e-mail', async () => {
    const event = await createEvent(t, { title: '中止になるセミナー', kind: 'seminar', capacity: 1 });
    const [a, b] = [await approvedMember(t, 'corporation'), await approvedMember(t, 'corporation')];
    await t.http().post(`/api/v1/events/${event.id}/registrations`).set(auth(a.token)).send({});
    await t.http().post(`/api/v1/events/${event.id}/registrations`).set(auth(b.token)).send({});
    expect((await t.http().post(`/api/v1/events/${event.id}/cancel`).set(auth(sec)).send({})).status).toBe(400);
    const res = await t.http().post(`/api/v1/events/${event.id}/cancel`).set(auth(sec)).send({ reason: '台風の接近により中止します。' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
    expect(
      (
        await t
          .http()
          .post(`/api/v1/events/${event.id}/registrations`)
          .set(auth((await approvedMember(t)).token))
          .send({})
      ).status,
    ).toBe(409);
    await flushMail();
    for (const m of [a, b])
      expect(t.mail.to(m.email).find((x) => x.subject.includes('イベント中止のお知らせ'))?.text).toContain('台風の接近により中止します。');
  });

  it('a Meet-Up lists the issues presented; the issue knows where it was presented; the figures count it once held', async () => {
    const osaka = await approvedMember(t, 'municipality', { municipalityCode: '27100' });
    const sakai = await approvedMember(t, 'municipality', { municipalityCode: '27140' });
    const i1 = await publishedIssue(t, osaka, '27100', '高齢者の通院手段の確保');
    const i2 = await publishedIssue(t, sakai, '27140', '観光客の回遊性向上');
    const event = await createEvent(t, {
      title: '2025年度 第1回 Meet Up',
      startsAt: '2025-05-20T14:00:00+09:00',
      endsAt: '2025-05-20T17:00:00+09:00',
      issueIds: [i1, i2],
    });
    expect(event.presentations.map((p: any) => p.municipality.code)).toEqual(['27100', '27140']);
    expect(event.presentations[0].issues).toEqual([{ id: i1, title: '高齢者の通院手段の確保' }]);

    const unknown = await t
      .http()
      .post('/api/v1/events')
      .set(auth(sec))
      .send({
        title: 'x',
        kind: 'meetup',
        description: '',
        startsAt: inHours(1),
        endsAt: inHours(2),
        capacity: 5,
        issueIds: ['00000000-0000-4000-8000-000000000000'],
      });
    expect(unknown.status).toBe(400);

    const presented = await t.app.get(EventsService).presentationsForIssue(i1);
    expect(presented).toEqual([
      expect.objectContaining({
        eventId: event.id,
        title: '2025年度 第1回 Meet Up',
        municipality: { code: '27100', name: expect.any(String) },
      }),
    ]);

    // the secretariat records attendance of the past event
    const member = await approvedMember(t, 'corporation');
    const reg = await t
      .http()
      .post(`/api/v1/events/${event.id}/registrations`)
      .set(auth(sec))
      .send({ userId: (await t.http().get('/api/v1/me').set(auth(member.token))).body.user.id });
    expect(reg.status).toBe(201);
    const list = await t.http().get(`/api/v1/events/${event.id}/registrations`).set(auth(sec));
    await t
      .http()
      .post(`/api/v1/events/${event.id}/check-ins`)
      .set(auth(sec))
      .send({ code: list.body.items[0].checkInCode, override: true });

    const figures = await t.app.get(EventsService).figures(2025);
    expect(figures.byKind.meetup).toMatchObject({ held: 1, registrations: 1, attended: 1, municipalitiesPresenting: 2 });
    expect(figures.byKind.seminar.held).toBe(0);
    const all = await t.http().get('/api/v1/events/figures').set(auth(sec));
    expect(all.status).toBe(200);
    expect(all.body.byKind.meetup.held).toBeGreaterThanOrEqual(1);
  });

  it('a pitch day: a startup applies, the secretariat selects it, judges score blind until they submit, awards show on the solution', async () => {
    const startup = await approvedMember(t, 'corporation', { name: '株式会社ミライモビリティ' });
    const solutionId = await publishedSolution(t, startup, 'AIオンデマンド交通');
    const event = await createEvent(t, { title: 'スタートアップ・ピッチデイ', kind: 'pitch' });
    expect(event.criteria.map((c: any) => c.label)).toEqual(['新規性', '実現性', '地域課題への貢献']);

    const muni = await approvedMember(t, 'municipality', { municipalityCode: '27214' });
    expect(
      (await t.http().post(`/api/v1/events/${event.id}/pitch-applications`).set(auth(muni.token)).send({ solutionId, summary: 'x' }))
        .status,
    ).toBe(403);
    const applied = await t
      .http()
      .post(`/api/v1/events/${event.id}/pitch-applications`)
      .set(auth(startup.token))
      .send({ solutionId, summary: '高齢者の移動を支えます。' });
    expect(applied.status).toBe(201);
    expect(applied.body).toMatchObject({ status: 'applied', solution: { id: solutionId, title: 'AIオンデマンド交通' } });

    const select = await t
      .http()
      .post(`/api/v1/pitch-applications/${applied.body.id}/decision`)
      .set(auth(sec))
      .send({ decision: 'selected' });
    expect(select.status).toBe(200);
    // the secretariat may still change its mind until the awards are announced; the applicant decides nothing
    expect(select.body.actions).toEqual(['reject']);
    const listed = async (token: string) =>
      (await t.http().get(`/api/v1/events/${event.id}/pitch-applications`).set(auth(token))).body.items[0].actions;
    await expect(listed(startup.token)).resolves.toEqual([]);

    const db = t.app.get(DataSource);
    const judgeA = await approvedMember(t, 'university');
    const judgeB = await approvedMember(t, 'research_institute');
    const idOf = async (email: string) => (await db.query(`SELECT id FROM users WHERE email = $1`, [email]))[0].id;
    for (const j of [judgeA, judgeB])
      expect(
        (
          await t
            .http()
            .post(`/api/v1/events/${event.id}/judges`)
            .set(auth(sec))
            .send({ userId: await idOf(j.email) })
        ).status,
      ).toBe(204);

    expect((await t.http().get(`/api/v1/events/${event.id}/judging`).set(auth(startup.token))).status).toBe(403);
    const scoreA = await t
      .http()
      .post(`/api/v1/pitch-applications/${applied.body.id}/scores`)
      .set(auth(judgeA.token))
      .send({ scores: { novelty: 5, feasibility: 4, contribution: 5 }, comment: '地域への波及効果が大きい' });
    expect(scoreA.status).toBe(201);
    expect(scoreA.body.total).toBe(14);
    expect(
      (
        await t
          .http()
          .post(`/api/v1/pitch-applications/${applied.body.id}/scores`)
          .set(auth(judgeA.token))
          .send({ scores: { novelty: 5, feasibility: 4, contribution: 5 } })
      ).status,
    ).toBe(409);

    const beforeB = await t.http().get(`/api/v1/events/${event.id}/judging`).set(auth(judgeB.token));
    expect(beforeB.body.pitches[0]).toMatchObject({ mine: null, others: null, average: null });
    const bad = await t
      .http()
      .post(`/api/v1/pitch-applications/${applied.body.id}/scores`)
      .set(auth(judgeB.token))
      .send({ scores: { novelty: 6, feasibility: 3 } });
    expect(bad.status).toBe(400);
    expect(
      (
        await t
          .http()
          .post(`/api/v1/pitch-applications/${applied.body.id}/scores`)
          .set(auth(judgeB.token))
          .send({ scores: { novelty: 3, feasibility: 3, contribution: 4 } })
      ).status,
    ).toBe(201);
    const afterB = await t.http().get(`/api/v1/events/${event.id}/judging`).set(auth(judgeB.token));
    expect(afterB.body.pitches[0].others).toEqual([expect.objectContaining({ total: 14, comment: '地域への波及効果が大きい' })]);
    expect(afterB.body.pitches[0].average).toBe(12);

    const awards = await t
      .http()
      .post(`/api/v1/events/${event.id}/awards`)
      .set(auth(sec))
      .send({ awards: [{ applicationId: applied.body.id, award: '優秀賞' }] });
    expect(awards.status).toBe(200);
    await expect(listed(sec)).resolves.toEqual([]);
    const late = await t
      .http()
      .post(`/api/v1/pitch-applications/${applied.body.id}/decision`)
      .set(auth(sec))
      .send({ decision: 'rejected' });
    expect(late.status).toBe(409);
    const won = await t.app.get(EventsService).awardsForSolution(solutionId);
    expect(won).toEqual([expect.objectContaining({ award: '優秀賞', eventId: event.id, eventTitle: 'スタートアップ・ピッチデイ' })]);
  });

  it('60 people register at once for 20 seats: exactly 20 confirmed and 40 waitlisted; one cancels and the first waitlisted takes the seat', async () => {
    const event = await createEvent(t, { title: '満員御礼 Meet Up', capacity: 20 });
    const { people } = await colleagues(t, 60);

    const results = await Promise.all(
      people.map((p) => t.http().post(`/api/v1/events/${event.id}/registrations`).set(auth(p.token)).send({})),
    );
    expect(results.map((r) => r.status).every((s) => s === 201)).toBe(true);
    const confirmed = results.filter((r) => r.body.status === 'confirmed');
    const waitlisted = results.filter((r) => r.body.status === 'waitlisted');
    expect(confirmed).toHaveLength(20);
    expect(waitlisted).toHaveLength(40);
    expect(waitlisted.map((r) => r.body.waitlistPosition).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));

    const list = await t.http().get(`/api/v1/events/${event.id}/registrations`).set(auth(sec));
    expect(list.status).toBe(200);
    expect(list.body.items.filter((r: any) => r.status === 'confirmed')).toHaveLength(20);
    const first = list.body.items.find((r: any) => r.waitlistPosition === 1);

    const someoneConfirmed = people[results.findIndex((r) => r.body.status === 'confirmed')];
    const cancelled = await t.http().delete(`/api/v1/events/${event.id}/registrations/mine`).set(auth(someoneConfirmed.token));
    expect(cancelled.status).toBe(200);

    const after = await t.http().get(`/api/v1/events/${event.id}/registrations`).set(auth(sec));
    expect(after.body.items.filter((r: any) => r.status === 'confirmed')).toHaveLength(20);
    expect(after.body.items.filter((r: any) => r.status === 'waitlisted')).toHaveLength(39);
    expect(after.body.items.find((r: any) => r.id === first.id).status).toBe('confirmed');

    const db = t.app.get(DataSource);
    const [{ seats_taken }] = await db.query(`SELECT seats_taken FROM events WHERE id = $1`, [event.id]);
    expect(seats_taken).toBe(20);

    // the first waitlisted person sees their seat confirmed
    const promoted = people.find((p) => p.email === first.email)!;
    const seen = await t.http().get(`/api/v1/events/${event.id}`).set(auth(promoted.token));
    expect(seen.body.myRegistration).toMatchObject({ status: 'confirmed', checkInCode: expect.any(String) });
  }, 120_000);
});

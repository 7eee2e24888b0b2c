import { createTestApp, SECRETARIAT, TestApp } from '../support/app';
import { approvedMember, secretariatTokenFor } from '../factories/members';
import { pageClient } from '../support/pages';

describe('membership: apply, review, sign in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('membership');
  });
  afterAll(async () => {
    await t?.close();
  });

  const application = (over: Record<string, unknown> = {}) => ({
    organization: { name: '株式会社なにわロボティクス', kind: 'corporation', website: 'https://naniwa.example.jp' },
    contact: { name: '浪速 太郎', email: 'taro@naniwa.example.jp', password: 'correct-horse-battery' },
    agreeToTerms: true,
    ...over,
  });

  it('a company applies, cannot sign in until approved, then signs in and sees itself at /me', async () => {
    const applied = await t.http().post('/api/v1/membership-applications').send(application());
    expect(applied.status).toBe(201);
    expect(applied.body).toEqual({ id: expect.any(String), status: 'pending' });

    const early = await t.http().post('/api/v1/auth/tokens').send({ email: 'taro@naniwa.example.jp', password: 'correct-horse-battery' });
    expect(early.status).toBe(401);
    expect(early.body.message).toMatch(/審査中/);

    const sec = await secretariatTokenFor(t);
    const pending = await t.http().get('/api/v1/membership-applications?status=pending').set('Authorization', `Bearer ${sec}`);
    expect(pending.status).toBe(200);
    expect(pending.body.items.map((a: any) => a.id)).toContain(applied.body.id);
    const before = await t.http().get(`/api/v1/membership-applications/${applied.body.id}`).set('Authorization', `Bearer ${sec}`);
    expect(before.body.actions).toEqual(['approve', 'reject']);

    const approved = await t
      .http()
      .post(`/api/v1/membership-applications/${applied.body.id}/approve`)
      .set('Authorization', `Bearer ${sec}`);
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({ status: 'approved', organizationId: expect.any(String) });

    const token = await t.token('TARO@naniwa.example.jp', 'correct-horse-battery');
    const me = await t.http().get('/api/v1/me').set('Authorization', `Bearer ${token}`);
    expect(me.status).toBe(200);
    expect(me.body.organization).toMatchObject({
      id: approved.body.organizationId,
      name: '株式会社なにわロボティクス',
      kind: 'corporation',
      membershipType: 'corporate',
    });
    expect(me.body.roles).toEqual(expect.arrayContaining(['member', 'org_admin']));

    // approving twice is a state conflict
    const again = await t.http().post(`/api/v1/membership-applications/${applied.body.id}/approve`).set('Authorization', `Bearer ${sec}`);
    expect(again.status).toBe(409);

    await t.flushMail();
    const mails = t.mail.to('taro@naniwa.example.jp');
    expect(mails.map((m) => m.subject).join('\n')).toMatch(/承認/);
  });

  it('a rejected applicant is told the reason by e-mail and still cannot sign in', async () => {
    const applied = await t
      .http()
      .post('/api/v1/membership-applications')
      .send(application({ contact: { name: '却下 花子', email: 'hanako@reject.example.jp', password: 'another-long-password' } }));
    expect(applied.status).toBe(201);
    const sec = await secretariatTokenFor(t);
    const noReason = await t
      .http()
      .post(`/api/v1/membership-applications/${applied.body.id}/reject`)
      .set('Authorization', `Bearer ${sec}`)
      .send({});
    expect(noReason.status).toBe(400);
    const rejected = await t
      .http()
      .post(`/api/v1/membership-applications/${applied.body.id}/reject`)
      .set('Authorization', `Bearer ${sec}`)
      .send({ reason: '法人の実在が確認できませんでした' });
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('rejected');
    const login = await t.http().post('/api/v1/auth/tokens').send({ email: 'hanako@reject.example.jp', password: 'another-long-password' });
    expect(login.status).toBe(401);
    await t.flushMail();
    const [mail] = t.mail.to('hanako@reject.example.jp').filter((m) => /承認されませんでした|不承認|見送/.test(m.subject + m.text));
    expect(mail?.text).toContain('法人の実在が確認できませんでした');
    const history = await t.http().get(`/api/v1/membership-applications/${applied.body.id}`).set('Authorization', `Bearer ${sec}`);
    expect(history.body.history.map((h: any) => [h.fromState, h.toState, h.comment])).toEqual([
      [null, 'pending', null],
      ['pending', 'rejected', '法人の実在が確認できませんでした'],
    ]);
    expect(history.body.actions).toEqual([]);
  });

  it('a member cannot list applications (403) and an anonymous caller gets 401', async () => {
    const m = await approvedMember(t);
    const asMember = await t.http().get('/api/v1/membership-applications').set('Authorization', `Bearer ${m.token}`);
    expect(asMember.status).toBe(403);
    const anonymous = await t.http().get('/api/v1/membership-applications');
    expect(anonymous.status).toBe(401);
  });

  it('a municipality must name a known code, and is one organisation: a second application is 409 pointing to its admin', async () => {
    const unknown = await t
      .http()
      .post('/api/v1/membership-applications')
      .send(
        application({
          organization: { name: '架空町', kind: 'municipality', municipalityCode: '99999' },
          contact: { name: 'a', email: 'a@kakuu.example.jp', password: 'long-enough-password' },
        }),
      );
    expect(unknown.status).toBe(400);
    const missing = await t
      .http()
      .post('/api/v1/membership-applications')
      .send(
        application({
          organization: { name: '吹田市', kind: 'municipality' },
          contact: { name: 'a', email: 'b@suita.example.jp', password: 'long-enough-password' },
        }),
      );
    expect(missing.status).toBe(400);

    await approvedMember(t, 'municipality', { name: '吹田市', municipalityCode: '27205' });
    const second = await t
      .http()
      .post('/api/v1/membership-applications')
      .send(
        application({
          organization: { name: '吹田市 都市計画課', kind: 'municipality', municipalityCode: '27205' },
          contact: { name: 'c', email: 'c@suita.example.jp', password: 'long-enough-password' },
        }),
      );
    expect(second.status).toBe(409);
    expect(second.body.message).toMatch(/招待/);
  });

  it('bad input gets a clear 4xx, never a 5xx', async () => {
    await approvedMember(t, 'corporation', { email: 'dup@example.jp' });
    const dup = await t
      .http()
      .post('/api/v1/membership-applications')
      .send(application({ contact: { name: 'dup', email: 'DUP@example.jp', password: 'long-enough-password' } }));
    expect(dup.status).toBe(409);

    const unknownField = await t
      .http()
      .post('/api/v1/membership-applications')
      .send({ ...application(), isAdmin: true });
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.body.message)).toMatch(/isAdmin/);

    const perField = await t
      .http()
      .post('/api/v1/membership-applications')
      .send({ organization: { name: '', kind: 'spaceship' }, contact: { email: 'not-an-email' }, agreeToTerms: false });
    expect(perField.status).toBe(400);
    expect(perField.body.message).toEqual(
      expect.arrayContaining([expect.stringMatching(/^organization\.kind: /), expect.stringMatching(/^contact\.email: /)]),
    );

    const malformed = await t
      .http()
      .post('/api/v1/membership-applications')
      .set('Content-Type', 'application/json')
      .send('{"organization": ');
    expect(malformed.status).toBe(400);

    const huge = await t
      .http()
      .post('/api/v1/membership-applications')
      .send({ ...application(), padding: 'x'.repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);

    const wrongType = await t.http().post('/api/v1/membership-applications').set('Content-Type', 'text/plain').send('hello');
    expect(wrongType.status).toBe(415);

    const notUuid = await t
      .http()
      .post('/api/v1/membership-applications/not-a-uuid/approve')
      .set('Authorization', `Bearer ${await secretariatTokenFor(t)}`);
    expect(notUuid.status).toBe(400);
  });

  it('tokens are revocable and the API ignores the session cookie for writes', async () => {
    const m = await approvedMember(t);
    const revoked = await t.http().delete('/api/v1/auth/tokens/current').set('Authorization', `Bearer ${m.token}`);
    expect(revoked.status).toBe(204);
    const after = await t.http().get('/api/v1/me').set('Authorization', `Bearer ${m.token}`);
    expect(after.status).toBe(401);

    // a signed-in page session may read the API (the pages' own suggestions) but never write through it
    const browser = pageClient(t);
    await browser.signIn(m.email, m.password);
    expect((await browser.agent.get('/api/v1/me')).status).toBe(200);
    const write = await browser.agent.patch('/api/v1/me').set('x-csrf-token', browser.csrf).send({ displayName: '乗っ取り' });
    expect(write.status).toBe(401);
    const me = await t
      .http()
      .get('/api/v1/me')
      .set('Authorization', `Bearer ${await t.token(m.email, m.password)}`);
    expect(me.body.user.displayName).not.toBe('乗っ取り');
  });

  it('sign-in is throttled per account after repeated failures (429), with the same answer for unknown accounts', async () => {
    const unknown = await t.http().post('/api/v1/auth/tokens').send({ email: 'nobody@example.jp', password: 'whatever-password' });
    const m = await approvedMember(t);
    const wrong = await t.http().post('/api/v1/auth/tokens').send({ email: m.email, password: 'wrong-password-here' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body.message).toBe(wrong.body.message);
    for (let i = 0; i < 4; i++) await t.http().post('/api/v1/auth/tokens').send({ email: m.email, password: 'wrong-password-here' });
    const locked = await t.http().post('/api/v1/auth/tokens').send({ email: m.email, password: m.password });
    expect(locked.status).toBe(429);
  });

  it('the first secretariat comes from the environment', async () => {
    const sec = await t.token(SECRETARIAT.email, SECRETARIAT.password);
    const me = await t.http().get('/api/v1/me').set('Authorization', `Bearer ${sec}`);
    expect(me.body.roles).toContain('secretariat');
  });

  it('health reports the database and search', async () => {
    const res = await t.http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', database: 'up', search: 'up' });
  });

  it('publishes OpenAPI at /api/docs-json', async () => {
    const res = await t.http().get('/api/docs-json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/membership-applications', '/api/v1/auth/tokens', '/api/v1/me']),
    );
  });
});

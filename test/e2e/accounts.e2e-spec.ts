import { DataSource } from 'typeorm';
import { approvedMember } from '../factories/members';
import { createTestApp, TestApp } from '../support/app';
import { pageClient } from '../support/pages';

const linkIn = (text: string, path: string) => new RegExp(`${path}/([A-Za-z0-9_-]+)`).exec(text)?.[1];

describe('accounts: sessions, passwords, invitations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('accounts');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('signing in on a page starts a new session; signing out ends it on the server', async () => {
    const m = await approvedMember(t);
    const c = pageClient(t);
    const before = await c.get('/login');
    const anonymousSid = c.sessionId(before);
    const login = await c.post('/login', { email: m.email, password: m.password });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/home');
    const signedInSid = c.sessionId(login);
    expect(signedInSid).toBeDefined();
    expect(signedInSid).not.toBe(anonymousSid);
    const home = await c.get('/home');
    expect(home.status).toBe(200);
    expect(home.text).toContain(m.organizationName);

    const logout = await c.post('/logout', {});
    expect(logout.status).toBe(303);
    const ds = t.app.get(DataSource);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM session WHERE sid = $1`, [
      decodeURIComponent(signedInSid!).replace(/^s:/, '').split('.')[0],
    ]);
    expect(n).toBe(0);
    const after = await c.get('/home');
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/^\/login/);
  });

  it('a wrong page sign-in shows the form again with one message for unknown and wrong accounts alike', async () => {
    const m = await approvedMember(t);
    const c = pageClient(t);
    await c.get('/login');
    const wrong = await c.post('/login', { email: m.email, password: 'definitely-wrong-password' });
    await c.get('/login');
    const unknown = await c.post('/login', { email: 'nobody-here@example.jp', password: 'definitely-wrong-password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const msg = (html: string) => /role="alert"[\s\S]*?<\/div>/.exec(html)?.[0].replace(/\s+/g, ' ');
    expect(msg(wrong.text)).toBeDefined();
    expect(msg(wrong.text)).toBe(msg(unknown.text));
    expect(wrong.text).toContain(`value="${m.email}"`);
  });

  it('changing the password needs the current one and signs out every other session and token', async () => {
    const m = await approvedMember(t);
    const laptop = pageClient(t);
    await laptop.signIn(m.email, m.password);
    const phone = pageClient(t);
    await phone.signIn(m.email, m.password);

    const wrong = await t
      .http()
      .post('/api/v1/me/password')
      .set('Authorization', `Bearer ${m.token}`)
      .send({ currentPassword: 'not-the-password', newPassword: 'a-brand-new-password' });
    expect(wrong.status).toBe(400);

    await laptop.get('/profile');
    const changed = await laptop.post('/profile/password', { currentPassword: m.password, newPassword: 'a-brand-new-password' });
    expect(changed.status).toBe(303);
    expect((await laptop.get('/profile')).status).toBe(200); // this session stays
    expect((await phone.get('/home')).status).toBe(303); // the other one is gone
    expect((await t.http().get('/api/v1/me').set('Authorization', `Bearer ${m.token}`)).status).toBe(401);
    expect((await t.http().post('/api/v1/auth/tokens').send({ email: m.email, password: 'a-brand-new-password' })).status).toBe(201);
    await t.flushMail();
    expect(
      t.mail
        .to(m.email)
        .map((x) => x.subject)
        .join(),
    ).toMatch(/パスワード/);
  });

  it('a forgotten password is reset through a single-use e-mail link; unknown addresses get the same answer and no mail', async () => {
    const m = await approvedMember(t);
    const unknown = await t.http().post('/api/v1/auth/password-resets').send({ email: 'stranger@example.jp' });
    const known = await t.http().post('/api/v1/auth/password-resets').send({ email: m.email });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(known.body).toEqual(unknown.body);
    await t.flushMail();
    expect(t.mail.to('stranger@example.jp')).toHaveLength(0);
    const mail = t.mail.to(m.email).find((x) => /再設定/.test(x.subject));
    const token = linkIn(mail!.text, '/password-reset');
    expect(token).toBeDefined();

    const page = await t.http().get(`/password-reset/${token}`).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    const done = await t.http().post(`/api/v1/auth/password-resets/${token}`).send({ password: 'reset-password-2026' });
    expect(done.status).toBe(204);
    const reused = await t.http().post(`/api/v1/auth/password-resets/${token}`).send({ password: 'another-password-2026' });
    expect(reused.status).toBe(404);
    expect((await t.http().post('/api/v1/auth/tokens').send({ email: m.email, password: m.password })).status).toBe(401);
    expect((await t.http().post('/api/v1/auth/tokens').send({ email: m.email, password: 'reset-password-2026' })).status).toBe(201);
  });

  it('repeated failures lock the account for a while and tell its owner by e-mail', async () => {
    const m = await approvedMember(t);
    for (let i = 0; i < 5; i++)
      await t
        .http()
        .post('/api/v1/auth/tokens')
        .send({ email: m.email, password: `wrong-${i}-password` });
    const locked = await t.http().post('/api/v1/auth/tokens').send({ email: m.email, password: m.password });
    expect(locked.status).toBe(429);
    await t.flushMail();
    expect(t.mail.to(m.email).filter((x) => /停止/.test(x.subject))).toHaveLength(1);
  });

  it('an org admin invites a colleague, who joins the same organisation through the e-mailed link, once', async () => {
    const admin = await approvedMember(t, 'university', { name: '浪速工業大学' });
    const invited = await t
      .http()
      .post(`/api/v1/organizations/${admin.organizationId}/invitations`)
      .set('Authorization', `Bearer ${admin.token}`)
      .send({ email: 'colleague@naniwa-u.example.jp' });
    expect(invited.status).toBe(201);
    await t.flushMail();
    const mail = t.mail.to('colleague@naniwa-u.example.jp')[0];
    expect(mail.text).toContain('浪速工業大学');
    const token = linkIn(mail.text, '/invitations');
    const accepted = await t
      .http()
      .post(`/api/v1/invitations/${token}/accept`)
      .send({ name: '同僚 二郎', password: 'colleague-password-1' });
    expect(accepted.status).toBe(201);
    const again = await t.http().post(`/api/v1/invitations/${token}/accept`).send({ name: '別人', password: 'colleague-password-2' });
    expect(again.status).toBe(404);
    const colleague = await t.token('colleague@naniwa-u.example.jp', 'colleague-password-1');
    const me = await t.http().get('/api/v1/me').set('Authorization', `Bearer ${colleague}`);
    expect(me.body.organization.id).toBe(admin.organizationId);
    expect(me.body.roles).toEqual(['member']);
    // a plain member cannot invite, and nobody invites into another organisation
    expect(
      (
        await t
          .http()
          .post(`/api/v1/organizations/${admin.organizationId}/invitations`)
          .set('Authorization', `Bearer ${colleague}`)
          .send({ email: 'x@example.jp' })
      ).status,
    ).toBe(403);
    const other = await approvedMember(t);
    expect(
      (
        await t
          .http()
          .post(`/api/v1/organizations/${admin.organizationId}/invitations`)
          .set('Authorization', `Bearer ${other.token}`)
          .send({ email: 'x@example.jp' })
      ).status,
    ).toBe(404);
  });
});

import { DataSource } from 'typeorm';
import { postIssue } from '../factories/marketplace';
import { approvedMember, secretariatTokenFor, TestMember } from '../factories/members';
import { createTestApp, TestApp } from '../support/app';
import { pageClient } from '../support/pages';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface AuditRow {
  actor_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  ip: string | null;
  data: Record<string, unknown>;
  at: Date;
}

describe('audit and privacy: security events are recorded, organisations export their own data', () => {
  let t: TestApp;
  let db: DataSource;
  let muni: TestMember;
  let company: TestMember;
  let userId: (email: string) => Promise<string>;

  /** Audit rows of one action (waits briefly: denials are recorded after the answer is sent). */
  async function audit(action: string, where: Partial<AuditRow> = {}, expectAtLeast = 1): Promise<AuditRow[]> {
    for (let i = 0; ; i++) {
      const rows: AuditRow[] = await db.query(
        `SELECT actor_id, action, subject_type, subject_id, ip, data, at FROM audit_log WHERE action = $1 ORDER BY id`,
        [action],
      );
      const hits = rows.filter((r) => Object.entries(where).every(([k, v]) => (r as any)[k] === v));
      if (hits.length >= expectAtLeast || i >= 25) return hits;
      await sleep(100);
    }
  }

  beforeAll(async () => {
    t = await createTestApp('audit-privacy');
    db = t.app.get(DataSource);
    muni = await approvedMember(t, 'municipality', { municipalityCode: '27140', name: '堺市' });
    company = await approvedMember(t, 'corporation', { name: '株式会社けんこう' });
    userId = async (email) => (await db.query(`SELECT id FROM users WHERE email = $1`, [email]))[0].id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a refused request is recorded with who, when, from where and what', async () => {
    const started = new Date(Date.now() - 1000);
    await t.http().get('/api/v1/membership-applications').set(auth(company.token)).expect(403);
    const [denied] = await audit('security.accessDenied', { actor_id: await userId(company.email) });
    expect(denied).toMatchObject({
      subject_type: 'route',
      subject_id: 'GET /api/v1/membership-applications',
      data: { code: 'forbidden', path: '/api/v1/membership-applications' },
    });
    expect(denied.ip).toMatch(/127\.0\.0\.1/);
    expect(denied.at.getTime()).toBeGreaterThanOrEqual(started.getTime());

    // a page form posted without its CSRF token
    const visitor = pageClient(t);
    await visitor.get('/login');
    await visitor.agent
      .post('/login')
      .set('Accept', 'text/html')
      .type('form')
      .send({ email: company.email, password: company.password })
      .expect(403);
    const [csrf] = await audit('security.csrfRejected');
    expect(csrf).toMatchObject({ actor_id: null, subject_id: 'POST /login', data: { code: 'csrf.invalid' } });
    expect(csrf.ip).toMatch(/127\.0\.0\.1/);
  });

  it('failed sign-ins and approvals are in the audit log too', async () => {
    await t.http().post('/api/v1/auth/tokens').send({ email: company.email, password: 'not-the-password' }).expect(401);
    const [failed] = await audit('auth.loginFailed', { subject_id: company.email });
    expect(failed.ip).toMatch(/127\.0\.0\.1/);
    const approvals = await audit('membership.approve', {}, 2);
    const secretariat = await t
      .http()
      .get('/api/v1/me')
      .set(auth(await secretariatTokenFor(t)));
    expect(approvals.every((a) => a.actor_id === secretariat.body.user.id)).toBe(true);
  });

  it("an organisation's administrator exports its own data, without passwords or tokens", async () => {
    const issue = await postIssue(t, muni.token, { title: '堺市のバス路線の再編を住民と考えたい', status: 'published' });
    await postIssue(t, muni.token, { title: '下書き：公共施設の予約を便利にしたい', status: 'draft' });
    const res = await t.http().get(`/api/v1/organizations/${muni.organizationId}/export`).set(auth(muni.token)).expect(200);
    expect(res.body.organization).toMatchObject({ id: muni.organizationId, name: '堺市', municipalityCode: '27140' });
    expect(res.body.data.users.map((u: any) => u.email)).toEqual([muni.email]);
    const titles = (res.body.data.issues ?? []).map((i: any) => i.title);
    expect(titles).toEqual(expect.arrayContaining([issue.title, '下書き：公共施設の予約を便利にしたい']));
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/passwordHash|tokenHash|"password"|\$argon2/);
    expect(text).not.toContain(company.email); // nothing of other organisations
    expect(Object.keys(res.body.data).every((k) => /^[a-z][A-Za-z0-9]*$/.test(k))).toBe(true);

    const [exported] = await audit('organization.export', { subject_id: muni.organizationId });
    expect(exported).toMatchObject({ actor_id: await userId(muni.email), subject_type: 'organization' });
    expect(exported.ip).toMatch(/127\.0\.0\.1/);
  });

  it("no one else gets an organisation's export", async () => {
    // another organisation's administrator: not visible (404), and recorded
    await t.http().get(`/api/v1/organizations/${muni.organizationId}/export`).set(auth(company.token)).expect(404);
    const [denied] = await audit('organization.export.denied', { subject_id: muni.organizationId });
    expect(denied.actor_id).toBe(await userId(company.email));
    // anonymous: 401; a member who is not an administrator: 403
    await t.http().get(`/api/v1/organizations/${muni.organizationId}/export`).expect(401);
    await db.query(`UPDATE users SET roles = '{member}' WHERE email = $1`, [company.email]);
    await t.http().get(`/api/v1/organizations/${company.organizationId}/export`).set(auth(company.token)).expect(403);
    await db.query(`UPDATE users SET roles = '{member,org_admin}' WHERE email = $1`, [company.email]);
    // not an id
    await t.http().get(`/api/v1/organizations/not-an-id/export`).set(auth(company.token)).expect(400);
  });
});

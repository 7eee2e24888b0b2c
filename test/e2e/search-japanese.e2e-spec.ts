import { DataSource } from 'typeorm';
import { JobsService } from '../../libs/jobs';
import { SearchService } from '../../libs/search';
import { CatalogDemo } from '../../src/catalog/catalog.demo';
import { ISSUES_INDEX } from '../../src/issues/issues.service';
import { createTestApp, TestApp } from '../support/app';
import { approvedMember, TestMember } from '../factories/members';
import { auth, flushSearch, postIssue } from '../factories/marketplace';

// shared Meilisearch and a busy machine: give slow steps room (no timing is asserted)
jest.setTimeout(150_000);

const DI = {
  akiya: '増え続ける空き家の実態を把握し、活用につなげたい',
  demand: '路線バスの減便で広がる交通空白地の移動手段を確保したい',
  fraud: '高齢者を狙う特殊詐欺の被害を地域ぐるみで減らしたい',
  shopping: '最寄りのスーパーが閉店し、日々の食料品を買えない住民が増えている',
  alone: '一人暮らしのお年寄りの異変にいち早く気づける仕組みがほしい',
  wheelchair: '車いすやベビーカーでも安心して外出できる情報を整えたい',
  inbound: '外国人観光客を受け入れる飲食店・宿泊施設の言葉の壁をなくしたい',
  boar: 'シカやイノシシによる農作物被害と荒れた農地の増加に悩んでいる',
  paper: '紙の申請書の手入力に追われる職員の事務負担を減らしたい',
  dementia: '認知症の気づきを早め、早期の相談・受診につなげたい',
  factory: '古い設備が多い中小工場で、生産状況の見える化を進めたい',
};

/** A mark around a particle or auxiliary alone (の, を, が, に, で, と, や, は, も, から, です …). */
const PARTICLE_MARK = /<mark>(?:の|を|が|に|で|と|や|は|も|へ|から|まで|より|です|ます|した|する)<\/mark>/;

describe('Japanese search: how people type, through the API, the pages, suggestions and saved searches', () => {
  let t: TestApp;
  let reader: TestMember;

  const search = async (q: string) => {
    const res = await t
      .http()
      .get('/api/v1/issues?perPage=20&q=' + encodeURIComponent(q))
      .set(auth(reader.token));
    expect(res.status).toBe(200);
    return res.body.items as Array<{ id: string; title: string; highlight: { title: string; body: string } }>;
  };
  const top5 = async (q: string) => (await search(q)).slice(0, 5).map((i) => i.title);
  const hit = async (q: string, title: string) => (await search(q)).find((i) => i.title === title)!;
  const noBadMarks = (items: Array<{ highlight: { title: string; body: string } }>) => {
    for (const i of items) {
      for (const h of [i.highlight.title, i.highlight.body]) {
        expect(h).not.toMatch(PARTICLE_MARK);
        // a mark always ends at a word end: never 「<mark>オン</mark>ライン」
        expect(h).not.toMatch(/<mark>オン<\/mark>ライン/);
      }
    }
  };

  beforeAll(async () => {
    t = await createTestApp('search_japanese');
    const db = t.app.get(DataSource);
    await t.app.get(CatalogDemo).seedDemo({ db, orgs: {}, users: {} });
    await flushSearch(t);
    reader = await approvedMember(t, 'corporation');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('full-width Latin (the default of many keyboards) finds what half-width finds', async () => {
    const full = await search('ＤＸ');
    const half = await search('DX');
    expect(full.map((i) => i.id)).toEqual(half.map((i) => i.id));
    expect(full.map((i) => i.title)).toContain(DI.factory);
    const co2 = await hit('ＣＯ２　排出量', '取引先から温室効果ガス排出量の報告を求められる中小企業を支えたい');
    expect(co2.highlight.body).toContain('<mark>CO2排出量</mark>');
  });

  it('half-width katakana (pasted from older systems) is full-width katakana', async () => {
    expect(await top5('ｲﾝﾊﾞｳﾝﾄﾞ')).toContain(DI.inbound);
    const barrier = await hit('ﾊﾞﾘｱﾌﾘｰ', DI.wheelchair);
    expect(barrier.highlight.body).toMatch(/<mark>バリアフリーマップ<\/mark>/);
    expect(await top5('ｲﾉｼｼ')).toContain(DI.boar);
  });

  it('hiragana readings, as typed before conversion, find the kanji and mark the word', async () => {
    const koureisha = await hit('こうれいしゃ', DI.fraud);
    expect(koureisha.highlight.title).toBe('<mark>高齢者</mark>を狙う特殊詐欺の被害を地域ぐるみで減らしたい');
    expect((await top5('あきや'))[0]).toBe(DI.akiya);
    expect((await hit('あきや', DI.akiya)).highlight.title).toContain('<mark>空き家</mark>');
    expect(await top5('にんちしょう')).toContain(DI.dementia);
    noBadMarks(await search('こうれいしゃ'));
  });

  it('variant spellings: 空家/空き家, 車椅子/車いす, 独り暮らし/一人暮らし, 子供/子ども', async () => {
    expect((await hit('空家', DI.akiya)).highlight.title).toContain('<mark>空き家</mark>');
    expect((await hit('車椅子', DI.wheelchair)).highlight.title).toContain('<mark>車いす</mark>');
    const alone = await hit('独り暮らし 高齢者', DI.alone);
    // dictionary synonym 高齢者 → お年寄り; the particle の between them is never marked
    expect(alone.highlight.title).toBe('<mark>一人暮らし</mark>の<mark>お年寄り</mark>の異変にいち早く気づける仕組みがほしい');
    expect(await top5('子供 見守り')).toContain('小学生の登下校を地域で見守る体制を維持したい');
    noBadMarks(await search('独り暮らし 高齢者'));
  });

  it('dictionary synonyms (Sudachi) and the secretariat thesaurus', async () => {
    expect(await top5('お年寄り 詐欺')).toContain(DI.fraud);
    expect((await hit('お年寄り 詐欺', DI.fraud)).highlight.title).toMatch(/^<mark>高齢者<\/mark>を狙う特殊<mark>詐欺<\/mark>/);
    expect(await top5('訪日外国人')).toContain(DI.inbound);
    // thesaurus: 買い物弱者 ↔ 買い物難民, 鳥獣害 ↔ 獣害/鳥獣被害, デマンド交通 → the transport-gap issue
    expect(await top5('買い物弱者')).toContain(DI.shopping);
    expect(await top5('鳥獣害')).toContain(DI.boar);
    expect(await top5('デマンド交通')).toContain(DI.demand);
  });

  it('word boundaries: 「オンデマンド交通」 never matches 「オン」 inside 「オンライン」', async () => {
    const items = await search('オンデマンド交通');
    expect(items.slice(0, 5).map((i) => i.title)).toContain(DI.demand);
    // the paper-forms issue mentions 「オンライン申請」 only
    expect(items.map((i) => i.title)).not.toContain(DI.paper);
    noBadMarks(items);
    expect((await search('オン')).map((i) => i.title)).not.toContain(DI.paper);
    expect((await search('オンライン')).map((i) => i.title)).toContain(DI.paper);
  });

  it('on the /issues page: hiragana and half-width queries list the issues with marks on whole words', async () => {
    const agent = (await import('supertest')).default.agent(t.app.getHttpServer());
    const login = await agent.get('/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)?.[1];
    const res = await agent.post('/login').type('form').send({ email: reader.email, password: reader.password, _csrf: csrf });
    expect(res.status).toBeLessThan(400);
    const page = await agent.get('/issues?q=' + encodeURIComponent('こうれいしゃ'));
    expect(page.status).toBe(200);
    expect(page.text).toContain('<mark>高齢者</mark>を狙う特殊詐欺');
    expect(page.text).not.toMatch(PARTICLE_MARK);
    const half = await agent.get('/issues?q=' + encodeURIComponent('ﾊﾞﾘｱﾌﾘｰ'));
    // its thesaurus relatives 車いす and ベビーカー are marked in the title
    expect(half.text).toContain('<mark>車いす</mark>や<mark>ベビーカー</mark>でも安心して外出できる情報を整えたい');
    const variant = await agent.get('/issues?q=' + encodeURIComponent('独り暮らし 高齢者'));
    expect(variant.text).toContain('<mark>一人暮らし</mark>の<mark>お年寄り</mark>');
  });

  it('search as you type works with hiragana and full-width input', async () => {
    const suggest = async (q: string) =>
      (
        await t
          .http()
          .get('/api/v1/search/suggest?q=' + encodeURIComponent(q))
          .set(auth(reader.token))
      ).body.items.map((s: { title: string }) => s.title) as string[];
    expect(await suggest('こうれい')).toContain(DI.fraud); // a prefix of the reading
    expect(await suggest('あきや')).toContain(DI.akiya);
    expect(await suggest('ＤＸ')).toEqual(await suggest('DX'));
    expect(await suggest('ＤＸ')).toContain(DI.factory);
  });

  it('a full reindex keeps the analysed attributes (searches by reading still work)', async () => {
    const svc = t.app.get(SearchService);
    await svc.reindexOne(svc.definition(ISSUES_INDEX)!, () => undefined);
    expect((await top5('あきや'))[0]).toBe(DI.akiya);
    expect(await top5('ｲﾝﾊﾞｳﾝﾄﾞ')).toContain(DI.inbound);
  });

  it('saved searches use the same analysis (readings, variants; whole words only)', async () => {
    const muni = await approvedMember(t, 'municipality', { municipalityCode: '27100', name: '大阪市' });
    const byReading = await approvedMember(t, 'corporation', { name: '株式会社よみがな' });
    const byPrefix = await approvedMember(t, 'corporation', { name: '株式会社おん' });
    const save = (m: TestMember, q: string) => t.http().post('/api/v1/saved-searches').set(auth(m.token)).send({ kind: 'issues', q });
    expect((await save(byReading, 'ひとりぐらし こうれいしゃ')).status).toBe(201);
    expect((await save(byPrefix, 'オン')).status).toBe(201);
    const issue = await postIssue(t, muni.token, {
      status: 'published',
      title: '独り暮らしのお年寄りをオンラインで見守りたい',
      body: '一人暮らしの高齢者が増えています。',
      fieldSlugs: ['elderly'],
    });
    await t.app.get(JobsService).drain(['alerts.published'], 90_000);
    const notes = async (m: TestMember) =>
      (await t.http().get('/api/v1/notifications').set(auth(m.token))).body.items.filter((n: any) => n.kind === 'saved_search');
    expect((await notes(byReading)).map((n: any) => n.link)).toEqual([`/issues/${issue.id}`]);
    expect(await notes(byPrefix)).toEqual([]);
  });
});

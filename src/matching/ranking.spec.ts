import { registerThesaurus } from '../../libs/japanese';
import { DEFAULT_PARAMS, MatchCorpus, MatchText, query, represent, score } from './ranking';
import { Reason, reasonsFor } from './reasons';
import { analyse } from './words';

const issue = (id: string, title: string, body: string, tags: string[] = [], field = 'elderly'): MatchText => ({
  id,
  title,
  body,
  tags,
  fieldSlugs: [field],
  fieldNames: [field],
});
const solution = (id: string, title: string, summary: string, body: string, tags: string[] = [], field = 'elderly'): MatchText => ({
  id,
  title,
  summary,
  body,
  tags,
  fieldSlugs: [field],
  fieldNames: [field],
});

function rankFor(source: MatchText, docs: MatchText[]) {
  const corpus = new MatchCorpus();
  for (const d of docs) corpus.add(represent(d));
  const q = query(represent(source), DEFAULT_PARAMS);
  const scored = score(q, corpus, DEFAULT_PARAMS, source.id);
  const byId = new Map(docs.map((d) => [d.id, d]));
  return scored.map((s) => ({
    id: s.id,
    raw: s.raw,
    reasons: reasonsFor(q, source, byId.get(s.id)!, represent(byId.get(s.id)!), corpus, DEFAULT_PARAMS),
  }));
}

const words = (reasons: Reason[]): string[] =>
  reasons.flatMap((r) => (r.kind === 'terms' ? r.terms : r.kind === 'related' ? r.pairs.flat() : []));

/** Unrelated solutions, so that document frequencies mean something. */
const FILLER: MatchText[] = [
  solution(
    'f1',
    'AI防犯カメラの設置',
    '不審な動きを検知して通知します。',
    '公園や駐車場に設置し、夜間の不審者を検知します。',
    ['防犯カメラ'],
    'safety',
  ),
  solution(
    'f2',
    '観光案内の多言語チャットボット',
    '訪日客の質問に24時間答えます。',
    '英語や中国語で観光案内をします。',
    ['インバウンド'],
    'tourism',
  ),
  solution(
    'f3',
    '工場の設備保全をIoTで',
    '振動センサーで故障の予兆を捉えます。',
    '中小製造業の設備に後付けできるセンサーです。',
    ['IoT'],
    'manufacturing',
  ),
  solution(
    'f4',
    '保育所の入所申請をオンラインで',
    '申請から結果通知までをデジタル化します。',
    '保護者はスマホから申請でき、職員の入力作業が減ります。',
    ['保育'],
    'childcare',
  ),
];

describe('matching on words', () => {
  beforeAll(() => registerThesaurus([['買い物難民', '買い物弱者', '移動販売']]));

  it('terms are whole content words by base form, compounds and never particles or general words', () => {
    const keys = analyse('一人暮らしのお年寄りの家族と本人を見守るサービス').terms.filter((t) => t.nominal);
    const surfaces = keys.map((t) => t.surface);
    expect(surfaces).toEqual(expect.arrayContaining(['一人暮らし', 'お年寄り']));
    for (const bad of ['の', 'を', 'と', '家族', '本人', '年寄']) expect(surfaces).not.toContain(bad);
  });

  it('spelling variants are one key (子ども/子供, 一人暮らし/独り暮らし, 空き家/空家)', () => {
    const key = (w: string) => analyse(w).terms.find((t) => t.kind === 'word')!.key;
    expect(key('子ども')).toBe(key('子供'));
    expect(key('一人暮らし')).toBe(key('独り暮らし'));
    expect(key('空き家')).toBe(key('空家'));
    expect(key('ＤＸ')).toBe(key('DX'));
  });

  it('a pair sharing only a dictionary synonym ranks, with the pair as its reason', () => {
    const source = issue('i1', '独居の方の安否が心配', '連絡が取れないまま数日たつことがあります。', [], 'x');
    const match = solution(
      's1',
      '一人暮らしの方への声かけ訪問',
      '定期的に訪問して様子をうかがいます。',
      '訪問員が月2回うかがいます。',
      [],
      'y',
    );
    const ranked = rankFor(source, [match, ...FILLER]);
    expect(ranked[0].id).toBe('s1');
    expect(ranked[0].raw).toBeGreaterThan(0);
    const related = ranked[0].reasons.find((r) => r.kind === 'related');
    expect(related).toEqual({ kind: 'related', pairs: [['独居', '一人暮らし']] });
  });

  it('reasons never name general words, particles or a word cut in two', () => {
    const source = issue(
      'i2',
      '一人暮らしのお年寄りの家族が本人の様子を知りたい',
      '離れて暮らす家族から、本人や世帯の様子がわからないという声があります。お年寄りの見守りが必要です。',
      ['見守り'],
    );
    const match = solution(
      's2',
      'お年寄りの見守りセンサー',
      '一人暮らしのお年寄りの様子を、離れて暮らす家族に知らせます。',
      '本人の生活リズムの変化を検知し、家族や世帯の連絡先に通知します。',
      ['見守り'],
    );
    const ranked = rankFor(source, [match, ...FILLER]);
    expect(ranked[0].id).toBe('s2');
    const shown = words(ranked[0].reasons);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).toEqual(expect.arrayContaining(['お年寄り']));
    for (const w of shown) {
      expect(['家族', '本人', '世帯', '年寄', '様子', 'の', 'が', 'を', 'と']).not.toContain(w);
      expect(w).not.toMatch(/^[のをがとにはでや]$/);
    }
  });

  it('thesaurus concepts bridge different words and name the pair', () => {
    const source = issue('i3', 'スーパーが閉店し買い物難民が増えている', '車を持たない高齢者が困っています。');
    const match = solution('s3', '軽トラックで集落を回る移動販売', '生鮮食品を積んで巡回します。', '決まった曜日に団地を回ります。', [
      '移動販売',
    ]);
    const ranked = rankFor(source, [match, ...FILLER]);
    expect(ranked[0].id).toBe('s3');
    expect(ranked[0].reasons).toContainEqual({ kind: 'related', pairs: [['買い物難民', '移動販売']] });
  });

  it('the index keeps exact document frequencies when items are replaced and removed', () => {
    const corpus = new MatchCorpus();
    for (const d of FILLER) corpus.add(represent(d));
    const before = corpus.stats();
    corpus.add(represent(FILLER[0]));
    expect(corpus.stats()).toEqual(before);
    corpus.remove('f1');
    expect(corpus.size).toBe(FILLER.length - 1);
    const key = analyse('防犯カメラ').terms[0].key;
    expect(corpus.df(key)).toBe(0);
    corpus.add(represent(FILLER[0]));
    expect(corpus.stats()).toEqual(before);
  });
});

describe('thesaurus terms are any text', () => {
  it('a term spelled 「__proto__」 is a synonym like any other (it used to crash the synonym map)', () => {
    const { synonymsOf } = require('./thesaurus.service') as typeof import('./thesaurus.service');
    const { encodedSynonyms } = require('../../libs/search/japanese') as typeof import('../../libs/search/japanese');
    const map = synonymsOf([
      ['空き家', '空家'],
      ['__proto__', '安否確認'],
    ]);
    expect(map['__proto__']).toEqual(['安否確認']);
    expect(Object.keys(encodedSynonyms(map)).length).toBeGreaterThan(0);
  });
});

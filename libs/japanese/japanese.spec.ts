import {
  analyze,
  analyzeQuery,
  conceptsOf,
  decodeSpans,
  encodeSpans,
  fold,
  keySet,
  markRanges,
  matchesQuery,
  matchRanges,
  normalize,
  normalizeMapped,
  registerThesaurus,
  relatives,
  spanIndex,
  spansFromIndex,
  spansOf,
  sudachiEntries,
  termKeys,
  toHiragana,
  variants,
} from './index';

const THESAURUS = [
  ['オンデマンド交通', 'デマンド交通', 'デマンドタクシー', '乗合タクシー'],
  ['買い物弱者', '買い物難民', '移動販売'],
  ['鳥獣害', '獣害', '鳥獣被害'],
];

beforeAll(() => registerThesaurus(THESAURUS));

describe('characters', () => {
  it('NFKC, case folding and kana folding', () => {
    expect(normalize('ＤＸ　ＡＩ')).toBe('dx ai');
    expect(normalize('ｲﾝﾊﾞｳﾝﾄﾞ')).toBe('インバウンド');
    expect(toHiragana('バリアフリー')).toBe('ばりあふりー');
    expect(fold('ﾊﾞﾘｱﾌﾘｰ')).toBe(fold('ばりあふりー'));
  });

  it('keeps offsets into the original text through normalisation', () => {
    const m = normalizeMapped('ｲﾝﾊﾞｳﾝﾄﾞ対策');
    expect(m.text).toBe('インバウンド対策');
    const i = m.text.indexOf('対策');
    expect('ｲﾝﾊﾞｳﾝﾄﾞ対策'.slice(m.start[i], m.end[i + 1])).toBe('対策');
    expect(m.start[m.text.indexOf('バ')]).toBe(2);
    expect(m.end[m.text.indexOf('バ')]).toBe(4);
  });
});

describe('analyze', () => {
  it('words with base forms, readings and content flags; particles are no terms', () => {
    const a = analyze('一人暮らしのお年寄りを見守る仕組み');
    const words = a.words.map((w) => w.surface);
    expect(words).toEqual(expect.arrayContaining(['一人暮らし', 'お年寄り', '見守る', '仕組み']));
    expect(a.terms.map((t) => t.surface)).not.toContain('の');
    expect(a.terms.map((t) => t.surface)).not.toContain('を');
    const hitori = a.words.find((w) => w.surface === '一人暮らし')!;
    expect(hitori.reading).toBe('ひとりぐらし');
    expect(hitori.content).toBe(true);
    expect(a.words.find((w) => w.surface === '仕組み')!.content).toBe(false);
    // the head of a prefixed word is a part, highlighted as the whole word
    const part = a.terms.find((t) => t.level === 'part' && t.text === '年寄り')!;
    expect(part).toBeDefined();
    expect([part.wordStart, part.wordEnd]).toEqual([hitori.end + 1, hitori.end + 1 + 'お年寄り'.length]);
  });

  it('verbs under their dictionary form', () => {
    const w = analyze('高齢者を見守り、支える').words.find((x) => x.surface === '見守り')!;
    expect(w.pos).toBe('verb');
    expect(w.base).toBe('見守る');
  });

  it('compound nouns kept as well as their parts; katakana and ASCII runs are one word', () => {
    const a = analyze('オンデマンド交通とＤＸ推進、インバウンド');
    const texts = a.terms.map((t) => `${t.level}:${t.text}`);
    expect(texts).toEqual(
      expect.arrayContaining(['compound:おんでまんど交通', 'word:おんでまんど', 'word:交通', 'word:dx', 'word:いんばうんど']),
    );
    expect(texts).toContain('part:いん');
    // offsets are those of the original (full-width) text
    const dx = a.words.find((w) => w.text === 'dx')!;
    expect(dx.surface).toBe('ＤＸ');
  });

  it('keys: reading, kanji skeleton of okurigana spellings, Sudachi group', () => {
    const akiya = analyze('空き家').words[0];
    expect(termKeys(akiya)).toEqual(expect.arrayContaining(['空き家', 'あきや', '空家']));
    const [kodomo] = analyze('子ども').words;
    const [kodomo2] = analyze('子供').words;
    const g = (t: typeof kodomo) => termKeys(t).filter((k) => k.startsWith('≡'));
    expect(g(kodomo).some((k) => g(kodomo2).includes(k))).toBe(true);
  });
});

describe('dictionary', () => {
  it('Sudachi variants (same word) and relatives (same group)', () => {
    expect(variants('独り暮らし')).toContain('一人暮らし');
    expect(variants('子ども')).toContain('子供');
    expect(relatives('年寄り')).toContain('高齢者');
    expect(sudachiEntries('ＤＸ').length).toBe(1);
    // 「AI」 is an abbreviation of four groups (flag 1): never used alone
    expect(sudachiEntries('AI')).toEqual([]);
  });

  it('thesaurus registered by its owner', () => {
    expect(conceptsOf('デマンド交通').map((c) => c.label)).toEqual(['オンデマンド交通']);
    expect(conceptsOf('ﾃﾞﾏﾝﾄﾞ交通')).toHaveLength(1);
  });
});

describe('queries', () => {
  const keys = (q: string) => analyzeQuery(q).map((t) => t.key);

  it('hiragana as typed is one term compared with readings', () => {
    expect(keys('こうれいしゃ')).toEqual(['こうれいしゃ']);
    expect(keys('あきや の たいさく')).toEqual(['あきや', 'たいさく']);
  });

  it('full-width, half-width and variant spellings give the key of the written word', () => {
    expect(keys('ＤＸ')).toEqual(keys('DX'));
    expect(keys('ｲﾝﾊﾞｳﾝﾄﾞ')).toEqual(keys('インバウンド'));
    expect(keys('独り暮らし')).toEqual(keys('一人暮らし'));
    expect(keys('子供')).toEqual(keys('子ども'));
    expect(keys('車椅子')).toEqual(keys('車いす'));
  });

  it('never more than 10 terms', () => {
    expect(analyzeQuery('防災 観光 子育て 交通 医療 介護 農業 教育 環境 情報 福祉 産業').length).toBe(10);
  });
});

describe('matchesQuery (saved-search alerts)', () => {
  it.each([
    ['ＤＸ', '中小製造業のDXを進めたい'],
    ['こうれいしゃ', '高齢者の見守り'],
    ['あきや', '空家の活用'],
    ['空家', '空き家の活用'],
    ['車椅子', '車いすでも外出できる'],
    ['独り暮らし 高齢者', '一人暮らしのお年寄りの異変'],
    ['ﾊﾞﾘｱﾌﾘｰ', 'バリアフリーマップ'],
    ['デマンド交通', '乗合タクシーの運行'],
    ['にんちしょう', '認知症の早期発見'],
  ])('%s matches %s', (q, text) => {
    expect(matchesQuery(q, text)).toBe(true);
  });

  it.each([
    ['オン', 'オンライン申請'],
    ['オンデマンド交通', 'オンライン申請の導入'],
    ['空き家 防災', '空き家の活用'],
  ])('%s does not match %s', (q, text) => {
    expect(matchesQuery(q, text)).toBe(false);
  });

  it('an empty query matches', () => {
    expect(matchesQuery('', 'なんでも')).toBe(true);
  });

  it('accepts a prepared key set', () => {
    expect(matchesQuery('高齢者', keySet(analyze('お年寄りの見守り')))).toBe(true);
  });
});

describe('highlights', () => {
  const mark = (q: string, text: string, prefix = false) => {
    const spans = decodeSpans(encodeSpans(spansOf(analyze(text))));
    return markRanges(text, matchRanges(spans, analyzeQuery(q), { prefix }), { pre: '[', post: ']' });
  };

  it('marks whole words, never particles nor the inside of a word', () => {
    expect(mark('独り暮らし 高齢者', '一人暮らしのお年寄り')).toBe('[一人暮らし]の[お年寄り]');
    expect(mark('オン', 'オンラインの窓口')).toBe('オンラインの窓口');
    expect(mark('イン', 'インバウンド対応')).toBe('[インバウンド]対応');
    expect(mark('ＤＸ', 'DXとAI')).toBe('[DX]とAI');
  });

  it('marks readings, variants and thesaurus relatives on the displayed text', () => {
    expect(mark('あきや', '空家と空き家')).toBe('[空家]と[空き家]');
    expect(mark('デマンド交通', '乗合タクシーを走らせる')).toBe('[乗合タクシー]を走らせる');
    expect(mark('ｲﾝﾊﾞｳﾝﾄﾞ', 'ｲﾝﾊﾞｳﾝﾄﾞ需要')).toBe('[ｲﾝﾊﾞｳﾝﾄﾞ]需要');
  });

  it('prefix of the last term (search as you type)', () => {
    expect(mark('こうれ', '高齢者の移動', true)).toBe('[高齢者]の移動');
    expect(mark('こうれ', '高齢者の移動', false)).toBe('高齢者の移動');
    // a compound is marked by its own keys only: the prefix marks the word inside it
    expect(mark('空き家', '空き家対策', true)).toBe('[空き家]対策');
  });

  it('crops around the first match with a marker', () => {
    const text = 'あ'.repeat(100) + '。空き家の活用を進めたい。' + 'い'.repeat(100);
    const spans = spansOf(analyze(text));
    const out = markRanges(text, matchRanges(spans, analyzeQuery('空き家')), { pre: '[', post: ']', cropLength: 40, marker: '…' });
    expect(out.startsWith('…')).toBe(true);
    expect(out.endsWith('…')).toBe(true);
    expect(out).toContain('[空き家]');
    expect(out.length).toBeLessThan(60);
  });
});

describe('span index (stored beside a search document)', () => {
  it('rebuilds the spans and keys of spansOf from the text', () => {
    for (const text of ['一人暮らしのお年寄りを見守り、ＤＸで空き家対策', 'ｲﾝﾊﾞｳﾝﾄﾞ需要と車いす', '']) {
      const a = analyze(text);
      const direct = spansOf(a).map((s) => ({ ...s, keys: [...s.keys].sort() }));
      const rebuilt = spansFromIndex(text, spanIndex(a)).map((s) => ({ ...s, keys: [...s.keys].sort() }));
      expect(rebuilt).toEqual(direct);
    }
  });
});

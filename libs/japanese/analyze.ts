import { conceptsOf, groupKey, isThesaurusTerm, sudachiEntries, SudachiEntry } from './dictionary';
import { Morpheme, morphemes } from './morphology';
import { fold, hasKanji, isKana, kanjiSkeleton, normalizeMapped, readingKey, toHiragana } from './normalize';

/**
 * Text → terms: the one Japanese analysis of Kyoso.
 *
 * 1. NFKC + case folding with offsets kept (normalizeMapped), 2. morphemes (Lindera/IPADIC: base forms, readings,
 * parts of speech), 3. words: a noun with its prefixes and suffixes (「お+年寄り」, 「高齢+者」, 「認知+症」), a katakana
 * run as one word (「イン+バウンド」), an ASCII run as one word (「Wi-Fi」, 「DX」), a verb or adjective under its base form;
 * 4. compound nouns: runs of adjacent noun words (「オンデマンド交通」, 「一人暮らし高齢者」), kept as well as their parts.
 * Particles (助詞), auxiliaries (助動詞), symbols, conjunctions, adverbs and the like are never terms.
 */

export type TermLevel = 'part' | 'word' | 'compound';
export type TermPos = 'noun' | 'verb' | 'adjective' | 'number';

export interface Term {
  /** 'word': a word; 'part': a morpheme inside a longer word (「高齢」 of 「高齢者」); 'compound': adjacent nouns */
  level: TermLevel;
  /** UTF-16 offsets of the term in the ORIGINAL text (highlights) */
  start: number;
  end: number;
  /** the original text of the term */
  surface: string;
  /** folded form (NFKC, lower case, hiragana for katakana): the comparison form */
  text: string;
  /** folded dictionary form (verbs and adjectives: 「見守り」 → 「見守る」); else = text */
  base: string;
  /** hiragana reading, null when not known (unknown kanji words, ASCII) */
  reading: string | null;
  pos: TermPos;
  /** carries topic: not a number and not a very general word (こと, 実施, 本人, 家族, 世帯 …) */
  content: boolean;
  /** every morpheme is in the dictionary (false: unknown word, ASCII; matching may fall back to bigrams) */
  known: boolean;
  /** for parts: offsets of the whole word (a part is highlighted as its word, never inside it) */
  wordStart: number;
  wordEnd: number;
  /** level 'compound': number of words; else 1 */
  size: number;
}

export interface Analysis {
  /** the original text */
  text: string;
  /** words in text order */
  words: Term[];
  /** words, their parts and compounds, in text order of their start */
  terms: Term[];
}

type Kind = 'noun' | 'number' | 'prefix' | 'suffix' | 'verb' | 'adjective' | 'skip';

/** Words too general to say what a text is about (folded). They are still searchable; only `content` is false. */
export const GENERAL_WORDS: ReadonlySet<string> = new Set(
  (
    'こと もの ため よう ところ ほう 方 等 など 場合 中 上 下 前 後 時 際 点 他 ほか 以上 以下 以外 全体 一部 部分 必要 可能 状況 ' +
    '現在 今後 方法 内容 結果 問題 課題 対応 実施 検討 取り組み 取組 仕組み 仕組 本人 家族 世帯 住民 市民 町民 村民 地域 自治体 ' +
    '行政 本市 本町 本村 当市 市内 町内 村内 事業 活用 利用 提供 実現 向上 推進 確保 強化 整備 解決 目的 効果 支援 導入 ' +
    '年間 毎年 年度 昨年 近年 以前 同時 主体 一方 多く 様々 さまざま 各種 全国 程度 する なる ある いる できる 思う 考える ' +
    'いう 行う おこなう れる られる せる させる ない よい 良い 多い 少ない 大きい 小さい 新しい 目指す もつ 持つ 使う 求める 進める'
  ).split(' '),
);

function kindOf(m: Morpheme): Kind {
  const s = m.surface;
  if (/^[\p{L}\p{N}]/u.test(s) === false) return 'skip';
  switch (m.pos) {
    case '名詞':
      if (m.pos1 === '数') return 'number';
      if (m.pos1 === '接尾') return 'suffix';
      if (m.pos1 === '非自立' || m.pos1 === '代名詞' || m.pos1 === '特殊' || m.pos1 === '接続詞的') return 'skip';
      return 'noun';
    case '接頭詞':
      return m.pos1 === '名詞接続' || m.pos1 === '数接続' ? 'prefix' : 'skip';
    case '動詞':
      return m.pos1 === '自立' ? 'verb' : 'skip';
    case '形容詞':
      return m.pos1 === '自立' ? 'adjective' : 'skip';
    case '記号':
      // IPADIC marks full-width letters as 記号,アルファベット; after NFKC they are ASCII letters
      return /^[a-z0-9]/.test(s) ? 'noun' : 'skip';
    case 'UNK':
      return /^[0-9]+$/.test(s) ? 'number' : 'noun';
    default:
      return 'skip';
  }
}

const ASCII_WORD = /^[a-z0-9][a-z0-9.+#&'_-]*$/;
const KATAKANA_WORD = /^[\u30a1-\u30fa\u30fd\u30feー]+$/;

interface Unit {
  start: number;
  end: number;
  kind: Kind;
  baseForm: string;
  reading: string | null;
  known: boolean;
  /** morphemes merged into this unit (katakana runs, ASCII runs) */
  parts: Morpheme[];
}

/** Morphemes → units: adjacent katakana morphemes form one loanword, adjacent ASCII morphemes one ASCII word. */
function units(ms: Morpheme[]): Unit[] {
  const out: Unit[] = [];
  for (const m of ms) {
    const kind = kindOf(m);
    const prev = out[out.length - 1];
    const isAscii = ASCII_WORD.test(m.surface) && (kind === 'noun' || kind === 'number' || m.pos === 'UNK' || m.pos === '記号');
    const isKata = KATAKANA_WORD.test(m.surface) && (kind === 'noun' || kind === 'suffix' || m.pos === 'UNK');
    if (prev && prev.end === m.start && prev.parts.length > 0) {
      const p0 = prev.parts[prev.parts.length - 1].surface;
      if (isAscii && ASCII_WORD.test(p0) && (prev.kind === 'noun' || prev.kind === 'number')) {
        prev.end = m.end;
        prev.kind = prev.kind === 'number' && kind === 'number' ? 'number' : 'noun';
        prev.parts.push(m);
        prev.known = false;
        prev.reading = null;
        prev.baseForm += m.surface;
        continue;
      }
      if (isKata && KATAKANA_WORD.test(p0) && prev.kind === 'noun') {
        prev.end = m.end;
        prev.parts.push(m);
        prev.known &&= m.pos !== 'UNK';
        prev.reading = prev.reading !== null && m.reading !== null ? prev.reading + m.reading : null;
        prev.baseForm += m.surface;
        continue;
      }
    }
    out.push({
      start: m.start,
      end: m.end,
      kind: isAscii ? (kind === 'number' ? 'number' : 'noun') : kind,
      baseForm: m.baseForm,
      reading: m.reading ?? (isKana(m.surface) ? toHiragana(m.surface) : null),
      known: m.pos !== 'UNK' && !isAscii,
      parts: [m],
    });
  }
  return out;
}

/** Analysis of a text (any length; sentences are analysed together). Pure apart from the lazily loaded dictionaries. */
export function analyze(text: string): Analysis {
  const original = text ?? '';
  const mapped = normalizeMapped(original);
  const norm = mapped.text;
  const us = units(morphemes(norm));
  const oStart = (i: number) => mapped.start[i];
  const oEnd = (i: number) => (i > 0 ? mapped.end[i - 1] : 0);

  // ---- words
  interface W {
    from: number; // unit index
    to: number; // exclusive
    kind: 'noun' | 'number' | 'verb' | 'adjective';
    head: number; // unit index of the head noun (for prefix stripping)
  }
  const ws: W[] = [];
  for (let i = 0; i < us.length; i++) {
    const u = us[i];
    if (u.kind === 'verb' || u.kind === 'adjective') {
      ws.push({ from: i, to: i + 1, kind: u.kind, head: i });
      continue;
    }
    let from = i;
    let j = i;
    // prefixes directly before a noun attach to it (お+年寄り, 各+地域); a prefix alone is no word
    while (j < us.length && us[j].kind === 'prefix' && us[j + 1] && us[j + 1].start === us[j].end) j++;
    if (j < us.length && (us[j].kind === 'noun' || us[j].kind === 'number' || (us[j].kind === 'suffix' && j === i))) {
      if (us[j].kind === 'suffix' && j === i) from = i;
      const head = j;
      let kind: W['kind'] = us[j].kind === 'number' ? 'number' : 'noun';
      let k = j + 1;
      // suffixes directly after attach (高齢+者, 認知+症, 3+年); a number followed by a suffix stays a number
      while (k < us.length && us[k].kind === 'suffix' && us[k].start === us[k - 1].end) k++;
      if (kind === 'number' && k > j + 1) kind = 'number';
      ws.push({ from, to: k, kind, head });
      i = k - 1;
      continue;
    }
    // prefix run not followed by a noun, or any other morpheme: no word
    if (j > i) i = j - 1;
  }

  const words: Term[] = [];
  const terms: Term[] = [];
  const wordTerm = (w: W): Term => {
    const first = us[w.from];
    const last = us[w.to - 1];
    const ns = norm.slice(first.start, last.end);
    const textF = fold(ns);
    const verbal = w.kind === 'verb' || w.kind === 'adjective';
    const base = verbal ? fold(first.baseForm) : textF;
    let reading: string | null = '';
    let known = true;
    for (let k = w.from; k < w.to; k++) {
      const r = us[k].reading;
      reading = reading !== null && r !== null ? reading + r : null;
      known &&= us[k].known;
    }
    if (reading === null && isKana(ns)) reading = toHiragana(ns);
    const pos: TermPos = w.kind === 'number' ? 'number' : w.kind;
    const start = oStart(first.start);
    const end = oEnd(last.end);
    return {
      level: 'word',
      start,
      end,
      surface: original.slice(start, end),
      text: textF,
      base,
      reading: reading === '' ? null : reading,
      pos,
      content: pos !== 'number' && !GENERAL_WORDS.has(base) && !GENERAL_WORDS.has(textF) && !/^[0-9.,]+$/.test(textF),
      known,
      wordStart: start,
      wordEnd: end,
      size: 1,
    };
  };
  const partTerm = (u: Unit | Morpheme, word: Term, known: boolean, reading: string | null): Term | undefined => {
    const ns = norm.slice(u.start, u.end);
    const t = fold(ns);
    if (t === word.text || (t.length < 2 && !hasKanji(t))) return undefined;
    const start = oStart(u.start);
    const end = oEnd(u.end);
    return {
      level: 'part',
      start,
      end,
      surface: original.slice(start, end),
      text: t,
      base: t,
      reading,
      pos: 'noun',
      content: !GENERAL_WORDS.has(t) && t.length >= 2,
      known,
      wordStart: word.start,
      wordEnd: word.end,
      size: 1,
    };
  };

  for (const w of ws) {
    const term = wordTerm(w);
    words.push(term);
    terms.push(term);
    if (w.kind !== 'noun') continue;
    // parts: each noun morpheme of a multi-morpheme word (高齢 of 高齢者; イン, バウンド of インバウンド; 年寄り of お年寄り)
    for (let k = w.from; k < w.to; k++) {
      const u = us[k];
      if (w.to - w.from > 1 && (u.kind === 'noun' || k === w.head)) {
        const p = partTerm(u, term, u.known, u.reading);
        if (p) terms.push(p);
        if (k === w.head && w.to - w.from > 1) {
          // the head with its suffixes (年寄り of お年寄りの; 高齢者 of 各高齢者)
          const headToEnd = { ...u, end: us[w.to - 1].end };
          if (k > w.from && w.to - 1 > k) {
            let r: string | null = '';
            for (let x = k; x < w.to; x++) r = r !== null && us[x].reading !== null ? r + us[x].reading : null;
            const q = partTerm(headToEnd, term, term.known, r || null);
            if (q) terms.push(q);
          }
        }
      }
      if (u.parts.length > 1 && u.kind === 'noun') {
        for (const m of u.parts) {
          const p = partTerm(m, term, m.pos !== 'UNK', m.reading ?? (isKana(m.surface) ? toHiragana(m.surface) : null));
          if (p && p.text.length >= 2) terms.push(p);
        }
      }
    }
  }

  // ---- compounds: runs of adjacent noun words; every sub-run of 2–4 words, and the whole run up to 8 words
  let runStart = 0;
  for (let i = 1; i <= words.length; i++) {
    const adjacent =
      i < words.length &&
      words[i].pos === 'noun' &&
      words[i - 1].pos === 'noun' &&
      ws[i].from === ws[i - 1].to &&
      us[ws[i].from].start === us[ws[i - 1].to - 1].end;
    if (adjacent) continue;
    const n = i - runStart;
    if (n >= 2 && words[runStart].pos === 'noun') {
      for (let a = runStart; a < i; a++) {
        for (let b = a + 2; b <= i; b++) {
          const size = b - a;
          if (size > 4 && !(a === runStart && b === i && size <= 8)) continue;
          const first = words[a];
          const last = words[b - 1];
          const ns = norm.slice(us[ws[a].from].start, us[ws[b - 1].to - 1].end);
          let reading: string | null = '';
          let known = true;
          for (let x = a; x < b; x++) {
            reading = reading !== null && words[x].reading !== null ? reading + words[x].reading : null;
            known &&= words[x].known;
          }
          const t = fold(ns);
          terms.push({
            level: 'compound',
            start: first.start,
            end: last.end,
            surface: original.slice(first.start, last.end),
            text: t,
            base: t,
            reading: reading || null,
            pos: 'noun',
            content: true,
            known,
            wordStart: first.start,
            wordEnd: last.end,
            size,
          });
        }
      }
    }
    runStart = i;
  }
  // dictionary phrases across parts of speech (「振り込め詐欺」 = verb + noun): 2–4 adjacent words that Sudachi or the
  // thesaurus knows as one term; runs of nouns are compounds already
  for (let a = 0; a < words.length; a++) {
    for (let b = a + 2; b <= Math.min(words.length, a + 4); b++) {
      if (us[ws[b - 1].from].start !== us[ws[b - 2].to - 1].end) break;
      if (words.slice(a, b).every((w) => w.pos === 'noun')) continue;
      const ns = norm.slice(us[ws[a].from].start, us[ws[b - 1].to - 1].end);
      const t = fold(ns);
      if (!isThesaurusTerm(t) && sudachiEntries(t).length === 0) continue;
      let reading: string | null = '';
      for (let x = a; x < b; x++) reading = reading !== null && words[x].reading !== null ? reading + words[x].reading : null;
      terms.push({
        level: 'compound',
        start: words[a].start,
        end: words[b - 1].end,
        surface: original.slice(words[a].start, words[b - 1].end),
        text: t,
        base: t,
        reading: reading || null,
        pos: 'noun',
        content: true,
        known: words.slice(a, b).every((w) => w.known),
        wordStart: words[a].start,
        wordEnd: words[b - 1].end,
        size: b - a,
      });
    }
  }
  terms.sort((x, y) => x.start - y.start || y.end - x.end);
  return { text: original, words, terms };
}

// ---------------------------------------------------------------- keys

/**
 * Sudachi entries of a term: its own spelling, its base form, or — for a prefixed or suffixed word the dictionary does
 * not know — its head (「お年寄り」 → 「年寄り」).
 */
export function sudachiOf(term: Pick<Term, 'text' | 'base'>): readonly SudachiEntry[] {
  const e = sudachiEntries(term.text);
  return e.length === 0 && term.base !== term.text ? sudachiEntries(term.base) : e;
}

/**
 * The keys under which a term of a document is found: folded spelling, base form, reading, kanji skeleton of a
 * mixed spelling (「空き家」 → 「空家」), Sudachi group keys. Two spellings that share a key are the same word for search,
 * alerts and highlights.
 */
export function termKeys(term: Term): string[] {
  const keys = [term.text];
  if (term.base !== term.text) keys.push(term.base);
  if (term.reading && term.pos !== 'number') keys.push(readingKey(term.reading));
  if (hasKanji(term.text) && /[\u3041-\u3096]/.test(term.text)) {
    const sk = kanjiSkeleton(term.text);
    if (sk.length >= 2) keys.push(sk);
  }
  if (term.pos !== 'number') for (const e of sudachiOf(term)) keys.push(groupKey(e.group));
  return [...new Set(keys)];
}

/** Every key of every term of an analysis, plus the thesaurus concepts its terms belong to (as concept keys). */
export function keySet(a: Analysis): Set<string> {
  const out = new Set<string>();
  for (const t of a.terms) {
    for (const k of termKeys(t)) out.add(k);
    for (const c of conceptsOf(t.text)) out.add('§' + c.folded[0]);
  }
  return out;
}

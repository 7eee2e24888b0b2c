/**
 * Matching terms of a text, from its morphemes: content words by base form (a dictionary variant — 子ども/子供,
 * 一人暮らし/独り暮らし — becomes one key), compound nouns (買い物 + 難民 → 買い物難民, and adjacent pairs of longer runs),
 * and character bigrams only inside words the dictionary does not know (オンデマンド, 2-grams marked ²).
 * Particles, auxiliaries, numbers and grammatical verbs are not terms.
 */
import type { MatchingAnalysis, Morpheme } from './analysis';

export interface Term {
  /** Key compared between texts. */
  key: string;
  /** As written (for reasons). */
  surface: string;
  kind: 'word' | 'compound' | 'gram';
  /** Whether the term may be shown as a reason (nouns, compounds, unknown words). */
  nominal: boolean;
  /** Keys of its dictionary synonyms (other words of the same Sudachi group). */
  synonyms?: string[];
}

/** Nouns of these subcategories are not content (こと, それ, 3, たち, 今後, …). */
const NON_CONTENT_NOUN = new Set(['非自立', '代名詞', '数', '接尾', '副詞可能', '特殊']);
/** Verbs and adjectives that carry grammar, not topic. */
const STOP_PREDICATES = new Set(
  'する ある いる なる できる れる られる せる させる いう 思う 考える おる くる 来る 行う 行く 持つ 使う 出る 見る 言う よい いい ない 多い 少ない 大きい 小さい 高い 低い 難しい 早い'.split(
    ' ',
  ),
);
const NUMERIC = /^[0-9０-９,.%％]+$/;
const SYMBOLIC = /^[^\p{L}\p{N}]+$/u;
const HIRAGANA = /^[\p{Script=Hiragana}ー]+$/u;

function isContent(m: Morpheme): boolean {
  if (m.pos === 'UNK') return !NUMERIC.test(m.base) && !SYMBOLIC.test(m.base) && !(m.base.length === 1 && /[a-z]/.test(m.base));
  if (m.pos === '名詞') return !NON_CONTENT_NOUN.has(m.sub) && !(m.base.length === 1 && HIRAGANA.test(m.base));
  if (m.pos === '動詞' || m.pos === '形容詞') return m.sub === '自立' && !STOP_PREDICATES.has(m.base) && m.base.length >= 2;
  return false;
}

/** Joins inside a compound noun: nouns (suffixes included), prefixes and unknown words, not numbers or 非自立. */
function isCompoundPart(m: Morpheme): boolean {
  if (m.pos === 'UNK') return !NUMERIC.test(m.base) && !SYMBOLIC.test(m.base);
  if (m.pos === '名詞') return m.sub !== '非自立' && m.sub !== '代名詞' && m.sub !== '数' && m.sub !== '副詞可能';
  return m.pos === '接頭詞';
}

export function termsOf(text: string | null | undefined, a: MatchingAnalysis): Term[] {
  if (!text) return [];
  const ms = a.morphemes(text);
  const out: Term[] = [];
  const key = (w: string) => a.synonyms(w)?.variant ?? w;
  const syn = (w: string) => a.synonyms(w)?.synonyms;
  for (const m of ms) {
    if (!isContent(m)) continue;
    const predicate = m.pos === '動詞' || m.pos === '形容詞';
    out.push({ key: key(m.base), surface: predicate ? m.base : m.surface, kind: 'word', nominal: !predicate, synonyms: syn(m.base) });
    if (m.pos === 'UNK' && !/^[a-z0-9.+#-]+$/.test(m.base)) {
      const chars = [...m.base];
      for (let i = 0; i + 1 < chars.length; i++)
        out.push({ key: '²' + chars[i] + chars[i + 1], surface: m.surface, kind: 'gram', nominal: false });
    }
  }
  // Compound nouns: every adjacent pair of a run, and the whole run when longer.
  let run: Morpheme[] = [];
  const flush = () => {
    const parts = run.filter((m) => m.pos !== '接頭詞' || run.indexOf(m) < run.length - 1);
    if (parts.length >= 2) {
      const seen = new Set<string>();
      const add = (xs: Morpheme[]) => {
        if (xs.every((m) => m.pos === '名詞' && m.sub === '接尾')) return;
        const s = xs.map((m) => m.surface).join('');
        if (seen.has(s)) return;
        seen.add(s);
        out.push({ key: key(s), surface: s, kind: 'compound', nominal: true, synonyms: syn(s) });
      };
      for (let i = 0; i + 1 < parts.length; i++) add(parts.slice(i, i + 2));
      if (parts.length > 2 && parts.length <= 6) add(parts);
    }
    run = [];
  };
  for (const m of ms) {
    if (isCompoundPart(m)) run.push(m);
    else flush();
  }
  flush();
  return out;
}

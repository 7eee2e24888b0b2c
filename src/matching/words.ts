/**
 * Matching terms of a text, from the one Japanese analysis (libs/japanese): content words by base form, their noun
 * parts (高齢 of 高齢者), compound nouns (買い物難民, オンデマンド交通), and character bigrams only inside words the
 * dictionary does not know (marked ²). A word with one Sudachi entry is keyed by its vocabulary (子ども/子供 and
 * 一人暮らし/独り暮らし are one key); the other words of its Sudachi group are its synonyms. Particles, auxiliaries,
 * numbers and very general words (こと, 本人, 家族, 世帯, 実施 …) are never terms.
 */
import {
  analyze,
  conceptKey,
  conceptsOf,
  hasKanji,
  kanjiSkeleton,
  relatives,
  sudachiEntries,
  sudachiOf,
  vocabKey,
  type Term as JTerm,
} from '../../libs/japanese';

export interface Term {
  /** Key compared between texts. */
  key: string;
  /** As written (for reasons). */
  surface: string;
  kind: 'word' | 'part' | 'compound' | 'gram';
  /** Whether the term may be shown as a reason (nouns and compounds of two characters or more). */
  nominal: boolean;
  /** Keys of its dictionary synonyms (other words of the same Sudachi group). */
  synonyms?: readonly string[];
}

export interface Analysed {
  terms: Term[];
  /** Concept key → thesaurus terms (as written in the thesaurus) found in the text. */
  concepts: Map<string, Set<string>>;
}

interface Lexical {
  key: string;
  synonyms?: readonly string[];
}

/** Keys and synonyms per folded word (the vocabulary of a corpus is small; the cache is bounded anyway). */
const lexicalCache = new Map<string, Lexical>();
const LEXICAL_CACHE = 50_000;

function lexical(t: Pick<JTerm, 'text' | 'base' | 'pos'>): Lexical {
  const own = t.pos === 'verb' || t.pos === 'adjective' ? t.base : t.text;
  const cacheKey = own + '\u0000' + t.text;
  const hit = lexicalCache.get(cacheKey);
  if (hit) return hit;
  const entries = sudachiOf(t);
  let out: Lexical = { key: own };
  // Okurigana variants the dictionary does not list (空き家/空家, 取り組み/取組, 申し込み/申込) share their kanji.
  if (entries.length === 0 && t.pos === 'noun' && hasKanji(own) && /[\u3041-\u3096]/.test(own)) {
    const sk = kanjiSkeleton(own);
    if ([...sk].length >= 2) out = { key: sk };
  }
  if (entries.length === 1) {
    const e = entries[0];
    const syn = new Set<string>();
    for (const r of relatives(t.text === own ? own : t.base)) {
      for (const e2 of sudachiEntries(r)) if (e2.group === e.group && e2.vocab !== e.vocab) syn.add(vocabKey(e2));
    }
    out = { key: vocabKey(e), synonyms: syn.size ? [...syn] : undefined };
  }
  if (lexicalCache.size >= LEXICAL_CACHE) lexicalCache.clear();
  lexicalCache.set(cacheKey, out);
  return out;
}

const ASCII = /^[a-z0-9][a-z0-9.+#&'_-]*$/;

export function analyse(text: string | null | undefined): Analysed {
  const terms: Term[] = [];
  const concepts = new Map<string, Set<string>>();
  if (!text) return { terms, concepts };
  for (const t of analyze(text).terms) {
    for (const c of conceptsOf(t.text)) {
      const k = conceptKey(c);
      const set = concepts.get(k) ?? new Set<string>();
      set.add(c.terms[c.folded.indexOf(t.text)] ?? t.surface);
      concepts.set(k, set);
    }
    if (!t.content || t.pos === 'number') continue;
    const lx = lexical(t);
    const verbal = t.pos === 'verb' || t.pos === 'adjective';
    const long = [...t.text].length >= 2;
    const kind = t.level === 'compound' ? 'compound' : t.level === 'part' ? 'part' : 'word';
    if (!long && !verbal && !/\p{Script=Han}/u.test(t.text)) continue;
    terms.push({
      key: lx.key,
      surface: verbal ? t.base : t.surface,
      kind,
      nominal: !verbal && long && kind !== 'part',
      synonyms: lx.synonyms,
    });
    if (!t.known && t.level === 'word' && !ASCII.test(t.text)) {
      const chars = [...t.text];
      for (let i = 0; i + 1 < chars.length; i++)
        terms.push({ key: '²' + chars[i] + chars[i + 1], surface: t.surface, kind: 'gram', nominal: false });
    }
  }
  return { terms, concepts };
}

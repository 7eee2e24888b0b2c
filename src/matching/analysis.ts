/**
 * What matching needs of the Japanese text analysis: morphemes with base forms and parts of speech, and dictionary
 * variant/synonym groups. TEMPORARY adapter over lindera and Sudachi until libs/japanese lands.
 */
import * as fs from 'node:fs';

export interface Morpheme {
  surface: string;
  /** Dictionary form (NFKC, lower case); the surface for unknown words. */
  base: string;
  /** 名詞, 動詞, 形容詞, 助詞 …, or 'UNK' for words the dictionary does not know. */
  pos: string;
  /** First subcategory (一般, サ変接続, 接尾, 非自立, 数 …). */
  sub: string;
}

export interface SynonymEntry {
  /** Key shared by all spellings of one vocabulary item (表記揺れ, 略語): terms with the same key are the same word. */
  variant: string;
  /** Keys of the other vocabulary items of the group: synonyms, not the same word. */
  synonyms: string[];
}

export interface MatchingAnalysis {
  morphemes(text: string): Morpheme[];
  /** Dictionary entry of a normalised word, if it triggers expansion. */
  synonyms(word: string): SynonymEntry | undefined;
  /** A readable spelling of a variant key (for reasons). */
  spelling(key: string): string;
}

let instance: MatchingAnalysis | undefined;

export function matchingAnalysis(): MatchingAnalysis {
  if (instance) return instance;
  const { TokenizerBuilder } = require('lindera-wasm-nodejs-ipadic');
  const b = new TokenizerBuilder();
  b.setDictionary('embedded://ipadic');
  b.setMode('normal');
  const tk = b.build();
  const file = require.resolve('sudachi-synonyms-dictionary').replace(/index\.js$/, 'sudachi-synonyms-dictionary.json');
  const groups: Array<{ id: string; items: Array<{ expandControl: number; vocabularyNumber?: number; midashi: string }> }> = JSON.parse(
    fs.readFileSync(file, 'utf8'),
  );
  const entries = new Map<string, SynonymEntry | null>();
  const spellings = new Map<string, string>();
  for (const g of groups) {
    const keys = new Set<string>();
    for (const it of g.items) {
      if (it.expandControl === 2) continue;
      const key = `≡${g.id}.${it.vocabularyNumber ?? 0}`;
      keys.add(key);
      if (!spellings.has(key)) spellings.set(key, it.midashi);
    }
    for (const it of g.items) {
      if (it.expandControl !== 0) continue;
      const w = it.midashi.normalize('NFKC').toLowerCase();
      const key = `≡${g.id}.${it.vocabularyNumber ?? 0}`;
      // A spelling in several groups is ambiguous (バス, AI): it expands to none of them.
      if (entries.has(w)) entries.set(w, null);
      else entries.set(w, { variant: key, synonyms: [...keys].filter((k) => k !== key) });
    }
  }
  instance = {
    morphemes(text: string): Morpheme[] {
      const out: Morpheme[] = [];
      for (const t of tk.tokenize(text.normalize('NFKC').toLowerCase()) as any[]) {
        const unknown = t.partOfSpeech === 'UNK' || !t.baseForm || t.baseForm === '*';
        out.push({
          surface: t.surface,
          base: unknown ? t.surface : String(t.baseForm).toLowerCase(),
          pos: unknown ? 'UNK' : t.partOfSpeech,
          sub: t.partOfSpeechSubcategory1 ?? '*',
        });
      }
      return out;
    },
    synonyms: (w) => entries.get(w) ?? undefined,
    spelling: (k) => spellings.get(k) ?? k,
  };
  return instance;
}

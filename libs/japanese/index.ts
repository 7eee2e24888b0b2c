/**
 * libs/japanese — the one Japanese text analysis of Kyoso, used by every place that compares text (search indexing
 * and queries, highlights, suggestions, saved-search alerts, matching).
 *
 * Characters:   normalize (NFKC + lower case), toHiragana, fold (both + spaces), normalizeMapped (with offsets),
 *               isHiragana / isKana / hasKanji / kanjiSkeleton.
 * Text → terms: analyze(text) → { words, terms } — Term: level 'word' | 'part' | 'compound', offsets in the original
 *               text, folded text, base form, hiragana reading, pos, content flag (particles, auxiliaries, symbols,
 *               numbers and GENERAL_WORDS are not content), known (in the dictionary).
 *               termKeys(term): the keys a term is found under (spelling, base, reading, kanji skeleton, Sudachi
 *               group); keySet(analysis): all of them plus thesaurus concept keys.
 * Dictionary:   sudachiEntries(word), variants(word) (same word, other spellings), relatives(word) (same Sudachi
 *               group), groupLabel(group); loadMorphology() / loadSynonymDictionary() / warmUp() to load at boot.
 * Thesaurus:    registerThesaurus(groups) — called by the thesaurus' owner (src/matching) when it loads or changes it;
 *               conceptsOf(term), thesaurusConcepts(), conceptKey(c), onThesaurusChange(fn), thesaurusRevision().
 * Queries:      analyzeQuery(q) → QueryTerm { text, key, accept, kana }; queryKey(term); phraseKey(phrase);
 *               matchesQuery(query, text) (saved-search alerts: every query term found, same rules as search).
 * Highlights:   spansOf(analysis), encodeSpans/decodeSpans, matchRanges(spans, terms), markRanges(text, ranges, …).
 *
 * Dictionaries (Lindera IPADIC ≈ 130 MB RSS, Sudachi synonyms ≈ 15 MB) load once per process, on first use or at
 * warmUp(); nothing is downloaded at run time.
 */
import { loadSynonymDictionary } from './dictionary';
import { loadMorphology } from './morphology';

export * from './normalize';
export * from './analyze';
export * from './query';
export type { Concept, SudachiEntry } from './dictionary';
export {
  conceptKey,
  conceptsOf,
  groupKey,
  groupLabel,
  isThesaurusTerm,
  loadSynonymDictionary,
  onThesaurusChange,
  registerThesaurus,
  relatives,
  sudachiEntries,
  thesaurusConcepts,
  thesaurusRevision,
  variants,
  vocabKey,
} from './dictionary';
export type { Morpheme } from './morphology';
export { loadMorphology, morphemes } from './morphology';

/** Loads both dictionaries now (call at boot to keep the first request fast). */
export function warmUp(): void {
  loadMorphology();
  loadSynonymDictionary();
}

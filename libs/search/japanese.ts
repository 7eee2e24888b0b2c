import {
  analyze,
  Analysis,
  analyzeQuery,
  fold,
  markRanges,
  matchRanges,
  phraseKey,
  QueryTerm,
  spanIndex,
  spansFromIndex,
  termKeys,
} from '../japanese';

/**
 * How the Japanese analysis (libs/japanese) meets Meilisearch.
 *
 * Each analysed attribute `f` of a document gets two hidden companions:
 * - `ja_f` (searchable, never displayed): the keys of its terms in text order — folded spelling, base form, reading,
 *   kanji skeleton, Sudachi group — each ENCODED as a run of ASCII letters (see encodeKey).
 *   Meilisearch then sees one opaque word per key: its own Japanese segmentation can neither cut a key (「オン」 is no
 *   word of 「オンライン」) nor merge two; prefixes survive the encoding (search as you type: 「こうれ」 is a prefix
 *   of 「こうれいしゃ」), and so does concatenation (its n-gram of two query words 「でまんど」「交通」 is the key of the
 *   compound 「でまんど交通」).
 * - `jah_f` (stored, not searchable): the term spans of the text (offsets and the keys that are not derivable from
 *   the text), so highlights and crops on the displayed text need no analysis at query time.
 * A query is analysed the same way and sent as the encoded keys of its terms (one word each, at most 10); the
 * thesaurus becomes Meilisearch synonyms between encoded keys.
 */

export const JA_PREFIX = 'ja_';
export const JA_SPANS_PREFIX = 'jah_';
/** Keys longer than this (in UTF-16 units) are not indexed (Meilisearch ignores very long words). */
const MAX_KEY_LENGTH = 40;

const A = 97; // 'a'
const Q = 113; // 'q'
const W = 119; // 'w'

/**
 * A key as one ASCII word, unit by unit with a prefix-free code (so prefixes and concatenations of keys stay prefixes
 * and concatenations of their codes): printable ASCII → 2 letters q–t + a–z, hiragana → 2 letters w–z + a–z, any
 * other UTF-16 unit → 4 letters a–p (hexadecimal).
 */
export function encodeKey(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x20 && c < 0x80) out += String.fromCharCode(Q + Math.floor((c - 0x20) / 26), A + ((c - 0x20) % 26));
    else if (c >= 0x3040 && c < 0x30a0) out += String.fromCharCode(W + Math.floor((c - 0x3040) / 26), A + ((c - 0x3040) % 26));
    else out += String.fromCharCode(A + ((c >> 12) & 15), A + ((c >> 8) & 15), A + ((c >> 4) & 15), A + (c & 15));
  }
  return out;
}

export function decodeKey(word: string): string {
  let out = '';
  for (let i = 0; i < word.length;) {
    const f = word.charCodeAt(i);
    if (f >= W) {
      out += String.fromCharCode(0x3040 + (f - W) * 26 + (word.charCodeAt(i + 1) - A));
      i += 2;
    } else if (f >= Q) {
      out += String.fromCharCode(0x20 + (f - Q) * 26 + (word.charCodeAt(i + 1) - A));
      i += 2;
    } else {
      out += String.fromCharCode(
        ((f - A) << 12) | ((word.charCodeAt(i + 1) - A) << 8) | ((word.charCodeAt(i + 2) - A) << 4) | (word.charCodeAt(i + 3) - A),
      );
      i += 4;
    }
  }
  return out;
}

/** The encoded keys of an analysed text, in text order, as one string of words. */
export function encodedKeys(a: Analysis): string {
  const out: string[] = [];
  for (const t of a.terms) {
    for (const k of termKeys(t)) if (k.length <= MAX_KEY_LENGTH) out.push(encodeKey(k));
  }
  return out.join(' ');
}

// short, repeated values (tags, field and municipality names) are analysed once
const SMALL_CACHE_MAX = 4000;
const smallCache = new Map<string, { keys: string; spans: string }>();

function analyseValue(value: string): { keys: string; spans: string } {
  const small = value.length <= 40;
  if (small) {
    const hit = smallCache.get(value);
    if (hit) return hit;
  }
  const a = analyze(value);
  const r = { keys: encodedKeys(a), spans: spanIndex(a) };
  if (small) {
    if (smallCache.size >= SMALL_CACHE_MAX) smallCache.delete(smallCache.keys().next().value!);
    smallCache.set(value, r);
  }
  return r;
}

/**
 * The hidden attributes of a document for the analysed fields: `ja_<field>` (encoded keys; an array for array fields)
 * and, for string fields, `jah_<field>` (spans for highlights).
 */
export function analysedAttributes(doc: Record<string, unknown>, fields: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const f of fields) {
    const v = doc[f];
    if (Array.isArray(v)) {
      out[JA_PREFIX + f] = v.filter((x) => typeof x === 'string' && x !== '').map((x) => analyseValue(x as string).keys);
    } else if (typeof v === 'string') {
      const r = analyseValue(v);
      out[JA_PREFIX + f] = r.keys;
      out[JA_SPANS_PREFIX + f] = r.spans;
    } else {
      // an empty optional text: the same attributes as a filled one (so every document of an index has the same keys)
      out[JA_PREFIX + f] = '';
      out[JA_SPANS_PREFIX + f] = '';
    }
  }
  return out;
}

/** A query for an analysed index: its terms and the encoded words sent to Meilisearch. */
export interface EncodedQuery {
  terms: QueryTerm[];
  q: string;
}

export function encodeQuery(q: string): EncodedQuery {
  const terms = analyzeQuery(q);
  if (terms.length === 0) {
    // only particles or punctuation: nothing the index could match
    const f = fold(q);
    return { terms, q: f ? encodeKey(f.slice(0, MAX_KEY_LENGTH)) : '' };
  }
  return encodeTerms(terms);
}

export function encodeTerms(terms: QueryTerm[]): EncodedQuery {
  return { terms, q: terms.map((t) => encodeKey(t.key)).join(' ') };
}

/** The thesaurus (term → related terms) as Meilisearch synonyms between encoded keys. */
export function encodedSynonyms(map: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, Set<string>> = Object.create(null); // keys are user text (「__proto__」 included)
  for (const [term, others] of Object.entries(map)) {
    const k = encodeKey(phraseKey(term));
    const set = (out[k] ??= new Set());
    for (const o of others) {
      const f = fold(o);
      if (f.length <= MAX_KEY_LENGTH) set.add(encodeKey(f));
      const ok = encodeKey(phraseKey(o));
      if (ok !== k) set.add(ok);
    }
    set.delete(k);
  }
  const res: Record<string, string[]> = Object.create(null);
  for (const [k, v] of Object.entries(out)) if (v.size) res[k] = [...v];
  return res;
}

/**
 * `_formatted` value of a displayed text for a query: matched words wrapped in pre/post, cropped around the first
 * match to about `cropLength` × 2 characters (Meilisearch counts words; a Japanese word is about two characters).
 */
export function formatText(
  text: string,
  spansIndex: string | undefined,
  terms: readonly QueryTerm[],
  opts: { highlight: boolean; crop?: number; pre: string; post: string; marker: string; prefix: boolean },
): string {
  const spans = spansFromIndex(text, spansIndex);
  const ranges = opts.highlight ? matchRanges(spans, terms, { prefix: opts.prefix }) : [];
  return markRanges(text, ranges, {
    pre: opts.pre,
    post: opts.post,
    cropLength: opts.crop !== undefined ? opts.crop * 2 : undefined,
    marker: opts.marker,
    spans,
  });
}

import { analyze, Analysis, keySet, sudachiOf, Term, termKeys } from './analyze';
import { conceptsOf, groupKey, isThesaurusTerm, sudachiEntries, thesaurusRevision } from './dictionary';
import { fold, hasKanji, isHiragana, kanjiSkeleton, normalize, readingKey } from './normalize';

/**
 * Queries as people type them → terms with the one key each is looked up under, and the keys it accepts in a text
 * (spelling variants, readings, Sudachi relatives, thesaurus relatives). Used by search (the keys sent to the index),
 * saved-search alerts (matchesQuery) and highlights (matchRanges).
 */

export interface QueryTerm {
  /** the term as typed, folded */
  text: string;
  /** the single key the index is asked for (see queryKey) */
  key: string;
  /** keys that count as this term in a text (key, spelling, thesaurus relatives and their keys) */
  accept: string[];
  /** typed in hiragana only (a reading, as typed before kana-kanji conversion) */
  kana: boolean;
  /**
   * For a term of several words (a compound such as 「デマンド交通」): the key of its last word, its head. A search
   * that finds nothing for the whole term may fall back to the head (see relaxedKeys).
   */
  head?: string;
}

/** Meilisearch reads only the first 10 words of a query. */
export const MAX_QUERY_TERMS = 10;

/** Hiragana words that are grammar, not topic, when typed alone between spaces. */
const KANA_STOP = new Set(
  'の は が を に へ と で や も か から まで より など や して する ある いる なる こと もの ため よう について における ない'.split(' '),
);

const SEPARATORS = /[\s\u3000、。，．,;:：；!！?？「」『』（）()[\]【】〔〕{}<>＜＞"'“”‘’…・/／|｜＋+＆&]+/;

/**
 * The key a term is looked up under in the index. Every document term carries all of its keys (spelling, base form,
 * reading, kanji skeleton, Sudachi group), so one key per query term suffices:
 * - a word Sudachi knows → its group (variants and close relatives: 子ども/子供, 独り暮らし/一人暮らし, 年寄り/高齢者);
 * - a verb or adjective → its dictionary form;
 * - hiragana as typed → itself (compared with readings);
 * - a word mixing kanji and kana (空き家, 車いす) or of ≥ 3 kanji (車椅子) → its reading (okurigana and kana spellings
 *   differ, readings do not; two-kanji words keep their spelling: too many homophones such as 機械/機会);
 * - else its folded spelling (ASCII, katakana → hiragana).
 */
export function queryKey(t: Pick<Term, 'text' | 'base' | 'reading' | 'pos'>, head?: Pick<Term, 'text' | 'base'>): string {
  if (t.pos !== 'number') {
    let entries = sudachiOf(t);
    if (entries.length === 0 && head) entries = sudachiOf(head);
    if (entries.length) return groupKey(entries[0].group);
  }
  if (t.pos === 'verb' || t.pos === 'adjective') return t.base;
  if (isHiragana(t.text)) return t.text;
  if (t.reading && hasKanji(t.text)) {
    if (/[\u3041-\u3096]/.test(t.text)) return readingKey(t.reading);
    if ([...t.text].length >= 3) return readingKey(t.reading);
  }
  return t.text;
}

// keys of thesaurus terms (analysed once per thesaurus revision)
let thesaurusKeys = new Map<string, string>();
let thesaurusKeysRevision = -1;

/** The query key of a thesaurus term (or any short phrase): what a search for it sends. */
export function phraseKey(phrase: string): string {
  if (thesaurusKeysRevision !== thesaurusRevision()) {
    thesaurusKeys = new Map();
    thesaurusKeysRevision = thesaurusRevision();
  }
  const f = fold(phrase);
  let k = thesaurusKeys.get(f);
  if (k === undefined) {
    const terms = analyzeQuery(phrase, { expand: false });
    k = terms.length === 1 ? terms[0].key : f;
    thesaurusKeys.set(f, k);
  }
  return k;
}

function acceptOf(text: string, base: string, key: string, expand: boolean): string[] {
  const out = new Set([key, text]);
  if (base !== text) out.add(base);
  if (!expand) return [...out];
  for (const probe of [text, base]) {
    for (const c of conceptsOf(probe)) {
      for (const f of c.folded) {
        out.add(f);
        out.add(phraseKey(f));
      }
    }
  }
  return [...out];
}

/** Key of the last word of a compound as its head, when that word says something on its own (a noun, ≥ 2 chars). */
function headKey(w: Term): string | undefined {
  return w.pos === 'noun' && w.content && [...w.text].length >= 2 ? queryKey(w) : undefined;
}

/** Head of a prefixed or suffixed word among the parts of an analysis (「お年寄り」 → 「年寄り」). */
function headOf(a: Analysis, w: Term): Term | undefined {
  let best: Term | undefined;
  for (const t of a.terms) {
    if (t.level !== 'part' || t.wordStart !== w.start || t.wordEnd !== w.end) continue;
    if (sudachiEntries(t.text).length === 0) continue;
    if (!best || t.text.length > best.text.length) best = t;
  }
  return best;
}

/**
 * Terms of a query: white space and punctuation separate; hiragana-only pieces are readings (never cut by the
 * analyser: 「こうれいしゃ」 is one term); other pieces are analysed, and adjacent nouns that together form a word Sudachi
 * or the thesaurus knows stay one term (「訪日外国人」, 「デマンド交通」), else each word is a term. Particles and
 * auxiliaries are dropped. At most `max` terms (default 10, Meilisearch's limit).
 */
export function analyzeQuery(q: string, opts: { max?: number; expand?: boolean } = {}): QueryTerm[] {
  const max = opts.max ?? MAX_QUERY_TERMS;
  const expand = opts.expand ?? true;
  const out: QueryTerm[] = [];
  const seen = new Set<string>();
  const push = (t: QueryTerm) => {
    if (seen.has(t.key) || out.length >= max) return;
    seen.add(t.key);
    out.push(t);
  };
  for (const piece of normalize(q ?? '').split(SEPARATORS)) {
    if (!piece) continue;
    if (isHiragana(piece)) {
      if (KANA_STOP.has(piece)) continue;
      const key = readingKey(piece);
      push({ text: piece, key, accept: acceptOf(piece, piece, key, expand), kana: true });
      continue;
    }
    const whole = fold(piece);
    const a = analyze(piece);
    const ws = a.words;
    if (ws.length > 1 && (isThesaurusTerm(whole) || sudachiEntries(whole).length > 0)) {
      // the piece as typed is one dictionary word, whatever the analyser makes of it (「障がい者」)
      const reading = ws.every((w) => w.reading !== null) ? ws.map((w) => w.reading).join('') : null;
      const key = queryKey({ text: whole, base: whole, reading, pos: 'noun' });
      const term: QueryTerm = { text: whole, key, accept: acceptOf(whole, whole, key, expand), kana: false };
      const head = headKey(ws[ws.length - 1]);
      if (head) term.head = head;
      push(term);
      continue;
    }
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i];
      // longest run of adjacent words (up to 6) that is a known word or thesaurus term (「訪日外国人」, 「振り込め詐欺」)
      let taken = 1;
      let chosen: { text: string; base: string; reading: string | null; pos: Term['pos'] } = w;
      let j = i;
      while (j + 1 < ws.length && j + 1 - i < 6 && ws[j + 1].start === ws[j].end) j++;
      for (let end = j; end > i; end--) {
        const text = fold(piece.slice(w.start, ws[end].end));
        if (isThesaurusTerm(text) || sudachiEntries(text).length > 0) {
          let reading: string | null = '';
          for (let x = i; x <= end; x++) reading = reading !== null && ws[x].reading !== null ? reading + ws[x].reading : null;
          chosen = { text, base: text, reading: reading || null, pos: 'noun' };
          taken = end - i + 1;
          break;
        }
      }
      const head = taken === 1 ? headOf(a, w) : undefined;
      const key = queryKey(chosen, head);
      const term: QueryTerm = { text: chosen.text, key, accept: acceptOf(chosen.text, chosen.base, key, expand), kana: false };
      const head2 = taken > 1 ? headKey(ws[i + taken - 1]) : undefined;
      if (head2) term.head = head2;
      push(term);
      i += taken - 1;
    }
  }
  return out;
}

/**
 * Keys of a query relaxed for a second try when it found nothing: every compound term replaced by its head
 * (「デマンド交通」 → 「交通」); undefined when no term has a head.
 */
export function relaxedTerms(terms: readonly QueryTerm[]): QueryTerm[] | undefined {
  if (!terms.some((t) => t.head)) return undefined;
  return terms.map((t) => (t.head ? { text: t.head, key: t.head, accept: [t.head], kana: false } : t));
}

/** The keys of a query's terms, in order (what a search sends, one word each). */
export function queryKeys(q: string): string[] {
  return analyzeQuery(q).map((t) => t.key);
}

// ---------------------------------------------------------------- matching whole texts (alerts)

/**
 * Whether a text matches a query the way search does: every term of the query is found in the text under one of the
 * keys it accepts (「独り暮らし 高齢者」 matches 「一人暮らしのお年寄り」; 「オン」 never matches inside 「オンライン」).
 * An empty query matches.
 */
export function matchesQuery(query: string | readonly QueryTerm[], text: string | Analysis | ReadonlySet<string>): boolean {
  const terms = typeof query === 'string' ? analyzeQuery(query, { max: Infinity }) : query;
  if (terms.length === 0) return true;
  const keys = text instanceof Set ? text : keySet(typeof text === 'string' ? analyze(text) : (text as Analysis));
  return terms.every((t) => t.accept.some((k) => keys.has(k)));
}

// ---------------------------------------------------------------- highlights

/** A highlightable stretch of a text and the keys it is found under. */
export interface Span {
  start: number;
  end: number;
  keys: string[];
  /** a compound noun (matched by its own keys, never by the prefix of a query term) */
  compound?: boolean;
}

/** The spans of an analysed text: words, compounds, and parts (which highlight as their whole word). */
export function spansOf(a: Analysis): Span[] {
  return a.terms.map((t) => ({
    start: t.level === 'part' ? t.wordStart : t.start,
    end: t.level === 'part' ? t.wordEnd : t.end,
    keys: termKeys(t),
    ...(t.level === 'compound' ? { compound: true } : {}),
  }));
}

/**
 * Ranges of the text to highlight for a query: spans with a key the query accepts, merged. With `prefix`, the last
 * query term also matches spans whose spelling or reading starts with it (search-as-you-type, as the index does).
 */
export function matchRanges(spans: readonly Span[], terms: readonly QueryTerm[], opts: { prefix?: boolean } = {}): Array<[number, number]> {
  if (terms.length === 0) return [];
  const accepted = new Set<string>();
  for (const t of terms) for (const k of t.accept) accepted.add(k);
  const last = terms[terms.length - 1];
  const prefix = opts.prefix && [...last.key].length >= 2 && !/^[≡§]/.test(last.key) ? last.key : undefined;
  // the query's own words first; a relative (thesaurus, Sudachi group) that overlaps one of them is not marked on top
  const own = new Set<string>();
  for (const t of terms) own.add(t.key).add(t.text);
  const primary: Array<[number, number]> = [];
  const related: Array<[number, number]> = [];
  for (const s of spans) {
    const byPrefix = prefix !== undefined && !s.compound;
    if (s.keys.some((k) => own.has(k) || (byPrefix && k.startsWith(prefix) && !/^[≡§]/.test(k)))) primary.push([s.start, s.end]);
    else if (s.keys.some((k) => accepted.has(k))) related.push([s.start, s.end]);
  }
  const hits = [...primary, ...related.filter((r) => !primary.some((p) => p[0] < r[1] && r[0] < p[1]))];
  hits.sort((x, y) => x[0] - y[0] || y[1] - x[1]);
  const merged: Array<[number, number]> = [];
  for (const h of hits) {
    const m = merged[merged.length - 1];
    if (m && h[0] <= m[1]) m[1] = Math.max(m[1], h[1]);
    else merged.push([h[0], h[1]]);
  }
  return merged;
}

/** Serialises spans compactly (stored beside a search document): `start.end.key|key;…`. */
export function encodeSpans(spans: readonly Span[]): string {
  return spans.map((s) => `${s.start}.${s.end}${s.compound ? '!' : ''}.${s.keys.map((k) => k.replace(/[|;]/g, ' ')).join('|')}`).join(';');
}

export function decodeSpans(encoded: string | null | undefined): Span[] {
  if (!encoded) return [];
  const out: Span[] = [];
  for (const part of encoded.split(';')) {
    const a = part.indexOf('.');
    const b = part.indexOf('.', a + 1);
    if (a < 0 || b < 0) continue;
    const end = part.slice(a + 1, b);
    const compound = end.endsWith('!');
    out.push({
      start: Number(part.slice(0, a)),
      end: Number(compound ? end.slice(0, -1) : end),
      keys: part.slice(b + 1).split('|'),
      ...(compound ? { compound: true } : {}),
    });
  }
  return out;
}

/**
 * The text with the ranges wrapped in pre/post markers, optionally cropped to about `cropLength` characters around the
 * first range (cut at word boundaries when spans are given; `marker` where text was cut).
 */
export function markRanges(
  text: string,
  ranges: ReadonlyArray<readonly [number, number]>,
  opts: { pre: string; post: string; cropLength?: number; marker?: string; spans?: readonly Span[] },
): string {
  let from = 0;
  let to = text.length;
  if (opts.cropLength !== undefined && text.length > opts.cropLength) {
    const len = opts.cropLength;
    const first = ranges[0];
    if (first) {
      from = Math.max(0, Math.min(first[0] - Math.floor(len / 4), text.length - len));
      // start after a sentence end or at a word start close to `from`
      const back = text.slice(Math.max(0, from - 12), first[0]);
      const stop = Math.max(back.lastIndexOf('。'), back.lastIndexOf('\n'), back.lastIndexOf('、'));
      if (stop >= 0 && Math.max(0, from - 12) + stop + 1 <= first[0]) from = Math.max(0, from - 12) + stop + 1;
      else if (opts.spans) {
        const s = opts.spans.find((x) => x.start >= from && x.start <= first[0]);
        if (s) from = s.start;
      }
    }
    to = Math.min(text.length, from + len);
    if (opts.spans && to < text.length) {
      // do not cut a word
      for (const s of opts.spans) if (s.start < to && s.end > to && s.end - to < 8) to = s.end;
    }
  }
  let out = from > 0 ? (opts.marker ?? '') : '';
  let pos = from;
  for (const [s0, e0] of ranges) {
    const s = Math.max(s0, from);
    const e = Math.min(e0, to);
    if (e <= s || s < pos) continue;
    out += text.slice(pos, s) + opts.pre + text.slice(s, e) + opts.post;
    pos = e;
  }
  out += text.slice(pos, to);
  if (to < text.length) out += opts.marker ?? '';
  return out;
}

/**
 * Spans of an analysed text in a compact form stored beside a search document: `s.e[@ts.te][|key…]` joined by `;`
 * (highlight range; the term's own range when it differs, i.e. for parts; the keys not derivable from the text —
 * base form, reading). spansFromIndex() rebuilds the same spans (and keys) as spansOf() from it and the text.
 */
export function spanIndex(a: Analysis): string {
  const out: string[] = [];
  for (const t of a.terms) {
    const hs = t.level === 'part' ? t.wordStart : t.start;
    const he = t.level === 'part' ? t.wordEnd : t.end;
    let s = `${hs}.${he}`;
    if (hs !== t.start || he !== t.end) s += `@${t.start}.${t.end}`;
    if (t.level === 'compound') s += '!';
    const derived = derivedKeys(t.text);
    for (const k of termKeys(t)) if (!derived.has(k) && !/[|;]/.test(k)) s += '|' + k;
    out.push(s);
  }
  return out.join(';');
}

/** Keys a term gets from its folded text alone (spelling, kanji skeleton, Sudachi groups of the spelling). */
function derivedKeys(text: string): Set<string> {
  const keys = new Set([text]);
  if (hasKanji(text) && /[\u3041-\u3096]/.test(text)) {
    const sk = kanjiSkeleton(text);
    if (sk.length >= 2) keys.add(sk);
  }
  for (const e of sudachiEntries(text)) keys.add(groupKey(e.group));
  return keys;
}

export function spansFromIndex(text: string, index: string | null | undefined): Span[] {
  if (!index) return [];
  const out: Span[] = [];
  for (const item of index.split(';')) {
    const [range, ...extra] = item.split('|');
    const m = /^(\d+)\.(\d+)(?:@(\d+)\.(\d+))?(!?)$/.exec(range);
    if (!m) continue;
    const start = Number(m[1]);
    const end = Number(m[2]);
    const ts = m[3] !== undefined ? Number(m[3]) : start;
    const te = m[4] !== undefined ? Number(m[4]) : end;
    const keys = derivedKeys(fold(text.slice(ts, te)));
    for (const k of extra) {
      keys.add(k);
      // the Sudachi group of a base form (termKeys looks the base form up when the spelling is unknown)
      for (const e of sudachiEntries(k)) keys.add(groupKey(e.group));
    }
    out.push({ start, end, keys: [...keys], ...(m[5] ? { compound: true } : {}) });
  }
  return out;
}

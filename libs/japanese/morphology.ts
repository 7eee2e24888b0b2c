import { toHiragana } from './normalize';

/**
 * The morphological analyser: Lindera with its embedded IPADIC (wasm; the tokenizer family Meilisearch uses for
 * Japanese). Loaded once per process on first use (≈ 100 MB RSS); nothing is downloaded.
 *
 * Cost. Lindera's wasm glue builds a 13-field object per token, which dominates its cost (≈ 20 µs per token), so:
 * - particles, auxiliaries, symbols, conjunctions and fillers are dropped inside Lindera (stop-tags filter): they are
 *   never terms, and are 40 % of the tokens;
 * - a text is cut into chunks — after punctuation, or after a particle-like hiragana (の を に が は で と も や へ)
 *   followed by kanji, katakana or Latin: 「一人暮らしのお年寄りの」「異変に」 … — whose morphemes are cached (phrases
 *   recur across documents); the chunks not in the cache are analysed in ONE call, separated by new lines (no token
 *   crosses a new line). Such boundaries are where IPADIC's segmentation hardly depends on the context (never inside
 *   「空き家」 or 「取り組み」: okurigana are no particles).
 */

/** One morpheme of a normalised text; offsets are UTF-16 indices into that text. */
export interface Morpheme {
  start: number;
  end: number;
  surface: string;
  /** dictionary form as IPADIC gives it (見守り → 見守る), or the surface */
  baseForm: string;
  /** hiragana reading, null when unknown */
  reading: string | null;
  /** IPADIC part of speech (名詞, 動詞, 接頭詞 …) or 'UNK' for an unknown word */
  pos: string;
  pos1: string;
}

interface LinderaToken {
  surface: string;
  baseForm?: string | null;
  reading?: string | null;
  partOfSpeech?: string | null;
  partOfSpeechSubcategory1?: string | null;
  byteStart: number;
  byteEnd: number;
}

interface LinderaTokenizer {
  tokenize(text: string): LinderaToken[];
}

/** Parts of speech that are never terms, dropped inside Lindera (IPADIC tags, matched with their subcategories). */
const STOP_TAGS = [
  '助詞',
  '助詞,格助詞',
  '助詞,格助詞,一般',
  '助詞,格助詞,引用',
  '助詞,格助詞,連語',
  '助詞,係助詞',
  '助詞,副助詞',
  '助詞,間投助詞',
  '助詞,並立助詞',
  '助詞,終助詞',
  '助詞,副助詞／並立助詞／終助詞',
  '助詞,連体化',
  '助詞,副詞化',
  '助詞,特殊',
  '助動詞',
  '記号,一般',
  '記号,読点',
  '記号,句点',
  '記号,空白',
  '記号,括弧開',
  '記号,括弧閉',
  'フィラー',
  '接続詞',
  '連体詞',
  '感動詞',
];

let tokenizer: LinderaTokenizer | undefined;

function lindera(): LinderaTokenizer {
  if (!tokenizer) {
    const { TokenizerBuilder } = require('lindera-wasm-nodejs-ipadic') as {
      TokenizerBuilder: new () => {
        setDictionary(u: string): void;
        setMode(m: string): void;
        appendTokenFilter(name: string, args: unknown): void;
        build(): LinderaTokenizer;
      };
    };
    const b = new TokenizerBuilder();
    b.setDictionary('embedded://ipadic');
    b.setMode('normal');
    b.appendTokenFilter('japanese_stop_tags', { tags: STOP_TAGS });
    tokenizer = b.build();
  }
  return tokenizer;
}

/** Loads the analyser now (e.g. at boot) instead of on the first text. */
export function loadMorphology(): void {
  lindera();
}

/** UTF-8 byte offset → UTF-16 index for a string (only at character starts). */
function byteIndex(text: string): Int32Array {
  const idx = new Int32Array(Buffer.byteLength(text, 'utf8') + 1).fill(-1);
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    idx[b] = i;
    const c = text.charCodeAt(i);
    if (c < 0x80) b += 1;
    else if (c < 0x800) b += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      b += 4;
      i++;
    } else b += 3;
  }
  idx[b] = text.length;
  return idx;
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;
const WHITESPACE = /^\s+$/;

/** Morphemes of one string in a single Lindera call. */
function tokenizeOnce(text: string): Morpheme[] {
  if (!text) return [];
  const raw = lindera().tokenize(text);
  const idx = ASCII_ONLY.test(text) ? undefined : byteIndex(text);
  const out: Morpheme[] = [];
  for (const t of raw) {
    const start = idx ? idx[t.byteStart] : t.byteStart;
    const end = idx ? idx[t.byteEnd] : t.byteEnd;
    if (start < 0 || end < 0 || end <= start) continue;
    const surface = text.slice(start, end);
    if (WHITESPACE.test(surface)) continue;
    out.push({
      start,
      end,
      surface,
      baseForm: t.baseForm && t.baseForm !== '*' ? t.baseForm : surface,
      reading: t.reading && t.reading !== '*' ? toHiragana(t.reading) : null,
      pos: t.partOfSpeech ?? 'UNK',
      pos1: t.partOfSpeechSubcategory1 ?? '*',
    });
  }
  return out;
}

// ---------------------------------------------------------------- chunk cache

/** A chunk ends after punctuation or white space, or after a particle-like hiragana followed by a non-hiragana. */
const PUNCT = /[\s、。，．,.!?！？「」『』（）()【】［］・:：;；…]/;
const PARTICLE_END = /[のをにがはでともやへ]/;
const HIRA = /[\u3041-\u309f]/;

function chunksOf(text: string): Array<{ at: number; text: string }> {
  const out: Array<{ at: number; text: string }> = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const next = text[i + 1];
    const cut = PUNCT.test(c) || (next !== undefined && PARTICLE_END.test(c) && !HIRA.test(next) && !PUNCT.test(next));
    if (cut || i === text.length - 1) {
      const piece = text.slice(start, i + 1);
      if (piece.trim() !== '') out.push({ at: start, text: piece });
      start = i + 1;
    }
  }
  return out;
}

// ≈ 0.6 kB a chunk: 20,000 chunks keep the heap within the memory budget while a corpus's recurring phrases stay cached
const CACHE_MAX = 20_000;
const cache = new Map<string, Morpheme[]>();

function remember(chunk: string, ms: Morpheme[]): void {
  if (cache.size >= CACHE_MAX) {
    // drop the oldest tenth (insertion order)
    let n = CACHE_MAX / 10;
    for (const k of cache.keys()) {
      cache.delete(k);
      if (--n <= 0) break;
    }
  }
  cache.set(chunk, ms);
}

/** Morphemes of an already normalised text (see normalize()); particles, auxiliaries and symbols are not returned. */
export function morphemes(text: string): Morpheme[] {
  if (!text) return [];
  const chunks = chunksOf(text);
  // analyse the chunks not seen before together, one per line
  const missing = [...new Set(chunks.map((c) => c.text).filter((c) => !cache.has(c)))];
  if (missing.length) {
    const joined = missing.join('\n');
    const all = tokenizeOnce(joined);
    let k = 0;
    let from = 0;
    for (const chunk of missing) {
      const to = from + chunk.length;
      const own: Morpheme[] = [];
      while (k < all.length && all[k].start < to) {
        const m = all[k++];
        if (m.end <= to) own.push({ ...m, start: m.start - from, end: m.end - from });
      }
      remember(chunk, own);
      from = to + 1;
    }
  }
  const out: Morpheme[] = [];
  for (const c of chunks) {
    for (const m of cache.get(c.text) ?? []) out.push({ ...m, start: m.start + c.at, end: m.end + c.at });
  }
  return out;
}

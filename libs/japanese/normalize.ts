/**
 * Character-level normalisation shared by every comparison of Japanese text.
 *
 * - `normalize`: Unicode NFKC (full-width Latin and digits → ASCII, half-width katakana → full-width, ideographic
 *   space → space) and case folding.
 * - `toHiragana`: katakana → hiragana (ヴ → ゔ; the long-vowel mark ー stays).
 * - `fold`: both, plus collapsed white space: the form in which two spellings are compared (「ｲﾝﾊﾞｳﾝﾄﾞ」, 「インバウンド」
 *   and 「いんばうんど」 all fold to 「いんばうんど」).
 */

/** Characters NFKC leaves alone: ASCII, hiragana, full-width katakana, CJK unified ideographs, ideographic punctuation. */
const NFKC_STABLE = /^[\x00-\x7f\u3001-\u3002\u300c-\u300f\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff]*$/;

export function normalize(s: string): string {
  const v = s ?? '';
  // fast path (no ICU call) for the common case
  return (NFKC_STABLE.test(v) ? v : v.normalize('NFKC')).toLowerCase();
}

/** Katakana (U+30A1–U+30F6) → hiragana (U+3041–U+3096); everything else unchanged. */
export function toHiragana(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x30a1 && c <= 0x30f6 ? String.fromCharCode(c - 0x60) : s[i];
  }
  return out;
}

/** NFKC + lower case + katakana → hiragana + white space collapsed and trimmed. */
export function fold(s: string): string {
  return toHiragana(normalize(s)).replace(/\s+/g, ' ').trim();
}

const VOICED = 'がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽゔ';
const UNVOICED = 'かきくけこさしすせそたちつてとはひふへほはひふへほう';

/**
 * The key of a reading (hiragana): voicing marks dropped, so that sequential voicing (連濁) does not separate a typed
 * reading from the dictionary's (「ひなんじょ」 and 「ひなんしょ」 of 避難所 share 「ひなんしょ」).
 */
export function readingKey(reading: string): string {
  let out = '';
  for (const ch of reading) {
    const i = VOICED.indexOf(ch);
    out += i >= 0 ? UNVOICED[i] : ch;
  }
  return out;
}

const HIRAGANA_ONLY = /^[\u3041-\u3096\u309d\u309eー]+$/;
const KANA_ONLY = /^[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fd\u30feー]+$/;
const KATAKANA_CHAR = /[\u30a1-\u30fa\u30fd\u30feー]/;
const HAN = /[\p{Script=Han}々〆ヵヶ]/u;
const HAN_G = /[\p{Script=Han}々〆ヵヶ]/gu;

export const isHiragana = (s: string): boolean => HIRAGANA_ONLY.test(s);
export const isKana = (s: string): boolean => KANA_ONLY.test(s);
export const isKatakanaChar = (c: string): boolean => KATAKANA_CHAR.test(c);
export const hasKanji = (s: string): boolean => HAN.test(s);
/** The kanji of a word in order (送り仮名 and kana dropped): 「空き家」 → 「空家」, 「取り組み」 → 「取組」. */
export const kanjiSkeleton = (s: string): string => (s.match(HAN_G) ?? []).join('');

/**
 * NFKC + lower case of a text with, for each UTF-16 unit of the result, the offsets of the original characters it
 * came from: lets tokens found in the normalised text be mapped back (highlights on the displayed text).
 * Normalisation is applied per cluster (a character with its combining marks, or a half-width kana with its
 * half-width (semi-)voiced mark), so 「ﾊﾞ」 → 「バ」 maps to both original units.
 */
export interface MappedText {
  text: string;
  /** start[i] / end[i]: original offsets of the cluster that produced text[i]; start[text.length] = original length. */
  start: Int32Array;
  end: Int32Array;
}

const COMBINING = /[\p{M}\uff9e\uff9f]/u;

export function normalizeMapped(original: string): MappedText {
  const src = original ?? '';
  if (NFKC_STABLE.test(src)) {
    // nothing to normalise but case: offsets map one to one
    const text = src.toLowerCase();
    if (text.length === src.length) {
      const start = new Int32Array(text.length + 1);
      const end = new Int32Array(text.length + 1);
      for (let i = 0; i < text.length; i++) {
        start[i] = i;
        end[i] = i + 1;
      }
      start[text.length] = end[text.length] = src.length;
      return { text, start, end };
    }
  }
  let text = '';
  const starts: number[] = [];
  const ends: number[] = [];
  let i = 0;
  while (i < src.length) {
    const cp = src.codePointAt(i)!;
    let j = i + (cp > 0xffff ? 2 : 1);
    while (j < src.length) {
      const next = src.codePointAt(j)!;
      const ch = String.fromCodePoint(next);
      if (!COMBINING.test(ch)) break;
      j += next > 0xffff ? 2 : 1;
    }
    const cluster = src.slice(i, j);
    // ASCII fast path
    const out =
      cluster.length === 1 && (cp < 0x80 || NFKC_STABLE.test(cluster)) ? cluster.toLowerCase() : cluster.normalize('NFKC').toLowerCase();
    for (let k = 0; k < out.length; k++) {
      starts.push(i);
      ends.push(j);
    }
    text += out;
    i = j;
  }
  const start = new Int32Array(text.length + 1);
  const end = new Int32Array(text.length + 1);
  start.set(starts);
  end.set(ends);
  start[text.length] = src.length;
  end[text.length] = src.length;
  return { text, start, end };
}

import { toHiragana } from './normalize';

/**
 * The morphological analyser: Lindera with its embedded IPADIC (wasm; the tokenizer family Meilisearch uses for
 * Japanese). Loaded once per process on first use (≈ 130 MB RSS); nothing is downloaded.
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
  /** IPADIC part of speech (名詞, 動詞, 助詞 …) or 'UNK' for an unknown word */
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

let tokenizer: LinderaTokenizer | undefined;

function lindera(): LinderaTokenizer {
  if (!tokenizer) {
    const { TokenizerBuilder } = require('lindera-wasm-nodejs-ipadic') as {
      TokenizerBuilder: new () => { setDictionary(u: string): void; setMode(m: string): void; build(): LinderaTokenizer };
    };
    const b = new TokenizerBuilder();
    b.setDictionary('embedded://ipadic');
    b.setMode('normal');
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

/** Morphemes of an already normalised text (see normalize()). */
export function morphemes(text: string): Morpheme[] {
  if (!text) return [];
  const raw = lindera().tokenize(text);
  const ascii = ASCII_ONLY.test(text);
  const idx = ascii ? undefined : byteIndex(text);
  const out: Morpheme[] = [];
  for (const t of raw) {
    const start = idx ? idx[t.byteStart] : t.byteStart;
    const end = idx ? idx[t.byteEnd] : t.byteEnd;
    if (start < 0 || end < 0 || end <= start) continue;
    const surface = text.slice(start, end);
    if (/^\s+$/.test(surface)) continue;
    const reading = t.reading && t.reading !== '*' ? toHiragana(t.reading) : null;
    out.push({
      start,
      end,
      surface,
      baseForm: t.baseForm && t.baseForm !== '*' ? t.baseForm : surface,
      reading,
      pos: t.partOfSpeech ?? 'UNK',
      pos1: t.partOfSpeechSubcategory1 ?? '*',
    });
  }
  return out;
}

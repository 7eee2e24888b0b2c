/**
 * Text primitives of matching: normalisation, character bigrams (for Japanese, which has no spaces), key-phrase
 * extraction and a hashed document-frequency table. Pure functions, no I/O — shared by the service and the eval script.
 */

/** NFKC + lower case; full-width letters and digits become ASCII, half-width kana become full-width. */
export function normalize(s: string): string {
  return (s ?? '').normalize('NFKC').toLowerCase();
}

const HIRAGANA_ONLY = /^[\p{Script=Hiragana}ー]+$/u;
const ASCII_WORD = /^[a-z0-9][a-z0-9.+#-]*$/;
/** Runs of letters (any script) and digits; everything else (spaces, punctuation) separates runs. */
const RUN = /[\p{L}\p{N}ー々〆ヵヶ]+/gu;
const SCRIPT_SPLIT = /[a-z0-9]+|[^a-z0-9]+/g;

/**
 * Terms of a text: ASCII words whole ("ai", "line", "iot"), other scripts as overlapping character bigrams
 * ("見守り" → 見守, 守り). Bigrams made only of hiragana (して, ます, ている) carry grammar, not topic: dropped.
 * A one-character run yields that character.
 */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const run of normalize(text).match(RUN) ?? []) {
    for (const part of run.match(SCRIPT_SPLIT) ?? []) {
      if (ASCII_WORD.test(part)) {
        if (part.length > 1 || /[0-9]/.test(part) === false) out.push(part);
        continue;
      }
      const chars = [...part];
      if (chars.length === 1) {
        if (!HIRAGANA_ONLY.test(part)) out.push(part);
        continue;
      }
      for (let i = 0; i + 1 < chars.length; i++) {
        const bg = chars[i] + chars[i + 1];
        if (!HIRAGANA_ONLY.test(bg)) out.push(bg);
      }
    }
  }
  return out;
}

/** Term frequencies of several weighted texts: Σ weight × count. */
export function weightedTf(parts: Array<[string | undefined | null, number]>): Map<string, number> {
  const tf = new Map<string, number>();
  for (const [text, w] of parts) {
    if (!text || w === 0) continue;
    for (const t of terms(text)) tf.set(t, (tf.get(t) ?? 0) + w);
  }
  return tf;
}

export function tfLength(tf: Map<string, number>): number {
  let n = 0;
  for (const v of tf.values()) n += v;
  return n;
}

// ---------------------------------------------------------------- document frequencies

/** FNV-1a 32-bit. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Document frequencies of terms in a corpus, hashed into a fixed table (1 MiB for 2^18 buckets whatever the corpus
 * size; collisions only make a rare term look a little more common).
 */
export class DfTable {
  private readonly counts: Uint32Array;
  private readonly mask: number;
  docs = 0;
  totalLength = 0;
  builtAt = 0;

  constructor(bits = 18) {
    this.counts = new Uint32Array(1 << bits);
    this.mask = (1 << bits) - 1;
  }

  add(tf: Map<string, number>, length = tfLength(tf)): void {
    this.docs++;
    this.totalLength += length;
    for (const t of tf.keys()) this.bump(t);
  }

  bump(term: string): void {
    this.counts[hash32(term) & this.mask]++;
  }

  df(term: string): number {
    return this.counts[hash32(term) & this.mask];
  }

  /** BM25 idf, never negative. */
  idf(term: string): number {
    const n = this.df(term);
    return Math.log(1 + (this.docs - n + 0.5) / (n + 0.5));
  }

  get avgLength(): number {
    return this.docs === 0 ? 1 : this.totalLength / this.docs;
  }
}

export interface Bm25Params {
  k1: number;
  b: number;
}

/** BM25 of a document (term frequencies, possibly field-weighted) for a weighted query. */
export function bm25(
  query: Map<string, number>,
  doc: Map<string, number>,
  docLength: number,
  df: DfTable,
  p: Bm25Params = { k1: 1.2, b: 0.75 },
): number {
  const norm = p.k1 * (1 - p.b + (p.b * docLength) / df.avgLength);
  let s = 0;
  for (const [t, qw] of query) {
    const f = doc.get(t);
    if (!f) continue;
    s += qw * df.idf(t) * ((f * (p.k1 + 1)) / (f + norm));
  }
  return s;
}

// ---------------------------------------------------------------- key phrases

const KATAKANA_RUN = /[\p{Script=Katakana}ー・]{3,}/gu;
const KANJI_RUN = /[\p{Script=Han}々〆ヵヶ]{2,}/gu;
const ASCII_RUN = /[A-Za-z][A-Za-z0-9-]+/g;
/** Kanji words too generic to describe what an issue or a solution is about. */
const GENERIC = new Set(
  '本市 本町 本村 市内 町内 村内 当市 地域 住民 市民 町民 村民 職員 自治体 行政 市役所 役場 必要 課題 対応 活用 導入 支援 実施 検討 現在 今後 状況 場合 以上 以下 程度 全国 全体 可能 方法 仕組 仕組み 取組 取り組み 提供 利用 実現 目的 効果 向上 推進 確保 強化 整備 解決 各種 様々 多く 一方 特に 実態 把握 問題 サービス システム 事業 年間 毎年 年度 昨年 近年 以前 同時 結果 一部 部分 主体 内容 企業 弊社 当社 私たち 府内 府下 大阪府'.split(
    ' ',
  ),
);

/**
 * Key phrases of a text, most telling first: katakana words (センサー, オンデマンド), kanji compounds (買い物難民 →
 * 買物 is not split: 難民), ASCII words (AI, IoT). Generic administrative words are left out.
 */
export function keyPhrases(text: string, max = 12): string[] {
  const s = (text ?? '').normalize('NFKC');
  const seen = new Map<string, number>();
  const add = (w: string, bonus: number) => {
    const k = w.replace(/^・|・$/g, '');
    if (k.length < 2 || GENERIC.has(k)) return;
    seen.set(k, (seen.get(k) ?? 0) + bonus);
  };
  for (const m of s.match(KATAKANA_RUN) ?? []) add(m, 1.2);
  for (const m of s.match(KANJI_RUN) ?? []) if (m.length <= 8) add(m, m.length >= 3 ? 1.1 : 1);
  for (const m of s.match(ASCII_RUN) ?? []) add(m, 1);
  return [...seen.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, max)
    .map(([w]) => w);
}

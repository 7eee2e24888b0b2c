import { Contribution, MatchCorpus, MatchParams, MatchText, Query, Rep, scoreRep } from './ranking';
import { normalize } from './text';

/** Why a match was proposed, as the pages and the API say it (the service words them per language). */
export type Reason =
  { kind: 'field'; names: string[] } | { kind: 'terms'; terms: string[] } | { kind: 'related'; pairs: Array<[string, string]> };

export interface Ranked<T> {
  item: T;
  score: number;
  reasons: Reason[];
}

/** Words that say nothing about what an issue or a solution is about, whatever their idf. */
const NOT_REASONS = new Set(
  (
    '家族 本人 世帯 住民 市民 町民 村民 地域 本市 本町 本村 市内 町内 村内 職員 自治体 行政 市役所 役場 必要 課題 対応 活用 導入 支援 実施 検討 現在 今後 状況 場合 ' +
    '可能 方法 仕組み 取り組み 取組 提供 利用 実現 目的 効果 向上 推進 確保 強化 整備 解決 問題 サービス システム 事業 年間 毎年 年度 結果 一部 内容 企業 弊社 当社 ' +
    '様子 方 人 者 人数 数 件 時間 費用 負担 声 増加 減少 不足 把握 実態 情報 関係 対象 全体 以上 以下 程度 一方 特 多く 様々 各種 担当 相談 参加 開催 運用 管理 作成 '
  )
    .trim()
    .split(/\s+/),
);

/** idf below which a shared word is too common to be a reason (≈ found in a third of the corpus). */
const MIN_REASON_IDF = 1.0;

export function reasonsFor(q: Query, s: MatchText, c: MatchText, r: Rep, corpus: MatchCorpus, p: MatchParams): Reason[] {
  const reasons: Reason[] = [];
  const src = q.source;
  const fields = (s.fieldSlugs ?? [])
    .map((slug, i) => ((c.fieldSlugs ?? []).includes(slug) ? (s.fieldNames?.[i] ?? slug) : null))
    .filter((x): x is string => !!x);
  if (fields.length) reasons.push({ kind: 'field', names: fields });

  const contributions: Contribution[] = [];
  scoreRep(q, r, corpus, p, contributions);
  contributions.sort((x, y) => y.value - x.value);
  const shown: string[] = [];
  const pairs: Array<[string, string]> = [];
  for (const { key } of contributions) {
    const from = q.expandedFrom.get(key);
    if (from !== undefined) {
      const a = src.surfaces.get(from);
      const b = r.surfaces.get(key);
      if (a && b && pairs.length < 3 && isReasonWord(a) && isReasonWord(b)) pairs.push([a, b]);
      continue;
    }
    if (!src.nominal.has(key) || corpus.idf(key) < MIN_REASON_IDF) continue;
    const surface = src.surfaces.get(key);
    if (!surface || !isReasonWord(surface)) continue;
    const n = normalize(surface);
    if (shown.some((x) => normalize(x).includes(n) || n.includes(normalize(x)))) continue;
    shown.push(surface);
    if (shown.length === 4) break;
  }
  if (shown.length) reasons.push({ kind: 'terms', terms: shown });

  // Concepts bridged by different words on each side (the vocabulary gap the thesaurus closes).
  const related: Array<[string, string]> = [];
  for (const [g, srcTerms] of src.concepts) {
    const dstTerms = r.concepts.get(g);
    if (!dstTerms) continue;
    const onlyDst = [...dstTerms].filter((t) => !srcTerms.has(t) && !src.norm.includes(normalize(t)));
    const onlySrc = [...srcTerms].filter((t) => !dstTerms.has(t) && !r.norm.includes(normalize(t)));
    if (onlyDst.length === 0 || onlySrc.length === 0) continue;
    const longest = (xs: string[]) => xs.sort((x, y) => y.length - x.length)[0];
    related.push([longest(onlySrc), longest(onlyDst)]);
    if (related.length === 3) break;
  }
  for (const pair of pairs) if (related.length < 3 && !related.some(([x, y]) => x === pair[0] && y === pair[1])) related.push(pair);
  if (related.length) reasons.push({ kind: 'related', pairs: related });
  return reasons;
}

function isReasonWord(w: string): boolean {
  const n = normalize(w);
  if (NOT_REASONS.has(n) || [...n].length < 2) return false;
  return !/^[\p{Script=Hiragana}ー]+$/u.test(n) || [...n].length >= 3;
}

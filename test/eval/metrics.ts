/** Graded-relevance metrics and the plain character-bigram BM25 reference ranking of the matching evaluation. */

export type Qrels = Record<string, number>;

/** nDCG@k with gains 2^g − 1 (g = 2 directly addresses the issue, 1 partially relevant). */
export function ndcg(ranked: string[], qrels: Qrels, k = 10): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    dcg += (2 ** (qrels[id] ?? 0) - 1) / Math.log2(i + 2);
  });
  let idcg = 0;
  Object.values(qrels)
    .sort((a, b) => b - a)
    .slice(0, k)
    .forEach((g, i) => (idcg += (2 ** g - 1) / Math.log2(i + 2)));
  return idcg === 0 ? 0 : dcg / idcg;
}

/** Share of the relevant (grade ≥ 1) items found in the first k. */
export function recall(ranked: string[], qrels: Qrels, k = 10): number {
  const relevant = Object.keys(qrels).filter((id) => qrels[id] > 0);
  if (relevant.length === 0) return 0;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

/** Character bigrams of a text with whitespace removed (NFKC), as term frequencies. */
function bigramTf(text: string): Map<string, number> {
  const s = text.normalize('NFKC').replace(/\s+/g, '');
  const tf = new Map<string, number>();
  for (let i = 0; i + 1 < s.length; i++) {
    const b = s.slice(i, i + 2);
    tf.set(b, (tf.get(b) ?? 0) + 1);
  }
  return tf;
}

/**
 * The reference: every document ranked by plain BM25 (k1 1.2, b 0.75) over character bigrams of its full text, the
 * query being the full text of the source. No thesaurus, no fields, no candidates: an exhaustive in-memory scan.
 */
export function bm25Ranking(query: string, docs: Array<{ id: string; text: string }>): string[] {
  const k1 = 1.2;
  const b = 0.75;
  const tfs = docs.map((d) => bigramTf(d.text));
  const lens = tfs.map((tf) => [...tf.values()].reduce((a, c) => a + c, 0));
  const avg = lens.reduce((a, c) => a + c, 0) / Math.max(1, lens.length);
  const df = new Map<string, number>();
  for (const tf of tfs) for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  const q = bigramTf(query);
  const scored = docs.map((d, i) => {
    let s = 0;
    for (const [t, qf] of q) {
      const f = tfs[i].get(t);
      if (!f) continue;
      const idf = Math.log(1 + (n - df.get(t)! + 0.5) / (df.get(t)! + 0.5));
      s += qf * idf * ((f * (k1 + 1)) / (f + k1 * (1 - b + (b * lens[i]) / avg)));
    }
    return { id: d.id, s };
  });
  return scored.sort((a, b2) => b2.s - a.s || a.id.localeCompare(b2.id)).map((x) => x.id);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

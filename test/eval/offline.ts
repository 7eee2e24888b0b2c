/**
 * The in-process part of the matching evaluation: the ranking model of src/matching over a fixture without the app,
 * its cross-validated figure (weights tuned on the other folds, measured on the held-out fold), and the two BM25
 * baselines (character bigrams; words by base form).
 */
import { normalize, registerThesaurus } from '../../libs/japanese';
import { DEFAULT_PARAMS, MatchCorpus, MatchParams, MatchText, query, Rep, represent, score } from '../../src/matching/ranking';
import { THESAURUS_SEED } from '../../src/matching/thesaurus-seed';
import { bm25Ranking, ndcg, type Qrels } from './metrics';

export interface FixtureLike {
  fields: Array<{ slug: string; name: string }>;
  issues: Array<{ key: string; municipality: string; field: string; title: string; body: string; tags: string[] }>;
  solutions: Array<{ key: string; field: string; title: string; summary: string; body: string; tags: string[]; trackRecord?: string }>;
  qrels: Record<string, Qrels>;
}

function texts(fx: FixtureLike) {
  const names = new Map(fx.fields.map((f) => [f.slug, f.name]));
  const issues: MatchText[] = fx.issues.map((i) => ({
    id: i.key,
    title: i.title,
    body: i.body,
    tags: i.tags,
    fieldSlugs: [i.field],
    fieldNames: [names.get(i.field) ?? i.field],
  }));
  const solutions: MatchText[] = fx.solutions.map((s) => ({
    id: s.key,
    title: s.title,
    summary: s.summary,
    body: s.body,
    tags: s.tags,
    trackRecord: s.trackRecord ?? null,
    fieldSlugs: [s.field],
    fieldNames: [names.get(s.field) ?? s.field],
  }));
  return { issues, solutions };
}

export interface Prepared {
  queries: Array<{ text: MatchText; rep: Rep }>;
  corpus: MatchCorpus;
  docs: MatchText[];
  qrels: Record<string, Qrels>;
}

/**
 * Represents a fixture once: the corpus side does not depend on the weights cross-validation chooses (they act on
 * the query side), so the grid only rebuilds queries. `reverse` ranks issues for each solution instead (qrels
 * transposed): a second, differently written set of queries.
 */
export function prepare(fx: FixtureLike, reverse = false): Prepared {
  registerThesaurus(THESAURUS_SEED);
  const { issues, solutions } = texts(fx);
  const [qs, docs] = reverse ? [solutions, issues] : [issues, solutions];
  const corpus = new MatchCorpus();
  for (const d of docs) corpus.add(represent(d));
  let qrels = fx.qrels;
  if (reverse) {
    qrels = {};
    for (const [i, rel] of Object.entries(fx.qrels)) for (const [s, g] of Object.entries(rel)) (qrels[s] ??= {})[i] = g;
  }
  const judged = qs.filter((q) => Object.values(qrels[q.id] ?? {}).some((g) => g > 0));
  return { corpus, docs, qrels, queries: judged.map((text) => ({ text, rep: represent(text) })) };
}

/** nDCG@10 of the model with parameters p for each query. */
export function modelScores(pr: Prepared, p: MatchParams): Map<string, number> {
  const out = new Map<string, number>();
  for (const { text, rep } of pr.queries) {
    const ranked = score(query(rep, p), pr.corpus, p).map((x) => x.id);
    out.set(text.id, ndcg(ranked, pr.qrels[text.id] ?? {}));
  }
  return out;
}

let plainTokenizer: { tokenize(s: string): Array<{ surface: string; baseForm?: string; partOfSpeech?: string }> } | undefined;

/**
 * Base forms of all words but symbols (particles included), as term frequencies: Lindera's IPADIC used plainly, as
 * the baseline of issue 10 (kuromoji's IPADIC) was — not libs/japanese, whose choices are part of what is measured.
 */
function baseFormTf(s: string): Map<string, number> {
  if (!plainTokenizer) {
    const { TokenizerBuilder } = require('lindera-wasm-nodejs-ipadic');
    const b = new TokenizerBuilder();
    b.setDictionary('embedded://ipadic');
    b.setMode('normal');
    plainTokenizer = b.build();
  }
  const tf = new Map<string, number>();
  for (const m of plainTokenizer!.tokenize(normalize(s))) {
    const base = m.baseForm && m.baseForm !== '*' ? m.baseForm : m.surface;
    if (m.partOfSpeech === '記号' || !/[\p{L}\p{N}]/u.test(base)) continue;
    tf.set(base, (tf.get(base) ?? 0) + 1);
  }
  return tf;
}

/** Plain BM25 (k1 1.2, b 0.75) over the base forms of all words but symbols: no fields, no synonyms, no tuning. */
export function wordBm25(docs: Array<{ id: string; text: string }>): (q: string) => string[] {
  const tfs = docs.map((d) => baseFormTf(d.text));
  const lens = tfs.map((tf) => [...tf.values()].reduce((x, y) => x + y, 0));
  const avg = lens.reduce((x, y) => x + y, 0) / Math.max(1, lens.length);
  const df = new Map<string, number>();
  for (const tf of tfs) for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  return (q: string) => {
    const qtf = baseFormTf(q);
    return docs
      .map((d, i) => {
        let s = 0;
        for (const [t, qf] of qtf) {
          const f = tfs[i].get(t);
          if (!f) continue;
          const idf = Math.log(1 + (n - df.get(t)! + 0.5) / (df.get(t)! + 0.5));
          s += qf * idf * ((f * 2.2) / (f + 1.2 * (0.25 + (0.75 * lens[i]) / avg)));
        }
        return { id: d.id, s };
      })
      .sort((x, y) => y.s - x.s || x.id.localeCompare(y.id))
      .map((x) => x.id);
  };
}

const fullText = (d: MatchText) => [d.title, d.summary, (d.tags ?? []).join(' '), d.body, d.trackRecord].filter(Boolean).join('\n');

/** nDCG@10 of both untuned BM25 baselines, each over the full texts: character bigrams, and words by base form. */
export function baselines(pr: Prepared): { bigram: Map<string, number>; word: Map<string, number> } {
  const docs = pr.docs.map((d) => ({ id: d.id, text: fullText(d) }));
  const bigram = new Map<string, number>();
  const word = new Map<string, number>();
  const wordRanking = wordBm25(docs);
  for (const { text } of pr.queries) {
    const q = fullText(text);
    bigram.set(text.id, ndcg(bm25Ranking(q, docs), pr.qrels[text.id] ?? {}));
    word.set(text.id, ndcg(wordRanking(q), pr.qrels[text.id] ?? {}));
  }
  return { bigram, word };
}

/**
 * The few weights cross-validation may choose, each on a short grid around its default. Everything else (field
 * weights, k1, b) keeps the defaults.
 */
export const GRID: Array<Partial<MatchParams>> = (() => {
  const out: Array<Partial<MatchParams>> = [];
  for (const synonym of [0, 0.25, 0.5, 1])
    for (const concept of [0, 0.5, 1, 2]) for (const field of [0, 0.5, 1, 2]) out.push({ synonym, concept, field });
  return out;
})();

export interface FoldResult {
  fold: number;
  issues: string[];
  chosen: Partial<MatchParams>;
  trainNdcg: number;
  testNdcg: number;
  defaultNdcg: number;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((x, y) => x + y, 0) / xs.length : 0);

/**
 * k-fold cross-validation over issues: for each fold, the grid point with the best mean nDCG@10 on the other folds
 * (ties → the one closest to the defaults), measured on the fold. `folds` maps an issue key to its fold.
 */
export function crossValidate(pr: Prepared, folds: Map<string, number>): FoldResult[] {
  const perConfig = GRID.map((g) => modelScores(pr, { ...DEFAULT_PARAMS, ...g }));
  const defaults = modelScores(pr, DEFAULT_PARAMS);
  const keys = pr.queries.map((q) => q.text.id);
  const k = Math.max(...folds.values()) + 1;
  const distance = (g: Partial<MatchParams>) =>
    (Object.keys(g) as Array<keyof MatchParams>).reduce((d, key) => d + Math.abs((g[key] as number) - (DEFAULT_PARAMS[key] as number)), 0);
  const results: FoldResult[] = [];
  for (let f = 0; f < k; f++) {
    const test = keys.filter((key) => folds.get(key) === f);
    const train = keys.filter((key) => folds.get(key) !== f);
    let best = 0;
    let bestScore = -1;
    perConfig.forEach((scores, gi) => {
      const s = mean(train.map((key) => scores.get(key)!));
      if (s > bestScore + 1e-9 || (Math.abs(s - bestScore) <= 1e-9 && distance(GRID[gi]) < distance(GRID[best]))) {
        best = gi;
        bestScore = s;
      }
    });
    results.push({
      fold: f,
      issues: test,
      chosen: GRID[best],
      trainNdcg: bestScore,
      testNdcg: mean(test.map((key) => perConfig[best].get(key)!)),
      defaultNdcg: mean(test.map((key) => defaults.get(key)!)),
    });
  }
  return results;
}

/** k folds by query, assigned round-robin in fixture order (deterministic). */
export function foldsByQuery(pr: Prepared, k = 5): Map<string, number> {
  return new Map(pr.queries.map((q, n) => [q.text.id, n % k]));
}

/** Folds by field (分野): tuned on some fields' queries, measured on queries of fields it never saw. */
export function foldsByField(pr: Prepared, k = 3): Map<string, number> {
  const fields = [...new Set(pr.queries.map((q) => q.text.fieldSlugs?.[0] ?? ''))];
  return new Map(pr.queries.map((q) => [q.text.id, fields.indexOf(q.text.fieldSlugs?.[0] ?? '') % k]));
}

export { mean };

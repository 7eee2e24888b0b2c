import { Thesaurus } from './thesaurus';
import { bm25, DfTable, keyPhrases, normalize, tfLength } from './text';
import { terms } from './text';

/** What matching needs of an issue or a solution (the search documents carry all of it). */
export interface MatchText {
  id: string;
  title: string;
  summary?: string | null;
  body?: string | null;
  tags?: string[] | null;
  fieldSlugs?: string[] | null;
  fieldNames?: string[] | null;
  trackRecord?: string | null;
}

export interface RankingWeights {
  /** Field weights of the document side (BM25F-style term frequencies). */
  doc: { title: number; summary: number; tags: number; body: number; trackRecord: number; fieldNames: number };
  /** Field weights of the query side (the source item). */
  query: { title: number; summary: number; tags: number; body: number };
  /** Query weight of a shared concept of the thesaurus (a pseudo-term with its own idf). */
  concept: number;
  /** Query weight of a shared field (分野) pseudo-term. */
  field: number;
  k1: number;
  b: number;
}

export const DEFAULT_WEIGHTS: RankingWeights = {
  doc: { title: 2, summary: 1.5, tags: 2, body: 1, trackRecord: 0.5, fieldNames: 0 },
  query: { title: 2, summary: 1.5, tags: 2, body: 1 },
  concept: 2,
  field: 1,
  k1: 1.2,
  b: 0.75,
};

/** Pre-computed representation of one text. */
export interface Represented {
  tf: Map<string, number>;
  length: number;
  concepts: Map<number, Set<string>>;
  /** Normalised full text, to check which key phrases of the other side occur in it. */
  norm: string;
}

function fullText(d: MatchText): string {
  return [d.title, d.summary, (d.tags ?? []).join(' '), d.body, d.trackRecord].filter(Boolean).join('\n');
}

function addTerms(tf: Map<string, number>, text: string | null | undefined, w: number): void {
  if (!text || w === 0) return;
  for (const t of terms(text)) tf.set(t, (tf.get(t) ?? 0) + w);
}

/** Document side: field-weighted bigram frequencies + one pseudo-term per concept and per field. */
export function representDoc(d: MatchText, th: Thesaurus, w: RankingWeights = DEFAULT_WEIGHTS): Represented {
  const tf = new Map<string, number>();
  addTerms(tf, d.title, w.doc.title);
  addTerms(tf, d.summary, w.doc.summary);
  addTerms(tf, (d.tags ?? []).join(' '), w.doc.tags);
  addTerms(tf, d.body, w.doc.body);
  addTerms(tf, d.trackRecord, w.doc.trackRecord);
  addTerms(tf, (d.fieldNames ?? []).join(' '), w.doc.fieldNames);
  const length = tfLength(tf);
  const text = fullText(d);
  const concepts = th.find(text);
  for (const g of concepts.keys()) tf.set(th.key(g), 1);
  for (const f of d.fieldSlugs ?? []) tf.set('¶' + f, 1);
  return { tf, length, concepts, norm: normalize(text) };
}

/** Query side: the same, weighted for the source item; concepts and fields get their own query weights. */
export function representQuery(d: MatchText, th: Thesaurus, w: RankingWeights = DEFAULT_WEIGHTS): Represented {
  const tf = new Map<string, number>();
  addTerms(tf, d.title, w.query.title);
  addTerms(tf, d.summary, w.query.summary);
  addTerms(tf, (d.tags ?? []).join(' '), w.query.tags);
  addTerms(tf, d.body, w.query.body);
  const length = tfLength(tf);
  // Sub-linear query weights: a bigram repeated ten times in a long body should not drown the title.
  for (const [t, v] of tf) tf.set(t, Math.sqrt(v));
  const text = fullText(d);
  const concepts = th.find(text);
  for (const g of concepts.keys()) tf.set(th.key(g), w.concept);
  for (const f of d.fieldSlugs ?? []) tf.set('¶' + f, w.field);
  return { tf, length, concepts, norm: normalize(text) };
}

/** Adds a document (document side representation) to a DF table. */
export function addToDf(df: DfTable, r: Represented): void {
  df.docs++;
  df.totalLength += r.length;
  for (const t of r.tf.keys()) df.bump(t);
}

export type Reason =
  { kind: 'field'; names: string[] } | { kind: 'terms'; terms: string[] } | { kind: 'related'; pairs: Array<[string, string]> };

export interface Ranked<T> {
  item: T;
  score: number;
  reasons: Reason[];
}

/**
 * Ranks candidates for a source item: BM25 over character bigrams with corpus idf, plus shared concepts and fields as
 * pseudo-terms. Scores are scaled to 0–1 against the source's own maximum attainable score (so they read alike
 * across sources), and each result carries the reasons a person can check.
 */
export function rank<T extends MatchText>(
  source: MatchText,
  candidates: T[],
  df: DfTable,
  th: Thesaurus,
  w: RankingWeights = DEFAULT_WEIGHTS,
  represent: (d: T) => Represented = (d) => representDoc(d, th, w),
): Array<Ranked<T>> {
  const q = representQuery(source, th, w);
  const self = representDoc(source, th, w);
  const ceiling = bm25(q.tf, self.tf, self.length, df, w) || 1;
  const phrases = sourcePhrases(source);
  const out: Array<Ranked<T>> = [];
  for (const c of candidates) {
    const r = represent(c);
    const raw = bm25(q.tf, r.tf, r.length, df, w);
    if (raw <= 0) continue;
    // 0–1, saturating: a candidate reaching a sixth of the source's score against itself reads as a good fit (≈ 0.6).
    out.push({ item: c, score: 1 - Math.exp(-raw / (0.18 * ceiling)), reasons: reasonsFor(source, q, c, r, phrases, th, df) });
  }
  out.sort((a, b) => b.score - a.score || a.item.id.localeCompare(b.item.id));
  return out;
}

/** Whole words of the source worth showing when the other side uses them too: tags first, then key phrases. */
export function sourcePhrases(d: MatchText): string[] {
  const tags = (d.tags ?? []).map((t) => t.trim()).filter((t) => t.length >= 2);
  const kp = keyPhrases([d.title, d.summary, d.body].filter(Boolean).join('\n'), 24);
  return [...new Set([...tags, ...kp])];
}

function reasonsFor(
  source: MatchText,
  q: Represented,
  c: MatchText,
  r: Represented,
  phrases: string[],
  th: Thesaurus,
  df: DfTable,
): Reason[] {
  const reasons: Reason[] = [];
  const fields = (source.fieldSlugs ?? [])
    .map((slug, i) => ((c.fieldSlugs ?? []).includes(slug) ? (source.fieldNames?.[i] ?? slug) : null))
    .filter((x): x is string => !!x);
  if (fields.length) reasons.push({ kind: 'field', names: fields });

  // Shared words, most telling first (rare in the corpus, a tag of the source, prominent in the candidate), without
  // words contained in an already shown longer one; words found almost everywhere are not reasons.
  const tags = new Set((source.tags ?? []).map(normalize));
  const prominent = normalize([c.title, c.summary, (c.tags ?? []).join(' ')].filter(Boolean).join('\n'));
  const shared = phrases
    .filter((p) => r.norm.includes(normalize(p)))
    .map((p) => ({ p, rarity: termRarity(p, df) }))
    .filter((x) => x.rarity >= MIN_REASON_IDF)
    .map((x) => ({ ...x, rarity: x.rarity * (tags.has(normalize(x.p)) ? 1.5 : 1) * (prominent.includes(normalize(x.p)) ? 1.5 : 1) }))
    .sort((a, b) => b.rarity - a.rarity);
  const shown: string[] = [];
  for (const { p } of shared) {
    const n = normalize(p);
    if (shown.some((s) => normalize(s).includes(n) || n.includes(normalize(s)))) continue;
    shown.push(p);
    if (shown.length === 4) break;
  }
  if (shown.length) reasons.push({ kind: 'terms', terms: shown });

  // Concepts bridged by different words on each side (the vocabulary gap the thesaurus closes).
  const pairs: Array<[string, string]> = [];
  for (const [g, srcTerms] of q.concepts) {
    const dstTerms = r.concepts.get(g);
    if (!dstTerms) continue;
    const onlyDst = [...dstTerms].filter((t) => !srcTerms.has(t) && !q.norm.includes(normalize(t)));
    const onlySrc = [...srcTerms].filter((t) => !dstTerms.has(t) && !r.norm.includes(normalize(t)));
    if (onlyDst.length === 0 || onlySrc.length === 0) continue;
    const longest = (xs: string[]) => xs.sort((a, b) => b.length - a.length)[0];
    pairs.push([longest(onlySrc), longest(onlyDst)]);
    if (pairs.length === 3) break;
  }
  if (pairs.length) reasons.push({ kind: 'related', pairs });
  return reasons;
}

/** Mean bigram idf below which a shared word is too common to be a reason (idf 1.2 ≈ found in a third of the corpus). */
const MIN_REASON_IDF = 1.2;

function termRarity(p: string, df: DfTable): number {
  const ts = terms(p);
  if (ts.length === 0) return 0;
  return ts.reduce((s, t) => s + df.idf(t), 0) / ts.length;
}

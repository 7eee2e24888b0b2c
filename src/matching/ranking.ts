import { normalize } from './text';
import { analyse } from './words';

/** What matching needs of an issue or a solution. */
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

type Fields = { title: number; summary: number; tags: number; body: number; trackRecord: number };

/**
 * The ranking model: BM25 over content words (base forms, compound nouns, bigrams of unknown words), fields weighted
 * BM25F-style, the source's words expanded with their dictionary synonyms at a lower weight, plus shared thesaurus
 * concepts and shared fields (分野) as binary features.
 */
export interface MatchParams {
  /** Term-frequency weight of each field of a document (BM25F). */
  doc: Fields;
  /** Weight of each field of the source (query side, square-rooted so a long body does not drown the title). */
  query: Fields;
  /** Query weight of a dictionary synonym, relative to the word it comes from. */
  synonym: number;
  /** Weight of each shared thesaurus concept (× its idf), relative to one shared word. */
  concept: number;
  /** Weight of each shared field (× its idf). */
  field: number;
  /** Term-frequency weight of one bigram inside an unknown word. */
  gram: number;
  k1: number;
  b: number;
}

export const DEFAULT_PARAMS: MatchParams = {
  doc: { title: 2, summary: 1.5, tags: 2, body: 1, trackRecord: 0.5 },
  query: { title: 2, summary: 1.5, tags: 2, body: 1, trackRecord: 0 },
  synonym: 0.5,
  concept: 1,
  field: 1,
  gram: 0.3,
  k1: 1.2,
  b: 0.75,
};

/** Representation of one text (document side; the query side is derived from it). */
export interface Rep {
  id: string;
  /** Field-weighted frequencies of word, compound and gram keys. */
  tf: Map<string, number>;
  length: number;
  /** Key → as first written (title first), for reasons. */
  surfaces: Map<string, string>;
  /** Keys that may be shown as reasons (nouns and compounds). */
  nominal: Set<string>;
  /** Key → keys of its dictionary synonyms. */
  synonyms: Map<string, readonly string[]>;
  /** Query-side frequencies (query field weights, before square roots and expansion). */
  qtf: Map<string, number>;
  /** Concept key (§…) → thesaurus terms found. */
  concepts: Map<string, Set<string>>;
  fields: string[];
  norm: string;
}

function parts(d: MatchText): Array<[keyof Fields, string | null | undefined]> {
  return [
    ['title', d.title],
    ['tags', (d.tags ?? []).join('、')],
    ['summary', d.summary],
    ['body', d.body],
    ['trackRecord', d.trackRecord],
  ];
}

export function represent(d: MatchText, p: MatchParams = DEFAULT_PARAMS): Rep {
  const tf = new Map<string, number>();
  const qtf = new Map<string, number>();
  const surfaces = new Map<string, string>();
  const nominal = new Set<string>();
  const synonyms = new Map<string, readonly string[]>();
  const concepts = new Map<string, Set<string>>();
  let length = 0;
  for (const [field, text] of parts(d)) {
    if (!text) continue;
    const a = analyse(text);
    for (const [k, ts] of a.concepts) {
      const set = concepts.get(k) ?? new Set<string>();
      for (const t of ts) set.add(t);
      concepts.set(k, set);
    }
    const w = p.doc[field];
    const wq = p.query[field];
    for (const t of a.terms) {
      const g = t.kind === 'gram' ? p.gram : 1;
      if (w > 0) {
        tf.set(t.key, (tf.get(t.key) ?? 0) + w * g);
        length += w * g;
      }
      if (wq > 0) qtf.set(t.key, (qtf.get(t.key) ?? 0) + wq * g);
      if (!surfaces.has(t.key) && t.kind !== 'gram') surfaces.set(t.key, t.surface);
      if (t.nominal) nominal.add(t.key);
      if (t.synonyms?.length) synonyms.set(t.key, t.synonyms);
    }
  }
  const text = parts(d)
    .map(([, s]) => s)
    .filter(Boolean)
    .join('\n');
  return { id: d.id, tf, length, qtf, surfaces, nominal, synonyms, concepts, fields: d.fieldSlugs ?? [], norm: normalize(text) };
}

// ---------------------------------------------------------------- corpus

/** One item of the corpus, compact: its keys (for removal) and length; frequencies live in the postings. */
interface Entry {
  id: string;
  length: number;
  keys: string[];
}

/**
 * The published items of one kind as an inverted index with exact document frequencies: matching scores every item
 * that shares a word, a synonym, a concept or a field with the source (no candidate can be missed). Only keys,
 * lengths and postings are kept (texts are re-read for the few items whose reasons are shown).
 */
export class MatchCorpus {
  private readonly slots: Array<Entry | undefined> = [];
  private readonly free: number[] = [];
  private readonly bySlot = new Map<string, number>();
  private lengths = new Float64Array(64);
  /** key → slot → field-weighted frequency (1 for concepts and fields). */
  private readonly postings = new Map<string, Map<number, number>>();
  private totalLength = 0;

  get size(): number {
    return this.bySlot.size;
  }

  has(id: string): boolean {
    return this.bySlot.has(id);
  }

  ids(): IterableIterator<string> {
    return this.bySlot.keys();
  }

  add(r: Rep): void {
    this.remove(r.id);
    const slot = this.free.pop() ?? this.slots.length;
    const keys = [...r.tf.keys()];
    const entry: Entry = { id: r.id, length: r.length, keys };
    const put = (k: string, v: number) => {
      let m = this.postings.get(k);
      if (!m) this.postings.set(k, (m = new Map()));
      m.set(slot, v);
    };
    for (const [k, v] of r.tf) put(k, v);
    for (const k of r.concepts.keys()) {
      put(k, 1);
      keys.push(k);
    }
    for (const f of r.fields) {
      put('¶' + f, 1);
      keys.push('¶' + f);
    }
    this.slots[slot] = entry;
    this.bySlot.set(r.id, slot);
    if (slot >= this.lengths.length) {
      const grown = new Float64Array(this.lengths.length * 2);
      grown.set(this.lengths);
      this.lengths = grown;
    }
    this.lengths[slot] = r.length;
    this.totalLength += r.length;
  }

  remove(id: string): void {
    const slot = this.bySlot.get(id);
    if (slot === undefined) return;
    const e = this.slots[slot]!;
    for (const k of e.keys) {
      const m = this.postings.get(k);
      m?.delete(slot);
      if (m && m.size === 0) this.postings.delete(k);
    }
    this.totalLength -= e.length;
    this.slots[slot] = undefined;
    this.bySlot.delete(id);
    this.free.push(slot);
  }

  df(k: string): number {
    return this.postings.get(k)?.size ?? 0;
  }

  /** BM25 idf, never negative. */
  idf(k: string): number {
    const n = this.df(k);
    return Math.log(1 + (this.size - n + 0.5) / (n + 0.5));
  }

  avgLength(): number {
    return this.size ? this.totalLength / this.size : 1;
  }

  /** Distinct keys and postings (for memory reports). */
  stats(): { items: number; keys: number; postings: number } {
    let postings = 0;
    for (const m of this.postings.values()) postings += m.size;
    return { items: this.size, keys: this.postings.size, postings };
  }

  /**
   * Scores of every item sharing a key with the query: BM25 over words (synonyms at their query weight), plus
   * query weight × idf for each shared concept and field.
   */
  scoreAll(q: Query, p: MatchParams): Map<string, number> {
    const acc = new Float64Array(this.slots.length);
    const touched: number[] = [];
    const avg = this.avgLength();
    for (const [k, qw] of q.weights) {
      const m = this.postings.get(k);
      if (!m) continue;
      const idf = this.idf(k);
      const feature = k[0] === '§' || k[0] === '¶';
      for (const [slot, f] of m) {
        const v = feature ? qw * idf : qw * idf * ((f * (p.k1 + 1)) / (f + p.k1 * (1 - p.b + (p.b * this.lengths[slot]) / avg)));
        if (acc[slot] === 0) touched.push(slot);
        acc[slot] += v;
      }
    }
    const out = new Map<string, number>();
    for (const slot of touched) out.set(this.slots[slot]!.id, acc[slot]);
    return out;
  }
}

// ---------------------------------------------------------------- query

export interface Query {
  /** Word, compound, gram, synonym, concept (§) and field (¶) keys → query weight. */
  weights: Map<string, number>;
  /** Synonym key → the source's key it expands. */
  expandedFrom: Map<string, string>;
  source: Rep;
}

export function query(src: Rep, p: MatchParams): Query {
  const weights = new Map<string, number>();
  for (const [k, v] of src.qtf) weights.set(k, Math.sqrt(v));
  const expandedFrom = new Map<string, string>();
  if (p.synonym > 0) {
    for (const [k, v] of [...weights]) {
      for (const syn of src.synonyms.get(k) ?? []) {
        if (weights.has(syn) && !expandedFrom.has(syn)) continue;
        const w = p.synonym * v;
        if (w > (weights.get(syn) ?? 0)) {
          weights.set(syn, w);
          expandedFrom.set(syn, k);
        }
      }
    }
  }
  if (p.concept > 0) for (const k of src.concepts.keys()) weights.set(k, p.concept);
  if (p.field > 0) for (const f of src.fields) weights.set('¶' + f, p.field);
  return { weights, expandedFrom, source: src };
}

// ---------------------------------------------------------------- scoring

export interface Contribution {
  key: string;
  value: number;
}

/** The same score as MatchCorpus.scoreAll for one fully represented text (the source itself, a shown match). */
export function scoreRep(q: Query, r: Rep, c: MatchCorpus, p: MatchParams, contributions?: Contribution[]): number {
  const norm = p.k1 * (1 - p.b + (p.b * r.length) / c.avgLength());
  let s = 0;
  for (const [k, qw] of q.weights) {
    const f = r.tf.get(k);
    if (!f) continue;
    const v = qw * c.idf(k) * ((f * (p.k1 + 1)) / (f + norm));
    s += v;
    contributions?.push({ key: k, value: v });
  }
  for (const k of r.concepts.keys()) {
    const w = q.weights.get(k);
    if (w) s += w * c.idf(k);
  }
  for (const f of r.fields) {
    const w = q.weights.get('¶' + f);
    if (w) s += w * c.idf('¶' + f);
  }
  return s;
}

export interface Scored {
  id: string;
  /** Relative to the source against itself: comparable across sources. */
  raw: number;
}

/** Scores every item of the corpus sharing something with the source, best first. */
export function score(q: Query, c: MatchCorpus, p: MatchParams, exclude?: string): Scored[] {
  const ceiling = scoreRep(q, q.source, c, p) || 1;
  const out: Scored[] = [];
  for (const [id, v] of c.scoreAll(q, p)) if (id !== exclude && v > 0) out.push({ id, raw: v / ceiling });
  out.sort((x, y) => y.raw - x.raw || x.id.localeCompare(y.id));
  return out;
}

/** 0–1, saturating: a candidate reaching a sixth of the source's score against itself reads as a good fit (≈ 0.6). */
export function displayScore(raw: number): number {
  return 1 - Math.exp(-raw / 0.18);
}

import type { MultiSearchQuery } from '../../libs/search';
import type { MatchText } from './ranking';
import { keyPhrases, normalize, terms, type DfTable } from './text';
import type { Thesaurus } from './thesaurus';

export interface CandidatePlan {
  queries: MultiSearchQuery[];
  /** What each query is, for debugging and tests. */
  labels: string[];
}

/** Rarest-first ordering of phrases by the corpus idf of their bigrams (phrases of common bigrams say little). */
function byRarity(phrases: string[], df: DfTable | undefined): string[] {
  if (!df || df.docs === 0) return phrases;
  const score = (p: string) => {
    const ts = terms(p);
    return ts.length ? ts.reduce((s, t) => s + df.idf(t), 0) / ts.length : 0;
  };
  return [...phrases].sort((a, b) => score(b) - score(a));
}

/**
 * The Meilisearch queries that gather candidates for a source item. Meilisearch reads only the first 10 terms of a
 * query and, with a bag of words, keeps only documents that contain its rarest word; so the source is cut into many
 * SHORT queries, each able to find documents on its own, fused by a federated multi-search:
 *  - the title (weight 1), each tag (1), the rarest key phrases of the text (0.8 each),
 *  - thesaurus terms the source does not use itself (the other side's vocabulary for the same concepts, 0.7 each);
 *    the index's synonyms (the same thesaurus) widen every query further.
 * Only ids are retrieved (texts come from the database), so the response stays small and fast.
 */
export function candidatePlan(
  source: MatchText,
  target: string,
  th: Thesaurus,
  df: DfTable | undefined,
  filter: string,
  max = { tags: 5, phrases: 4, related: 4 },
): CandidatePlan {
  const queries: MultiSearchQuery[] = [];
  const labels: string[] = [];
  const seen = new Set<string>();
  const push = (label: string, q: string, weight: number) => {
    const key = normalize(q).trim();
    if (!key || seen.has(key)) return;
    seen.add(key);
    queries.push({ index: target, q, filter, matchingStrategy: 'last', attributesToRetrieve: ['id'], federationOptions: { weight } });
    labels.push(label);
  };
  push('title', source.title, 1);
  const tags = (source.tags ?? []).map((t) => t.trim()).filter((t) => t !== '');
  for (const t of tags.slice(0, max.tags)) push('tag', t, 1);

  const srcNorm = normalize([source.title, source.summary, tags.join(' '), source.body].filter(Boolean).join('\n'));
  const phrases = byRarity(
    keyPhrases([source.title, source.summary, source.body].filter(Boolean).join('\n'), 24).filter((p) => !tags.includes(p)),
    df,
  );
  for (const p of phrases.slice(0, max.phrases)) push('phrase', p, 0.8);

  let related = 0;
  for (const g of th.find(srcNorm).keys()) {
    if (related >= max.related) break;
    const other = th.groups[g].find((t) => !srcNorm.includes(normalize(t)));
    if (!other) continue;
    push('related', other, 0.7);
    related++;
  }
  return { queries, labels };
}

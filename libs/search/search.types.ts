export interface IndexDefinition<Doc extends { id: string } = any> {
  /** Logical name, e.g. 'issues'; physical uid = config.meiliIndexPrefix + name. */
  name: string;
  searchableAttributes: string[];
  filterableAttributes: string[];
  sortableAttributes: string[];
  /** Required with `analyzed`: the document's own attributes (the hidden `ja_*` ones must never be displayed). */
  displayedAttributes?: string[];
  rankingRules?: string[];
  /**
   * Attributes analysed as Japanese text (libs/japanese): each gets a hidden searchable companion `ja_<attr>` that
   * replaces it in `searchableAttributes` (same place, same weight), and — for string attributes — stored spans
   * `jah_<attr>` from which SearchService computes `_formatted` highlights and crops itself. Queries on the index are
   * analysed the same way. See libs/search/japanese.ts.
   */
  analyzed?: string[];
  /** Load the current documents for these ids; return null for ids that must be removed (deleted/unpublished). */
  load(ids: string[]): Promise<Map<string, Doc | null>>;
  /** Stream every document that should be in the index, in batches (for a full reindex). */
  loadAll(onBatch: (docs: Doc[]) => Promise<void>): Promise<void>;
}

export type MatchingStrategy = 'last' | 'all' | 'frequency';
export type Filter = string | Array<string | string[]>;

export interface SearchParams {
  q?: string | null;
  filter?: Filter;
  facets?: string[];
  sort?: string[];
  /** Exhaustive pagination (page starts at 1). Do not mix with offset/limit. */
  page?: number;
  hitsPerPage?: number;
  offset?: number;
  limit?: number;
  attributesToRetrieve?: string[];
  attributesToHighlight?: string[];
  highlightPreTag?: string;
  highlightPostTag?: string;
  attributesToCrop?: string[];
  cropLength?: number;
  cropMarker?: string;
  showMatchesPosition?: boolean;
  showRankingScore?: boolean;
  showRankingScoreDetails?: boolean;
  rankingScoreThreshold?: number;
  matchingStrategy?: MatchingStrategy;
  attributesToSearchOn?: string[];
  distinct?: string;
}

export type Hit<T> = T & {
  _formatted?: Partial<Record<keyof T, unknown>> & Record<string, unknown>;
  _matchesPosition?: Record<string, Array<{ start: number; length: number }>>;
  _rankingScore?: number;
  _rankingScoreDetails?: Record<string, unknown>;
  _federation?: { indexUid: string; queriesPosition: number; weightedRankingScore: number };
};

export interface SearchResponse<T = Record<string, any>> {
  hits: Array<Hit<T>>;
  query: string;
  processingTimeMs: number;
  /** offset/limit mode */
  offset?: number;
  limit?: number;
  estimatedTotalHits?: number;
  /** page/hitsPerPage mode */
  page?: number;
  hitsPerPage?: number;
  totalHits?: number;
  totalPages?: number;
  facetDistribution?: Record<string, Record<string, number>>;
  facetStats?: Record<string, { min: number; max: number }>;
  /** Logical index name (multi-search only). */
  indexUid?: string;
}

export interface MultiSearchQuery extends SearchParams {
  /** Logical index name. */
  index: string;
  /** Only with federation. */
  federationOptions?: { weight?: number };
}

export interface FederationOptions {
  offset?: number;
  limit?: number;
  page?: number;
  hitsPerPage?: number;
  /** Keys are logical index names. */
  facetsByIndex?: Record<string, string[]>;
  mergeFacets?: { maxValuesPerFacet?: number } | boolean;
}

export interface FederatedSearchResponse<T = Record<string, any>> {
  hits: Array<Hit<T>>;
  processingTimeMs: number;
  offset?: number;
  limit?: number;
  estimatedTotalHits?: number;
  page?: number;
  hitsPerPage?: number;
  totalHits?: number;
  totalPages?: number;
  facetDistribution?: Record<string, Record<string, number>>;
  facetStats?: Record<string, { min: number; max: number }>;
  /** Keys are logical index names. */
  facetsByIndex?: Record<string, { distribution: Record<string, Record<string, number>>; stats: Record<string, unknown> }>;
}

export const OUTBOX_CHANNEL = 'kyoso_search_outbox';

import { relaxedTerms } from '../japanese';
import type { QueryTerm } from '../japanese';
import { analysedAttributes, encodeQuery, encodeTerms, formatText, JA_PREFIX, JA_SPANS_PREFIX } from './japanese';
import type { IndexDefinition, SearchParams } from './search.types';

/**
 * The Japanese-analysis glue of SearchService (see ./japanese): hidden analysed attributes on the documents sent to
 * Meilisearch, query encoding, and highlights/crops (`_formatted`) of analysed attributes computed on the hits.
 */

export const LOCALES = ['jpn'];
/** The hidden `ja_*` attributes hold ASCII-encoded keys: tokenised as Latin words, never by the Japanese segmenter. */
export const ANALYSED_LOCALES = ['eng'];

/** A search prepared for Meilisearch: its request body, what to do to each hit, whether a relaxed retry may help. */
export interface PreparedSearch {
  body: Record<string, unknown>;
  format?: (hit: Record<string, any>) => void;
  canRelax?: boolean;
}

/**
 * The definition whose load/loadAll add the hidden attributes of its analysed fields: every path to Meilisearch
 * (outbox, reindex) goes through load/loadAll.
 */
export function withAnalysedKeys<Doc extends { id: string }>(def: IndexDefinition<Doc>, fields: string[]): IndexDefinition<Doc> {
  const { load, loadAll } = def;
  const withKeys = (d: Doc): Doc => ({ ...d, ...analysedAttributes(d as Record<string, unknown>, fields) });
  return {
    ...def,
    load: async (ids) => {
      const docs = await load(ids);
      for (const [id, d] of docs) if (d) docs.set(id, withKeys(d));
      return docs;
    },
    loadAll: (onBatch) => loadAll((docs) => onBatch(docs.map(withKeys))),
  };
}

export function toMeiliParams(params: SearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v;
  out.locales = LOCALES;
  return out;
}

/**
 * The Meilisearch request for a search of one index. On an index with analysed attributes the query is analysed
 * (libs/japanese) and sent as encoded keys, searches on analysed attributes go to their hidden companions, and
 * highlights/crops of analysed attributes are left to `format` (Meilisearch's would mark encoded keys, not text).
 */
export function prepareSearch(def: IndexDefinition | undefined, params: SearchParams, relax = false): PreparedSearch {
  const analysed = def?.analyzed ?? [];
  if (!analysed.length) return { body: toMeiliParams(params) };
  const p: SearchParams = { ...params };
  const raw = (params.q ?? '').trim();
  let terms: QueryTerm[] = [];
  let canRelax = false;
  if (raw) {
    let enc = encodeQuery(raw);
    const relaxed = relaxedTerms(enc.terms);
    canRelax = relaxed !== undefined && !relax;
    if (relax && relaxed) enc = encodeTerms(relaxed);
    terms = enc.terms;
    p.q = enc.q;
  }
  if (p.attributesToSearchOn) p.attributesToSearchOn = p.attributesToSearchOn.map((f) => (analysed.includes(f) ? JA_PREFIX + f : f));
  const hl = (params.attributesToHighlight ?? []).filter((f) => analysed.includes(f));
  const crop = (params.attributesToCrop ?? []).filter((f) => analysed.includes(f));
  const mine = [...new Set([...hl, ...crop])];
  const body = toMeiliParams(p);
  body.locales = ANALYSED_LOCALES;
  const requested = params.attributesToRetrieve;
  const extra: string[] = [];
  if (mine.length) {
    const rest = (a: string[] | undefined) => a?.filter((f) => !mine.includes(f));
    body.attributesToHighlight = rest(params.attributesToHighlight);
    body.attributesToCrop = rest(params.attributesToCrop);
    if (!(body.attributesToHighlight as string[] | undefined)?.length) delete body.attributesToHighlight;
    if (!(body.attributesToCrop as string[] | undefined)?.length) delete body.attributesToCrop;
    if (requested && !requested.includes('*')) {
      const need = [...mine, ...mine.map((f) => JA_SPANS_PREFIX + f)].filter((f) => !requested.includes(f));
      extra.push(...need);
      body.attributesToRetrieve = [...requested, ...need];
    }
  }
  const hidden = analysed.map((f) => JA_SPANS_PREFIX + f);
  const opts = {
    pre: params.highlightPreTag ?? '<em>',
    post: params.highlightPostTag ?? '</em>',
    marker: params.cropMarker ?? '…',
    prefix: raw !== '' && !/\s$/.test(params.q ?? ''),
  };
  const format = (hit: Record<string, any>) => {
    if (mine.length) {
      const formatted: Record<string, unknown> = { ...(hit._formatted ?? {}) };
      for (const f of mine) {
        const v = hit[f];
        if (typeof v !== 'string') continue;
        formatted[f] = formatText(v, hit[JA_SPANS_PREFIX + f], terms, {
          ...opts,
          highlight: hl.includes(f),
          crop: crop.includes(f) ? (params.cropLength ?? 10) : undefined,
        });
      }
      hit._formatted = formatted;
    }
    for (const f of extra) delete hit[f];
    for (const f of hidden) delete hit[f];
    if (hit._formatted) for (const f of hidden) delete hit._formatted[f];
  };
  return { body, format, canRelax };
}

/** Found nothing (hits or, for facet-only queries, totals). */
export function foundNothing(r: { hits?: unknown[]; totalHits?: number; estimatedTotalHits?: number } | undefined): boolean {
  return (r?.totalHits ?? r?.estimatedTotalHits ?? r?.hits?.length ?? 0) === 0;
}

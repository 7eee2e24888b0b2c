import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { onThesaurusChange, warmUp } from '../japanese';
import { KANJI_GUARD_STOP_WORD, protectKanji } from './filter';
import { relaxedTerms } from '../japanese';
import type { QueryTerm } from '../japanese';
import { analysedAttributes, encodedSynonyms, encodeQuery, encodeTerms, formatText, JA_PREFIX, JA_SPANS_PREFIX } from './japanese';
import { MeiliHttp, MeiliError, sleep } from './meili-http';
import type {
  FederatedSearchResponse,
  FederationOptions,
  IndexDefinition,
  MultiSearchQuery,
  SearchParams,
  SearchResponse,
} from './search.types';

/** What the outbox drainer exposes to the service (bound at construction of SearchOutbox; avoids a DI cycle). */
export interface OutboxDriver {
  /** Drains due rows once; resolves to the number of rows processed. */
  drainOnce(): Promise<number>;
  /** Wakes the background drainer if it runs. */
  wake(): void;
  readonly running: boolean;
  readonly busy: boolean;
}

const LOCALES = ['jpn'];
/** The hidden `ja_*` attributes hold ASCII-encoded keys: tokenised as Latin words, never by the Japanese segmenter. */
const ANALYSED_LOCALES = ['eng'];
const SEARCH_TIMEOUT_MS = 5000;
const SETTINGS_TASK_TIMEOUT_MS = 60_000;
const RETRY_MS = 5000;

@Injectable()
export class SearchService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('SearchService');
  readonly meili: MeiliHttp;
  private readonly defs = new Map<string, IndexDefinition>();
  private synonyms: Record<string, string[]> = {};
  private dictionary: string[] = [];
  /** uid → hash of the settings last applied successfully by this process. */
  private readonly applied = new Map<string, string>();
  /** Bumped whenever what settingsFor() depends on changes; the computed settings are reused until then. */
  private settingsVersion = 0;
  private readonly settingsCache = new Map<string, { version: number; settings: Record<string, unknown>; hash: string }>();
  private retryTimer: NodeJS.Timeout | undefined;
  private ensuring: Promise<void> | undefined;
  private bootstrapped = false;
  private stopped = false;
  private outbox: OutboxDriver | undefined;

  private readonly unsubscribeThesaurus: () => void;

  constructor(
    readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {
    if (!config.meiliUrl) this.log.warn('meiliUrl is not configured; search calls will fail');
    this.meili = new MeiliHttp(config.meiliUrl ?? 'http://127.0.0.1:7700', config.meiliMasterKey, SEARCH_TIMEOUT_MS);
    // the keys of thesaurus terms (synonyms of analysed indexes) depend on the registered thesaurus
    this.unsubscribeThesaurus = onThesaurusChange(() => {
      if (![...this.defs.values()].some((d) => d.analyzed?.length)) return;
      this.settingsVersion++;
      if (this.bootstrapped) this.scheduleEnsure(0);
    });
  }

  // ---------------------------------------------------------------- registration & settings

  registerIndex<Doc extends { id: string }>(def: IndexDefinition<Doc>): void {
    if (!/^[a-zA-Z0-9_-]+$/.test(def.name)) throw new Error(`Invalid search index name: ${def.name}`);
    if (def.analyzed?.length) {
      if (!def.displayedAttributes) throw new Error(`Search index ${def.name}: analysed attributes need displayedAttributes`);
      const fields = def.analyzed;
      const { load, loadAll } = def;
      // every path to Meilisearch (outbox, reindex) goes through load/loadAll: the hidden attributes are added here
      const withKeys = (d: Doc): Doc => ({ ...d, ...analysedAttributes(d as Record<string, unknown>, fields) });
      def = {
        ...def,
        load: async (ids) => {
          const docs = await load(ids);
          for (const [id, d] of docs) if (d) docs.set(id, withKeys(d));
          return docs;
        },
        loadAll: (onBatch) => loadAll((docs) => onBatch(docs.map(withKeys))),
      };
    }
    this.defs.set(def.name, def as IndexDefinition);
    this.settingsVersion++;
    if (this.bootstrapped) this.scheduleEnsure(0);
  }

  definition(name: string): IndexDefinition | undefined {
    return this.defs.get(name);
  }

  definitions(): IndexDefinition[] {
    return [...this.defs.values()];
  }

  /** Physical Meilisearch uid of a logical index name. */
  uid(name: string): string {
    return this.config.meiliIndexPrefix + name;
  }

  /** Logical name of a physical uid (identity for unknown uids). */
  logicalName(uid: string): string {
    const p = this.config.meiliIndexPrefix;
    if (uid.startsWith(p) && this.defs.has(uid.slice(p.length))) return uid.slice(p.length);
    return uid;
  }

  bindOutbox(outbox: OutboxDriver): void {
    this.outbox = outbox;
  }

  /** Replaces the synonyms of every index (applied now if Meilisearch is up, else in the background). */
  async setSynonyms(map: Record<string, string[]>): Promise<boolean> {
    this.synonyms = { ...map };
    this.settingsVersion++;
    return this.applyNowOrLater();
  }

  /** Replaces the user dictionary (words kept as one token) of every index. */
  async setDictionary(words: string[]): Promise<boolean> {
    this.dictionary = [...new Set(words.filter((w) => w.trim() !== ''))];
    this.settingsVersion++;
    return this.applyNowOrLater();
  }

  private async applyNowOrLater(): Promise<boolean> {
    if (this.defs.size === 0) return true;
    try {
      await this.ensureIndexes();
      return true;
    } catch (e) {
      this.log.warn(`Search settings not applied yet (${(e as Error).message}); retrying in the background`);
      this.scheduleEnsure(RETRY_MS);
      return false;
    }
  }

  /** Settings applied to every index. */
  settingsFor(def: IndexDefinition): Record<string, unknown> {
    const analysed = def.analyzed ?? [];
    if (analysed.length) {
      const hidden = analysed.map((f) => JA_PREFIX + f);
      return {
        searchableAttributes: def.searchableAttributes.map((f) => (analysed.includes(f) ? JA_PREFIX + f : f)),
        filterableAttributes: def.filterableAttributes,
        sortableAttributes: def.sortableAttributes,
        displayedAttributes: [...(def.displayedAttributes ?? []), ...analysed.map((f) => JA_SPANS_PREFIX + f)],
        rankingRules: def.rankingRules ?? null,
        localizedAttributes: [
          { attributePatterns: hidden, locales: ANALYSED_LOCALES },
          { attributePatterns: ['*'], locales: LOCALES },
        ],
        // keys are exact: a typo in an encoded key is another word
        typoTolerance: { disableOnAttributes: hidden },
        // several keys per word make word distances approximate anyway; by attribute, indexing is ≈ 3 × faster
        proximityPrecision: 'byAttribute',
        synonyms: encodedSynonyms(this.synonyms),
        dictionary: this.dictionary,
        stopWords: [KANJI_GUARD_STOP_WORD],
      };
    }
    const synonyms: Record<string, string[]> = {};
    for (const [key, values] of Object.entries(this.synonyms)) {
      const k = protectKanji(key);
      synonyms[k] = [...new Set([...(synonyms[k] ?? []), ...values.map(protectKanji)])];
    }
    return {
      searchableAttributes: def.searchableAttributes,
      filterableAttributes: def.filterableAttributes,
      sortableAttributes: def.sortableAttributes,
      displayedAttributes: def.displayedAttributes ?? null,
      rankingRules: def.rankingRules ?? null,
      localizedAttributes: [{ attributePatterns: ['*'], locales: LOCALES }],
      synonyms,
      dictionary: this.dictionary,
      stopWords: [KANJI_GUARD_STOP_WORD],
    };
  }

  /** Creates missing indexes and applies settings (waiting for the tasks). Idempotent; throws if Meilisearch fails. */
  ensureIndexes(): Promise<void> {
    // Serialize: concurrent callers wait for the running pass, then run again (settings may have changed meanwhile).
    const run = (this.ensuring ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        for (const def of this.defs.values()) await this.ensureIndex(def.name);
      });
    this.ensuring = run;
    return run;
  }

  /** Creates the index if needed and applies its settings unless this process already applied the same settings. */
  async ensureIndex(name: string, uid = this.uid(name), force = false): Promise<void> {
    const def = this.defs.get(name);
    if (!def) throw new Error(`Unknown search index: ${name}`);
    // computed once per settings change, not per call: the outbox drainer calls this for every batch (test/bench)
    let cached = this.settingsCache.get(name);
    if (!cached || cached.version !== this.settingsVersion) {
      const computed = this.settingsFor(def);
      cached = {
        version: this.settingsVersion,
        settings: computed,
        hash: createHash('sha1').update(JSON.stringify(computed)).digest('hex'),
      };
      this.settingsCache.set(name, cached);
    }
    const { settings, hash } = cached;
    if (!force && this.applied.get(uid) === hash) return;
    await this.createIndexIfMissing(uid);
    await this.meili.runTask('PATCH', `indexes/${encodeURIComponent(uid)}/settings`, settings, SETTINGS_TASK_TIMEOUT_MS);
    this.applied.set(uid, hash);
  }

  private async createIndexIfMissing(uid: string): Promise<void> {
    try {
      await this.meili.request('GET', `indexes/${encodeURIComponent(uid)}`);
      return;
    } catch (e) {
      if (!(e instanceof MeiliError && e.code === 'index_not_found')) throw e;
    }
    try {
      await this.meili.runTask('POST', 'indexes', { uid, primaryKey: 'id' }, SETTINGS_TASK_TIMEOUT_MS);
    } catch (e) {
      if (!(e instanceof MeiliError && e.code === 'index_already_exists')) throw e;
    }
  }

  private scheduleEnsure(delayMs: number): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.ensureIndexes().then(
        () => this.log.log(`Search indexes ready (${[...this.defs.keys()].join(', ') || 'none'})`),
        (e) => {
          this.log.warn(`Meilisearch not ready (${(e as Error).message}); retrying in ${RETRY_MS / 1000} s`);
          this.scheduleEnsure(RETRY_MS);
        },
      );
    }, delayMs);
    this.retryTimer.unref?.();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.bootstrapped = true;
    if (this.defs.size === 0) return;
    if ([...this.defs.values()].some((d) => d.analyzed?.length)) {
      // the Japanese dictionaries load once per process: now, off the bootstrap path, rather than on the first search
      setImmediate(() => {
        if (!this.stopped) warmUp();
      }).unref?.();
    }
    if (!(await this.isHealthy())) {
      this.log.warn('Meilisearch is not reachable at start; index settings will be applied when it is back');
      this.scheduleEnsure(RETRY_MS);
      return;
    }
    try {
      await this.ensureIndexes();
    } catch (e) {
      this.log.warn(`Could not prepare search indexes (${(e as Error).message}); retrying in the background`);
      this.scheduleEnsure(RETRY_MS);
    }
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.unsubscribeThesaurus();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.meili.close();
  }

  // ---------------------------------------------------------------- searching

  private toMeiliParams(params: SearchParams): Record<string, unknown> {
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
  private prepare(
    index: string,
    params: SearchParams,
    relax = false,
  ): { body: Record<string, unknown>; format?: (hit: Record<string, any>) => void; canRelax?: boolean } {
    const def = this.defs.get(index);
    const analysed = def?.analyzed ?? [];
    if (!analysed.length) return { body: this.toMeiliParams(params) };
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
    const body = this.toMeiliParams(p);
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
  private static empty(r: { hits?: unknown[]; totalHits?: number; estimatedTotalHits?: number } | undefined): boolean {
    return (r?.totalHits ?? r?.estimatedTotalHits ?? r?.hits?.length ?? 0) === 0;
  }

  /** Searches one index (logical name); always with `locales: ['jpn']` (analysed indexes: see prepare). */
  async search<T = Record<string, any>>(index: string, params: SearchParams = {}): Promise<SearchResponse<T>> {
    const prepared = this.prepare(index, params);
    let { body, format } = prepared;
    const path = `indexes/${encodeURIComponent(this.uid(index))}/search`;
    let res = await this.meili.request<SearchResponse<T>>('POST', path, body, SEARCH_TIMEOUT_MS);
    if (prepared.canRelax && SearchService.empty(res)) {
      // nothing for a compound: its head (「デマンド交通」 → 「交通」)
      ({ body, format } = this.prepare(index, params, true));
      res = await this.meili.request<SearchResponse<T>>('POST', path, body, SEARCH_TIMEOUT_MS);
    }
    if (format) for (const h of res.hits ?? []) format(h as Record<string, any>);
    return res;
  }

  /** Several searches in one request; with `federation` the hits are merged into one ranked list. */
  multiSearch<T = Record<string, any>>(queries: MultiSearchQuery[]): Promise<{ results: SearchResponse<T>[] }>;
  multiSearch<T = Record<string, any>>(
    queries: MultiSearchQuery[],
    opts: { federation: FederationOptions | true },
  ): Promise<FederatedSearchResponse<T>>;
  multiSearch<T = Record<string, any>>(
    queries: MultiSearchQuery[],
    opts?: { federation?: FederationOptions | true },
  ): Promise<{ results: SearchResponse<T>[] } | FederatedSearchResponse<T>>;
  async multiSearch<T = Record<string, any>>(
    queries: MultiSearchQuery[],
    opts: { federation?: FederationOptions | true } = {},
  ): Promise<{ results: SearchResponse<T>[] } | FederatedSearchResponse<T>> {
    const prepared = queries.map(({ index, federationOptions, ...q }, i) => {
      const { body, format, canRelax } = this.prepare(index, q);
      return {
        i,
        index,
        q,
        body: { indexUid: this.uid(index), ...body, ...(federationOptions ? { federationOptions } : {}) },
        format,
        canRelax,
      };
    });
    const body: Record<string, unknown> = { queries: prepared.map((p) => p.body) };
    if (opts.federation) {
      const fed: Record<string, unknown> = { ...(opts.federation === true ? {} : opts.federation) };
      if (fed.facetsByIndex) {
        fed.facetsByIndex = Object.fromEntries(
          Object.entries(fed.facetsByIndex as Record<string, string[]>).map(([k, v]) => [this.uid(k), v]),
        );
      }
      body.federation = fed;
    }
    const res = await this.meili.request<any>('POST', 'multi-search', body, SEARCH_TIMEOUT_MS);
    if (Array.isArray(res?.results)) {
      // queries that found nothing for a compound: once more with its head (「デマンド交通」 → 「交通」)
      const retry = prepared.filter((p) => p.canRelax && SearchService.empty(res.results[p.i]));
      if (retry.length) {
        const again = retry.map((p) => ({ p, r: this.prepare(p.index, p.q, true) }));
        const second = await this.meili.request<any>(
          'POST',
          'multi-search',
          { queries: again.map(({ p, r }) => ({ indexUid: this.uid(p.index), ...r.body })) },
          SEARCH_TIMEOUT_MS,
        );
        again.forEach(({ p, r }, k) => {
          res.results[p.i] = second.results[k];
          prepared[p.i].format = r.format;
        });
      }
      res.results.forEach((r: any, i: number) => {
        if (r.indexUid) r.indexUid = this.logicalName(r.indexUid);
        const format = prepared[i]?.format;
        if (format) for (const h of r.hits ?? []) format(h);
      });
    } else if (res) {
      for (const h of res.hits ?? []) {
        const format = prepared[h._federation?.queriesPosition ?? -1]?.format;
        if (format) format(h);
        if (h._federation?.indexUid) h._federation.indexUid = this.logicalName(h._federation.indexUid);
      }
      if (res.facetsByIndex) {
        res.facetsByIndex = Object.fromEntries(Object.entries(res.facetsByIndex).map(([k, v]) => [this.logicalName(k), v]));
      }
    }
    return res;
  }

  // ---------------------------------------------------------------- health & outbox

  isHealthy(timeoutMs = 1000): Promise<boolean> {
    return this.meili.health(timeoutMs);
  }

  /** Number of rows waiting in the outbox (including ones in back-off). */
  async pending(): Promise<number> {
    const rows: Array<{ n: string }> = await this.dataSource.query('SELECT count(*)::text AS n FROM search_outbox');
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Resolves when the outbox is empty and its Meilisearch tasks are done (rows are deleted only after their task
   * succeeded). Drains in-process when no background drainer runs. Rejects after timeoutMs.
   */
  async flush(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Claimed rows stay visible (their DELETE is uncommitted) until the Meilisearch task succeeded and the
      // drainer committed, so an empty table means everything is applied.
      const n = await this.pending();
      if (n === 0) return;
      if (Date.now() >= deadline) throw new Error(`search outbox not empty after ${timeoutMs} ms (${n} rows)`);
      if (this.outbox && !this.outbox.running) {
        await this.outbox.drainOnce().catch((e) => this.log.warn(`flush: ${(e as Error).message}`));
      } else if (!this.outbox?.busy) {
        this.outbox?.wake();
      }
      await sleep(15);
    }
  }

  // ---------------------------------------------------------------- full reindex

  /**
   * Rebuilds every registered index into a fresh `<uid>_<timestamp>` index and swaps it in (no downtime).
   * Documents changed while a reindex runs are logged by the drainers (in any process) and re-enqueued after the swap.
   */
  async reindexAll(log: (msg: string) => void = (m) => this.log.log(m)): Promise<void> {
    for (const def of this.defs.values()) await this.reindexOne(def, log);
  }

  async reindexOne(def: IndexDefinition, log: (msg: string) => void = (m) => this.log.log(m)): Promise<void> {
    const uid = this.uid(def.name);
    const fresh = `${uid}_${Date.now()}`;
    const lockRunner = this.dataSource.createQueryRunner();
    await lockRunner.connect();
    let swapped = false;
    try {
      const [{ locked }] = await lockRunner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', ['kyoso_reindex:' + def.name]);
      if (!locked) throw new Error(`A reindex of "${def.name}" is already running`);
      const t0 = Date.now();
      // Marker: from now on drainers log the ids they apply, so those documents are re-applied after the swap.
      await this.dataSource.query(
        `INSERT INTO search_reindex (index_name, started_at) VALUES ($1, now())
         ON CONFLICT (index_name) DO UPDATE SET started_at = now()`,
        [def.name],
      );
      await this.ensureIndex(def.name, fresh, true);
      let total = 0;
      const tasks: number[] = [];
      // Pipelined: Meilisearch indexes the batches already sent (it auto-batches queued tasks) while the next ones are
      // read from PostgreSQL; waiting for each task in turn left it idle between batches (test/bench: reindex vs direct).
      await def.loadAll(async (docs) => {
        for (let i = 0; i < docs.length; i += 1000) {
          const chunk = docs.slice(i, i + 1000);
          if (chunk.length === 0) continue;
          const enq = await this.meili.request<{ taskUid: number }>(
            'POST',
            `indexes/${encodeURIComponent(fresh)}/documents?primaryKey=id`,
            chunk,
            120_000,
          );
          tasks.push(enq.taskUid);
          total += chunk.length;
        }
      });
      if (tasks.length) {
        await this.meili.waitForTask(tasks[tasks.length - 1], Math.max(120_000, total * 20));
        const failed = await this.meili.request<{ results: Array<{ uid: number; status: string; error?: { message?: string } | null }> }>(
          'GET',
          `tasks?uids=${tasks.join(',')}&statuses=failed,canceled,enqueued,processing&limit=1`,
        );
        const bad = failed.results[0];
        if (bad) throw new MeiliError(`Meilisearch task ${bad.uid} of the reindex ${bad.status}: ${bad.error?.message ?? ''}`, 'task');
      }
      log(`reindex ${def.name}: ${total} documents loaded into ${fresh} in ${Date.now() - t0} ms`);
      await this.ensureIndex(def.name, uid); // live index must exist for the swap
      // Meilisearch 1.21 does not know the `rename` field that the 0.62 client's IndexSwap type requires: omit it.
      await this.meili.runTask('POST', 'swap-indexes', [{ indexes: [uid, fresh] }], 60_000);
      swapped = true;
      this.applied.set(uid, this.applied.get(fresh) ?? '');
      this.applied.delete(fresh);
      await this.finishReindexMarker(def.name);
      await this.meili.runTask('DELETE', `indexes/${encodeURIComponent(fresh)}`, undefined, 60_000).catch((e) => {
        log(`reindex ${def.name}: could not delete old index ${fresh}: ${(e as Error).message}`);
      });
      log(`reindex ${def.name}: swapped in, ${total} documents, ${Date.now() - t0} ms`);
      this.outbox?.wake();
    } catch (e) {
      if (!swapped) {
        await this.meili.request('DELETE', `indexes/${encodeURIComponent(fresh)}`).catch(() => undefined);
        this.applied.delete(fresh);
        await this.finishReindexMarker(def.name).catch(() => undefined);
      }
      throw e;
    } finally {
      await lockRunner.query('SELECT pg_advisory_unlock(hashtext($1))', ['kyoso_reindex:' + def.name]).catch(() => undefined);
      await lockRunner.release();
    }
  }

  /** Removes the marker (waiting for drainers that hold it) and re-enqueues the ids they applied meanwhile. */
  private async finishReindexMarker(name: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query('DELETE FROM search_reindex WHERE index_name = $1', [name]);
      await m.query(
        `WITH moved AS (DELETE FROM search_reindex_log WHERE index_name = $1 RETURNING document_id)
         INSERT INTO search_outbox (index_name, document_id) SELECT DISTINCT $1, document_id FROM moved`,
        [name],
      );
    });
  }
}

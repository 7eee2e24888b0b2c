import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { onThesaurusChange, warmUp } from '../japanese';
import { MeiliHttp, sleep } from './meili-http';
import { foundNothing, prepareSearch, PreparedSearch } from './search-analysis';
import { SearchIndexes } from './search-indexes';
import { SearchReindexer } from './search-reindex';
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

const SEARCH_TIMEOUT_MS = 5000;
const RETRY_MS = 5000;

/**
 * The one place that talks to Meilisearch. Index definitions and settings live in SearchIndexes (./search-indexes),
 * the Japanese-analysis glue in ./search-analysis, the full reindex in SearchReindexer (./search-reindex).
 */
@Injectable()
export class SearchService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('SearchService');
  readonly meili: MeiliHttp;
  private readonly indexes: SearchIndexes;
  private readonly reindexer: SearchReindexer;
  private retryTimer: NodeJS.Timeout | undefined;
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
    this.indexes = new SearchIndexes(config, this.meili);
    this.reindexer = new SearchReindexer(this.indexes, this.meili, dataSource, () => this.outbox?.wake());
    // the keys of thesaurus terms (synonyms of analysed indexes) depend on the registered thesaurus
    this.unsubscribeThesaurus = onThesaurusChange(() => {
      if (!this.indexes.anyAnalysed()) return;
      this.indexes.invalidate();
      if (this.bootstrapped) this.scheduleEnsure(0);
    });
  }

  // ---------------------------------------------------------------- registration & settings

  registerIndex<Doc extends { id: string }>(def: IndexDefinition<Doc>): void {
    this.indexes.register(def);
    if (this.bootstrapped) this.scheduleEnsure(0);
  }

  definition(name: string): IndexDefinition | undefined {
    return this.indexes.get(name);
  }

  definitions(): IndexDefinition[] {
    return this.indexes.all();
  }

  /** Physical Meilisearch uid of a logical index name. */
  uid(name: string): string {
    return this.indexes.uid(name);
  }

  /** Logical name of a physical uid (identity for unknown uids). */
  logicalName(uid: string): string {
    return this.indexes.logicalName(uid);
  }

  bindOutbox(outbox: OutboxDriver): void {
    this.outbox = outbox;
  }

  /** Replaces the synonyms of every index (applied now if Meilisearch is up, else in the background). */
  async setSynonyms(map: Record<string, string[]>): Promise<boolean> {
    this.indexes.setSynonyms(map);
    return this.applyNowOrLater();
  }

  /** Replaces the user dictionary (words kept as one token) of every index. */
  async setDictionary(words: string[]): Promise<boolean> {
    this.indexes.setDictionary(words);
    return this.applyNowOrLater();
  }

  private async applyNowOrLater(): Promise<boolean> {
    if (this.indexes.size === 0) return true;
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
    return this.indexes.settingsFor(def);
  }

  /** Creates missing indexes and applies settings (waiting for the tasks). Idempotent; throws if Meilisearch fails. */
  ensureIndexes(): Promise<void> {
    return this.indexes.ensureAll();
  }

  /** Creates the index if needed and applies its settings unless this process already applied the same settings. */
  async ensureIndex(name: string, uid = this.uid(name), force = false): Promise<void> {
    return this.indexes.ensure(name, uid, force);
  }

  private scheduleEnsure(delayMs: number): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.ensureIndexes().then(
        () => this.log.log(`Search indexes ready (${this.indexes.names().join(', ') || 'none'})`),
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
    if (this.indexes.size === 0) return;
    if (this.indexes.anyAnalysed()) {
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

  /** The Meilisearch request for a search of one index (see prepareSearch in ./search-analysis). */
  private prepare(index: string, params: SearchParams, relax = false): PreparedSearch {
    return prepareSearch(this.indexes.get(index), params, relax);
  }

  /** Searches one index (logical name); always with `locales: ['jpn']` (analysed indexes: see prepare). */
  async search<T = Record<string, any>>(index: string, params: SearchParams = {}): Promise<SearchResponse<T>> {
    const prepared = this.prepare(index, params);
    let { body, format } = prepared;
    const path = `indexes/${encodeURIComponent(this.uid(index))}/search`;
    let res = await this.meili.request<SearchResponse<T>>('POST', path, body, SEARCH_TIMEOUT_MS);
    if (prepared.canRelax && foundNothing(res)) {
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
      const retry = prepared.filter((p) => p.canRelax && foundNothing(res.results[p.i]));
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
    for (const def of this.indexes.values()) await this.reindexOne(def, log);
  }

  async reindexOne(def: IndexDefinition, log: (msg: string) => void = (m) => this.log.log(m)): Promise<void> {
    return this.reindexer.reindexOne(def, log);
  }
}

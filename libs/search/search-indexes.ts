import { createHash } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { KANJI_GUARD_STOP_WORD, protectKanji } from './filter';
import { encodedSynonyms, JA_PREFIX, JA_SPANS_PREFIX } from './japanese';
import { ANALYSED_LOCALES, LOCALES, withAnalysedKeys } from './search-analysis';
import { MeiliHttp, MeiliError } from './meili-http';
import type { IndexDefinition } from './search.types';

const SETTINGS_TASK_TIMEOUT_MS = 60_000;

/**
 * The registered index definitions and the Meilisearch settings derived from them (plus the synonyms and user
 * dictionary shared by every index). Plain helper of SearchService, which owns the lifecycle (background retries).
 */
export class SearchIndexes {
  private readonly defs = new Map<string, IndexDefinition>();
  private synonyms: Record<string, string[]> = {};
  private dictionary: string[] = [];
  /** uid → hash of the settings last applied successfully by this process. */
  private readonly applied = new Map<string, string>();
  /** Bumped whenever what settingsFor() depends on changes; the computed settings are reused until then. */
  private settingsVersion = 0;
  private readonly settingsCache = new Map<string, { version: number; settings: Record<string, unknown>; hash: string }>();
  private ensuring: Promise<void> | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly meili: MeiliHttp,
  ) {}

  // ---------------------------------------------------------------- registration

  register<Doc extends { id: string }>(def: IndexDefinition<Doc>): void {
    if (!/^[a-zA-Z0-9_-]+$/.test(def.name)) throw new Error(`Invalid search index name: ${def.name}`);
    if (def.analyzed?.length) {
      if (!def.displayedAttributes) throw new Error(`Search index ${def.name}: analysed attributes need displayedAttributes`);
      def = withAnalysedKeys(def, def.analyzed);
    }
    this.defs.set(def.name, def as IndexDefinition);
    this.settingsVersion++;
  }

  get size(): number {
    return this.defs.size;
  }

  get(name: string): IndexDefinition | undefined {
    return this.defs.get(name);
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  all(): IndexDefinition[] {
    return [...this.defs.values()];
  }

  /** Live iterator over the definitions (sees indexes registered while iterating). */
  values(): IterableIterator<IndexDefinition> {
    return this.defs.values();
  }

  names(): string[] {
    return [...this.defs.keys()];
  }

  /** Whether some registered index has analysed (Japanese) attributes. */
  anyAnalysed(): boolean {
    return [...this.defs.values()].some((d) => d.analyzed?.length);
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

  // ---------------------------------------------------------------- settings

  /** Marks the computed settings stale (something they depend on changed, e.g. the thesaurus). */
  invalidate(): void {
    this.settingsVersion++;
  }

  setSynonyms(map: Record<string, string[]>): void {
    this.synonyms = { ...map };
    this.settingsVersion++;
  }

  setDictionary(words: string[]): void {
    this.dictionary = [...new Set(words.filter((w) => w.trim() !== ''))];
    this.settingsVersion++;
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
    const synonyms: Record<string, string[]> = Object.create(null); // keys are user text (「__proto__」 included)
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
  ensureAll(): Promise<void> {
    // Serialize: concurrent callers wait for the running pass, then run again (settings may have changed meanwhile).
    const run = (this.ensuring ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        for (const def of this.defs.values()) await this.ensure(def.name);
      });
    this.ensuring = run;
    return run;
  }

  /** Creates the index if needed and applies its settings unless this process already applied the same settings. */
  async ensure(name: string, uid = this.uid(name), force = false): Promise<void> {
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

  /** After a swap: the settings applied to `from` are now those of `to`. */
  moveApplied(from: string, to: string): void {
    this.applied.set(to, this.applied.get(from) ?? '');
    this.applied.delete(from);
  }

  forgetApplied(uid: string): void {
    this.applied.delete(uid);
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
}

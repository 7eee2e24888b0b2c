import { Global, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SearchOutbox1763900000000 } from '../../migrations/1763900000000-SearchOutbox';
import { AppConfig, loadConfig } from '../config/app-config';
import { dropTestDatabase, privateMeili, testDatabaseUrl } from '../../test/support/services';
import { escapeFilterValue, protectKanji } from './filter';
import { SearchModule } from './search.module';
import { SearchOutbox } from './search-outbox';
import { SearchService } from './search.service';
import { IndexDefinition } from './search.types';

jest.setTimeout(90_000);

interface TDoc {
  id: string;
  title: string;
  body: string;
  kind: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch((e) => e as T);
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await sleep(50);
  }
}

/** Hook to slow down loadAll (reindex-during-writes test). */
let loadAllHook: (() => Promise<void>) | undefined;

@Injectable()
class TDocsIndex implements OnModuleInit {
  constructor(
    private readonly ds: DataSource,
    private readonly search: SearchService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.ds.query(
      'CREATE TABLE IF NOT EXISTS t_docs (id text PRIMARY KEY, title text NOT NULL, body text NOT NULL, kind text NOT NULL)',
    );
    const def: IndexDefinition<TDoc> = {
      name: 'docs',
      searchableAttributes: ['title', 'body'],
      filterableAttributes: ['kind'],
      sortableAttributes: ['title'],
      load: async (ids) => {
        const rows: TDoc[] = await this.ds.query('SELECT id, title, body, kind FROM t_docs WHERE id = ANY($1::text[])', [ids]);
        const map = new Map<string, TDoc | null>(ids.map((id) => [id, null]));
        for (const r of rows) map.set(r.id, r);
        return map;
      },
      loadAll: async (onBatch) => {
        const rows: TDoc[] = await this.ds.query('SELECT id, title, body, kind FROM t_docs ORDER BY id');
        if (loadAllHook) await loadAllHook();
        for (let i = 0; i < rows.length; i += 2) await onBatch(rows.slice(i, i + 2));
      },
    };
    this.search.registerIndex(def);
  }
}

describe('libs/search against real PostgreSQL + Meilisearch', () => {
  let app: INestApplication;
  let dbUrl: string;
  let ds: DataSource;
  let search: SearchService;
  let outbox: SearchOutbox;
  let config: AppConfig;
  const prefix = `t${randomBytes(4).toString('hex')}_`;

  async function write(doc: TDoc | { id: string; delete: true }): Promise<void> {
    await ds.transaction(async (m) => {
      if ('delete' in doc) await m.query('DELETE FROM t_docs WHERE id = $1', [doc.id]);
      else {
        await m.query(
          `INSERT INTO t_docs (id, title, body, kind) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body, kind = EXCLUDED.kind`,
          [doc.id, doc.title, doc.body, doc.kind],
        );
      }
      await outbox.enqueue(m, 'docs', [doc.id]);
    });
  }

  const ids = async (q: string, extra: Record<string, unknown> = {}) =>
    (await search.search<TDoc>('docs', { q, ...extra })).hits.map((h) => h.id).sort();

  let meili: Awaited<ReturnType<typeof privateMeili>>;

  beforeAll(async () => {
    dbUrl = await testDatabaseUrl('search');
    meili = await privateMeili(); // this spec stops and restarts Meilisearch
    config = loadConfig({}, { meiliUrl: meili.url, meiliMasterKey: meili.key, meiliIndexPrefix: prefix, runWorkers: true });

    @Global()
    @Module({ providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] })
    class TestConfigModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        TestConfigModule,
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: dbUrl,
          migrations: [SearchOutbox1763900000000],
          migrationsRun: true,
          logging: false,
        }),
        SearchModule,
      ],
      providers: [TDocsIndex],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
    await app.init();
    ds = app.get(DataSource);
    search = app.get(SearchService);
    outbox = app.get(SearchOutbox);
  });

  afterAll(async () => {
    await app?.close();
    await meili?.close();
    if (dbUrl) await dropTestDatabase(dbUrl);
  });

  it('starts even when Meilisearch is unreachable', async () => {
    const cfg = loadConfig({}, { meiliUrl: 'http://127.0.0.1:9', meiliIndexPrefix: prefix + 'down_', runWorkers: false });
    @Global()
    @Module({ providers: [{ provide: AppConfig, useValue: cfg }], exports: [AppConfig] })
    class DownConfigModule {}
    const ref = await Test.createTestingModule({
      imports: [DownConfigModule, TypeOrmModule.forRoot({ type: 'postgres', url: dbUrl, logging: false }), SearchModule],
      providers: [TDocsIndex],
    }).compile();
    const down = ref.createNestApplication({ logger: false });
    await down.init();
    const s = down.get(SearchService);
    expect(await s.isHealthy()).toBe(false);
    await expect(s.search('docs', { q: '見守り' })).rejects.toThrow(/unreachable/);
    await down.close();
  });

  it('creates the index with Japanese settings at bootstrap', async () => {
    expect(await search.isHealthy()).toBe(true);
    const settings = await search.meili.request<any>('GET', `indexes/${prefix}docs/settings`);
    expect(settings.localizedAttributes).toEqual([{ attributePatterns: ['*'], locales: ['jpn'] }]);
    expect(settings.filterableAttributes).toEqual(['kind']);
    expect(settings.searchableAttributes).toEqual(['title', 'body']);
  });

  it('indexes a write committed with its outbox row and finds it by a Japanese keyword', async () => {
    await write({
      id: 'd1',
      title: '高齢者の見守りサービス',
      body: 'センサーと地域のボランティアで一人暮らしの高齢者を見守ります',
      kind: 'solution',
    });
    await until(
      () => ids('見守り'),
      (v) => Array.isArray(v) && v.includes('d1'),
      30_000,
      'd1 searchable',
    );
    await write({ id: 'd2', title: '買い物支援の移動販売車', body: '山間部の集落を週二回巡回します', kind: 'issue' });
    await search.flush(60_000);
    expect(await search.pending()).toBe(0);
    expect(await ids('移動販売')).toEqual(['d2']);
    expect(await ids('高齢者')).toEqual(['d1']);
    // filter built from user input, highlight, facets
    const r = await search.search<TDoc>('docs', {
      q: '見守り',
      filter: `kind = ${escapeFilterValue('solution')}`,
      facets: ['kind'],
      attributesToHighlight: ['title'],
      highlightPreTag: '<mark>',
      highlightPostTag: '</mark>',
      page: 1,
      hitsPerPage: 10,
      showRankingScore: true,
    });
    expect(r.hits.map((h) => h.id)).toEqual(['d1']);
    expect(r.hits[0]._formatted?.title).toBe('高齢者の<mark>見守り</mark>サービス');
    expect(r.totalHits).toBe(1);
    expect(r.facetDistribution).toEqual({ kind: { solution: 1 } });
    expect(await ids('見守り', { filter: `kind = ${escapeFilterValue('x" OR kind = "solution')}` })).toEqual([]);
  });

  it('multiSearch with and without federation maps logical names', async () => {
    const multi = await search.multiSearch<TDoc>([
      { index: 'docs', q: '高齢者' },
      { index: 'docs', q: '移動販売' },
    ]);
    expect(multi.results.map((r) => [r.indexUid, r.hits.map((h) => h.id)])).toEqual([
      ['docs', ['d1']],
      ['docs', ['d2']],
    ]);
    const fed = await search.multiSearch<TDoc>(
      [
        { index: 'docs', q: '高齢者' },
        { index: 'docs', q: '移動販売', federationOptions: { weight: 0.5 } },
      ],
      { federation: { limit: 10 } },
    );
    expect(fed.hits.map((h) => h.id)).toEqual(['d1', 'd2']);
    expect(fed.hits[0]._federation?.indexUid).toBe('docs');
  });

  it('a rolled-back write leaves no outbox row', async () => {
    await expect(
      ds.transaction(async (m) => {
        await m.query(`INSERT INTO t_docs VALUES ('dx', '幻の文書', '本文', 'issue')`);
        await outbox.enqueue(m, 'docs', ['dx']);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await search.pending()).toBe(0);
  });

  it('removes a deleted document from the index', async () => {
    await write({ id: 'd3', title: '子育て支援アプリ', body: '保育所の空き状況を案内', kind: 'solution' });
    await search.flush(60_000);
    expect(await ids('子育て')).toEqual(['d3']);
    await write({ id: 'd3', delete: true });
    await search.flush(60_000);
    expect(await ids('子育て')).toEqual([]);
  });

  it('applies synonyms (kanji-only terms too) and the dictionary to the indexes', async () => {
    expect(await ids('買い物難民')).not.toContain('d1');
    expect(await search.setSynonyms({ 買い物難民: ['移動販売'], 独居老人: ['高齢者'] })).toBe(true);
    expect(await search.setDictionary(['買い物難民'])).toBe(true);
    expect(await ids('買い物難民')).toEqual(['d2']);
    expect(await ids('独居老人')).toEqual(['d1']);
    // idempotent: applying the same settings again is a no-op that still succeeds
    await search.ensureIndexes();
    expect(protectKanji('移動販売')).toBe('移動販売を');
    expect(protectKanji('見守り')).toBe('見守り');
  });

  it('keeps writes in the outbox while Meilisearch is down and catches up by itself', async () => {
    await meili.stop();
    try {
      expect(await search.isHealthy()).toBe(false);
      await write({ id: 'd4', title: '防災情報の多言語配信', body: '外国人住民へ避難情報を届けます', kind: 'issue' });
      await write({ id: 'd1', delete: true });
      await sleep(2500);
      expect(await search.pending()).toBe(2);
      const rows: Array<{ attempts: number; last_error: string }> = await ds.query('SELECT attempts, last_error FROM search_outbox');
      expect(rows.every((r) => r.attempts >= 1 && !!r.last_error)).toBe(true);
    } finally {
      await meili.start();
    }
    await until(
      () => search.pending(),
      (n) => n === 0,
      30_000,
      'outbox drained after restart',
    );
    expect(await ids('防災')).toEqual(['d4']);
    expect(await ids('見守り')).toEqual([]);
  });

  it('reindexAll swaps in a fresh index without downtime and keeps changes made during the reindex', async () => {
    // documents written without the outbox are only picked up by a full reindex
    await ds.query(
      `INSERT INTO t_docs VALUES ('d5', '観光案内のチャットボット', 'インバウンド観光客向け', 'solution'), ('d6', '公共交通のオンデマンド化', '乗合タクシー', 'issue')`,
    );
    expect(await ids('観光')).toEqual([]);
    let during: Promise<void> | undefined;
    loadAllHook = async () => {
      // a write while the reindex runs: its outbox row must win after the swap
      during = (async () => {
        await write({ id: 'd6', title: '公共交通のオンデマンド交通', body: 'デマンドバスの実証', kind: 'issue' });
        await write({ id: 'd7', title: 'スマート農業の実証', body: 'ドローンで農薬散布', kind: 'solution' });
        await search.flush(60_000);
      })();
      await during;
    };
    const logs: string[] = [];
    const searches: Promise<string[]>[] = [];
    const probe = setInterval(() => searches.push(ids('移動販売')), 30);
    try {
      await search.reindexAll((m) => logs.push(m));
    } finally {
      clearInterval(probe);
      loadAllHook = undefined;
    }
    await during;
    // the live index answered throughout
    for (const s of await Promise.all(searches)) expect(s).toEqual(['d2']);
    await search.flush(60_000);
    expect(await ids('観光')).toEqual(['d5']);
    expect(await ids('デマンドバス')).toEqual(['d6']);
    expect(await ids('農業')).toEqual(['d7']);
    expect(await ids('防災')).toEqual(['d4']);
    expect(await ids('買い物難民')).toEqual(['d2']); // settings (synonyms) carried over
    const all = await search.meili.request<{ results: Array<{ uid: string }> }>('GET', 'indexes?limit=1000');
    expect(all.results.map((i) => i.uid).filter((u) => u.startsWith(prefix))).toEqual([`${prefix}docs`]);
    expect(logs.some((l) => l.includes('swapped in'))).toBe(true);
    const left: Array<{ n: string }> = await ds.query('SELECT count(*)::text AS n FROM search_reindex');
    expect(left[0].n).toBe('0');
  });
});

describe('encoded keys of the Japanese analysis (libs/search/japanese.ts)', () => {
  // imported lazily: the rest of this file does not need the dictionaries
  const { encodeKey, decodeKey } = require('./japanese') as typeof import('./japanese');
  it('round-trip, keep prefixes and concatenations, and are ASCII letters only', () => {
    for (const k of ['こうれいしゃ', '高齢者', 'dx', '≡013456', 'おんでまんど交通', 'co2', 'ｶﾀｶﾅ']) {
      const e = encodeKey(k);
      expect(e).toMatch(/^[a-z]+$/);
      expect(decodeKey(e)).toBe(k);
    }
    expect(encodeKey('こうれいしゃ').startsWith(encodeKey('こうれ'))).toBe(true);
    expect(encodeKey('でまんど') + encodeKey('交通')).toBe(encodeKey('でまんど交通'));
    expect(encodeKey('おんらいん').startsWith(encodeKey('おんでまんど'))).toBe(false);
  });
});

import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError, t } from '../../libs/common';
import { SearchService } from '../../libs/search';
import { registerThesaurus } from '../../libs/japanese';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { FieldsService } from '../fields/fields.service';
import { IssuesService } from '../issues/issues.service';
import { SolutionsService } from '../solutions/solutions.service';
import { candidatePlan } from './candidates';
import { ThesaurusRecord } from './entities/thesaurus.entity';
import { addToDf, DEFAULT_WEIGHTS, MatchText, rank, Reason, Represented, representDoc } from './ranking';
import { DfTable, normalize } from './text';
import { Thesaurus } from './thesaurus';
import { THESAURUS_SEED } from './thesaurus-seed';

type Target = 'issues' | 'solutions';

export interface SolutionMatch {
  solution: { id: string; title: string; organization: { id: string; name: string } };
  score: number;
  reasons: string[];
}

export interface IssueMatch {
  issue: { id: string; title: string; municipality: { code: string; name: string } };
  score: number;
  reasons: string[];
}

/** What the issue and solution pages show in views/partials/matches-slot.hbs. */
export interface MatchesSlot {
  kind: 'issue' | 'solution';
  items: Array<{ href: string; title: string; meta: string; scorePercent: number; reasons: string[] }>;
  unavailable: boolean;
}

export interface ThesaurusView {
  groups: string[][];
  version: number;
  updatedAt: Date | null;
}

interface Candidate extends MatchText {
  /** Version of the text, to reuse its representation. */
  stamp?: string;
  organizationId?: string;
  organizationName?: string;
  municipalityCode?: string;
  municipalityName?: string;
}

interface DfState {
  table: DfTable;
  stamp: string;
  thesaurusVersion: number;
  checkedAt: number;
  builtAt: number;
  building?: Promise<void>;
}

/** How many fused candidates are re-ranked in process. */
const CANDIDATES = 100;
/** Corpus statistics are compared with the database at most this often … */
const DF_CHECK_MS = 3_000;
/** … and rebuilt in the background at most this often (a nearly complete table keeps serving meanwhile). */
const DF_REBUILD_MS = 60_000;
const THESAURUS_CHECK_MS = 5_000;
export const MAX_MATCHES = 50;
// ≈ 16 KB per representation (test/bench): 4,000 keep the cache near 64 MB; 20,000 alone took the app past 500 MB RSS
const REPRESENTATION_CACHE = 4_000;

/**
 * Matching of issues and solutions (see README-matching.md): candidates from a federated multi-search of short queries,
 * re-ranked in process by character-bigram BM25 with corpus document frequencies, thesaurus concepts and fields,
 * each match with reasons a person can read.
 */
@Injectable()
export class MatchingService implements OnModuleInit, OnApplicationBootstrap {
  private readonly log = new Logger(MatchingService.name);
  private thesaurus = new Thesaurus(THESAURUS_SEED);
  private thesaurusVersion = 0;
  private thesaurusCheckedAt = 0;
  private readonly dfs = new Map<Target, DfState>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly search: SearchService,
    private readonly issues: IssuesService,
    private readonly solutions: SolutionsService,
    private readonly fields: FieldsService,
    private readonly audit: AuditService,
  ) {}

  async onModuleInit(): Promise<void> {
    // The seed is written once; from then on the row is the secretariat's.
    await this.db.query(`INSERT INTO matching_thesaurus (id, groups, version) VALUES (1, $1::jsonb, 1) ON CONFLICT (id) DO NOTHING`, [
      JSON.stringify(THESAURUS_SEED),
    ]);
    await this.reloadThesaurus(true);
  }

  onApplicationBootstrap(): void {
    // Warm the corpus statistics so the first page view does not wait for them.
    for (const target of ['solutions', 'issues'] as const)
      this.dfFor(target).catch((e) => this.log.warn(`corpus statistics of ${target}: ${(e as Error).message}`));
  }

  // ---------------------------------------------------------------- thesaurus

  async getThesaurus(): Promise<ThesaurusView> {
    const row = await this.db.getRepository(ThesaurusRecord).findOneBy({ id: 1 });
    return { groups: row?.groups ?? [], version: row?.version ?? 0, updatedAt: row?.updatedAt ?? null };
  }

  /** Replaces the whole thesaurus (secretariat); takes effect for matching at once and for search when Meilisearch applied it. */
  async saveThesaurus(groups: string[][], p: Principal, ip?: string | null): Promise<ThesaurusView> {
    const clean = cleanGroups(groups);
    if (clean.length > 3000 || clean.some((g) => g.length > 60 || g.some((term) => term.length > 60))) {
      throw new AppError(400, 'validation.failed', {}, { groups: ['thesaurusLimits'] });
    }
    await this.db.transaction(async (m) => {
      const before = await m.getRepository(ThesaurusRecord).findOne({ where: { id: 1 }, lock: { mode: 'pessimistic_write' } });
      await m.query(
        `INSERT INTO matching_thesaurus (id, groups, version, updated_by, updated_at) VALUES (1, $1::jsonb, 1, $2, now())
         ON CONFLICT (id) DO UPDATE SET groups = EXCLUDED.groups, version = matching_thesaurus.version + 1,
           updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [JSON.stringify(clean), p.userId],
      );
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'thesaurus.update',
          subjectType: 'thesaurus',
          ip,
          data: { groupsBefore: before?.groups.length ?? 0, groupsAfter: clean.length },
        },
        m,
      );
    });
    await this.reloadThesaurus(true);
    return this.getThesaurus();
  }

  private async reloadThesaurus(force = false): Promise<void> {
    if (!force && Date.now() - this.thesaurusCheckedAt < THESAURUS_CHECK_MS) return;
    this.thesaurusCheckedAt = Date.now();
    const rows: Array<{ version: number; groups: string[][] }> = await this.db.query(
      force
        ? 'SELECT version, groups FROM matching_thesaurus WHERE id = 1'
        : 'SELECT version, groups FROM matching_thesaurus WHERE id = 1 AND version <> $1',
      force ? [] : [this.thesaurusVersion],
    );
    if (rows.length === 0) return;
    this.thesaurus = new Thesaurus(rows[0].groups);
    this.thesaurusVersion = rows[0].version;
    registerThesaurus(this.thesaurus.groups); // the shared Japanese analysis (search highlights, alerts) sees it too
    const applied = await this.search.setSynonyms(synonymsOf(this.thesaurus.groups));
    if (!applied) this.log.warn('Thesaurus synonyms will reach Meilisearch when it is back');
  }

  // ---------------------------------------------------------------- matches

  /** Published solutions for an issue the principal may see (404 otherwise). */
  async forIssue(id: string, p: Principal | undefined | null, limit = 10, lang = 'ja'): Promise<{ items: SolutionMatch[] }> {
    const issue = await this.issues.getVisibleIssue(id, p, lang);
    const source: MatchText = {
      id: issue.id,
      title: issue.title,
      body: issue.body,
      tags: issue.tags,
      fieldSlugs: issue.fieldSlugs,
      fieldNames: issue.fields.map((f) => f.name),
    };
    const ranked = await this.match(source, 'solutions', clampLimit(limit), lang);
    return {
      items: ranked.map((r) => ({
        solution: { id: r.item.id, title: r.item.title, organization: { id: r.item.organizationId!, name: r.item.organizationName! } },
        score: round3(r.score),
        reasons: this.describe(r.reasons, lang),
      })),
    };
  }

  /** Published issues for a solution the principal may see (404 otherwise). */
  async forSolution(id: string, p: Principal | undefined | null, limit = 10, lang = 'ja'): Promise<{ items: IssueMatch[] }> {
    const sol = await this.solutions.getVisibleSolution(id, p, lang);
    const source: MatchText = {
      id: sol.id,
      title: sol.title,
      summary: sol.summary,
      body: sol.body,
      tags: sol.tags,
      fieldSlugs: sol.fieldSlugs,
      fieldNames: sol.fields.map((f) => f.name),
      trackRecord: sol.trackRecord,
    };
    const ranked = await this.match(source, 'issues', clampLimit(limit), lang);
    return {
      items: ranked.map((r) => ({
        issue: { id: r.item.id, title: r.item.title, municipality: { code: r.item.municipalityCode!, name: r.item.municipalityName! } },
        score: round3(r.score),
        reasons: this.describe(r.reasons, lang),
      })),
    };
  }

  /** For the issue page: never throws for a search outage (the page still renders, saying matches are unavailable). */
  async slotForIssue(id: string, p: Principal | undefined | null, lang = 'ja'): Promise<MatchesSlot> {
    try {
      const { items } = await this.forIssue(id, p, 5, lang);
      return {
        kind: 'issue',
        unavailable: false,
        items: items.map((m) => ({
          href: `/solutions/${m.solution.id}`,
          title: m.solution.title,
          meta: m.solution.organization.name,
          scorePercent: Math.round(m.score * 100),
          reasons: m.reasons,
        })),
      };
    } catch (e) {
      if (e instanceof AppError) throw e;
      this.log.warn(`matches for issue ${id} unavailable: ${(e as Error).message}`);
      return { kind: 'issue', unavailable: true, items: [] };
    }
  }

  async slotForSolution(id: string, p: Principal | undefined | null, lang = 'ja'): Promise<MatchesSlot> {
    try {
      const { items } = await this.forSolution(id, p, 5, lang);
      return {
        kind: 'solution',
        unavailable: false,
        items: items.map((m) => ({
          href: `/issues/${m.issue.id}`,
          title: m.issue.title,
          meta: m.issue.municipality.name,
          scorePercent: Math.round(m.score * 100),
          reasons: m.reasons,
        })),
      };
    } catch (e) {
      if (e instanceof AppError) throw e;
      this.log.warn(`matches for solution ${id} unavailable: ${(e as Error).message}`);
      return { kind: 'solution', unavailable: true, items: [] };
    }
  }

  private async match(source: MatchText, target: Target, limit: number, lang: string) {
    await this.reloadThesaurus();
    const th = this.thesaurus;
    const df = await this.dfFor(target);
    const ids = await this.candidateIds(source, target, th, df);
    const candidates = (await this.load(target, ids, lang)).filter((c) => c.id !== source.id);
    return rank(source, candidates, df, th, DEFAULT_WEIGHTS, (c) => this.represent(target, c, th)).slice(0, limit);
  }

  private async candidateIds(source: MatchText, target: Target, th: Thesaurus, df: DfTable): Promise<string[]> {
    const plan = candidatePlan(source, target, th, df, 'status = "published"');
    try {
      const res = await this.search.multiSearch<{ id: string }>(plan.queries, { federation: { limit: CANDIDATES } });
      return res.hits.map((h) => h.id);
    } catch (e) {
      // Search is down: the most recent published items of the same fields still give useful matches.
      this.log.warn(`matching falls back to the database: ${(e as Error).message}`);
      const table = target === 'issues' ? 'issues' : 'solutions';
      const rows: Array<{ id: string }> = await this.db.query(
        `SELECT id FROM ${table} WHERE status = 'published' AND field_slugs && $1::text[] ORDER BY published_at DESC LIMIT ${CANDIDATES * 2}`,
        [source.fieldSlugs ?? []],
      );
      return rows.map((r) => r.id);
    }
  }

  /** Texts of published candidates (the database is the truth: an item unpublished a moment ago is not matched). */
  private async load(
    target: Target,
    ids: string[],
    lang: string,
    where = 'x.id = ANY($1::uuid[])',
    params: unknown[] = [ids],
  ): Promise<Candidate[]> {
    if (where === 'x.id = ANY($1::uuid[])' && ids.length === 0) return [];
    const names = new Map((await this.fields.list(lang)).map((f) => [f.slug, f.name]));
    const rows: any[] =
      target === 'solutions'
        ? await this.db.query(
            `SELECT x.id, x.title, x.summary, x.body, x.tags, x.field_slugs, x.track_record, x.organization_id, o.name AS organization_name, x.updated_at::text AS stamp
             FROM solutions x JOIN organizations o ON o.id = x.organization_id WHERE x.status = 'published' AND ${where}`,
            params,
          )
        : await this.db.query(
            `SELECT x.id, x.title, x.body, x.tags, x.field_slugs, x.municipality_code, m.name AS municipality_name, x.updated_at::text AS stamp
             FROM issues x JOIN municipalities m ON m.code = x.municipality_code WHERE x.status = 'published' AND ${where}`,
            params,
          );
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      summary: r.summary ?? null,
      body: r.body,
      tags: r.tags ?? [],
      fieldSlugs: r.field_slugs ?? [],
      fieldNames: (r.field_slugs ?? []).map((s: string) => names.get(s) ?? s),
      trackRecord: r.track_record ?? null,
      organizationId: r.organization_id,
      organizationName: r.organization_name,
      municipalityCode: r.municipality_code,
      municipalityName: r.municipality_name,
      stamp: r.stamp,
    }));
  }

  /** Representations of recently ranked texts, per text version and thesaurus (re-ranking reuses them). */
  private readonly reps = new Map<string, Represented>();

  private represent(target: Target, c: Candidate, th: Thesaurus): Represented {
    if (th !== this.thesaurus || !c.stamp) return representDoc(c, th);
    const key = `${target}:${c.id}:${c.stamp}:${this.thesaurusVersion}`;
    let r = this.reps.get(key);
    if (r) {
      this.reps.delete(key); // LRU: move to the end
    } else {
      r = representDoc(c, th);
      if (this.reps.size >= REPRESENTATION_CACHE) this.reps.delete(this.reps.keys().next().value!);
    }
    this.reps.set(key, r);
    return r;
  }

  // ---------------------------------------------------------------- corpus statistics

  /**
   * Document frequencies of the published items of a kind, hashed into a fixed table and kept in memory. Compared with
   * the database (count and last change) every few seconds; rebuilt in the background when they changed, or awaited
   * when the table covers less than half of the corpus (a fresh instance).
   */
  async dfFor(target: Target): Promise<DfTable> {
    const state = this.dfs.get(target);
    const now = Date.now();
    if (state && !state.building && now - state.checkedAt < DF_CHECK_MS && state.thesaurusVersion === this.thesaurusVersion)
      return state.table;
    const table = target === 'issues' ? 'issues' : 'solutions';
    const [{ n, stamp }]: Array<{ n: number; stamp: string }> = await this.db.query(
      `SELECT count(*)::int AS n, coalesce(max(updated_at)::text, '') AS stamp FROM ${table} WHERE status = 'published'`,
    );
    const key = `${n}:${stamp}`;
    if (state) {
      state.checkedAt = now;
      const fresh = state.stamp === key && state.thesaurusVersion === this.thesaurusVersion;
      if (fresh) return state.table;
      const incomplete = state.table.docs < n / 2 || state.thesaurusVersion !== this.thesaurusVersion;
      if (!state.building && (incomplete || now - state.builtAt > DF_REBUILD_MS)) state.building = this.rebuild(target, key);
      if (incomplete && state.building) await state.building;
      return this.dfs.get(target)!.table;
    }
    const building = this.rebuild(target, key);
    this.dfs.set(target, { table: new DfTable(), stamp: '', thesaurusVersion: -1, checkedAt: now, builtAt: 0, building });
    await building;
    return this.dfs.get(target)!.table;
  }

  private async rebuild(target: Target, key: string): Promise<void> {
    const th = this.thesaurus;
    const version = this.thesaurusVersion;
    const table = new DfTable();
    try {
      let after = '00000000-0000-0000-0000-000000000000';
      for (;;) {
        const batch = await this.load(target, [], 'ja', 'x.id > $1::uuid ORDER BY x.id LIMIT 1000', [after]);
        if (batch.length === 0) break;
        for (const d of batch) addToDf(table, representDoc(d, th));
        after = batch[batch.length - 1].id;
        await new Promise((r) => setImmediate(r)); // let requests through between batches
      }
      table.builtAt = Date.now();
      this.dfs.set(target, { table, stamp: key, thesaurusVersion: version, checkedAt: Date.now(), builtAt: Date.now() });
    } catch (e) {
      this.log.warn(`could not build corpus statistics of ${target}: ${(e as Error).message}`);
      const state = this.dfs.get(target);
      if (state) state.building = undefined;
    }
  }

  // ---------------------------------------------------------------- reasons

  private describe(reasons: Reason[], lang: string): string[] {
    const sep = t(lang, 'matching.reason.separator');
    return reasons.map((r) => {
      switch (r.kind) {
        case 'field':
          return t(lang, 'matching.reason.field', { names: r.names.join(sep) });
        case 'terms':
          return t(lang, 'matching.reason.terms', { terms: r.terms.join(sep) });
        case 'related':
          return t(lang, 'matching.reason.related', { pairs: r.pairs.map(([a, b]) => `${a} ↔ ${b}`).join(sep) });
      }
    });
  }
}

function clampLimit(limit: number): number {
  return Math.max(1, Math.min(MAX_MATCHES, Math.floor(limit || 10)));
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Trims terms, drops empty ones and duplicates within a group, and groups of fewer than two terms. */
export function cleanGroups(groups: string[][]): string[][] {
  const out: string[][] = [];
  for (const g of groups) {
    const seen = new Set<string>();
    const terms: string[] = [];
    for (const raw of g) {
      const term = raw.normalize('NFKC').trim().replace(/\s+/g, ' ');
      const k = normalize(term);
      if (!term || seen.has(k)) continue;
      seen.add(k);
      terms.push(term);
    }
    if (terms.length >= 2) out.push(terms);
  }
  return out;
}

/** Meilisearch synonyms of the thesaurus: every term of a group leads to the others (terms in several groups collect all). */
export function synonymsOf(groups: string[][]): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const g of groups) {
    for (const term of g) {
      const set = new Set(map[term] ?? []);
      for (const other of g) if (other !== term) set.add(other);
      map[term] = [...set];
    }
  }
  return map;
}

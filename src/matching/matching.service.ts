import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError, t } from '../../libs/common';
import { registerThesaurus } from '../../libs/japanese';
import { SearchService } from '../../libs/search';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { FieldsService } from '../fields/fields.service';
import { IssuesDirectory } from '../issues/issues.directory';
import { IssuesService } from '../issues/issues.service';
import { MembersDirectory } from '../members/directory.service';
import { SolutionsDirectory, TextSelection } from '../solutions/solutions.directory';
import { SolutionsService } from '../solutions/solutions.service';
import { ThesaurusRecord } from './entities/thesaurus.entity';
import { DEFAULT_PARAMS, displayScore, MatchCorpus, MatchText, query, Reason, reasonsFor, Rep, represent, score } from './ranking';
import { normalize } from './text';
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

interface CorpusState {
  corpus: MatchCorpus;
  /** Published count and last change when last synchronised. */
  stamp: string;
  /** Last updated_at seen (text), from which the next delta is read. */
  since: string;
  thesaurusVersion: number;
  builtAt: number;
  /** The synchronisation under way (one at a time per index). */
  syncing?: Promise<void>;
}

/** The in-memory index is rebuilt from scratch in the background at least this often (else it is kept by deltas). */
const FULL_REBUILD_MS = 10 * 60_000;
/** Items read per query when (re)building or catching up. */
const BATCH = 500;
/**
 * At most this many published items of a kind are indexed (the most recently published): ≈ 6 KB of heap each, so the
 * two indexes stay under ≈ 130 MB whatever the corpus; matching assumes a forum of a few thousand items.
 */
const MAX_INDEXED = 10_000;
const THESAURUS_CHECK_MS = 5_000;
export const MAX_MATCHES = 50;
/** Representations of recently shown matches (for their reasons), per text version. */
const REPRESENTATION_CACHE = 500;

/**
 * Matching of issues and solutions: every published item of the other kind is scored from an in-memory inverted index
 * (src/matching/ranking.ts: BM25 over content words and compound nouns, dictionary synonyms, thesaurus concepts and
 * fields), kept in step with the database by deltas; each match comes with reasons a person can read.
 */
@Injectable()
export class MatchingService implements OnModuleInit, OnApplicationBootstrap {
  private readonly log = new Logger(MatchingService.name);
  private thesaurus = new Thesaurus(THESAURUS_SEED);
  private thesaurusVersion = 0;
  private thesaurusCheckedAt = 0;
  private readonly corpora = new Map<Target, CorpusState>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly search: SearchService,
    private readonly issues: IssuesService,
    private readonly solutions: SolutionsService,
    private readonly fields: FieldsService,
    private readonly audit: AuditService,
    private readonly issueTexts: IssuesDirectory,
    private readonly solutionTexts: SolutionsDirectory,
    private readonly members: MembersDirectory,
  ) {}

  async onModuleInit(): Promise<void> {
    // The seed is written once; from then on the row is the secretariat's.
    await this.db.query(`INSERT INTO matching_thesaurus (id, groups, version) VALUES (1, $1::jsonb, 1) ON CONFLICT (id) DO NOTHING`, [
      JSON.stringify(THESAURUS_SEED),
    ]);
    await this.reloadThesaurus(true);
  }

  onApplicationBootstrap(): void {
    // Build the indexes now so the first page view does not wait for them.
    for (const target of ['solutions', 'issues'] as const)
      this.corpusFor(target).catch((e) => this.log.warn(`matching index of ${target}: ${(e as Error).message}`));
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
    // The one analysis (libs/japanese) knows the concepts from here: matching, search highlights and alerts alike.
    registerThesaurus(this.thesaurus.groups);
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
    const corpus = await this.corpusFor(target);
    const p = DEFAULT_PARAMS;
    const src = this.cached(`source:${source.id}:${textHash(source)}`, () => represent(source, p));
    const q = query(src, p);
    // A few more than asked: an item unpublished since the last synchronisation is dropped by the load below.
    const scored = score(q, corpus, p, source.id).slice(0, limit + 5);
    const byId = new Map((await this.load(target, { ids: scored.map((x) => x.id) }, lang)).map((c) => [c.id, c]));
    const out: Array<{ item: Candidate; score: number; reasons: Reason[] }> = [];
    for (const x of scored) {
      const c = byId.get(x.id);
      if (!c) continue;
      out.push({ item: c, score: displayScore(x.raw), reasons: reasonsFor(q, source, c, this.represent(target, c), corpus, p) });
      if (out.length === limit) break;
    }
    return out;
  }

  /** Texts of published candidates (the database is the truth: an item unpublished a moment ago is not matched). */
  private async load(target: Target, sel: TextSelection, lang: string): Promise<Candidate[]> {
    if ('ids' in sel && sel.ids.length === 0) return [];
    const names = new Map((await this.fields.list(lang)).map((f) => [f.slug, f.name]));
    const rows: Array<Record<string, any>> =
      target === 'solutions' ? await this.solutionTexts.publishedTexts(sel) : await this.issueTexts.publishedTexts(sel);
    const [orgs, municipalities] = await Promise.all([
      target === 'solutions' ? this.members.organizations(rows.map((r) => r.organizationId)) : Promise.resolve(new Map()),
      target === 'issues' ? this.members.municipalityNames() : Promise.resolve(new Map<string, string>()),
    ]);
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      summary: r.summary ?? null,
      body: r.body,
      tags: r.tags ?? [],
      fieldSlugs: r.fieldSlugs ?? [],
      fieldNames: (r.fieldSlugs ?? []).map((s: string) => names.get(s) ?? s),
      trackRecord: r.trackRecord ?? null,
      organizationId: r.organizationId,
      organizationName: orgs.get(r.organizationId)?.name,
      municipalityCode: r.municipalityCode,
      municipalityName: municipalities.get(r.municipalityCode),
      stamp: r.stamp,
    }));
  }

  /** Representations of recently shown matches, per text version and thesaurus (their reasons reuse them). */
  private readonly reps = new Map<string, Rep>();

  private represent(target: Target, c: Candidate): Rep {
    if (!c.stamp) return represent(c);
    return this.cached(`${target}:${c.id}:${c.stamp}`, () => represent(c));
  }

  /** LRU of representations (≈ 10–20 ms of analysis each), valid for one thesaurus version. */
  private cached(key: string, make: () => Rep): Rep {
    key += `:${this.thesaurusVersion}`;
    let r = this.reps.get(key);
    if (r) {
      this.reps.delete(key); // LRU: move to the end
    } else {
      r = make();
      if (this.reps.size >= REPRESENTATION_CACHE) this.reps.delete(this.reps.keys().next().value!);
    }
    this.reps.set(key, r);
    return r;
  }

  // ---------------------------------------------------------------- the index

  private readonly building = new Map<Target, Promise<CorpusState>>();

  /**
   * The in-memory index of the published items of a kind. Each call compares the published count and last change with
   * the database (one aggregate query). When they changed, items changed since the last synchronisation are re-read
   * and re-indexed, and when the count still differs the published ids are compared (items unpublished or deleted
   * leave, items missing are read). A new thesaurus (its concepts are in the index) rebuilds it, awaited; every few
   * minutes it is also rebuilt in the background and swapped.
   */
  async corpusFor(target: Target): Promise<MatchCorpus> {
    const { n, key } = await this.publishedStamp(target);
    let state = this.corpora.get(target);
    if (!state || state.thesaurusVersion !== this.thesaurusVersion) state = await this.build(target);
    else if (Date.now() - state.builtAt > FULL_REBUILD_MS && !this.building.has(target))
      this.build(target).catch((e) => this.log.warn(`matching index of ${target}: ${(e as Error).message}`));
    if (state.stamp !== key) {
      // one synchronisation at a time: a request arriving meanwhile waits for it (and the next one catches up)
      const s = state;
      s.syncing ??= this.sync(target, s, n, key).finally(() => (s.syncing = undefined));
      await s.syncing;
    }
    return state.corpus;
  }

  private async publishedStamp(target: Target): Promise<{ n: number; key: string }> {
    const { n, stamp } = await (target === 'issues' ? this.issueTexts : this.solutionTexts).publishedStamp();
    return { n, key: `${n}:${stamp}` };
  }

  /** A new index from scratch (one build per kind at a time); swapped in when complete. */
  private build(target: Target): Promise<CorpusState> {
    let p = this.building.get(target);
    if (p) return p;
    p = (async () => {
      const state: CorpusState = {
        corpus: new MatchCorpus(),
        stamp: '',
        since: '-infinity',
        thesaurusVersion: this.thesaurusVersion,
        builtAt: Date.now(),
      };
      const { n, key } = await this.publishedStamp(target);
      await this.sync(target, state, n, key);
      this.corpora.set(target, state);
      return state;
    })().finally(() => this.building.delete(target));
    this.building.set(target, p);
    return p;
  }

  private async sync(target: Target, state: CorpusState, n: number, key: string): Promise<void> {
    const add = async (items: Candidate[]) => {
      for (let i = 0; i < items.length; i++) {
        state.corpus.add(represent(items[i]));
        if (items[i].stamp! > state.since) state.since = items[i].stamp!;
        // ≈ 10 ms of analysis per item: let requests through every few items
        if (i % 10 === 9) await new Promise((r) => setImmediate(r));
      }
    };
    if (state.corpus.size > 0) {
      // changed since the last synchronisation (edits, publications); ≥ because several rows share a timestamp
      for (let round = 0; round < 20; round++) {
        const changed = await this.load(target, { changedSince: state.since, limit: BATCH }, 'ja');
        const before = state.since;
        await add(changed);
        if (changed.length < BATCH || state.since === before) break;
      }
    }
    if (state.corpus.size !== Math.min(n, MAX_INDEXED)) {
      const newest = await (target === 'issues' ? this.issueTexts : this.solutionTexts).newestPublishedIds(MAX_INDEXED);
      const rows = newest.map((id) => ({ id }));
      const published = new Set(newest);
      for (const id of [...state.corpus.ids()]) if (!published.has(id)) state.corpus.remove(id);
      const missing = rows.map((r) => r.id).filter((id) => !state.corpus.has(id));
      for (let i = 0; i < missing.length; i += BATCH) await add(await this.load(target, { ids: missing.slice(i, i + BATCH) }, 'ja'));
    }
    state.stamp = key;
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

/** FNV-1a of the texts of an item: its representation is reused while they stay the same. */
function textHash(d: MatchText): string {
  const s = [d.title, d.summary, d.body, (d.tags ?? []).join('\u0001'), d.trackRecord, (d.fieldSlugs ?? []).join(',')].join('\u0000');
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36) + s.length.toString(36);
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

import { Injectable, Logger } from '@nestjs/common';
import { AppError, t } from '../../libs/common';
import type { Principal } from '../auth/principal';
import { IssuesService } from '../issues/issues.service';
import { SolutionsService } from '../solutions/solutions.service';
import { Candidate, MatchIndex, Target } from './match-index.service';
import { DEFAULT_PARAMS, displayScore, MatchCorpus, MatchText, query, Rep, represent, score } from './ranking';
import { Reason, reasonsFor } from './reasons';
import { ThesaurusService, ThesaurusView } from './thesaurus.service';

export { cleanGroups, synonymsOf } from './thesaurus.service';
export type { ThesaurusView } from './thesaurus.service';

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

export const MAX_MATCHES = 50;
/** Representations of recently shown matches (for their reasons), per text version. */
const REPRESENTATION_CACHE = 500;

/**
 * Matching of issues and solutions: every published item of the other kind is scored from an in-memory inverted index
 * (src/matching/ranking.ts: BM25 over content words and compound nouns, dictionary synonyms, thesaurus concepts and
 * fields; the index is MatchIndex, the thesaurus ThesaurusService), kept in step with the database by deltas; each
 * match comes with reasons a person can read (src/matching/reasons.ts).
 */
@Injectable()
export class MatchingService {
  private readonly log = new Logger(MatchingService.name);

  constructor(
    private readonly issues: IssuesService,
    private readonly solutions: SolutionsService,
    private readonly thesaurus: ThesaurusService,
    private readonly index: MatchIndex,
  ) {}

  // ---------------------------------------------------------------- thesaurus

  getThesaurus(): Promise<ThesaurusView> {
    return this.thesaurus.getThesaurus();
  }

  /** Replaces the whole thesaurus (secretariat); takes effect for matching at once and for search when Meilisearch applied it. */
  saveThesaurus(groups: string[][], p: Principal, ip?: string | null): Promise<ThesaurusView> {
    return this.thesaurus.saveThesaurus(groups, p, ip);
  }

  /** The in-memory index of the published items of a kind (see MatchIndex.corpusFor). */
  corpusFor(target: Target): Promise<MatchCorpus> {
    return this.index.corpusFor(target);
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
    await this.thesaurus.reload();
    const corpus = await this.index.corpusFor(target);
    const p = DEFAULT_PARAMS;
    const src = this.cached(`source:${source.id}:${textHash(source)}`, () => represent(source, p));
    const q = query(src, p);
    // A few more than asked: an item unpublished since the last synchronisation is dropped by the load below.
    const scored = score(q, corpus, p, source.id).slice(0, limit + 5);
    const byId = new Map((await this.index.load(target, { ids: scored.map((x) => x.id) }, lang)).map((c) => [c.id, c]));
    const out: Array<{ item: Candidate; score: number; reasons: Reason[] }> = [];
    for (const x of scored) {
      const c = byId.get(x.id);
      if (!c) continue;
      out.push({ item: c, score: displayScore(x.raw), reasons: reasonsFor(q, source, c, this.represent(target, c), corpus, p) });
      if (out.length === limit) break;
    }
    return out;
  }

  /** Representations of recently shown matches, per text version and thesaurus (their reasons reuse them). */
  private readonly reps = new Map<string, Rep>();

  private represent(target: Target, c: Candidate): Rep {
    if (!c.stamp) return represent(c);
    return this.cached(`${target}:${c.id}:${c.stamp}`, () => represent(c));
  }

  /** LRU of representations (≈ 10–20 ms of analysis each), valid for one thesaurus version. */
  private cached(key: string, make: () => Rep): Rep {
    key += `:${this.thesaurus.version}`;
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

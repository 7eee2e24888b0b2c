import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { FieldsService } from '../fields/fields.service';
import { IssuesDirectory } from '../issues/issues.directory';
import { MembersDirectory } from '../members/directory.service';
import { SolutionsDirectory } from '../solutions/solutions.directory';
import type { TextSelection } from '../catalog/text-selection';
import { MatchCorpus, MatchText, represent } from './ranking';
import { ThesaurusService } from './thesaurus.service';

export type Target = 'issues' | 'solutions';

/** A published issue or solution as matching reads it (texts through the directories, names through MembersDirectory). */
export interface Candidate extends MatchText {
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

/**
 * The in-memory inverted indexes (src/matching/ranking.ts) of the published issues and solutions, kept in step with
 * the database by deltas, and the reading of published candidates' texts.
 */
@Injectable()
export class MatchIndex implements OnApplicationBootstrap {
  private readonly log = new Logger(MatchIndex.name);
  private readonly corpora = new Map<Target, CorpusState>();
  private readonly building = new Map<Target, Promise<CorpusState>>();

  constructor(
    private readonly thesaurus: ThesaurusService,
    private readonly fields: FieldsService,
    private readonly issueTexts: IssuesDirectory,
    private readonly solutionTexts: SolutionsDirectory,
    private readonly members: MembersDirectory,
  ) {}

  onApplicationBootstrap(): void {
    // Build the indexes now so the first page view does not wait for them.
    for (const target of ['solutions', 'issues'] as const)
      this.corpusFor(target).catch((e) => this.log.warn(`matching index of ${target}: ${(e as Error).message}`));
  }

  /** Texts of published candidates (the database is the truth: an item unpublished a moment ago is not matched). */
  async load(target: Target, sel: TextSelection, lang: string): Promise<Candidate[]> {
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
    if (!state || state.thesaurusVersion !== this.thesaurus.version) state = await this.build(target);
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
        thesaurusVersion: this.thesaurus.version,
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
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { AppError } from '../../libs/common';
import { JobsService } from '../../libs/jobs';
import { SearchOutbox } from '../../libs/search';
import { recordTransition, transitionRow } from '../../libs/workflow';
import { enqueuePublished } from '../alerts/publish-hook';
import type { Principal } from '../auth/principal';
import { findOwned, findVisible, isOwner, isProvider } from '../catalog/ownership';
import { normalizeTags } from '../catalog/text';
import { fieldNameMap } from '../catalog/views';
import { FieldsService } from '../fields/fields.service';
import { MembersDirectory } from '../members/directory.service';
import type { CreateSolutionDto, UpdateSolutionDto } from './dto/solution.dto';
import { Solution } from './entities/solution.entity';
import { solutionWorkflow } from './solution.state';
import {
  cleanSolutionTexts,
  SOLUTION_EDITABLE,
  SolutionEditable,
  solutionTextsOrNull,
  SolutionView,
  SOLUTIONS_INDEX,
  toSolutionView,
} from './solution.view';

export { SOLUTIONS_INDEX } from './solution.view';
export type { SolutionDoc, SolutionListItem, SolutionSearchResult, SolutionView } from './solution.view';

export const SOLUTION_PROVIDER_KINDS = [
  'corporation',
  'university',
  'research_institute',
  'economic_organization',
  'npo',
  'sole_proprietor',
] as const;

/** Solutions (ソリューション): their views, who may see and edit them, and their writes (create, edit, publish, archive). */
@Injectable()
export class SolutionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly fields: FieldsService,
    private readonly members: MembersDirectory,
    private readonly outbox: SearchOutbox,
    private readonly jobs: JobsService,
  ) {}

  // ---------------------------------------------------------------- views & visibility

  /** Views of these solutions, in the given order (organisation names and kinds in one batched call). */
  async views(rows: Solution[], lang = 'ja', manager: EntityManager = this.db.manager): Promise<SolutionView[]> {
    if (rows.length === 0) return [];
    const [fields, orgs] = await Promise.all([
      this.fields.list(lang),
      this.members.organizations(
        rows.map((s) => s.organizationId),
        manager,
      ),
    ]);
    const fieldNames = fieldNameMap(fields);
    return rows.map((s) => {
      const o = orgs.get(s.organizationId);
      return toSolutionView(s, {
        fieldNames,
        organization: o ? { id: o.id, name: o.name, kind: o.kind } : { id: s.organizationId, name: '', kind: '' },
      });
    });
  }

  async view(s: Solution, lang = 'ja', manager?: EntityManager): Promise<SolutionView> {
    return (await this.views([s], lang, manager))[0];
  }

  /** Views of the published solutions among these ids (a search's hits), in no particular order. */
  async publishedViews(ids: string[], lang = 'ja'): Promise<SolutionView[]> {
    if (ids.length === 0) return [];
    return this.views(await this.db.getRepository(Solution).find({ where: { id: In(ids), status: 'published' } }), lang);
  }

  isOwner(s: { organizationId: string }, p: Principal | undefined | null): boolean {
    return isOwner(s, p);
  }

  findVisible(id: string, p: Principal | undefined | null, manager: EntityManager = this.db.manager, lock = false): Promise<Solution> {
    return findVisible(manager, Solution, id, p, lock);
  }

  /** For other modules (matching, inquiries): the solution view, or 404 when this principal may not see it. */
  async getVisibleSolution(id: string, p: Principal | undefined | null, lang = 'ja'): Promise<SolutionView> {
    return this.view(await this.findVisible(id, p), lang);
  }

  /** The solution for its own organisation's edit page: 404 when not visible, 403 when someone else's. */
  async getOwnSolution(id: string, p: Principal, lang = 'ja'): Promise<SolutionView> {
    return this.view(await findOwned(this.db.manager, Solution, id, p, 'solutions.notOwner', false), lang);
  }

  private findOwned(m: EntityManager, id: string, p: Principal): Promise<Solution> {
    return findOwned(m, Solution, id, p, 'solutions.notOwner');
  }

  // ---------------------------------------------------------------- writes

  async create(p: Principal, dto: CreateSolutionDto, lang = 'ja'): Promise<SolutionView> {
    if (!isProvider(p)) throw new AppError(403, 'solutions.providersOnly');
    const fieldSlugs = [...new Set(dto.fieldSlugs)];
    await this.fields.assertKnown(fieldSlugs);
    const tags = normalizeTags(dto.tags);
    const publish = dto.status === 'published';
    return this.db.transaction(async (m) => {
      const s = await m.save(
        m.create(Solution, {
          organizationId: p.organizationId!,
          ...cleanSolutionTexts(solutionTextsOrNull(dto)),
          fieldSlugs,
          tags,
          status: publish ? 'published' : 'draft',
          publishedAt: publish ? new Date() : null,
          createdBy: p.userId,
        }),
      );
      await recordTransition(m, solutionWorkflow, { subjectId: s.id, from: null, to: 'draft', actorId: p.userId });
      if (publish) {
        await recordTransition(m, solutionWorkflow, { subjectId: s.id, from: 'draft', to: 'published', actorId: p.userId });
        await this.outbox.enqueue(m, SOLUTIONS_INDEX, [s.id]);
        await enqueuePublished(this.jobs, m, 'solution', s.id);
      }
      return this.view(s, lang, m);
    });
  }

  async update(id: string, p: Principal, dto: UpdateSolutionDto, lang = 'ja'): Promise<SolutionView> {
    const next: Partial<Record<SolutionEditable, unknown>> = cleanSolutionTexts(dto);
    if (dto.fieldSlugs !== undefined) {
      next.fieldSlugs = [...new Set(dto.fieldSlugs)];
      await this.fields.assertKnown(next.fieldSlugs as string[]);
    }
    if (dto.tags !== undefined) next.tags = normalizeTags(dto.tags);
    return this.db.transaction(async (m) => {
      const s = await this.findOwned(m, id, p);
      if (dto.version !== undefined && dto.version !== s.version) throw new AppError(409, 'marketplace.staleVersion');
      const set: Record<string, unknown> = {};
      for (const k of SOLUTION_EDITABLE) {
        if (k in next && JSON.stringify(s[k]) !== JSON.stringify(next[k])) set[k] = next[k];
      }
      if (Object.keys(set).length === 0) return this.view(s, lang, m);
      await m.update(Solution, { id }, { ...set, version: s.version + 1 });
      if (s.status === 'published') await this.outbox.enqueue(m, SOLUTIONS_INDEX, [id]);
      return this.view(await m.findOneByOrFail(Solution, { id }), lang, m);
    });
  }

  /** draft → published, or archived → published again. */
  async publish(id: string, p: Principal, lang = 'ja'): Promise<SolutionView> {
    return this.db.transaction(async (m) => {
      const s = await this.findOwned(m, id, p);
      const now = new Date();
      await transitionRow(
        m,
        solutionWorkflow,
        {
          table: 'solutions',
          id,
          set: { published_at: s.status === 'draft' ? now : (s.publishedAt ?? now), archived_at: null, updated_at: now },
        },
        { from: s.status, to: 'published', actorId: p.userId },
      );
      await this.outbox.enqueue(m, SOLUTIONS_INDEX, [id]);
      await enqueuePublished(this.jobs, m, 'solution', id);
      return this.view(await m.findOneByOrFail(Solution, { id }), lang, m);
    });
  }

  async archive(id: string, p: Principal, lang = 'ja'): Promise<SolutionView> {
    return this.db.transaction(async (m) => {
      const s = await this.findOwned(m, id, p);
      const now = new Date();
      await transitionRow(
        m,
        solutionWorkflow,
        { table: 'solutions', id, set: { archived_at: now, updated_at: now } },
        { from: s.status, to: 'archived', actorId: p.userId },
      );
      await this.outbox.enqueue(m, SOLUTIONS_INDEX, [id]);
      return this.view(await m.findOneByOrFail(Solution, { id }), lang, m);
    });
  }
}

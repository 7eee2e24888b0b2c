import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, Page } from '../../libs/common';
import { JobsService } from '../../libs/jobs';
import { enqueuePublished } from '../alerts/publish-hook';
import { filterIn, SearchOutbox, SearchService } from '../../libs/search';
import type { Hit } from '../../libs/search';
import { recordTransition, transitionRow } from '../../libs/workflow';
import { isSecretariat, Principal } from '../auth/principal';
import { FieldsService } from '../fields/fields.service';
import { searchUnavailable } from '../issues/issues.service';
import { findOwned, findVisible, isOwner, isUuid } from '../marketplace/ownership';
import {
  cleanOptional,
  cleanText,
  highlightHtml,
  highlightSegments,
  HL_POST,
  HL_PRE,
  normalizeTags,
  Segment,
  unixSeconds,
} from '../marketplace/text';
import type { CreateSolutionDto, SolutionSearchQuery, UpdateSolutionDto } from './dto/solution.dto';
import { Solution, SolutionStatus } from './entities/solution.entity';
import { solutionWorkflow } from './solution.state';

export const SOLUTIONS_INDEX = 'solutions';

export interface SolutionView {
  id: string;
  title: string;
  summary: string;
  body: string;
  fieldSlugs: string[];
  fields: Array<{ slug: string; name: string }>;
  tags: string[];
  trackRecord: string | null;
  priceRange: string | null;
  status: SolutionStatus;
  organization: { id: string; name: string; kind: string };
  publishedAt: Date | null;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface SolutionListItem extends SolutionView {
  highlight: { title: string; summary: string };
  segments?: { title: Segment[]; summary: Segment[] };
}

export interface SolutionSearchResult extends Page<SolutionListItem> {
  facets: { field: Record<string, number>; organizationKind: Record<string, number> };
}

/** The document of the `solutions` index (contract shared with matching). */
export interface SolutionDoc {
  id: string;
  title: string;
  summary: string;
  body: string;
  tags: string[];
  fieldSlugs: string[];
  fieldNames: string[];
  organizationId: string;
  organizationName: string;
  organizationKind: string;
  trackRecord: string | null;
  status: SolutionStatus;
  publishedAt: number;
  createdAt: number;
}

export function toSolutionView(
  s: Solution,
  ctx: { fieldNames: Map<string, string>; organization: { id: string; name: string; kind: string } },
): SolutionView {
  return {
    id: s.id,
    title: s.title,
    summary: s.summary,
    body: s.body,
    fieldSlugs: s.fieldSlugs,
    fields: s.fieldSlugs.map((slug) => ({ slug, name: ctx.fieldNames.get(slug) ?? slug })),
    tags: s.tags,
    trackRecord: s.trackRecord,
    priceRange: s.priceRange,
    status: s.status,
    organization: ctx.organization,
    publishedAt: s.publishedAt,
    archivedAt: s.archivedAt,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    version: s.version,
  };
}

const EDITABLE = ['title', 'summary', 'body', 'fieldSlugs', 'tags', 'trackRecord', 'priceRange'] as const;
type Editable = (typeof EDITABLE)[number];

const SEARCH_ATTRS = {
  searchableAttributes: ['title', 'tags', 'summary', 'fieldNames', 'organizationName', 'body', 'trackRecord'],
  filterableAttributes: ['fieldSlugs', 'organizationId', 'organizationKind', 'status', 'publishedAt'],
  sortableAttributes: ['publishedAt', 'createdAt'],
  // Japanese analysis (libs/japanese): hidden searchable companions, highlights computed by SearchService
  analyzed: ['title', 'tags', 'summary', 'fieldNames', 'organizationName', 'body', 'trackRecord'],
  displayedAttributes: [
    'id',
    'title',
    'summary',
    'body',
    'tags',
    'fieldSlugs',
    'fieldNames',
    'organizationId',
    'organizationName',
    'organizationKind',
    'trackRecord',
    'status',
    'publishedAt',
    'createdAt',
  ] satisfies Array<keyof SolutionDoc>,
};

export const SOLUTION_PROVIDER_KINDS = [
  'corporation',
  'university',
  'research_institute',
  'economic_organization',
  'npo',
  'sole_proprietor',
] as const;

@Injectable()
export class SolutionsService implements OnModuleInit {
  private readonly log = new Logger(SolutionsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly fields: FieldsService,
    private readonly search: SearchService,
    private readonly outbox: SearchOutbox,
    private readonly jobs: JobsService,
  ) {}

  onModuleInit(): void {
    this.search.registerIndex<SolutionDoc>({
      name: SOLUTIONS_INDEX,
      ...SEARCH_ATTRS,
      load: async (ids) => {
        const docs = await this.loadDocs('s.id = ANY($1::uuid[])', [ids.filter(isUuid)]);
        const map = new Map<string, SolutionDoc | null>(ids.map((id) => [id, null]));
        for (const d of docs) map.set(d.id, d);
        return map;
      },
      loadAll: async (onBatch) => {
        let after = '00000000-0000-0000-0000-000000000000';
        for (;;) {
          const docs = await this.loadDocs('s.id > $1 ORDER BY s.id LIMIT 1000', [after]);
          if (docs.length === 0) return;
          await onBatch(docs);
          after = docs[docs.length - 1].id;
        }
      },
    });
  }

  /** Search documents of published solutions only. */
  private async loadDocs(where: string, params: unknown[]): Promise<SolutionDoc[]> {
    const rows: any[] = await this.db.query(
      `SELECT s.id, s.title, s.summary, s.body, s.tags, s.field_slugs, s.organization_id, o.name AS organization_name,
              o.kind AS organization_kind, s.track_record, s.status, s.published_at, s.created_at,
              coalesce((SELECT array_agg(f.name_ja ORDER BY f.sort_order, f.slug) FROM fields f WHERE f.slug = ANY(s.field_slugs)), '{}') AS field_names
       FROM solutions s JOIN organizations o ON o.id = s.organization_id
       WHERE s.status = 'published' AND ${where}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      summary: r.summary,
      body: r.body,
      tags: r.tags,
      fieldSlugs: r.field_slugs,
      fieldNames: r.field_names,
      organizationId: r.organization_id,
      organizationName: r.organization_name,
      organizationKind: r.organization_kind,
      trackRecord: r.track_record,
      status: r.status,
      publishedAt: unixSeconds(r.published_at),
      createdAt: unixSeconds(r.created_at),
    }));
  }

  // ---------------------------------------------------------------- views & visibility

  async views(rows: Solution[], lang = 'ja', manager: EntityManager = this.db.manager): Promise<SolutionView[]> {
    if (rows.length === 0) return [];
    const fieldNames = new Map((await this.fields.list(lang)).map((f) => [f.slug, f.name]));
    const orgs: any[] = await manager.query('SELECT id, name, kind FROM organizations WHERE id = ANY($1::uuid[])', [
      [...new Set(rows.map((s) => s.organizationId))],
    ]);
    const byId = new Map(orgs.map((o) => [o.id as string, { id: o.id as string, name: o.name as string, kind: o.kind as string }]));
    return rows.map((s) =>
      toSolutionView(s, { fieldNames, organization: byId.get(s.organizationId) ?? { id: s.organizationId, name: '', kind: '' } }),
    );
  }

  async view(s: Solution, lang = 'ja', manager?: EntityManager): Promise<SolutionView> {
    return (await this.views([s], lang, manager))[0];
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
    if (!p.organizationId || p.organizationKind === 'municipality' || isSecretariat(p) || p.organizationKind === 'secretariat') {
      throw new AppError(403, 'solutions.providersOnly');
    }
    const fieldSlugs = [...new Set(dto.fieldSlugs)];
    await this.fields.assertKnown(fieldSlugs);
    const tags = normalizeTags(dto.tags);
    const publish = dto.status === 'published';
    return this.db.transaction(async (m) => {
      const s = await m.save(
        m.create(Solution, {
          organizationId: p.organizationId!,
          title: required(dto.title, 'title'),
          summary: required(dto.summary, 'summary'),
          body: required(dto.body, 'body'),
          fieldSlugs,
          tags,
          trackRecord: cleanOptional(dto.trackRecord),
          priceRange: cleanOptional(dto.priceRange),
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
    const next: Partial<Record<Editable, unknown>> = {};
    if (dto.title !== undefined) next.title = required(dto.title, 'title');
    if (dto.summary !== undefined) next.summary = required(dto.summary, 'summary');
    if (dto.body !== undefined) next.body = required(dto.body, 'body');
    if (dto.fieldSlugs !== undefined) {
      next.fieldSlugs = [...new Set(dto.fieldSlugs)];
      await this.fields.assertKnown(next.fieldSlugs as string[]);
    }
    if (dto.tags !== undefined) next.tags = normalizeTags(dto.tags);
    if (dto.trackRecord !== undefined) next.trackRecord = cleanOptional(dto.trackRecord);
    if (dto.priceRange !== undefined) next.priceRange = cleanOptional(dto.priceRange);
    return this.db.transaction(async (m) => {
      const s = await this.findOwned(m, id, p);
      if (dto.version !== undefined && dto.version !== s.version) throw new AppError(409, 'marketplace.staleVersion');
      const set: Record<string, unknown> = {};
      for (const k of EDITABLE) {
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

  // ---------------------------------------------------------------- lists & search

  async listMine(p: Principal, page: number, perPage: number, lang = 'ja'): Promise<Page<SolutionView>> {
    if (!p.organizationId) return { items: [], total: 0, page, perPage };
    const [rows, total] = await this.db
      .getRepository(Solution)
      .createQueryBuilder('s')
      .where('s.organization_id = :org', { org: p.organizationId })
      .orderBy('s.updated_at', 'DESC')
      .addOrderBy('s.id', 'ASC')
      .skip((page - 1) * perPage)
      .take(perPage)
      .getManyAndCount();
    return { items: await this.views(rows, lang), total, page, perPage };
  }

  async searchSolutions(
    q: SolutionSearchQuery,
    p: Principal | undefined,
    lang = 'ja',
    opts: { segments?: boolean } = {},
  ): Promise<SolutionSearchResult> {
    const page = q.page ?? 1;
    const perPage = q.perPage ?? 20;
    if (q.status === 'draft') return this.searchDrafts(q, p, page, perPage, lang, opts);
    if (q.field?.length) await this.fields.assertKnown(q.field);
    const base = [`status = "published"`];
    if (q.organization?.length) base.push(filterIn('organizationId', q.organization));
    const fieldFilter = q.field?.length ? filterIn('fieldSlugs', q.field) : undefined;
    const kindFilter = q.organizationKind?.length ? filterIn('organizationKind', q.organizationKind) : undefined;
    const text = cleanText(q.q ?? '').replace(/[\u0001\u0002]/g, '');
    const sort = q.sort === 'newest' || !text ? ['publishedAt:desc', 'createdAt:desc'] : undefined;
    const only = (...extra: Array<string | undefined>) => [...base, ...extra.filter((f): f is string => !!f)];
    let results;
    try {
      ({ results } = await this.search.multiSearch<SolutionDoc>([
        {
          index: SOLUTIONS_INDEX,
          q: text,
          filter: only(fieldFilter, kindFilter),
          sort,
          page,
          hitsPerPage: perPage,
          attributesToRetrieve: ['id'],
          attributesToHighlight: ['title', 'summary'],
          highlightPreTag: HL_PRE,
          highlightPostTag: HL_POST,
        },
        { index: SOLUTIONS_INDEX, q: text, filter: only(kindFilter), facets: ['fieldSlugs'], limit: 0 },
        { index: SOLUTIONS_INDEX, q: text, filter: only(fieldFilter), facets: ['organizationKind'], limit: 0 },
      ]));
    } catch (e) {
      throw searchUnavailable(e, this.log);
    }
    const [main, fieldFacet, kindFacet] = results;
    const items = await this.itemsFromHits(main.hits, lang, opts);
    return {
      items,
      total: main.totalHits ?? items.length,
      page,
      perPage,
      facets: {
        field: fieldFacet.facetDistribution?.fieldSlugs ?? {},
        organizationKind: kindFacet.facetDistribution?.organizationKind ?? {},
      },
    };
  }

  private async itemsFromHits(hits: Array<Hit<SolutionDoc>>, lang: string, opts: { segments?: boolean }): Promise<SolutionListItem[]> {
    const ids = hits.map((h) => h.id).filter(isUuid);
    if (ids.length === 0) return [];
    const rows = await this.db
      .getRepository(Solution)
      .createQueryBuilder('s')
      .where('s.id IN (:...ids)', { ids })
      .andWhere(`s.status = 'published'`)
      .getMany();
    const byId = new Map((await this.views(rows, lang)).map((v) => [v.id, v]));
    const out: SolutionListItem[] = [];
    for (const h of hits) {
      const v = byId.get(h.id);
      if (!v) continue;
      const ft = String(h._formatted?.title ?? v.title);
      const fs = String(h._formatted?.summary ?? v.summary);
      out.push({
        ...v,
        highlight: { title: highlightHtml(ft), summary: highlightHtml(fs) },
        ...(opts.segments ? { segments: { title: highlightSegments(ft), summary: highlightSegments(fs) } } : {}),
      });
    }
    return out;
  }

  private async searchDrafts(
    q: SolutionSearchQuery,
    p: Principal | undefined,
    page: number,
    perPage: number,
    lang: string,
    opts: { segments?: boolean },
  ): Promise<SolutionSearchResult> {
    const result: SolutionSearchResult = { items: [], total: 0, page, perPage, facets: { field: {}, organizationKind: {} } };
    if (!p?.organizationId) return result;
    const qb = this.db
      .getRepository(Solution)
      .createQueryBuilder('s')
      .where('s.organization_id = :org', { org: p.organizationId })
      .andWhere(`s.status = 'draft'`);
    const text = cleanText(q.q ?? '');
    if (text)
      qb.andWhere(`(s.title ILIKE :like ESCAPE '\\' OR s.summary ILIKE :like ESCAPE '\\' OR s.body ILIKE :like ESCAPE '\\')`, {
        like: `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`,
      });
    if (q.field?.length) qb.andWhere('s.field_slugs && :fields', { fields: q.field });
    const all = await qb.orderBy('s.updated_at', 'DESC').addOrderBy('s.id', 'ASC').getMany();
    for (const s of all) for (const f of s.fieldSlugs) result.facets.field[f] = (result.facets.field[f] ?? 0) + 1;
    if (all.length && p.organizationKind) result.facets.organizationKind[p.organizationKind] = all.length;
    result.total = all.length;
    result.items = (await this.views(all.slice((page - 1) * perPage, page * perPage), lang)).map((v) => ({
      ...v,
      highlight: { title: highlightHtml(v.title), summary: highlightHtml(v.summary) },
      ...(opts.segments ? { segments: { title: highlightSegments(v.title), summary: highlightSegments(v.summary) } } : {}),
    }));
    return result;
  }
}

function required(value: string, field: string): string {
  const v = cleanText(value);
  if (!v) throw new AppError(400, 'validation.failed', {}, { [field]: ['isNotEmpty'] });
  return v;
}

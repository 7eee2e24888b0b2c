import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, MoreThan } from 'typeorm';
import { Page } from '../../libs/common';
import { filterIn, SearchService } from '../../libs/search';
import type { Hit } from '../../libs/search';
import type { Principal } from '../auth/principal';
import {
  documentLoaders,
  filtersWith,
  hitIds,
  joinHits,
  ownDrafts,
  ownItems,
  searchSort,
  searchText,
  searchUnavailable,
} from '../catalog/search';
import { HL_POST, HL_PRE } from '../catalog/text';
import { fieldNamesInDisplayOrder, withHighlights } from '../catalog/views';
import { FieldsService } from '../fields/fields.service';
import { MembersDirectory } from '../members/directory.service';
import type { SolutionSearchQuery } from './dto/solution.dto';
import { Solution } from './entities/solution.entity';
import { SolutionDoc, SolutionListItem, SOLUTIONS_INDEX, SolutionSearchResult, SolutionView, toSolutionDoc } from './solution.view';
import { SolutionsService } from './solutions.service';

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

/** Finding solutions: the search index (its documents), keyword and facet search, the own organisation's lists. */
@Injectable()
export class SolutionsSearchService implements OnModuleInit {
  private readonly log = new Logger(SolutionsSearchService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly solutions: SolutionsService,
    private readonly fields: FieldsService,
    private readonly members: MembersDirectory,
    private readonly search: SearchService,
  ) {}

  onModuleInit(): void {
    this.search.registerIndex<SolutionDoc>({
      name: SOLUTIONS_INDEX,
      ...SEARCH_ATTRS,
      ...documentLoaders((sel) => this.loadDocs(sel)),
    });
  }

  /** Search documents of published solutions only. */
  private async loadDocs(sel: { ids: string[] } | { after: string; limit: number }): Promise<SolutionDoc[]> {
    if ('ids' in sel && sel.ids.length === 0) return [];
    const status = 'published' as const;
    const rows = await this.db
      .getRepository(Solution)
      .find(
        'ids' in sel
          ? { where: { id: In(sel.ids), status } }
          : { where: { id: MoreThan(sel.after), status }, order: { id: 'ASC' }, take: sel.limit },
      );
    if (rows.length === 0) return [];
    const [fields, orgs] = await Promise.all([this.fields.list('ja'), this.members.organizations(rows.map((s) => s.organizationId))]);
    return rows.map((s) =>
      toSolutionDoc(s, {
        fieldNames: fieldNamesInDisplayOrder(s.fieldSlugs, fields),
        organization: orgs.get(s.organizationId) ?? { name: '', kind: '' },
      }),
    );
  }

  async listMine(p: Principal, page: number, perPage: number, lang = 'ja'): Promise<Page<SolutionView>> {
    if (!p.organizationId) return { items: [], total: 0, page, perPage };
    const [rows, total] = await ownItems(this.db.manager, Solution, p.organizationId, page, perPage);
    return { items: await this.solutions.views(rows, lang), total, page, perPage };
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
    const text = searchText(q.q);
    const sort = searchSort(q.sort, text);
    const only = filtersWith(base);
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
    const ids = hitIds(hits);
    if (ids.length === 0) return [];
    return joinHits(hits, await this.solutions.publishedViews(ids, lang), (v, h) =>
      withHighlights(
        v,
        { title: String(h._formatted?.title ?? v.title), summary: String(h._formatted?.summary ?? v.summary) },
        opts.segments,
      ),
    );
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
    const all = await ownDrafts(this.db.manager, Solution, p.organizationId, q, ['title', 'summary', 'body']);
    for (const s of all) for (const f of s.fieldSlugs) result.facets.field[f] = (result.facets.field[f] ?? 0) + 1;
    if (all.length && p.organizationKind) result.facets.organizationKind[p.organizationKind] = all.length;
    result.total = all.length;
    result.items = (await this.solutions.views(all.slice((page - 1) * perPage, page * perPage), lang)).map((v) =>
      withHighlights(v, { title: v.title, summary: v.summary }, opts.segments),
    );
    return result;
  }
}

import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, MoreThan } from 'typeorm';
import { AppError, Page } from '../../libs/common';
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
import { HL_POST, HL_PRE, tokyoDay } from '../catalog/text';
import { excerpt, fieldNamesInDisplayOrder, withHighlights } from '../catalog/views';
import { FieldsService } from '../fields/fields.service';
import { MembersDirectory } from '../members/directory.service';
import type { IssueSearchQuery } from './dto/issue.dto';
import { Issue, IssueStatus } from './entities/issue.entity';
import { IssueDoc, IssueListItem, ISSUES_INDEX, IssueSearchResult, IssueView, toIssueDoc } from './issue.view';
import { IssuesService } from './issues.service';

const SEARCH_ATTRS = {
  searchableAttributes: ['title', 'tags', 'fieldNames', 'municipalityName', 'body'],
  filterableAttributes: ['fieldSlugs', 'municipalityCode', 'organizationId', 'status', 'budgetStatus', 'publishedAt'],
  sortableAttributes: ['publishedAt', 'createdAt'],
  // Japanese analysis (libs/japanese): hidden searchable companions, highlights computed by SearchService
  analyzed: ['title', 'tags', 'fieldNames', 'municipalityName', 'body'],
  displayedAttributes: [
    'id',
    'title',
    'body',
    'tags',
    'fieldSlugs',
    'fieldNames',
    'municipalityCode',
    'municipalityName',
    'organizationId',
    'organizationName',
    'status',
    'budgetStatus',
    'publishedAt',
    'createdAt',
  ] satisfies Array<keyof IssueDoc>,
};

const CROP_LENGTH = 40;

/** Finding issues: the search index (its documents), keyword and facet search, the own organisation's lists. */
@Injectable()
export class IssuesSearchService implements OnModuleInit {
  private readonly log = new Logger(IssuesSearchService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly issues: IssuesService,
    private readonly fields: FieldsService,
    private readonly members: MembersDirectory,
    private readonly search: SearchService,
  ) {}

  onModuleInit(): void {
    this.search.registerIndex<IssueDoc>({
      name: ISSUES_INDEX,
      ...SEARCH_ATTRS,
      ...documentLoaders((sel) => this.loadDocs(sel)),
    });
  }

  /** Search documents of published and closed issues (drafts never reach the index). */
  private async loadDocs(sel: { ids: string[] } | { after: string; limit: number }): Promise<IssueDoc[]> {
    if ('ids' in sel && sel.ids.length === 0) return [];
    const status = In(['published', 'closed']);
    const rows = await this.db
      .getRepository(Issue)
      .find(
        'ids' in sel
          ? { where: { id: In(sel.ids), status } }
          : { where: { id: MoreThan(sel.after), status }, order: { id: 'ASC' }, take: sel.limit },
      );
    if (rows.length === 0) return [];
    const [fields, orgs, municipalities] = await Promise.all([
      this.fields.list('ja'),
      this.members.organizations(rows.map((i) => i.organizationId)),
      this.members.municipalityNames(),
    ]);
    return rows.map((i) =>
      toIssueDoc(i, {
        fieldNames: fieldNamesInDisplayOrder(i.fieldSlugs, fields),
        municipalityName: municipalities.get(i.municipalityCode) ?? '',
        organizationName: orgs.get(i.organizationId)?.name ?? '',
      }),
    );
  }

  /** The caller's organisation's issues (all statuses, drafts included), newest first, from PostgreSQL. */
  async listMine(p: Principal, page: number, perPage: number, lang = 'ja', statuses?: IssueStatus[]): Promise<Page<IssueView>> {
    if (!p.organizationId) return { items: [], total: 0, page, perPage };
    const [rows, total] = await ownItems(this.db.manager, Issue, p.organizationId, page, perPage, statuses);
    return { items: await this.issues.views(rows, lang), total, page, perPage };
  }

  /** Search (Meilisearch) over published (default) and closed issues; `status=draft` lists the caller's own drafts from PostgreSQL. */
  async searchIssues(
    q: IssueSearchQuery,
    p: Principal | undefined,
    lang = 'ja',
    opts: { segments?: boolean } = {},
  ): Promise<IssueSearchResult> {
    const page = q.page ?? 1;
    const perPage = q.perPage ?? 20;
    const statuses = q.status?.length ? q.status : ['published'];
    if (statuses.includes('draft')) {
      if (statuses.length > 1) throw new AppError(400, 'issues.draftStatusAlone', {}, { status: ['issues.draftStatusAlone'] });
      return this.searchDrafts(q, p, page, perPage, lang, opts);
    }
    if (q.field?.length) await this.fields.assertKnown(q.field);
    if (q.municipality?.length) {
      const known = new Set((await this.issues.municipalityList()).map((mu) => mu.code));
      if (q.municipality.some((c) => !known.has(c)))
        throw new AppError(400, 'issues.unknownMunicipality', {}, { municipality: ['issues.unknownMunicipality'] });
    }
    const empty: IssueSearchResult = { items: [], total: 0, page, perPage, facets: { field: {}, municipality: {} } };
    // issues are always posted by municipalities
    if (q.organizationKind?.length && !q.organizationKind.includes('municipality')) return empty;

    const base: string[] = [filterIn('status', statuses)];
    if (q.postedFrom) base.push(`publishedAt >= ${tokyoDay(q.postedFrom)}`);
    if (q.postedTo) base.push(`publishedAt < ${tokyoDay(q.postedTo, true)}`);
    const fieldFilter = q.field?.length ? filterIn('fieldSlugs', q.field) : undefined;
    const muniFilter = q.municipality?.length ? filterIn('municipalityCode', q.municipality) : undefined;
    const text = searchText(q.q);
    const sort = searchSort(q.sort, text);
    const only = filtersWith(base);

    // Disjunctive facets: each facet's counts ignore that facet's own filter. A facet whose filter is not set counts
    // over the main query's documents, so the main query computes it: one Meilisearch query instead of three for a
    // search without facet filters (test/bench: search API beside raw Meilisearch and ILIKE).
    const facetQueries: Array<{ facet: 'fieldSlugs' | 'municipalityCode'; filter: string[] }> = [];
    const mainFacets: Array<'fieldSlugs' | 'municipalityCode'> = [];
    if (fieldFilter) facetQueries.push({ facet: 'fieldSlugs', filter: only(muniFilter) });
    else mainFacets.push('fieldSlugs');
    if (muniFilter) facetQueries.push({ facet: 'municipalityCode', filter: only(fieldFilter) });
    else mainFacets.push('municipalityCode');
    let results;
    try {
      ({ results } = await this.search.multiSearch<IssueDoc>([
        {
          index: ISSUES_INDEX,
          q: text,
          filter: only(fieldFilter, muniFilter),
          sort,
          page,
          hitsPerPage: perPage,
          ...(mainFacets.length ? { facets: mainFacets } : {}),
          attributesToRetrieve: ['id'],
          attributesToHighlight: ['title', 'body'],
          attributesToCrop: ['body'],
          cropLength: CROP_LENGTH,
          cropMarker: '…',
          highlightPreTag: HL_PRE,
          highlightPostTag: HL_POST,
        },
        ...facetQueries.map((f) => ({ index: ISSUES_INDEX, q: text, filter: f.filter, facets: [f.facet], limit: 0 })),
      ]));
    } catch (e) {
      throw searchUnavailable(e, this.log);
    }
    const main = results[0];
    const distribution = (facet: 'fieldSlugs' | 'municipalityCode') => {
      const k = facetQueries.findIndex((f) => f.facet === facet);
      return (k < 0 ? main : results[k + 1]).facetDistribution?.[facet] ?? {};
    };
    const items = await this.itemsFromHits(main.hits, lang, opts);
    return {
      items,
      total: main.totalHits ?? items.length,
      page,
      perPage,
      facets: {
        field: distribution('fieldSlugs'),
        municipality: distribution('municipalityCode'),
      },
    };
  }

  private async itemsFromHits(hits: Array<Hit<IssueDoc>>, lang: string, opts: { segments?: boolean }): Promise<IssueListItem[]> {
    const ids = hitIds(hits);
    if (ids.length === 0) return [];
    return joinHits(hits, await this.issues.publicViews(ids, lang), (v, h) =>
      withHighlights(
        v,
        { title: String(h._formatted?.title ?? v.title), body: String(h._formatted?.body ?? v.body.slice(0, 120)) },
        opts.segments,
      ),
    );
  }

  private async searchDrafts(
    q: IssueSearchQuery,
    p: Principal | undefined,
    page: number,
    perPage: number,
    lang: string,
    opts: { segments?: boolean },
  ): Promise<IssueSearchResult> {
    const result: IssueSearchResult = { items: [], total: 0, page, perPage, facets: { field: {}, municipality: {} } };
    if (!p?.organizationId) return result;
    const all = await ownDrafts(this.db.manager, Issue, p.organizationId, q, ['title', 'body']);
    for (const i of all) {
      for (const f of i.fieldSlugs) result.facets.field[f] = (result.facets.field[f] ?? 0) + 1;
      result.facets.municipality[i.municipalityCode] = (result.facets.municipality[i.municipalityCode] ?? 0) + 1;
    }
    const slice = all.slice((page - 1) * perPage, page * perPage);
    result.total = all.length;
    result.items = (await this.issues.views(slice, lang)).map((v) =>
      withHighlights(v, { title: v.title, body: excerpt(v.body) }, opts.segments),
    );
    return result;
  }
}

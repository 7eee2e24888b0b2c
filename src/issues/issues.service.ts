import { findOwned, findVisible, isOwner, isUuid } from '../marketplace/ownership';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, Page } from '../../libs/common';
import { JobsService } from '../../libs/jobs';
import { filterIn, MeiliError, SearchOutbox, SearchService } from '../../libs/search';
import type { Hit } from '../../libs/search';
import { historyOf, recordTransition, transitionRow } from '../../libs/workflow';
import { enqueuePublished } from '../alerts/publish-hook';
import { isSecretariat, Principal } from '../auth/principal';
import { FieldsService } from '../fields/fields.service';
import { MembersService } from '../members/members.service';
import {
  cleanOptional,
  cleanText,
  highlightHtml,
  highlightSegments,
  HL_POST,
  HL_PRE,
  normalizeTags,
  Segment,
  tokyoDay,
  unixSeconds,
} from '../marketplace/text';
import type { CreateIssueDto, IssueSearchQuery, UpdateIssueDto } from './dto/issue.dto';
import { BudgetStatus, CLOSE_REASONS, CloseReason, Issue, IssueStatus } from './entities/issue.entity';
import { IssueInterest } from './entities/issue-interest.entity';
import { IssueRevision } from './entities/issue-revision.entity';
import { issueWorkflow } from './issue.state';

export const ISSUES_INDEX = 'issues';

export interface IssueView {
  id: string;
  title: string;
  body: string;
  fieldSlugs: string[];
  fields: Array<{ slug: string; name: string }>;
  tags: string[];
  status: IssueStatus;
  desiredTimeline: string | null;
  budgetStatus: BudgetStatus | null;
  contactName: string | null;
  contactEmail: string | null;
  municipality: { code: string; name: string };
  organization: { id: string; name: string };
  publishedAt: Date | null;
  closedAt: Date | null;
  closeReason: CloseReason | null;
  closeNote: string | null;
  createdAt: Date;
  updatedAt: Date;
  interestCount: number;
  version: number;
}

export interface IssueListItem extends IssueView {
  /** HTML-safe snippets: the text is escaped, matches are wrapped in <mark>. */
  highlight: { title: string; body: string };
  /** For pages only (rendered with normal escaping); not part of the JSON API. */
  segments?: { title: Segment[]; body: Segment[] };
}

export interface IssueSearchResult extends Page<IssueListItem> {
  facets: { field: Record<string, number>; municipality: Record<string, number> };
}

/** The document of the `issues` index (contract shared with matching). */
export interface IssueDoc {
  id: string;
  title: string;
  body: string;
  tags: string[];
  fieldSlugs: string[];
  fieldNames: string[];
  municipalityCode: string;
  municipalityName: string;
  organizationId: string;
  organizationName: string;
  status: IssueStatus;
  budgetStatus: BudgetStatus | null;
  publishedAt: number;
  createdAt: number;
}

export interface MappingContext {
  fieldNames: Map<string, string>;
  municipalityName: string;
  organizationName: string;
  interestCount: number;
}

/** Entity → API/page view. */
export function toIssueView(i: Issue, ctx: MappingContext): IssueView {
  return {
    id: i.id,
    title: i.title,
    body: i.body,
    fieldSlugs: i.fieldSlugs,
    fields: i.fieldSlugs.map((slug) => ({ slug, name: ctx.fieldNames.get(slug) ?? slug })),
    tags: i.tags,
    status: i.status,
    desiredTimeline: i.desiredTimeline,
    budgetStatus: i.budgetStatus,
    contactName: i.contactName,
    contactEmail: i.contactEmail,
    municipality: { code: i.municipalityCode, name: ctx.municipalityName },
    organization: { id: i.organizationId, name: ctx.organizationName },
    publishedAt: i.publishedAt,
    closedAt: i.closedAt,
    closeReason: i.closeReason,
    closeNote: i.closeNote,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    interestCount: ctx.interestCount,
    version: i.version,
  };
}

const EDITABLE = ['title', 'body', 'fieldSlugs', 'tags', 'desiredTimeline', 'budgetStatus', 'contactName', 'contactEmail'] as const;
type Editable = (typeof EDITABLE)[number];

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

@Injectable()
export class IssuesService implements OnModuleInit {
  private readonly log = new Logger(IssuesService.name);
  private municipalityNames: Map<string, string> | undefined;
  private municipalities: Promise<Array<{ code: string; name: string }>> | undefined;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly fields: FieldsService,
    private readonly members: MembersService,
    private readonly search: SearchService,
    private readonly outbox: SearchOutbox,
    private readonly jobs: JobsService,
  ) {}

  onModuleInit(): void {
    this.search.registerIndex<IssueDoc>({
      name: ISSUES_INDEX,
      ...SEARCH_ATTRS,
      load: async (ids) => {
        const docs = await this.loadDocs('i.id = ANY($1::uuid[])', [ids.filter(isUuid)]);
        const map = new Map<string, IssueDoc | null>(ids.map((id) => [id, null]));
        for (const d of docs) map.set(d.id, d);
        return map;
      },
      loadAll: async (onBatch) => {
        let after = '00000000-0000-0000-0000-000000000000';
        for (;;) {
          const docs = await this.loadDocs('i.id > $1 ORDER BY i.id LIMIT 1000', [after]);
          if (docs.length === 0) return;
          await onBatch(docs);
          after = docs[docs.length - 1].id;
        }
      },
    });
  }

  /** Search documents of published and closed issues (drafts never reach the index). */
  private async loadDocs(where: string, params: unknown[]): Promise<IssueDoc[]> {
    const rows: any[] = await this.db.query(
      `SELECT i.id, i.title, i.body, i.tags, i.field_slugs, i.municipality_code, m.name AS municipality_name,
              i.organization_id, o.name AS organization_name, i.status, i.budget_status, i.published_at, i.created_at,
              coalesce((SELECT array_agg(f.name_ja ORDER BY f.sort_order, f.slug) FROM fields f WHERE f.slug = ANY(i.field_slugs)), '{}') AS field_names
       FROM issues i
       JOIN organizations o ON o.id = i.organization_id
       JOIN municipalities m ON m.code = i.municipality_code
       WHERE i.status IN ('published', 'closed') AND ${where}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      body: r.body,
      tags: r.tags,
      fieldSlugs: r.field_slugs,
      fieldNames: r.field_names,
      municipalityCode: r.municipality_code,
      municipalityName: r.municipality_name,
      organizationId: r.organization_id,
      organizationName: r.organization_name,
      status: r.status,
      budgetStatus: r.budget_status,
      publishedAt: unixSeconds(r.published_at),
      createdAt: unixSeconds(r.created_at),
    }));
  }

  // ---------------------------------------------------------------- views

  async municipalityName(code: string): Promise<string> {
    if (!this.municipalityNames) this.municipalityNames = new Map((await this.members.municipalities()).map((m) => [m.code, m.name]));
    return this.municipalityNames.get(code) ?? code;
  }

  /** The municipalities (reference data from the migrations), read once per process. */
  async municipalityList(): Promise<Array<{ code: string; name: string }>> {
    this.municipalities ??= this.members.municipalities().then((list) => list.map((m) => ({ code: m.code, name: m.name })));
    this.municipalities.catch(() => (this.municipalities = undefined));
    return this.municipalities;
  }

  /** Views of these issues, in the given order (missing ids are skipped). */
  async views(issues: Issue[], lang = 'ja', manager: EntityManager = this.db.manager): Promise<IssueView[]> {
    if (issues.length === 0) return [];
    const fieldNames = new Map((await this.fields.list(lang)).map((f) => [f.slug, f.name]));
    const ids = issues.map((i) => i.id);
    const orgIds = [...new Set(issues.map((i) => i.organizationId))];
    const [orgs, counts]: [any[], any[]] = await Promise.all([
      manager.query('SELECT id, name FROM organizations WHERE id = ANY($1::uuid[])', [orgIds]),
      manager.query('SELECT issue_id, count(*)::int AS n FROM issue_interests WHERE issue_id = ANY($1::uuid[]) GROUP BY issue_id', [ids]),
    ]);
    const orgName = new Map(orgs.map((o) => [o.id, o.name as string]));
    const count = new Map(counts.map((c) => [c.issue_id, c.n as number]));
    const out: IssueView[] = [];
    for (const i of issues) {
      out.push(
        toIssueView(i, {
          fieldNames,
          municipalityName: await this.municipalityName(i.municipalityCode),
          organizationName: orgName.get(i.organizationId) ?? '',
          interestCount: count.get(i.id) ?? 0,
        }),
      );
    }
    return out;
  }

  async view(issue: Issue, lang = 'ja', manager?: EntityManager): Promise<IssueView> {
    return (await this.views([issue], lang, manager))[0];
  }

  isOwner(i: { organizationId: string }, p: Principal | undefined | null): boolean {
    return isOwner(i, p);
  }

  /** The issue row if this principal may see it; 404 otherwise (drafts are visible to their own organisation and the secretariat). */
  findVisible(id: string, p: Principal | undefined | null, manager: EntityManager = this.db.manager, lock = false): Promise<Issue> {
    return findVisible(manager, Issue, id, p, lock);
  }

  /** For other modules (matching, inquiries): the issue view, or 404 when this principal may not see it. */
  async getVisibleIssue(id: string, p: Principal | undefined | null, lang = 'ja'): Promise<IssueView> {
    return this.view(await this.findVisible(id, p), lang);
  }

  /** The issue for its own organisation's edit page: 404 when not visible, 403 when someone else's. */
  async getOwnIssue(id: string, p: Principal, lang = 'ja'): Promise<IssueView> {
    return this.view(await findOwned(this.db.manager, Issue, id, p, 'issues.notOwner', false), lang);
  }

  /** Owner organisation only, row locked for the write: 404 when not visible, 403 when visible but someone else's. */
  private findOwned(m: EntityManager, id: string, p: Principal): Promise<Issue> {
    return findOwned(m, Issue, id, p, 'issues.notOwner');
  }

  // ---------------------------------------------------------------- writes

  async create(p: Principal, dto: CreateIssueDto, lang = 'ja'): Promise<IssueView> {
    if (p.organizationKind !== 'municipality' || !p.organizationId) throw new AppError(403, 'issues.municipalityOnly');
    const fieldSlugs = [...new Set(dto.fieldSlugs)];
    await this.fields.assertKnown(fieldSlugs);
    const tags = normalizeTags(dto.tags);
    const publish = dto.status === 'published';
    return this.db.transaction(async (m) => {
      const [org] = await m.query(`SELECT id, municipality_code FROM organizations WHERE id = $1 AND kind = 'municipality'`, [
        p.organizationId,
      ]);
      if (!org?.municipality_code) throw new AppError(403, 'issues.municipalityOnly');
      const now = new Date();
      const issue = await m.save(
        m.create(Issue, {
          organizationId: org.id,
          municipalityCode: org.municipality_code,
          title: requiredText(dto.title, 'title'),
          body: requiredText(dto.body, 'body'),
          fieldSlugs,
          tags,
          desiredTimeline: cleanOptional(dto.desiredTimeline),
          budgetStatus: (dto.budgetStatus ?? null) as BudgetStatus | null,
          contactName: cleanOptional(dto.contactName),
          contactEmail: cleanOptional(dto.contactEmail)?.toLowerCase() ?? null,
          status: publish ? 'published' : 'draft',
          publishedAt: publish ? now : null,
          createdBy: p.userId,
        }),
      );
      await recordTransition(m, issueWorkflow, { subjectId: issue.id, from: null, to: 'draft', actorId: p.userId });
      if (publish) {
        await recordTransition(m, issueWorkflow, { subjectId: issue.id, from: 'draft', to: 'published', actorId: p.userId });
        await this.outbox.enqueue(m, ISSUES_INDEX, [issue.id]);
        await enqueuePublished(this.jobs, m, 'issue', issue.id);
      }
      return this.view(issue, lang, m);
    });
  }

  /** Edits an issue of the caller's organisation; records a revision with the previous values. */
  async update(id: string, p: Principal, dto: UpdateIssueDto, lang = 'ja'): Promise<IssueView> {
    const next: Partial<Record<Editable, unknown>> = {};
    if (dto.title !== undefined) next.title = requiredText(dto.title, 'title');
    if (dto.body !== undefined) next.body = requiredText(dto.body, 'body');
    if (dto.fieldSlugs !== undefined) {
      next.fieldSlugs = [...new Set(dto.fieldSlugs)];
      await this.fields.assertKnown(next.fieldSlugs as string[]);
    }
    if (dto.tags !== undefined) next.tags = normalizeTags(dto.tags);
    if (dto.desiredTimeline !== undefined) next.desiredTimeline = cleanOptional(dto.desiredTimeline);
    if (dto.budgetStatus !== undefined) next.budgetStatus = dto.budgetStatus ?? null;
    if (dto.contactName !== undefined) next.contactName = cleanOptional(dto.contactName);
    if (dto.contactEmail !== undefined) next.contactEmail = cleanOptional(dto.contactEmail)?.toLowerCase() ?? null;
    return this.db.transaction(async (m) => {
      const issue = await this.findOwned(m, id, p);
      if (dto.version !== undefined && dto.version !== issue.version) throw new AppError(409, 'marketplace.staleVersion');
      if (issue.status === 'closed') throw new AppError(409, 'issues.closedReadOnly');
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const k of EDITABLE) {
        if (!(k in next)) continue;
        const before = issue[k] as unknown;
        if (JSON.stringify(before) !== JSON.stringify(next[k])) changes[k] = { from: before, to: next[k] };
      }
      if (Object.keys(changes).length === 0) return this.view(issue, lang, m);
      const set: Record<string, unknown> = {};
      for (const k of Object.keys(changes)) set[k] = changes[k].to;
      await m.update(Issue, { id }, { ...set, version: issue.version + 1 });
      await m.insert(IssueRevision, { issueId: id, editorId: p.userId, changes: changes as never });
      if (issue.status !== 'draft') await this.outbox.enqueue(m, ISSUES_INDEX, [id]);
      return this.view(await m.findOneByOrFail(Issue, { id }), lang, m);
    });
  }

  async publish(id: string, p: Principal, lang = 'ja'): Promise<IssueView> {
    return this.db.transaction(async (m) => {
      const issue = await this.findOwned(m, id, p);
      await transitionRow(
        m,
        issueWorkflow,
        { table: 'issues', id, set: { published_at: new Date(), updated_at: new Date() } },
        { from: issue.status, to: 'published', actorId: p.userId },
      );
      await this.outbox.enqueue(m, ISSUES_INDEX, [id]);
      await enqueuePublished(this.jobs, m, 'issue', id);
      return this.view(await m.findOneByOrFail(Issue, { id }), lang, m);
    });
  }

  /** Closes a published issue. `reason` is a code (solved, project_started, withdrawn, other) or free text (→ other + note). */
  async close(id: string, p: Principal, reason: string, note: string | undefined, lang = 'ja'): Promise<IssueView> {
    const r = cleanText(reason ?? '');
    if (!r) throw new AppError(400, 'issues.closeReasonRequired', {}, { reason: ['isNotEmpty'] });
    const isCode = (CLOSE_REASONS as readonly string[]).includes(r);
    const closeReason: CloseReason = isCode ? (r as CloseReason) : 'other';
    const closeNote = isCode ? cleanOptional(note) : [r, cleanOptional(note)].filter(Boolean).join('\n');
    return this.db.transaction(async (m) => {
      const issue = await this.findOwned(m, id, p);
      const now = new Date();
      await transitionRow(
        m,
        issueWorkflow,
        { table: 'issues', id, set: { close_reason: closeReason, close_note: closeNote, closed_at: now, updated_at: now } },
        { from: issue.status, to: 'closed', actorId: p.userId, comment: [closeReason, closeNote].filter(Boolean).join(': ') },
      );
      await this.outbox.enqueue(m, ISSUES_INDEX, [id]);
      return this.view(await m.findOneByOrFail(Issue, { id }), lang, m);
    });
  }

  // ---------------------------------------------------------------- history

  /** Edit history and status changes: the issue's own organisation and the secretariat only. */
  async history(id: string, p: Principal) {
    const issue = await this.findVisible(id, p);
    if (!this.isOwner(issue, p) && !isSecretariat(p)) throw new AppError(403, 'issues.historyForbidden');
    const revs: any[] = await this.db.query(
      `SELECT r.id, r.at, r.changes, r.editor_id, u.display_name
       FROM issue_revisions r LEFT JOIN users u ON u.id = r.editor_id
       WHERE r.issue_id = $1 ORDER BY r.at DESC, r.id DESC`,
      [id],
    );
    const transitions = await historyOf(this.db.manager, issueWorkflow.name, id);
    const userIds = [...new Set(transitions.map((t) => t.actorId).filter(Boolean))] as string[];
    const users: any[] = userIds.length
      ? await this.db.query('SELECT id, display_name FROM users WHERE id = ANY($1::uuid[])', [userIds])
      : [];
    const names = new Map(users.map((u) => [u.id, u.display_name as string]));
    return {
      revisions: revs.map((r) => ({
        id: String(r.id),
        at: r.at as Date,
        editor: r.editor_id ? { id: r.editor_id as string, name: (r.display_name as string) ?? '' } : null,
        changes: Object.entries(r.changes as Record<string, { from: unknown; to: unknown }>).map(([field, c]) => ({
          field,
          from: c.from,
          to: c.to,
        })),
      })),
      transitions: transitions.map((t) => ({
        from: t.fromState,
        to: t.toState,
        at: t.at,
        actor: t.actorId ? { id: t.actorId, name: names.get(t.actorId) ?? '' } : null,
        comment: t.comment,
      })),
    };
  }

  // ---------------------------------------------------------------- interest (関心あり)

  /** Marks interest of the caller's organisation in a published issue; `created` is false when it already existed. */
  async addInterest(id: string, p: Principal): Promise<{ created: boolean; interested: true; interestCount: number }> {
    if (!p.organizationId || p.organizationKind === 'municipality' || isSecretariat(p))
      throw new AppError(403, 'issues.interestNotAllowed');
    return this.db.transaction(async (m) => {
      const issue = await this.findVisible(id, p, m);
      if (issue.status !== 'published') throw new AppError(409, 'issues.interestClosed');
      const res: any[] = await m.query(
        `INSERT INTO issue_interests (issue_id, organization_id, user_id) VALUES ($1, $2, $3)
         ON CONFLICT (issue_id, organization_id) DO NOTHING RETURNING issue_id`,
        [id, p.organizationId, p.userId],
      );
      return { created: res.length === 1, interested: true as const, interestCount: await this.interestCount(m, id) };
    });
  }

  async removeInterest(id: string, p: Principal): Promise<{ interested: false; interestCount: number }> {
    if (!p.organizationId) throw new AppError(403, 'issues.interestNotAllowed');
    return this.db.transaction(async (m) => {
      await this.findVisible(id, p, m);
      await m.delete(IssueInterest, { issueId: id, organizationId: p.organizationId! });
      return { interested: false as const, interestCount: await this.interestCount(m, id) };
    });
  }

  async hasInterest(id: string, p: Principal | undefined): Promise<boolean> {
    if (!p?.organizationId) return false;
    return this.db.getRepository(IssueInterest).exists({ where: { issueId: id, organizationId: p.organizationId } });
  }

  /** Who is interested: the issue's municipality and the secretariat; others get 403 (or 404 if they cannot see the issue). */
  async interests(id: string, p: Principal) {
    const issue = await this.findVisible(id, p);
    if (!this.isOwner(issue, p) && !isSecretariat(p)) throw new AppError(403, 'issues.interestsForbidden');
    const rows: any[] = await this.db.query(
      `SELECT ii.created_at, o.id AS org_id, o.name AS org_name, o.kind AS org_kind, u.id AS user_id, u.display_name
       FROM issue_interests ii
       JOIN organizations o ON o.id = ii.organization_id
       LEFT JOIN users u ON u.id = ii.user_id
       WHERE ii.issue_id = $1 ORDER BY ii.created_at DESC`,
      [id],
    );
    const items = rows.map((r) => ({
      organization: { id: r.org_id as string, name: r.org_name as string, kind: r.org_kind as string },
      user: r.user_id ? { id: r.user_id as string, name: r.display_name as string } : null,
      createdAt: r.created_at as Date,
    }));
    return { items, total: items.length, page: 1, perPage: Math.max(items.length, 1) };
  }

  private async interestCount(m: EntityManager, id: string): Promise<number> {
    const [{ n }] = await m.query('SELECT count(*)::int AS n FROM issue_interests WHERE issue_id = $1', [id]);
    return n;
  }

  // ---------------------------------------------------------------- lists & search

  /** The caller's organisation's issues (all statuses, drafts included), newest first, from PostgreSQL. */
  async listMine(p: Principal, page: number, perPage: number, lang = 'ja', statuses?: IssueStatus[]): Promise<Page<IssueView>> {
    if (!p.organizationId) return { items: [], total: 0, page, perPage };
    const qb = this.db
      .getRepository(Issue)
      .createQueryBuilder('i')
      .where('i.organization_id = :org', { org: p.organizationId })
      .orderBy('i.updated_at', 'DESC')
      .addOrderBy('i.id', 'ASC')
      .skip((page - 1) * perPage)
      .take(perPage);
    if (statuses?.length) qb.andWhere('i.status IN (:...statuses)', { statuses });
    const [rows, total] = await qb.getManyAndCount();
    return { items: await this.views(rows, lang), total, page, perPage };
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
      const known = new Set((await this.municipalityList()).map((mu) => mu.code));
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
    const text = cleanText(q.q ?? '').replace(/[\u0001\u0002]/g, '');
    const sort = q.sort === 'newest' || !text ? ['publishedAt:desc', 'createdAt:desc'] : undefined;
    const only = (...extra: Array<string | undefined>) => [...base, ...extra.filter((f): f is string => !!f)];

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
    const ids = hits.map((h) => h.id).filter(isUuid);
    if (ids.length === 0) return [];
    const byId = new Map((await this.listViews(ids, lang)).map((v) => [v.id, v]));
    const out: IssueListItem[] = [];
    for (const h of hits) {
      const v = byId.get(h.id);
      if (!v) continue;
      const ft = String(h._formatted?.title ?? v.title);
      const fb = String(h._formatted?.body ?? v.body.slice(0, 120));
      out.push({
        ...v,
        highlight: { title: highlightHtml(ft), body: highlightHtml(fb) },
        ...(opts.segments ? { segments: { title: highlightSegments(ft), body: highlightSegments(fb) } } : {}),
      });
    }
    return out;
  }

  /**
   * Views of the published/closed issues among these ids in one query (row, organisation name, interest count) instead
   * of four per search; the search API pays it on every query (test/bench: search API beside raw Meilisearch).
   */
  private async listViews(ids: string[], lang: string): Promise<IssueView[]> {
    const [rows, fields]: [Array<Issue & { organizationName: string; interestCount: number }>, Array<{ slug: string; name: string }>] =
      await Promise.all([
        this.db.query(
          `SELECT i.id, i.organization_id AS "organizationId", i.municipality_code AS "municipalityCode", i.title, i.body,
                i.field_slugs AS "fieldSlugs", i.tags, i.desired_timeline AS "desiredTimeline", i.budget_status AS "budgetStatus",
                i.contact_name AS "contactName", i.contact_email AS "contactEmail", i.status, i.close_reason AS "closeReason",
                i.close_note AS "closeNote", i.published_at AS "publishedAt", i.closed_at AS "closedAt", i.created_by AS "createdBy",
                i.created_at AS "createdAt", i.updated_at AS "updatedAt", i.version, o.name AS "organizationName",
                (SELECT count(*)::int FROM issue_interests ii WHERE ii.issue_id = i.id) AS "interestCount"
         FROM issues i JOIN organizations o ON o.id = i.organization_id
         WHERE i.id = ANY($1::uuid[]) AND i.status IN ('published', 'closed')`,
          [ids],
        ),
        this.fields.list(lang),
      ]);
    const fieldNames = new Map(fields.map((f) => [f.slug, f.name]));
    const out: IssueView[] = [];
    for (const r of rows) {
      out.push(
        toIssueView(r, {
          fieldNames,
          municipalityName: await this.municipalityName(r.municipalityCode),
          organizationName: r.organizationName,
          interestCount: r.interestCount,
        }),
      );
    }
    return out;
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
    const qb = this.db
      .getRepository(Issue)
      .createQueryBuilder('i')
      .where('i.organization_id = :org', { org: p.organizationId })
      .andWhere(`i.status = 'draft'`);
    const text = cleanText(q.q ?? '');
    if (text)
      qb.andWhere(`(i.title ILIKE :like ESCAPE '\\' OR i.body ILIKE :like ESCAPE '\\')`, {
        like: `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`,
      });
    if (q.field?.length) qb.andWhere('i.field_slugs && :fields', { fields: q.field });
    const all = await qb.orderBy('i.updated_at', 'DESC').addOrderBy('i.id', 'ASC').getMany();
    for (const i of all) {
      for (const f of i.fieldSlugs) result.facets.field[f] = (result.facets.field[f] ?? 0) + 1;
      result.facets.municipality[i.municipalityCode] = (result.facets.municipality[i.municipalityCode] ?? 0) + 1;
    }
    const slice = all.slice((page - 1) * perPage, page * perPage);
    result.total = all.length;
    result.items = (await this.views(slice, lang)).map((v) => {
      const body = v.body.length > 120 ? v.body.slice(0, 120) + '…' : v.body;
      return {
        ...v,
        highlight: { title: highlightHtml(v.title), body: highlightHtml(body) },
        ...(opts.segments ? { segments: { title: highlightSegments(v.title), body: highlightSegments(body) } } : {}),
      };
    });
    return result;
  }
}

function requiredText(value: string, field: string): string {
  const v = cleanText(value);
  if (!v) throw new AppError(400, 'validation.failed', {}, { [field]: ['isNotEmpty'] });
  return v;
}

/** Meilisearch unreachable or failing → 503 (writes never depend on it; only searching does). */
export function searchUnavailable(e: unknown, log: Logger): Error {
  if (e instanceof MeiliError) {
    log.warn(`search failed: ${e.message}`);
    if (e.kind === 'api' && e.status && e.status < 500) return new AppError(400, 'marketplace.badSearch');
    return new AppError(503, 'marketplace.searchUnavailable');
  }
  return e as Error;
}

export { isUuid } from '../marketplace/ownership';

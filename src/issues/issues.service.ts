import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { AppError } from '../../libs/common';
import { JobsService } from '../../libs/jobs';
import { SearchOutbox } from '../../libs/search';
import { historyOf, recordTransition, transitionRow } from '../../libs/workflow';
import { enqueuePublished } from '../alerts/publish-hook';
import { isSecretariat, Principal } from '../auth/principal';
import { findOwned, findVisible, isMunicipalityMember, isOwner } from '../catalog/ownership';
import { cleanOptional, cleanText, normalizeTags } from '../catalog/text';
import { fieldNameMap, uniqueIds } from '../catalog/views';
import { FieldsService } from '../fields/fields.service';
import { MembersDirectory } from '../members/directory.service';
import type { CreateIssueDto, UpdateIssueDto } from './dto/issue.dto';
import { BudgetStatus, CLOSE_REASONS, CloseReason, Issue } from './entities/issue.entity';
import { IssueRevision } from './entities/issue-revision.entity';
import { issueWorkflow } from './issue.state';
import { cleanIssueTexts, ISSUE_EDITABLE, IssueEditable, issueTextsOrNull, ISSUES_INDEX, IssueView, toIssueView } from './issue.view';

export { ISSUES_INDEX } from './issue.view';
export type { IssueDoc, IssueListItem, IssueSearchResult, IssueView } from './issue.view';
export { isUuid } from '../catalog/ownership';

/** Issues (課題): their views, who may see and edit them, and their writes (create, edit, publish, close) with history. */
@Injectable()
export class IssuesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly fields: FieldsService,
    private readonly members: MembersDirectory,
    private readonly outbox: SearchOutbox,
    private readonly jobs: JobsService,
  ) {}

  // ---------------------------------------------------------------- views

  async municipalityName(code: string): Promise<string> {
    return (await this.members.municipalityNames()).get(code) ?? code;
  }

  /** The municipalities (reference data from the migrations), read once per process. */
  async municipalityList(): Promise<Array<{ code: string; name: string }>> {
    return (await this.members.municipalities()).map((m) => ({ code: m.code, name: m.name }));
  }

  /** Views of these issues, in the given order: organisation names in one batched call, interest counts in one query. */
  async views(issues: Issue[], lang = 'ja', manager: EntityManager = this.db.manager, counts?: Map<string, number>): Promise<IssueView[]> {
    if (issues.length === 0) return [];
    const [fields, orgs, interestCounts, municipalities] = await Promise.all([
      this.fields.list(lang),
      this.members.organizations(
        issues.map((i) => i.organizationId),
        manager,
      ),
      counts ??
        this.interestCounts(
          issues.map((i) => i.id),
          manager,
        ),
      this.members.municipalityNames(),
    ]);
    const fieldNames = fieldNameMap(fields);
    return issues.map((i) =>
      toIssueView(i, {
        fieldNames,
        municipalityName: municipalities.get(i.municipalityCode) ?? i.municipalityCode,
        organizationName: orgs.get(i.organizationId)?.name ?? '',
        interestCount: interestCounts.get(i.id) ?? 0,
      }),
    );
  }

  async view(issue: Issue, lang = 'ja', manager?: EntityManager): Promise<IssueView> {
    return (await this.views([issue], lang, manager))[0];
  }

  /** 「関心あり」 counts of these issues (issues without interest are absent). */
  async interestCounts(ids: string[], manager: EntityManager = this.db.manager): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ issue_id: string; n: number }> = await manager.query(
      'SELECT issue_id, count(*)::int AS n FROM issue_interests WHERE issue_id = ANY($1::uuid[]) GROUP BY issue_id',
      [ids],
    );
    return new Map(rows.map((c) => [c.issue_id, c.n]));
  }

  /** Views of the published/closed issues among these ids (a search's hits), in no particular order. */
  async publicViews(ids: string[], lang = 'ja'): Promise<IssueView[]> {
    if (ids.length === 0) return [];
    // the rows and their interest counts at once, then the organisation names: two round trips per search
    const [rows, counts] = await Promise.all([
      this.db.getRepository(Issue).find({ where: { id: In(ids), status: In(['published', 'closed']) } }),
      this.interestCounts(ids),
    ]);
    return this.views(rows, lang, this.db.manager, counts);
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
    if (!isMunicipalityMember(p)) throw new AppError(403, 'issues.municipalityOnly');
    const fieldSlugs = [...new Set(dto.fieldSlugs)];
    await this.fields.assertKnown(fieldSlugs);
    const tags = normalizeTags(dto.tags);
    const publish = dto.status === 'published';
    return this.db.transaction(async (m) => {
      const org = await this.members.organization(p.organizationId, m);
      if (org?.kind !== 'municipality' || !org.municipalityCode) throw new AppError(403, 'issues.municipalityOnly');
      const now = new Date();
      const issue = await m.save(
        m.create(Issue, {
          organizationId: org.id,
          municipalityCode: org.municipalityCode,
          ...cleanIssueTexts(issueTextsOrNull(dto)),
          fieldSlugs,
          tags,
          budgetStatus: (dto.budgetStatus ?? null) as BudgetStatus | null,
          openData: dto.openData === true,
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
    const next: Partial<Record<IssueEditable, unknown>> = cleanIssueTexts(dto);
    if (dto.fieldSlugs !== undefined) {
      next.fieldSlugs = [...new Set(dto.fieldSlugs)];
      await this.fields.assertKnown(next.fieldSlugs as string[]);
    }
    if (dto.tags !== undefined) next.tags = normalizeTags(dto.tags);
    if (dto.budgetStatus !== undefined) next.budgetStatus = dto.budgetStatus ?? null;
    if (dto.openData !== undefined) next.openData = dto.openData;
    return this.db.transaction(async (m) => {
      const issue = await this.findOwned(m, id, p);
      if (dto.version !== undefined && dto.version !== issue.version) throw new AppError(409, 'marketplace.staleVersion');
      if (issue.status === 'closed') throw new AppError(409, 'issues.closedReadOnly');
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const k of ISSUE_EDITABLE) {
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
    const [revs, transitions] = await Promise.all([
      this.db.getRepository(IssueRevision).find({ where: { issueId: id }, order: { at: 'DESC', id: 'DESC' } }),
      historyOf(this.db.manager, issueWorkflow.name, id),
    ]);
    const users = await this.members.users(uniqueIds([...revs.map((r) => r.editorId), ...transitions.map((t) => t.actorId)]));
    const name = (userId: string) => users.get(userId)?.displayName ?? '';
    return {
      revisions: revs.map((r) => ({
        id: String(r.id),
        at: r.at,
        editor: r.editorId ? { id: r.editorId, name: name(r.editorId) } : null,
        changes: Object.entries(r.changes).map(([field, c]) => ({ field, from: c.from, to: c.to })),
      })),
      transitions: transitions.map((t) => ({
        from: t.fromState,
        to: t.toState,
        at: t.at,
        actor: t.actorId ? { id: t.actorId, name: name(t.actorId) } : null,
        comment: t.comment,
      })),
    };
  }
}

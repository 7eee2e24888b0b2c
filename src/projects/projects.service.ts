import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, fiscalYearRange, Page, t, toPage, uniqueIds } from '../../libs/common';
import { recordTransition, TimelineEntry, timelineOf, transitionEntity } from '../../libs/workflow';
import { AuditService } from '../audit/audit.service';
import { isSecretariat, Principal } from '../auth/principal';
import { FieldsService } from '../fields/fields.service';
import { IssuesDirectory } from '../issues/issues.directory';
import { MembersDirectory } from '../members/directory.service';
import { SolutionsDirectory } from '../solutions/solutions.directory';
import type { CreateProjectDto, ProjectListQuery, ProjectTransitionDto } from './dto/project.dto';
import { Project, ProjectOrganization, ProjectSolution } from './entities/project.entity';
import { actionTo, OPEN_STAGES, PROJECT_STAGES, ProjectAction, ProjectActor, ProjectStage, projectWorkflow } from './project.state';

export type { TimelineEntry };

export interface OrgRef {
  id: string;
  name: string;
  kind: string;
}

export interface ProjectView {
  id: string;
  title: string;
  fieldSlug: string;
  fieldName: string;
  summary: string;
  stage: ProjectStage;
  stageChangedAt: Date;
  coordinator: OrgRef;
  municipalities: OrgRef[];
  members: OrgRef[];
  originIssue: { id: string; title: string | null } | null;
  solutions: { id: string; title: string | null }[];
  createdAt: Date;
  updatedAt: Date;
}

export interface ProjectDetail extends ProjectView {
  history: TimelineEntry[];
  /** what this caller may do now, from the workflow table and its role rules (see project.state.ts) */
  actions: ProjectAction[];
}

const orgRef = (o: { id: string; name: string; kind: string }): OrgRef => ({ id: o.id, name: o.name, kind: o.kind });
/** municipality code (none last), then name — as the pages have always listed them */
const byCodeThenName = (a: { municipalityCode: string | null; name: string }, b: { municipalityCode: string | null; name: string }) => {
  const ca = a.municipalityCode ?? '\uffff';
  const cb = b.municipalityCode ?? '\uffff';
  return ca < cb ? -1 : ca > cb ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
};

@Injectable()
export class ProjectsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly fields: FieldsService,
    private readonly audit: AuditService,
    private readonly members: MembersDirectory,
    private readonly issues: IssuesDirectory,
    private readonly solutions: SolutionsDirectory,
  ) {}

  /** Organisations a project form can offer. */
  async organizations(): Promise<{ municipalities: OrgRef[]; others: OrgRef[] }> {
    const rows = (await this.members.organizationsOfKind()).map(orgRef);
    return { municipalities: rows.filter((r) => r.kind === 'municipality'), others: rows.filter((r) => r.kind !== 'municipality') };
  }

  /** The secretariat may start any project; a member starts one its own organisation coordinates. */
  async create(p: Principal, dto: CreateProjectDto, ip?: string): Promise<ProjectView> {
    if (!isSecretariat(p) && dto.coordinatorOrganizationId !== p.organizationId) {
      throw new AppError(403, 'projects.coordinatorOnly', {}, { coordinatorOrganizationId: ['projects.coordinatorOnly'] });
    }
    try {
      await this.fields.assertKnown([dto.fieldSlug]);
    } catch {
      throw new AppError(400, 'fields.unknown', {}, { fieldSlug: ['fields.unknown'] });
    }
    const municipalities = [...new Set(dto.municipalityOrganizationIds)];
    const members = [...new Set(dto.memberOrganizationIds ?? [])].filter(
      (id) => id !== dto.coordinatorOrganizationId && !municipalities.includes(id),
    );
    const solutionIds = [...new Set(dto.solutionIds ?? [])];
    const id = await this.db.transaction(async (m) => {
      const orgs = await this.members.organizations([dto.coordinatorOrganizationId, ...municipalities, ...members], m);
      const kindOf = (o: string) => orgs.get(o)?.kind;
      const coordinatorKind = kindOf(dto.coordinatorOrganizationId);
      if (!coordinatorKind || coordinatorKind === 'secretariat')
        throw new AppError(400, 'projects.unknownOrganization', {}, { coordinatorOrganizationId: ['projects.unknownOrganization'] });
      if (municipalities.some((o) => kindOf(o) !== 'municipality'))
        throw new AppError(400, 'projects.notMunicipality', {}, { municipalityOrganizationIds: ['projects.notMunicipality'] });
      if (members.some((o) => !orgs.has(o) || kindOf(o) === 'secretariat'))
        throw new AppError(400, 'projects.unknownOrganization', {}, { memberOrganizationIds: ['projects.unknownOrganization'] });
      if (dto.originIssueId)
        this.assertVisible(
          [...(await this.issues.issues([dto.originIssueId], m)).values()],
          1,
          'originIssueId',
          'projects.unknownIssue',
          p,
        );
      if (solutionIds.length)
        this.assertVisible(
          [...(await this.solutions.solutions(solutionIds, m)).values()],
          solutionIds.length,
          'solutionIds',
          'projects.unknownSolution',
          p,
        );

      const project = await m.save(
        m.create(Project, {
          title: dto.title,
          fieldSlug: dto.fieldSlug,
          summary: dto.summary,
          coordinatorOrganizationId: dto.coordinatorOrganizationId,
          originIssueId: dto.originIssueId ?? null,
          stage: 'proposal',
          createdBy: p.userId,
        }),
      );
      const links = [
        ...municipalities.map((organizationId) => ({ projectId: project.id, organizationId, role: 'municipality' as const })),
        ...members.map((organizationId) => ({ projectId: project.id, organizationId, role: 'member' as const })),
      ];
      if (links.length) await m.insert(ProjectOrganization, links);
      if (solutionIds.length)
        await m.insert(
          ProjectSolution,
          solutionIds.map((solutionId) => ({ projectId: project.id, solutionId })),
        );
      await recordTransition(m, projectWorkflow, { subjectId: project.id, from: null, to: 'proposal', actorId: p.userId });
      await this.audit.record(
        { actorId: p.userId, action: 'project.create', subjectType: 'project', subjectId: project.id, ip, data: { title: dto.title } },
        m,
      );
      return project.id;
    });
    return this.get(id);
  }

  /** 400 unless every issue/solution is one the actor may see (published, or a draft of its own organisation). */
  private assertVisible(
    found: { status: string; organizationId: string }[],
    wanted: number,
    field: string,
    code: string,
    p: Principal,
  ): void {
    const visible = found.filter((r) => isSecretariat(p) || r.status !== 'draft' || r.organizationId === p.organizationId);
    if (visible.length !== wanted) throw new AppError(400, code, {}, { [field]: [code] });
  }

  async get(id: string, lang = 'ja'): Promise<ProjectView> {
    const project = await this.db.getRepository(Project).findOne({ where: { id } });
    if (!project) throw new AppError(404, 'notFound');
    const [view] = await this.toViews([project], lang);
    return view;
  }

  private actor(p: Principal | undefined, coordinatorId: string): ProjectActor {
    return { secretariat: isSecretariat(p), coordinator: !!p?.organizationId && p.organizationId === coordinatorId };
  }

  async detail(id: string, lang = 'ja', p?: Principal): Promise<ProjectDetail> {
    const view = await this.get(id, lang);
    // a project's history is public: secretariat staff appear as 「事務局」, without their id or name
    const secretariat = t(lang, 'roles.secretariat');
    const history = await timelineOf(this.db.manager, projectWorkflow.name, id, async (ids) => {
      const users = await this.members.users(ids);
      for (const [uid, u] of users)
        if (u.roles.includes('secretariat'))
          users.set(uid, { ...u, displayName: secretariat, organizationName: null, anonymous: true } as typeof u);
      return users;
    });
    return { ...view, history, actions: projectWorkflow.available(view.stage, this.actor(p, view.coordinator.id)) };
  }

  async list(q: ProjectListQuery, lang = 'ja'): Promise<Page<ProjectView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.field) {
      params.push(q.field);
      where.push(`p.field_slug = $${params.length}`);
    }
    if (q.stage) {
      params.push(q.stage);
      where.push(`p.stage = $${params.length}`);
    }
    if (q.q) {
      params.push(`%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(p.title ILIKE $${params.length} OR p.summary ILIKE $${params.length})`);
    }
    if (q.organization) {
      params.push(q.organization);
      where.push(
        `(p.coordinator_organization_id = $${params.length} OR EXISTS (SELECT 1 FROM project_organizations po WHERE po.project_id = p.id AND po.organization_id = $${params.length}))`,
      );
    }
    if (q.originIssue) {
      params.push(q.originIssue);
      where.push(`p.origin_issue_id = $${params.length}`);
    }
    const sql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM projects p ${sql}`, params);
    const ids: { id: string }[] = await this.db.query(
      `SELECT p.id FROM projects p ${sql} ORDER BY p.updated_at DESC, p.id LIMIT ${q.perPage} OFFSET ${(q.page - 1) * q.perPage}`,
      params,
    );
    const rows = ids.length
      ? await this.db
          .getRepository(Project)
          .createQueryBuilder('p')
          .whereInIds(ids.map((r) => r.id))
          .getMany()
      : [];
    const order = new Map(ids.map((r, i) => [r.id, i]));
    rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    return toPage(await this.toViews(rows, lang), n, q);
  }

  /**
   * One transition (one transaction): the actor's role and the stage checked by the workflow table, the conditional
   * update, the history with the note.
   */
  async transition(id: string, dto: ProjectTransitionDto, p: Principal, ip?: string): Promise<ProjectView> {
    await this.db.transaction(async (m) => {
      const project = await m.findOne(Project, { where: { id } });
      if (!project) throw new AppError(404, 'notFound');
      const actor = this.actor(p, project.coordinatorOrganizationId);
      if (!actor.secretariat && !actor.coordinator) throw new AppError(403, 'projects.coordinatorOnly');
      const action = actionTo(dto.to);
      if (!action) throw new AppError(409, 'workflow.illegalTransition', { from: project.stage, to: dto.to });
      const to = projectWorkflow.assertAction(action, project.stage, actor);
      await transitionEntity(
        m,
        projectWorkflow,
        Project,
        id,
        { from: project.stage, to, actorId: p.userId, comment: dto.note ?? null },
        { stateProperty: 'stage', set: { stageChangedAt: new Date(), updatedAt: new Date() } },
      );
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'project.transition',
          subjectType: 'project',
          subjectId: id,
          ip,
          data: { from: project.stage, to: dto.to, note: dto.note ?? null },
        },
        m,
      );
    });
    return this.get(id);
  }

  /** For the issue page: "a project started from this issue". */
  async projectsFromIssue(
    issueId: string,
  ): Promise<{ id: string; title: string; stage: ProjectStage; coordinator: { id: string; name: string } }[]> {
    const rows = await this.db.getRepository(Project).find({ where: { originIssueId: issueId }, order: { createdAt: 'ASC' } });
    const orgs = await this.members.organizations(rows.map((r) => r.coordinatorOrganizationId));
    return rows
      .filter((r) => orgs.has(r.coordinatorOrganizationId))
      .map((r) => {
        const o = orgs.get(r.coordinatorOrganizationId)!;
        return { id: r.id, title: r.title, stage: r.stage, coordinator: { id: o.id, name: o.name } };
      });
  }

  /** Projects by stage, for the forum figures; a fiscal year counts projects started in it. */
  async figures(fiscalYear?: number): Promise<{ byStage: Record<ProjectStage, number>; total: number }> {
    const params: unknown[] = [];
    let where = '';
    if (fiscalYear) {
      const [from, to] = fiscalYearRange(fiscalYear);
      params.push(from, to);
      where = `WHERE created_at >= $1 AND created_at < $2`;
    }
    const rows: { stage: ProjectStage; n: number }[] = await this.db.query(
      `SELECT stage, count(*)::int AS n FROM projects ${where} GROUP BY stage`,
      params,
    );
    const byStage = Object.fromEntries(PROJECT_STAGES.map((s) => [s, 0])) as Record<ProjectStage, number>;
    for (const r of rows) byStage[r.stage] = r.n;
    return { byStage, total: rows.reduce((a, r) => a + r.n, 0) };
  }

  /** Project options for a subsidy application form: the open projects an organisation takes part in. */
  async openProjectsOf(organizationId: string): Promise<{ id: string; title: string }[]> {
    return this.db.query(
      `SELECT p.id, p.title FROM projects p WHERE p.stage = ANY($2) AND (p.coordinator_organization_id = $1
         OR EXISTS (SELECT 1 FROM project_organizations po WHERE po.project_id = p.id AND po.organization_id = $1)) ORDER BY p.title`,
      [organizationId, OPEN_STAGES],
    );
  }

  /** Whether an organisation coordinates or takes part in a project; null when there is no such project. */
  async takesPart(projectId: string, organizationId: string, m: EntityManager = this.db.manager): Promise<boolean | null> {
    const [row] = await m.query(
      `SELECT p.coordinator_organization_id = $2 OR EXISTS (SELECT 1 FROM project_organizations po WHERE po.project_id = p.id AND po.organization_id = $2) AS mine
         FROM projects p WHERE p.id = $1`,
      [projectId, organizationId],
    );
    return row ? !!row.mine : null;
  }

  /** Project titles by id (unknown ids are absent). */
  async titles(ids: Iterable<string | null | undefined>, m: EntityManager = this.db.manager): Promise<Map<string, string>> {
    const list = uniqueIds(ids);
    if (!list.length) return new Map();
    const rows: { id: string; title: string }[] = await m.query(`SELECT id, title FROM projects WHERE id = ANY($1::uuid[])`, [list]);
    return new Map(rows.map((r) => [r.id, r.title]));
  }

  async exists(id: string, m: EntityManager = this.db.manager): Promise<boolean> {
    return (await m.count(Project, { where: { id } })) > 0;
  }

  private async toViews(projects: Project[], lang: string): Promise<ProjectView[]> {
    if (!projects.length) return [];
    const ids = projects.map((p) => p.id);
    const links = await this.db
      .getRepository(ProjectOrganization)
      .createQueryBuilder('po')
      .where('po.project_id = ANY(:ids)', { ids })
      .getMany();
    const orgs = await this.members.organizations([
      ...links.map((l) => l.organizationId),
      ...projects.map((p) => p.coordinatorOrganizationId),
    ]);
    const linked = links
      .filter((l) => orgs.has(l.organizationId))
      .map((l) => ({ ...l, org: orgs.get(l.organizationId)! }))
      .sort((a, b) => byCodeThenName(a.org, b.org));
    const sols = await this.db
      .getRepository(ProjectSolution)
      .createQueryBuilder('ps')
      .where('ps.project_id = ANY(:ids)', { ids })
      .getMany();
    const issues = await this.issues.issues(projects.map((p) => p.originIssueId));
    const solutions = await this.solutions.solutions(sols.map((s) => s.solutionId));
    const fieldNames = new Map((await this.fields.list(lang)).map((f) => [f.slug, f.name]));
    const linksOf = (p: Project, role: string) => linked.filter((l) => l.projectId === p.id && l.role === role).map((l) => orgRef(l.org));
    return projects.map((p) => {
      const coordinator = orgs.get(p.coordinatorOrganizationId);
      return {
        id: p.id,
        title: p.title,
        fieldSlug: p.fieldSlug,
        fieldName: fieldNames.get(p.fieldSlug) ?? p.fieldSlug,
        summary: p.summary,
        stage: p.stage,
        stageChangedAt: p.stageChangedAt,
        coordinator: coordinator ? orgRef(coordinator) : { id: p.coordinatorOrganizationId, name: '', kind: '' },
        municipalities: linksOf(p, 'municipality'),
        members: linksOf(p, 'member'),
        originIssue: p.originIssueId ? { id: p.originIssueId, title: issues.get(p.originIssueId)?.title ?? null } : null,
        solutions: sols
          .filter((s) => s.projectId === p.id)
          .map((s) => ({ id: s.solutionId, title: solutions.get(s.solutionId)?.title ?? null })),
        createdAt: p.createdAt,
        updatedAt: p.updatedAt,
      };
    });
  }
}

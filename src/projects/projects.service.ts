import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, fiscalYearRange, Page, t, toPage } from '../../libs/common';
import { historyOf, recordTransition, transitionRow } from '../../libs/workflow';
import { AuditService } from '../audit/audit.service';
import { isSecretariat, Principal } from '../auth/principal';
import { DemoContext, DemoService } from '../demo/demo.service';
import { FieldsService } from '../fields/fields.service';
import type { CreateProjectDto, ProjectListQuery, ProjectTransitionDto } from './dto/project.dto';
import { Project, PROJECT_STAGES, ProjectOrganization, ProjectSolution, ProjectStage } from './entities/project.entity';
import { OPEN_STAGES, projectWorkflow } from './project.state';

export interface OrgRef {
  id: string;
  name: string;
  kind: string;
}

export interface TimelineEntry {
  from: string | null;
  to: string;
  at: Date;
  comment: string | null;
  actor: { id: string | null; displayName: string; organizationName: string | null } | null;
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

/** Whether a referenced feature table exists (issues/solutions belong to the marketplace module). */
async function tableExists(m: EntityManager, name: string): Promise<boolean> {
  const [row] = await m.query(`SELECT to_regclass($1) IS NOT NULL AS ok`, [name]);
  return !!row?.ok;
}

/** Titles of issues/solutions by id, or nothing if the table (or its title column) is not there. */
async function titlesOf(db: DataSource, table: 'issues' | 'solutions', ids: string[]): Promise<Map<string, string>> {
  if (!ids.length || !(await tableExists(db.manager, table))) return new Map();
  try {
    const rows: { id: string; title: string }[] = await db.query(`SELECT id, title FROM "${table}" WHERE id = ANY($1::uuid[])`, [ids]);
    return new Map(rows.map((r) => [r.id, r.title]));
  } catch {
    return new Map();
  }
}

/** `secretariatAs`: for a public history, secretariat staff appear under this name only (no id, no person). */
export async function timelineOf(
  m: EntityManager,
  workflow: string,
  id: string,
  opts: { secretariatAs?: string } = {},
): Promise<TimelineEntry[]> {
  const rows = await historyOf(m, workflow, id);
  const actorIds = [...new Set(rows.map((r) => r.actorId).filter((x): x is string => !!x))];
  const actors: { id: string; display_name: string; org_name: string | null; secretariat: boolean }[] = actorIds.length
    ? await m.query(
        `SELECT u.id, u.display_name, o.name AS org_name, 'secretariat' = ANY(u.roles) AS secretariat FROM users u LEFT JOIN organizations o ON o.id = u.organization_id WHERE u.id = ANY($1::uuid[])`,
        [actorIds],
      )
    : [];
  const byId = new Map(actors.map((a) => [a.id, a]));
  return rows.map((r) => {
    const a = r.actorId ? byId.get(r.actorId) : undefined;
    return {
      from: r.fromState,
      to: r.toState,
      at: r.at,
      comment: r.comment,
      actor:
        a && a.secretariat && opts.secretariatAs
          ? { id: null, displayName: opts.secretariatAs, organizationName: null }
          : a
            ? { id: a.id, displayName: a.display_name, organizationName: a.org_name }
            : null,
    };
  });
}

@Injectable()
export class ProjectsService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly fields: FieldsService,
    private readonly audit: AuditService,
    private readonly demo: DemoService,
  ) {}

  onModuleInit(): void {
    this.demo.register({ name: 'projects', order: 55, run: (ctx) => this.seedDemo(ctx) });
  }

  /** Organisations a project form can offer. */
  async organizations(): Promise<{ municipalities: OrgRef[]; others: OrgRef[] }> {
    const rows: OrgRef[] = await this.db.query(
      `SELECT id, name, kind FROM organizations WHERE kind <> 'secretariat' ORDER BY kind = 'municipality' DESC, municipality_code NULLS LAST, name`,
    );
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
      const orgIds = [dto.coordinatorOrganizationId, ...municipalities, ...members];
      const orgs: OrgRef[] = await m.query(`SELECT id, name, kind FROM organizations WHERE id = ANY($1::uuid[])`, [orgIds]);
      const kindOf = new Map(orgs.map((o) => [o.id, o.kind]));
      const coordinatorKind = kindOf.get(dto.coordinatorOrganizationId);
      if (!coordinatorKind || coordinatorKind === 'secretariat')
        throw new AppError(400, 'projects.unknownOrganization', {}, { coordinatorOrganizationId: ['projects.unknownOrganization'] });
      if (municipalities.some((o) => kindOf.get(o) !== 'municipality'))
        throw new AppError(400, 'projects.notMunicipality', {}, { municipalityOrganizationIds: ['projects.notMunicipality'] });
      if (members.some((o) => !kindOf.has(o) || kindOf.get(o) === 'secretariat'))
        throw new AppError(400, 'projects.unknownOrganization', {}, { memberOrganizationIds: ['projects.unknownOrganization'] });
      if (dto.originIssueId) await this.assertRows(m, 'issues', [dto.originIssueId], 'originIssueId', 'projects.unknownIssue', p);
      if (solutionIds.length) await this.assertRows(m, 'solutions', solutionIds, 'solutionIds', 'projects.unknownSolution', p);

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

  /** 400 unless every id is an issue/solution the actor may see (published, or a draft of its own organisation). */
  private async assertRows(
    m: EntityManager,
    table: 'issues' | 'solutions',
    ids: string[],
    field: string,
    code: string,
    p: Principal,
  ): Promise<void> {
    const exists = await tableExists(m, table);
    const [{ n }] = exists
      ? await m.query(
          `SELECT count(*)::int AS n FROM "${table}" WHERE id = ANY($1::uuid[]) AND ($2 OR status <> 'draft' OR organization_id = $3)`,
          [ids, isSecretariat(p), p.organizationId],
        )
      : [{ n: 0 }];
    if (n !== ids.length) throw new AppError(400, code, {}, { [field]: [code] });
  }

  async get(id: string, lang = 'ja'): Promise<ProjectView> {
    const project = await this.db.getRepository(Project).findOne({ where: { id } });
    if (!project) throw new AppError(404, 'notFound');
    const [view] = await this.toViews([project], lang);
    return view;
  }

  async detail(id: string, lang = 'ja'): Promise<ProjectView & { history: TimelineEntry[] }> {
    const view = await this.get(id, lang);
    return {
      ...view,
      history: await timelineOf(this.db.manager, projectWorkflow.name, id, { secretariatAs: t(lang, 'roles.secretariat') }),
    };
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

  /** May this principal move the project? The secretariat, or a member of the coordinator organisation. */
  canTransition(p: Principal | undefined, project: { coordinator: OrgRef }): boolean {
    return !!p && (isSecretariat(p) || p.organizationId === project.coordinator.id);
  }

  /** One transition (one transaction): checks the actor and the table, conditional update, history with the note. */
  async transition(id: string, dto: ProjectTransitionDto, p: Principal, ip?: string): Promise<ProjectView> {
    await this.db.transaction(async (m) => {
      const project = await m.findOne(Project, { where: { id } });
      if (!project) throw new AppError(404, 'notFound');
      if (!isSecretariat(p) && p.organizationId !== project.coordinatorOrganizationId) throw new AppError(403, 'projects.coordinatorOnly');
      await transitionRow(
        m,
        projectWorkflow,
        { table: 'projects', id, stateColumn: 'stage', set: { stage_changed_at: new Date(), updated_at: new Date() } },
        { from: project.stage, to: dto.to, actorId: p.userId, comment: dto.note ?? null },
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
    const rows: { id: string; title: string; stage: ProjectStage; org_id: string; org_name: string }[] = await this.db.query(
      `SELECT p.id, p.title, p.stage, o.id AS org_id, o.name AS org_name FROM projects p JOIN organizations o ON o.id = p.coordinator_organization_id
       WHERE p.origin_issue_id = $1 ORDER BY p.created_at`,
      [issueId],
    );
    return rows.map((r) => ({ id: r.id, title: r.title, stage: r.stage, coordinator: { id: r.org_id, name: r.org_name } }));
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

  async exists(id: string, m: EntityManager = this.db.manager): Promise<boolean> {
    return (await m.count(Project, { where: { id } })) > 0;
  }

  private async toViews(projects: Project[], lang: string): Promise<ProjectView[]> {
    if (!projects.length) return [];
    const ids = projects.map((p) => p.id);
    const links: { project_id: string; role: string; id: string; name: string; kind: string }[] = await this.db.query(
      `SELECT po.project_id, po.role, o.id, o.name, o.kind FROM project_organizations po JOIN organizations o ON o.id = po.organization_id
       WHERE po.project_id = ANY($1::uuid[]) ORDER BY o.municipality_code NULLS LAST, o.name`,
      [ids],
    );
    const coords: OrgRef[] = await this.db.query(`SELECT id, name, kind FROM organizations WHERE id = ANY($1::uuid[])`, [
      projects.map((p) => p.coordinatorOrganizationId),
    ]);
    const coordById = new Map(coords.map((o) => [o.id, o]));
    const sols: { project_id: string; solution_id: string }[] = await this.db.query(
      `SELECT project_id, solution_id FROM project_solutions WHERE project_id = ANY($1::uuid[])`,
      [ids],
    );
    const issueTitles = await titlesOf(
      this.db,
      'issues',
      projects.map((p) => p.originIssueId).filter((x): x is string => !!x),
    );
    const solutionTitles = await titlesOf(
      this.db,
      'solutions',
      sols.map((s) => s.solution_id),
    );
    const fieldNames = new Map((await this.fields.list(lang)).map((f) => [f.slug, f.name]));
    return projects.map((p) => ({
      id: p.id,
      title: p.title,
      fieldSlug: p.fieldSlug,
      fieldName: fieldNames.get(p.fieldSlug) ?? p.fieldSlug,
      summary: p.summary,
      stage: p.stage,
      stageChangedAt: p.stageChangedAt,
      coordinator: coordById.get(p.coordinatorOrganizationId) ?? { id: p.coordinatorOrganizationId, name: '', kind: '' },
      municipalities: links
        .filter((l) => l.project_id === p.id && l.role === 'municipality')
        .map(({ id, name, kind }) => ({ id, name, kind })),
      members: links.filter((l) => l.project_id === p.id && l.role === 'member').map(({ id, name, kind }) => ({ id, name, kind })),
      originIssue: p.originIssueId ? { id: p.originIssueId, title: issueTitles.get(p.originIssueId) ?? null } : null,
      solutions: sols
        .filter((s) => s.project_id === p.id)
        .map((s) => ({ id: s.solution_id, title: solutionTitles.get(s.solution_id) ?? null })),
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    }));
  }

  /** Demo: a couple of projects in different stages. */
  private async seedDemo(ctx: DemoContext): Promise<void> {
    const [sec] = await this.db.query(`SELECT id FROM users WHERE 'secretariat' = ANY(roles) ORDER BY created_at LIMIT 1`);
    const actor = (sec?.id as string | undefined) ?? null;
    const make = async (
      title: string,
      fieldSlug: string,
      summary: string,
      coordinator: string,
      municipalities: string[],
      members: string[],
      path: ProjectStage[],
      notes: string[],
    ) => {
      await this.db.transaction(async (m) => {
        const project = await m.save(
          m.create(Project, { title, fieldSlug, summary, coordinatorOrganizationId: coordinator, stage: 'proposal', createdBy: actor }),
        );
        await m.insert(ProjectOrganization, [
          ...municipalities.map((organizationId) => ({ projectId: project.id, organizationId, role: 'municipality' as const })),
          ...members.map((organizationId) => ({ projectId: project.id, organizationId, role: 'member' as const })),
        ]);
        await recordTransition(m, projectWorkflow, { subjectId: project.id, from: null, to: 'proposal', actorId: actor });
        let from: ProjectStage = 'proposal';
        for (const [i, to] of path.entries()) {
          await transitionRow(
            m,
            projectWorkflow,
            { table: 'projects', id: project.id, stateColumn: 'stage', set: { stage_changed_at: new Date() } },
            { from, to, actorId: actor, comment: notes[i] ?? null },
          );
          from = to;
        }
      });
    };
    await make(
      'AIオンデマンド交通による高齢者の移動支援',
      'mobility',
      '富田林市の郊外住宅地で、予約に応じて走るAIオンデマンドバスを運行し、高齢者の通院・買い物の移動を支えます。',
      ctx.orgs.mirai,
      [ctx.orgs.tondabayashi],
      [ctx.orgs.univ],
      ['demonstration'],
      ['2025年度の実証運行を開始しました。'],
    );
    await make(
      '健診データを活用したフレイル予防',
      'health',
      '大阪市・堺市の健診データと歩数データを組み合わせ、フレイルの兆しを早めに見つけて予防教室につなげます。',
      ctx.orgs.kenko,
      [ctx.orgs.osaka, ctx.orgs.sakai],
      [ctx.orgs.lab],
      ['demonstration', 'implementation'],
      ['実証を開始しました。', '実証の結果を受け、本格導入が決まりました。'],
    );
    await make(
      '子育て世帯向け手続きのオンライン化',
      'childcare',
      '保育所の入所申込をオンラインで完結できるようにする提案です。',
      ctx.orgs.solo,
      [ctx.orgs.sakai],
      [],
      [],
      [],
    );
  }
}

import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, fiscalYearOf, Page, t, toPage } from '../../libs/common';
import { recordTransition, transitionRow, TransitionEvent } from '../../libs/workflow';
import { AuditService } from '../audit/audit.service';
import { isSecretariat, Principal } from '../auth/principal';
import { AppConfig } from '../../libs/config/app-config';
import { DemoContext, DemoService } from '../demo/demo.service';
import { MailService } from '../mail/mail.service';
import { timelineOf, TimelineEntry } from '../projects/projects.service';
import { toCsv } from '../../libs/common';
import type {
  ApplicationListQuery,
  AssignReviewerDto,
  AuditLogQuery,
  ConfirmDto,
  CreateApplicationDto,
  CreateProgramDto,
  DecisionDto,
  GrantDto,
  ProgramListQuery,
  ReportDto,
  ReviewDto,
  UpdateApplicationDto,
} from './dto/subsidy.dto';
import { ApplicationStatus, BudgetItem, SubsidyApplication } from './entities/subsidy-application.entity';
import { SubsidyAttachment, SubsidyNotification, SubsidyReview, SubsidyReviewer } from './entities/subsidy-parts.entity';
import { Criterion, SubsidyProgram } from './entities/subsidy-program.entity';
import { ADOPTED, EDITABLE, subsidyWorkflow } from './subsidy.state';
import { checkAttachment, UploadedBlob } from './upload';

export type Access = 'secretariat' | 'applicant' | 'reviewer';
const MAX_ATTACHMENTS = 20;
/** statuses whose granted amount counts against the programme budget */
const GRANTED: ApplicationStatus[] = ['grant_decided', 'report_submitted', 'completed'];

export interface ProgramTotals {
  applications: number;
  submitted: number;
  underReview: number;
  adopted: number;
  rejected: number;
  grantedTotal: number;
  confirmedTotal: number;
  remainingBudget: number | null;
}

export interface ProgramView {
  id: string;
  title: string;
  description: string;
  maxAmountPerProject: number;
  /** a fraction of the total cost, 0 < rate ≤ 1 */
  subsidyRate: number;
  subsidyRatePercent: number;
  budgetTotal: number | null;
  opensAt: Date;
  closesAt: Date;
  isOpen: boolean;
  requiresMunicipalPartner: boolean;
  criteria: Criterion[];
  fiscalYear: number;
  reviewers: { displayName: string; organizationName: string | null }[];
  totals?: ProgramTotals;
  createdAt: Date;
}

export interface ReviewView {
  reviewer: { id: string; displayName: string; organizationName: string | null };
  scores: Record<string, number>;
  weightedScore: number;
  comment: string;
  submittedAt: Date;
}

export interface ApplicationView {
  id: string;
  program: { id: string; title: string; maxAmountPerProject: number; subsidyRate: number; requiresMunicipalPartner: boolean };
  status: ApplicationStatus;
  title: string;
  summary: string;
  requestedAmount: number;
  totalCost: number;
  budgetItems: BudgetItem[];
  organization: { id: string; name: string };
  municipalPartner: { id: string; name: string } | null;
  project: { id: string; title: string } | null;
  grantedAmount: number | null;
  confirmedAmount: number | null;
  actualCost: number | null;
  outcome: string | null;
  returnComment: string | null;
  decisionComment: string | null;
  submittedAt: Date | null;
  decidedAt: Date | null;
  reportedAt: Date | null;
  completedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ApplicationDetail extends ApplicationView {
  access: Access;
  attachments: { id: string; kind: string; filename: string; mediaType: string; sizeBytes: number; createdAt: Date }[];
  history: TimelineEntry[];
  reviewers?: { id: string; displayName: string; organizationName: string | null; submitted: boolean }[];
  reviews?: ReviewView[];
  reviewSummary?: {
    count: number;
    averageWeighted: number | null;
    byCriterion: { key: string; label: string; weight: number; average: number | null }[];
  };
  myReview?: ReviewView | null;
  remainingBudget?: number | null;
}

const floorRate = (total: number, rate: number) => Math.floor((total * Math.round(rate * 1_000_000)) / 1_000_000);

@Injectable()
export class SubsidiesService implements OnModuleInit {
  private readonly logger = new Logger(SubsidiesService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    private readonly demo: DemoService,
  ) {}

  onModuleInit(): void {
    // the workflow's event: every step is told to the applicant (e-mail + in-app), in the same transaction
    subsidyWorkflow.on('notify-applicant', (m, ev) => this.notifyApplicant(m, ev));
    this.demo.register({ name: 'subsidies', order: 60, run: (ctx) => this.seedDemo(ctx) });
  }

  private uploadsDir(): string {
    return this.config.resolveData('uploads', 'subsidies');
  }

  // ---------------------------------------------------------------- programmes

  async createProgram(p: Principal, dto: CreateProgramDto, ip?: string): Promise<ProgramView> {
    const opensAt = new Date(dto.opensAt);
    const closesAt = new Date(dto.closesAt);
    if (!(closesAt.getTime() > opensAt.getTime()))
      throw new AppError(400, 'subsidies.windowOrder', {}, { closesAt: ['subsidies.windowOrder'] });
    const criteria = dto.criteria ?? [];
    if (new Set(criteria.map((c) => c.key)).size !== criteria.length)
      throw new AppError(400, 'subsidies.duplicateCriterion', {}, { criteria: ['subsidies.duplicateCriterion'] });
    const id = await this.db.transaction(async (m) => {
      const program = await m.save(
        m.create(SubsidyProgram, {
          title: dto.title,
          description: dto.description ?? '',
          maxAmountPerProject: dto.maxAmountPerProject ?? 1_000_000,
          subsidyRate: dto.subsidyRate,
          budgetTotal: dto.budgetTotal ?? null,
          opensAt,
          closesAt,
          requiresMunicipalPartner: dto.requiresMunicipalPartner,
          criteria: criteria.map((c) => ({ key: c.key, label: c.label, weight: c.weight })),
          fiscalYear: fiscalYearOf(opensAt),
          createdBy: p.userId,
        }),
      );
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'subsidy.program.create',
          subjectType: 'subsidy_program',
          subjectId: program.id,
          ip,
          data: { maxAmountPerProject: program.maxAmountPerProject, subsidyRate: program.subsidyRate, budgetTotal: program.budgetTotal },
        },
        m,
      );
      return program.id;
    });
    return this.getProgram(id, p);
  }

  async listPrograms(q: ProgramListQuery, p?: Principal): Promise<Page<ProgramView>> {
    const qb = this.db.getRepository(SubsidyProgram).createQueryBuilder('s').orderBy('s.opens_at', 'DESC').addOrderBy('s.id');
    if (q.open) qb.where('s.opens_at <= now() AND s.closes_at > now()');
    const [rows, total] = await qb
      .skip((q.page - 1) * q.perPage)
      .take(q.perPage)
      .getManyAndCount();
    const items = await Promise.all(rows.map((r) => this.toProgramView(r, p)));
    return toPage(items, total, q);
  }

  async getProgram(id: string, p?: Principal): Promise<ProgramView> {
    const program = await this.db.getRepository(SubsidyProgram).findOne({ where: { id } });
    if (!program) throw new AppError(404, 'notFound');
    return this.toProgramView(program, p);
  }

  private async toProgramView(s: SubsidyProgram, p?: Principal): Promise<ProgramView> {
    const now = Date.now();
    // who reviews is the secretariat's to know: applicants and the public are not told
    const reviewers: { display_name: string; org_name: string | null }[] = !isSecretariat(p)
      ? []
      : await this.db.query(
          `SELECT DISTINCT u.display_name, o.name AS org_name FROM subsidy_reviewers r JOIN subsidy_applications a ON a.id = r.application_id
       JOIN users u ON u.id = r.reviewer_id LEFT JOIN organizations o ON o.id = u.organization_id WHERE a.program_id = $1 ORDER BY u.display_name`,
          [s.id],
        );
    return {
      id: s.id,
      title: s.title,
      description: s.description,
      maxAmountPerProject: s.maxAmountPerProject,
      subsidyRate: s.subsidyRate,
      subsidyRatePercent: Math.round(s.subsidyRate * 10000) / 100,
      budgetTotal: s.budgetTotal,
      opensAt: s.opensAt,
      closesAt: s.closesAt,
      isOpen: s.opensAt.getTime() <= now && now < s.closesAt.getTime(),
      requiresMunicipalPartner: s.requiresMunicipalPartner,
      criteria: s.criteria,
      fiscalYear: s.fiscalYear,
      reviewers: reviewers.map((r) => ({ displayName: r.display_name, organizationName: r.org_name })),
      ...(isSecretariat(p) ? { totals: await this.programTotals(s.id) } : {}),
      createdAt: s.createdAt,
    };
  }

  /** Applications (submitted at least once), adopted, granted and confirmed yen of one programme. */
  async programTotals(programId: string, m: EntityManager = this.db.manager): Promise<ProgramTotals> {
    const [r] = await m.query(
      `SELECT count(*) FILTER (WHERE a.submitted_at IS NOT NULL)::int AS applications,
              count(*) FILTER (WHERE a.status IN ('submitted', 'returned'))::int AS submitted,
              count(*) FILTER (WHERE a.status = 'under_review')::int AS under_review,
              count(*) FILTER (WHERE a.status = ANY($2))::int AS adopted,
              count(*) FILTER (WHERE a.status = 'rejected')::int AS rejected,
              coalesce(sum(a.granted_amount) FILTER (WHERE a.status = ANY($3)), 0)::bigint AS granted,
              coalesce(sum(a.confirmed_amount) FILTER (WHERE a.status = 'completed'), 0)::bigint AS confirmed,
              (SELECT budget_total FROM subsidy_programs WHERE id = $1) AS budget
         FROM subsidy_applications a WHERE a.program_id = $1`,
      [programId, ADOPTED, GRANTED],
    );
    const grantedTotal = Number(r.granted);
    return {
      applications: r.applications,
      submitted: r.submitted,
      underReview: r.under_review,
      adopted: r.adopted,
      rejected: r.rejected,
      grantedTotal,
      confirmedTotal: Number(r.confirmed),
      remainingBudget: r.budget === null || r.budget === undefined ? null : Number(r.budget) - grantedTotal,
    };
  }

  /** For the forum figures: applications, adopted, yen granted and confirmed (by the programme's fiscal year). */
  async figures(fiscalYear?: number): Promise<{ applications: number; adopted: number; grantedTotal: number; confirmedTotal: number }> {
    const params: unknown[] = [ADOPTED, GRANTED];
    let where = '';
    if (fiscalYear) {
      params.push(fiscalYear);
      where = `AND s.fiscal_year = $3`;
    }
    const [r] = await this.db.query(
      `SELECT count(*) FILTER (WHERE a.submitted_at IS NOT NULL)::int AS applications,
              count(*) FILTER (WHERE a.status = ANY($1))::int AS adopted,
              coalesce(sum(a.granted_amount) FILTER (WHERE a.status = ANY($2)), 0)::bigint AS granted,
              coalesce(sum(a.confirmed_amount) FILTER (WHERE a.status = 'completed'), 0)::bigint AS confirmed
         FROM subsidy_applications a JOIN subsidy_programs s ON s.id = a.program_id WHERE true ${where}`,
      params,
    );
    return { applications: r.applications, adopted: r.adopted, grantedTotal: Number(r.granted), confirmedTotal: Number(r.confirmed) };
  }

  // ---------------------------------------------------------------- applications

  /** 400 unless requested ≤ cap and ≤ floor(total cost × rate). Returns the total cost. */
  private checkAmounts(program: SubsidyProgram, requested: number, items: BudgetItem[]): number {
    const totalCost = items.reduce((a, i) => a + i.amount, 0);
    if (totalCost > 2_000_000_000) throw new AppError(400, 'subsidies.totalTooLarge', {}, { budgetItems: ['subsidies.totalTooLarge'] });
    if (requested > program.maxAmountPerProject)
      throw new AppError(400, 'subsidies.overCap', { cap: program.maxAmountPerProject }, { requestedAmount: ['subsidies.overCap'] });
    const byRate = floorRate(totalCost, program.subsidyRate);
    if (requested > byRate)
      throw new AppError(
        400,
        'subsidies.overRate',
        { max: byRate, percent: Math.round(program.subsidyRate * 10000) / 100 },
        { requestedAmount: ['subsidies.overRate'] },
      );
    return totalCost;
  }

  private async checkPartner(m: EntityManager, id: string | null | undefined): Promise<void> {
    if (!id) return;
    const [org] = await m.query(`SELECT kind FROM organizations WHERE id = $1`, [id]);
    if (!org || org.kind !== 'municipality')
      throw new AppError(
        400,
        'subsidies.partnerNotMunicipality',
        {},
        { municipalPartnerOrganizationId: ['subsidies.partnerNotMunicipality'] },
      );
  }

  private async checkProject(m: EntityManager, projectId: string | null | undefined, organizationId: string): Promise<void> {
    if (!projectId) return;
    const [row] = await m.query(
      `SELECT p.coordinator_organization_id = $2 OR EXISTS (SELECT 1 FROM project_organizations po WHERE po.project_id = p.id AND po.organization_id = $2) AS mine
         FROM projects p WHERE p.id = $1`,
      [projectId, organizationId],
    );
    if (!row) throw new AppError(400, 'subsidies.unknownProject', {}, { projectId: ['subsidies.unknownProject'] });
    if (!row.mine) throw new AppError(400, 'subsidies.notYourProject', {}, { projectId: ['subsidies.notYourProject'] });
  }

  /** A member organisation drafts an application. */
  async createApplication(p: Principal, programId: string, dto: CreateApplicationDto, ip?: string): Promise<ApplicationDetail> {
    if (!p.organizationId || p.organizationKind === 'secretariat') throw new AppError(403, 'subsidies.membersOnly');
    const orgId = p.organizationId;
    const id = await this.db.transaction(async (m) => {
      const program = await m.findOne(SubsidyProgram, { where: { id: programId } });
      if (!program) throw new AppError(404, 'notFound');
      const items = dto.budgetItems.map((i) => ({ item: i.item, amount: i.amount }));
      const totalCost = this.checkAmounts(program, dto.requestedAmount, items);
      await this.checkPartner(m, dto.municipalPartnerOrganizationId);
      await this.checkProject(m, dto.projectId, orgId);
      const app = await m.save(
        m.create(SubsidyApplication, {
          programId,
          organizationId: orgId,
          createdBy: p.userId,
          title: dto.title,
          summary: dto.summary,
          requestedAmount: dto.requestedAmount,
          totalCost,
          budgetItems: items,
          municipalPartnerOrganizationId: dto.municipalPartnerOrganizationId ?? null,
          projectId: dto.projectId ?? null,
          status: 'draft',
        }),
      );
      await recordTransition(m, subsidyWorkflow, { subjectId: app.id, from: null, to: 'draft', actorId: p.userId });
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'subsidy.application.create',
          subjectType: 'subsidy_application',
          subjectId: app.id,
          ip,
          data: { requestedAmount: dto.requestedAmount, totalCost },
        },
        m,
      );
      return app.id;
    });
    return this.detail(id, p);
  }

  /** The applicant corrects a draft or a returned application. Money changes are audited. */
  async updateApplication(p: Principal, id: string, dto: UpdateApplicationDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await this.lockApplication(m, id);
      await this.requireApplicant(m, app, p);
      if (!EDITABLE.includes(app.status)) throw new AppError(409, 'subsidies.notEditable', { status: app.status });
      const program = await m.findOneOrFail(SubsidyProgram, { where: { id: app.programId } });
      const items = dto.budgetItems ? dto.budgetItems.map((i) => ({ item: i.item, amount: i.amount })) : app.budgetItems;
      const requested = dto.requestedAmount ?? app.requestedAmount;
      const totalCost = this.checkAmounts(program, requested, items);
      if (dto.municipalPartnerOrganizationId !== undefined) await this.checkPartner(m, dto.municipalPartnerOrganizationId);
      if (dto.projectId) await this.checkProject(m, dto.projectId, app.organizationId);
      const patch: Partial<SubsidyApplication> = { requestedAmount: requested, totalCost, budgetItems: items };
      if (dto.title !== undefined) patch.title = dto.title;
      if (dto.summary !== undefined) patch.summary = dto.summary;
      if (dto.municipalPartnerOrganizationId !== undefined)
        patch.municipalPartnerOrganizationId = dto.municipalPartnerOrganizationId ?? null;
      if (dto.projectId !== undefined) patch.projectId = dto.projectId ?? null;
      await m.update(SubsidyApplication, { id }, patch);
      if (requested !== app.requestedAmount || totalCost !== app.totalCost) {
        await this.audit.record(
          {
            actorId: p.userId,
            action: 'subsidy.application.amounts',
            subjectType: 'subsidy_application',
            subjectId: id,
            ip,
            data: { requestedAmount: { from: app.requestedAmount, to: requested }, totalCost: { from: app.totalCost, to: totalCost } },
          },
          m,
        );
      }
    });
    return this.detail(id, p);
  }

  /** Submission (and resubmission after a return). First submission only inside the window; partner when required. */
  async submit(p: Principal, id: string, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await this.lockApplication(m, id);
      await this.requireApplicant(m, app, p);
      subsidyWorkflow.assert(app.status, 'submitted');
      const program = await m.findOneOrFail(SubsidyProgram, { where: { id: app.programId } });
      const now = Date.now();
      if (app.status === 'draft' && now < program.opensAt.getTime()) throw new AppError(409, 'subsidies.notOpenYet');
      if (app.status === 'draft' && now >= program.closesAt.getTime()) throw new AppError(409, 'subsidies.windowClosed');
      if (program.requiresMunicipalPartner && !app.municipalPartnerOrganizationId) throw new AppError(409, 'subsidies.partnerRequired');
      this.checkAmounts(program, app.requestedAmount, app.budgetItems);
      await transitionRow(
        m,
        subsidyWorkflow,
        { table: 'subsidy_applications', id, set: { submitted_at: new Date(), updated_at: new Date() } },
        { from: app.status, to: 'submitted', actorId: p.userId },
      );
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'subsidy.application.submit',
          subjectType: 'subsidy_application',
          subjectId: id,
          ip,
          data: { requestedAmount: app.requestedAmount },
        },
        m,
      );
    });
    return this.detail(id, p);
  }

  /** From draft, submitted or returned only: once under review there is no withdrawing (409). */
  async withdraw(p: Principal, id: string, comment?: string, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await this.lockApplication(m, id);
      await this.requireApplicant(m, app, p);
      await transitionRow(
        m,
        subsidyWorkflow,
        { table: 'subsidy_applications', id, set: { updated_at: new Date() } },
        { from: app.status, to: 'withdrawn', actorId: p.userId, comment: comment ?? null },
      );
      await this.audit.record(
        { actorId: p.userId, action: 'subsidy.application.withdraw', subjectType: 'subsidy_application', subjectId: id, ip },
        m,
      );
    });
    return this.detail(id, p);
  }

  /** 差戻し: back to the applicant with a comment (told by e-mail and in-app). */
  async returnForCorrection(p: Principal, id: string, comment: string, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await this.lockApplication(m, id);
      await transitionRow(
        m,
        subsidyWorkflow,
        { table: 'subsidy_applications', id, set: { return_comment: comment, updated_at: new Date() } },
        { from: app.status, to: 'returned', actorId: p.userId, comment },
      );
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'subsidy.application.return',
          subjectType: 'subsidy_application',
          subjectId: id,
          ip,
          data: { comment },
        },
        m,
      );
    });
    return this.detail(id, p);
  }

  async startReview(p: Principal, id: string, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await this.lockApplication(m, id);
      await transitionRow(
        m,
        subsidyWorkflow,
        { table: 'subsidy_applications', id, set: { updated_at: new Date() } },
        { from: app.status, to: 'under_review', actorId: p.userId },
      );
      await this.audit.record(
        { actorId: p.userId, action: 'subsidy.application.startReview', subjectType: 'subsidy_application', subjectId: id, ip },
        m,
      );
    });
    return this.detail(id, p);
  }

  /** The secretariat assigns a reviewer (a user of another organisation than the applicant's). */
  async assignReviewer(p: Principal, id: string, dto: AssignReviewerDto, ip?: string): Promise<ApplicationDetail> {
    if (!dto.userId && !dto.email) throw new AppError(400, 'subsidies.reviewerMissing', {}, { email: ['subsidies.reviewerMissing'] });
    await this.db.transaction(async (m) => {
      const app = await this.lockApplication(m, id);
      if (!['submitted', 'returned', 'under_review'].includes(app.status)) throw new AppError(409, 'subsidies.reviewClosed');
      const [user] = dto.userId
        ? await m.query(`SELECT id, email, display_name, organization_id FROM users WHERE id = $1 AND status = 'active'`, [dto.userId])
        : await m.query(`SELECT id, email, display_name, organization_id FROM users WHERE email = $1 AND status = 'active'`, [
            dto.email!.trim().toLowerCase(),
          ]);
      const field = dto.userId ? 'userId' : 'email';
      if (!user) throw new AppError(400, 'subsidies.unknownReviewer', {}, { [field]: ['subsidies.unknownReviewer'] });
      if (user.organization_id === app.organizationId)
        throw new AppError(400, 'subsidies.ownOrganization', {}, { [field]: ['subsidies.ownOrganization'] });
      const inserted: unknown[] = await m.query(
        `INSERT INTO subsidy_reviewers (application_id, reviewer_id, assigned_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING reviewer_id`,
        [id, user.id, p.userId],
      );
      if (!inserted.length) return;
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'subsidy.reviewer.assign',
          subjectType: 'subsidy_application',
          subjectId: id,
          ip,
          data: { reviewerId: user.id },
        },
        m,
      );
      await this.mail.send(
        {
          to: user.email,
          template: 'subsidyReviewerAssigned',
          params: { name: user.display_name, title: app.title, link: `/subsidies/applications/${id}` },
        },
        m,
      );
    });
    return this.detail(id, p);
  }

  /** A reviewer scores each criterion 1–5 with a comment; once. Not their own organisation's application. */
  async review(p: Principal, id: string, dto: ReviewDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await m.findOne(SubsidyApplication, { where: { id } });
      if (!app) throw new AppError(404, 'notFound');
      const assigned = await m.count(SubsidyReviewer, { where: { applicationId: id, reviewerId: p.userId } });
      if (!assigned) {
        await this.accessOf(m, app, p); // 404 when the caller may not even see it
        throw new AppError(403, 'subsidies.notReviewer');
      }
      if (p.organizationId === app.organizationId) throw new AppError(403, 'subsidies.ownOrganization');
      if (app.status !== 'under_review') throw new AppError(409, 'subsidies.notUnderReview');
      const program = await m.findOneOrFail(SubsidyProgram, { where: { id: app.programId } });
      const { scores, weighted } = this.scoreOf(program.criteria, dto);
      if ((await m.count(SubsidyReview, { where: { applicationId: id, reviewerId: p.userId } })) > 0)
        throw new AppError(409, 'subsidies.alreadyReviewed');
      await m.insert(SubsidyReview, { applicationId: id, reviewerId: p.userId, scores, weightedScore: weighted, comment: dto.comment });
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'subsidy.review.submit',
          subjectType: 'subsidy_application',
          subjectId: id,
          ip,
          data: { scores, weightedScore: weighted },
        },
        m,
      );
    });
    return this.detail(id, p);
  }

  private scoreOf(criteria: Criterion[], dto: ReviewDto): { scores: Record<string, number>; weighted: number } {
    const ok = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 5;
    if (!criteria.length) {
      if (!ok(dto.score) || dto.scores) throw new AppError(400, 'subsidies.badScores', {}, { score: ['subsidies.badScores'] });
      return { scores: { score: dto.score! }, weighted: dto.score! };
    }
    const given = dto.scores ?? {};
    const keys = Object.keys(given);
    const bad = criteria.filter((c) => !ok(given[c.key])).map((c) => c.key);
    const extra = keys.filter((k) => !criteria.some((c) => c.key === k));
    if (bad.length || extra.length || dto.score !== undefined) {
      const fields: Record<string, string[]> = { scores: ['subsidies.badScores'] };
      for (const k of [...bad, ...extra]) fields[`scores.${k}`] = ['subsidies.badScores'];
      throw new AppError(400, 'subsidies.badScores', {}, fields);
    }
    const scores = Object.fromEntries(criteria.map((c) => [c.key, given[c.key]]));
    const wsum = criteria.reduce((a, c) => a + c.weight, 0);
    const weighted = Math.round((criteria.reduce((a, c) => a + c.weight * given[c.key], 0) / wsum) * 1000) / 1000;
    return { scores, weighted };
  }

  /**
   * 採択/不採択. `adopted` with a grantedAmount also records the grant decision (交付決定) → grant_decided.
   * The application row and then its programme are locked, so two decisions cannot both win (the second is 409)
   * and grants never exceed the programme budget.
   */
  async decide(p: Principal, id: string, dto: DecisionDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await this.lockApplication(m, id);
      const program = await this.lockProgram(m, app.programId);
      const to = dto.decision;
      subsidyWorkflow.assert(app.status, to);
      if (to === 'rejected' && dto.grantedAmount !== undefined)
        throw new AppError(400, 'subsidies.grantOnRejection', {}, { grantedAmount: ['subsidies.grantOnRejection'] });
      const now = new Date();
      await transitionRow(
        m,
        subsidyWorkflow,
        { table: 'subsidy_applications', id, set: { decided_at: now, decision_comment: dto.comment ?? null, updated_at: now } },
        { from: app.status, to, actorId: p.userId, comment: dto.comment ?? null },
      );
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'subsidy.decision',
          subjectType: 'subsidy_application',
          subjectId: id,
          ip,
          data: { decision: to, comment: dto.comment ?? null },
        },
        m,
      );
      if (to === 'adopted' && dto.grantedAmount !== undefined)
        await this.recordGrant(m, p, app, program, dto.grantedAmount, dto.comment ?? null, ip);
    });
    return this.detail(id, p);
  }

  /** 交付決定 for an application adopted without an amount. */
  async grant(p: Principal, id: string, dto: GrantDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await this.lockApplication(m, id);
      const program = await this.lockProgram(m, app.programId);
      subsidyWorkflow.assert(app.status, 'grant_decided');
      await this.recordGrant(m, p, app, program, dto.grantedAmount, dto.comment ?? null, ip);
    });
    return this.detail(id, p);
  }

  private async recordGrant(
    m: EntityManager,
    p: Principal,
    app: SubsidyApplication,
    program: SubsidyProgram,
    amount: number,
    comment: string | null,
    ip?: string,
  ): Promise<void> {
    if (amount > app.requestedAmount)
      throw new AppError(
        400,
        'subsidies.grantOverRequested',
        { requested: app.requestedAmount },
        { grantedAmount: ['subsidies.grantOverRequested'] },
      );
    if (amount > program.maxAmountPerProject)
      throw new AppError(400, 'subsidies.overCap', { cap: program.maxAmountPerProject }, { grantedAmount: ['subsidies.overCap'] });
    if (program.budgetTotal !== null) {
      const { remainingBudget } = await this.programTotals(program.id, m);
      if (remainingBudget !== null && amount > remainingBudget)
        throw new AppError(409, 'subsidies.budgetExceeded', { remaining: remainingBudget });
    }
    await transitionRow(
      m,
      subsidyWorkflow,
      { table: 'subsidy_applications', id: app.id, set: { granted_amount: amount, updated_at: new Date() } },
      { from: 'adopted', to: 'grant_decided', actorId: p.userId, comment },
    );
    await this.audit.record(
      {
        actorId: p.userId,
        action: 'subsidy.grant',
        subjectType: 'subsidy_application',
        subjectId: app.id,
        ip,
        data: { grantedAmount: { from: app.grantedAmount, to: amount }, requestedAmount: app.requestedAmount },
      },
      m,
    );
  }

  /** 実績報告: the applicant reports the actual cost and outcomes. */
  async report(p: Principal, id: string, dto: ReportDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await this.lockApplication(m, id);
      await this.requireApplicant(m, app, p);
      await transitionRow(
        m,
        subsidyWorkflow,
        {
          table: 'subsidy_applications',
          id,
          set: { actual_cost: dto.actualCost, outcome: dto.outcome, reported_at: new Date(), updated_at: new Date() },
        },
        { from: app.status, to: 'report_submitted', actorId: p.userId },
      );
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'subsidy.report',
          subjectType: 'subsidy_application',
          subjectId: id,
          ip,
          data: { actualCost: dto.actualCost },
        },
        m,
      );
    });
    return this.detail(id, p);
  }

  /** 額の確定: the final amount, at most the granted amount. */
  async confirm(p: Principal, id: string, dto: ConfirmDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await this.lockApplication(m, id);
      subsidyWorkflow.assert(app.status, 'completed');
      if (app.grantedAmount === null || dto.confirmedAmount > app.grantedAmount)
        throw new AppError(
          400,
          'subsidies.confirmedOverGranted',
          { granted: app.grantedAmount },
          { confirmedAmount: ['subsidies.confirmedOverGranted'] },
        );
      await transitionRow(
        m,
        subsidyWorkflow,
        {
          table: 'subsidy_applications',
          id,
          set: { confirmed_amount: dto.confirmedAmount, completed_at: new Date(), updated_at: new Date() },
        },
        { from: app.status, to: 'completed', actorId: p.userId, comment: dto.comment ?? null },
      );
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'subsidy.confirm',
          subjectType: 'subsidy_application',
          subjectId: id,
          ip,
          data: { confirmedAmount: dto.confirmedAmount, grantedAmount: app.grantedAmount },
        },
        m,
      );
    });
    return this.detail(id, p);
  }

  // ---------------------------------------------------------------- attachments

  /**
   * Content checked (magic bytes vs the name's extension → 415) before anything is written; the file goes to
   * DATA_DIR/uploads under a random key, then the row is inserted; if the row fails, the file is removed.
   */
  async addAttachment(p: Principal, id: string, file: UploadedBlob | undefined, kindInput: string | undefined, ip?: string) {
    const app = await this.db.getRepository(SubsidyApplication).findOne({ where: { id } });
    if (!app) throw new AppError(404, 'notFound');
    await this.requireApplicant(this.db.manager, app, p);
    const kind = kindInput === 'report' ? 'report' : 'application';
    if (kind === 'application' && !EDITABLE.includes(app.status)) throw new AppError(409, 'subsidies.notEditable', { status: app.status });
    if (kind === 'report' && app.status !== 'grant_decided') throw new AppError(409, 'subsidies.reportClosed');
    if (!file || !file.size) throw new AppError(400, 'subsidies.fileMissing', {}, { file: ['subsidies.fileMissing'] });
    const { filename, mediaType } = checkAttachment(file);
    const storageKey = randomUUID().replace(/-/g, '');
    const dir = this.uploadsDir();
    const target = path.join(dir, storageKey);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(`${target}.part`, file.buffer, { flag: 'wx' });
    await fs.rename(`${target}.part`, target);
    try {
      return await this.db.transaction(async (m) => {
        const locked = await this.lockApplication(m, id);
        if (kind === 'application' && !EDITABLE.includes(locked.status))
          throw new AppError(409, 'subsidies.notEditable', { status: locked.status });
        if (kind === 'report' && locked.status !== 'grant_decided') throw new AppError(409, 'subsidies.reportClosed');
        if ((await m.count(SubsidyAttachment, { where: { applicationId: id } })) >= MAX_ATTACHMENTS)
          throw new AppError(409, 'subsidies.tooManyFiles', { n: MAX_ATTACHMENTS });
        const row = await m.save(
          m.create(SubsidyAttachment, {
            applicationId: id,
            kind,
            filename,
            mediaType,
            sizeBytes: file.size,
            storageKey,
            sha256: createHash('sha256').update(file.buffer).digest('hex'),
            uploadedBy: p.userId,
          }),
        );
        await this.audit.record(
          {
            actorId: p.userId,
            action: 'subsidy.attachment.add',
            subjectType: 'subsidy_application',
            subjectId: id,
            ip,
            data: { attachmentId: row.id, filename, sizeBytes: file.size },
          },
          m,
        );
        return {
          id: row.id,
          kind: row.kind,
          filename: row.filename,
          mediaType: row.mediaType,
          sizeBytes: row.sizeBytes,
          createdAt: row.createdAt,
        };
      });
    } catch (err) {
      await fs.rm(target, { force: true });
      throw err;
    }
  }

  async removeAttachment(p: Principal, id: string, attachmentId: string, ip?: string): Promise<void> {
    const key = await this.db.transaction(async (m) => {
      const app = await this.lockApplication(m, id);
      await this.requireApplicant(m, app, p);
      const att = await m.findOne(SubsidyAttachment, { where: { id: attachmentId, applicationId: id } });
      if (!att) throw new AppError(404, 'notFound');
      const open = att.kind === 'report' ? app.status === 'grant_decided' : EDITABLE.includes(app.status);
      if (!open) throw new AppError(409, 'subsidies.notEditable', { status: app.status });
      await m.delete(SubsidyAttachment, { id: att.id });
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'subsidy.attachment.remove',
          subjectType: 'subsidy_application',
          subjectId: id,
          ip,
          data: { attachmentId, filename: att.filename },
        },
        m,
      );
      return att.storageKey;
    });
    await fs.rm(path.join(this.uploadsDir(), key), { force: true });
  }

  /** Only the applicant organisation and the secretariat may download; anyone else gets 404. */
  async attachmentFile(
    p: Principal,
    id: string,
    attachmentId: string,
  ): Promise<{ path: string; filename: string; mediaType: string; sizeBytes: number }> {
    const app = await this.db.getRepository(SubsidyApplication).findOne({ where: { id } });
    if (!app || !(isSecretariat(p) || (p.organizationId && p.organizationId === app.organizationId))) throw new AppError(404, 'notFound');
    const att = await this.db.getRepository(SubsidyAttachment).findOne({ where: { id: attachmentId, applicationId: id } });
    if (!att) throw new AppError(404, 'notFound');
    return {
      path: path.join(this.uploadsDir(), att.storageKey),
      filename: att.filename,
      mediaType: att.mediaType,
      sizeBytes: att.sizeBytes,
    };
  }

  // ---------------------------------------------------------------- reading

  private async lockApplication(m: EntityManager, id: string): Promise<SubsidyApplication> {
    const app = await m.findOne(SubsidyApplication, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!app) throw new AppError(404, 'notFound');
    return app;
  }

  private async lockProgram(m: EntityManager, id: string): Promise<SubsidyProgram> {
    return m.findOneOrFail(SubsidyProgram, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Who the caller is to this application; 404 for anyone who may not see it. */
  private async accessOf(m: EntityManager, app: SubsidyApplication, p: Principal): Promise<Access> {
    if (isSecretariat(p)) return 'secretariat';
    if (p.organizationId && p.organizationId === app.organizationId) return 'applicant';
    if ((await m.count(SubsidyReviewer, { where: { applicationId: app.id, reviewerId: p.userId } })) > 0) return 'reviewer';
    throw new AppError(404, 'notFound');
  }

  /** Applicant-only steps: others who can see the application get 403, the rest 404. */
  private async requireApplicant(m: EntityManager, app: SubsidyApplication, p: Principal): Promise<void> {
    const access = await this.accessOf(m, app, p);
    if (access !== 'applicant') throw new AppError(403, 'subsidies.applicantOnly');
  }

  async detail(id: string, p: Principal): Promise<ApplicationDetail> {
    const m = this.db.manager;
    const app = await m.findOne(SubsidyApplication, { where: { id } });
    if (!app) throw new AppError(404, 'notFound');
    const access = await this.accessOf(m, app, p);
    const [view] = await this.toViews([app]);
    const attachments = await m.find(SubsidyAttachment, { where: { applicationId: id }, order: { createdAt: 'ASC' } });
    const detail: ApplicationDetail = {
      ...view,
      access,
      attachments: attachments.map((a) => ({
        id: a.id,
        kind: a.kind,
        filename: a.filename,
        mediaType: a.mediaType,
        sizeBytes: a.sizeBytes,
        createdAt: a.createdAt,
      })),
      history: await timelineOf(m, subsidyWorkflow.name, id),
    };
    if (access === 'applicant') return detail;

    const program = await m.findOneOrFail(SubsidyProgram, { where: { id: app.programId } });
    const assigned: { id: string; display_name: string; org_name: string | null }[] = await m.query(
      `SELECT u.id, u.display_name, o.name AS org_name FROM subsidy_reviewers r JOIN users u ON u.id = r.reviewer_id
       LEFT JOIN organizations o ON o.id = u.organization_id WHERE r.application_id = $1 ORDER BY r.assigned_at`,
      [id],
    );
    const reviews = await m.find(SubsidyReview, { where: { applicationId: id }, order: { submittedAt: 'ASC' } });
    const reviewerInfo = new Map(assigned.map((a) => [a.id, a]));
    const toReview = (r: SubsidyReview): ReviewView => {
      const a = reviewerInfo.get(r.reviewerId);
      return {
        reviewer: { id: r.reviewerId, displayName: a?.display_name ?? '', organizationName: a?.org_name ?? null },
        scores: r.scores,
        weightedScore: r.weightedScore,
        comment: r.comment,
        submittedAt: r.submittedAt,
      };
    };
    const mine = reviews.find((r) => r.reviewerId === p.userId);
    // a reviewer sees the others' scores only after submitting their own
    const visible = access === 'secretariat' || mine ? reviews : [];
    detail.reviewers = assigned.map((a) => ({
      id: a.id,
      displayName: a.display_name,
      organizationName: a.org_name,
      submitted: reviews.some((r) => r.reviewerId === a.id),
    }));
    detail.reviews = visible.map(toReview);
    detail.myReview = mine ? toReview(mine) : null;
    const avg = (xs: number[]) => (xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100 : null);
    detail.reviewSummary = {
      count: visible.length,
      averageWeighted: avg(visible.map((r) => r.weightedScore)),
      byCriterion: program.criteria.map((c) => ({
        ...c,
        average: avg(visible.map((r) => r.scores[c.key]).filter((x) => typeof x === 'number')),
      })),
    };
    if (access === 'secretariat') detail.remainingBudget = (await this.programTotals(program.id)).remainingBudget;
    return detail;
  }

  /** Secretariat: every application (filters); members: their organisation's and those they review. */
  async listApplications(p: Principal, q: ApplicationListQuery): Promise<Page<ApplicationView>> {
    const qb = this.db.getRepository(SubsidyApplication).createQueryBuilder('a');
    if (!isSecretariat(p)) {
      qb.where(
        '(a.organization_id = :org OR EXISTS (SELECT 1 FROM subsidy_reviewers r WHERE r.application_id = a.id AND r.reviewer_id = :uid))',
        {
          org: p.organizationId ?? '00000000-0000-0000-0000-000000000000',
          uid: p.userId,
        },
      );
    }
    if (q.status) qb.andWhere('a.status = :status', { status: q.status });
    if (q.programId) qb.andWhere('a.program_id = :programId', { programId: q.programId });
    qb.orderBy('a.updated_at', 'DESC').addOrderBy('a.id');
    const [rows, total] = await qb
      .skip((q.page - 1) * q.perPage)
      .take(q.perPage)
      .getManyAndCount();
    return toPage(await this.toViews(rows), total, q);
  }

  /** CSV of applications for the secretariat (UTF-8 BOM). */
  async applicationsCsv(p: Principal, programId?: string, ip?: string): Promise<string> {
    const params: unknown[] = [];
    let where = '';
    if (programId) {
      params.push(programId);
      where = 'WHERE a.program_id = $1';
    }
    const rows = await this.db.query(
      `SELECT a.id, s.title AS program, o.name AS applicant, a.title, a.status, a.requested_amount, a.total_cost, a.granted_amount, a.confirmed_amount,
              a.actual_cost, mp.name AS partner, a.submitted_at, a.decided_at, a.completed_at,
              (SELECT round(avg(r.weighted_score)::numeric, 2) FROM subsidy_reviews r WHERE r.application_id = a.id) AS score
         FROM subsidy_applications a JOIN subsidy_programs s ON s.id = a.program_id JOIN organizations o ON o.id = a.organization_id
         LEFT JOIN organizations mp ON mp.id = a.municipal_partner_organization_id ${where}
         ORDER BY s.opens_at DESC, a.submitted_at NULLS LAST, a.created_at`,
      params,
    );
    await this.audit.record({
      actorId: p.userId,
      action: 'subsidy.export',
      subjectType: 'subsidy_program',
      subjectId: programId,
      ip,
      data: { rows: rows.length },
    });
    const label = (s: string) => t('ja', `subsidies.statuses.${s}`);
    return toCsv(
      [
        'ID',
        '公募',
        '申請者',
        '件名',
        '状態',
        '申請額',
        '総事業費',
        '交付決定額',
        '確定額',
        '実績額',
        '連携市町村',
        '提出日時',
        '決定日時',
        '確定日時',
        '平均評点',
      ],
      rows.map((r: any) => [
        r.id,
        r.program,
        r.applicant,
        r.title,
        label(r.status),
        r.requested_amount,
        r.total_cost,
        r.granted_amount,
        r.confirmed_amount,
        r.actual_cost,
        r.partner,
        r.submitted_at,
        r.decided_at,
        r.completed_at,
        r.score,
      ]),
    );
  }

  /** The secretariat's work queue: to check (submitted), under review, reports to confirm, adopted awaiting a grant. */
  async workQueue(): Promise<{
    toCheck: ApplicationView[];
    underReview: ApplicationView[];
    toGrant: ApplicationView[];
    reportsToConfirm: ApplicationView[];
  }> {
    const by = async (status: ApplicationStatus) =>
      this.toViews(await this.db.getRepository(SubsidyApplication).find({ where: { status }, order: { updatedAt: 'ASC' }, take: 200 }));
    return {
      toCheck: await by('submitted'),
      underReview: await by('under_review'),
      toGrant: await by('adopted'),
      reportsToConfirm: await by('report_submitted'),
    };
  }

  /** Applications assigned to this reviewer. */
  async reviewAssignments(p: Principal): Promise<(ApplicationView & { reviewed: boolean })[]> {
    const rows: { application_id: string; reviewed: boolean }[] = await this.db.query(
      `SELECT r.application_id, EXISTS (SELECT 1 FROM subsidy_reviews v WHERE v.application_id = r.application_id AND v.reviewer_id = r.reviewer_id) AS reviewed
         FROM subsidy_reviewers r WHERE r.reviewer_id = $1 ORDER BY r.assigned_at DESC`,
      [p.userId],
    );
    if (!rows.length) return [];
    const apps = await this.db
      .getRepository(SubsidyApplication)
      .createQueryBuilder('a')
      .whereInIds(rows.map((r) => r.application_id))
      .getMany();
    const views = new Map((await this.toViews(apps)).map((v) => [v.id, v]));
    return rows.filter((r) => views.has(r.application_id)).map((r) => ({ ...views.get(r.application_id)!, reviewed: r.reviewed }));
  }

  /** In-app notices of the caller's organisation (newest first); marks them read. */
  async notifications(p: Principal, markRead = true) {
    if (!p.organizationId) return [];
    const rows: {
      id: string;
      application_id: string;
      status: string;
      comment: string | null;
      read_at: Date | null;
      created_at: Date;
      title: string;
    }[] = await this.db.query(
      `SELECT n.id, n.application_id, n.status, n.comment, n.read_at, n.created_at, a.title FROM subsidy_notifications n
         JOIN subsidy_applications a ON a.id = n.application_id WHERE n.organization_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT 50`,
      [p.organizationId],
    );
    if (markRead)
      await this.db.query(`UPDATE subsidy_notifications SET read_at = now() WHERE organization_id = $1 AND read_at IS NULL`, [
        p.organizationId,
      ]);
    return rows.map((r) => ({
      id: String(r.id),
      applicationId: r.application_id,
      title: r.title,
      status: r.status,
      comment: r.comment,
      unread: !r.read_at,
      createdAt: r.created_at,
    }));
  }

  /** Form options: municipality organisations (partners). */
  async municipalities(): Promise<{ id: string; name: string }[]> {
    return this.db.query(`SELECT id, name FROM organizations WHERE kind = 'municipality' ORDER BY municipality_code`);
  }

  /** The append-only audit log, newest first, for the secretariat. */
  async auditLog(q: AuditLogQuery) {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [col, v] of [
      ['subject_type', q.subjectType],
      ['subject_id', q.subjectId],
      ['action', q.action],
    ] as const) {
      if (v) {
        params.push(v);
        where.push(`l.${col} = $${params.length}`);
      }
    }
    const sql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM audit_log l ${sql}`, params);
    const limit = q.format === 'csv' ? 100000 : q.perPage;
    const offset = q.format === 'csv' ? 0 : (q.page - 1) * q.perPage;
    const rows: any[] = await this.db.query(
      `SELECT l.id, l.at, l.action, l.subject_type, l.subject_id, l.ip, l.data, l.actor_id, u.display_name, u.email
         FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id ${sql} ORDER BY l.id DESC LIMIT ${limit} OFFSET ${offset}`,
      params,
    );
    const items = rows.map((r) => ({
      id: String(r.id),
      at: r.at,
      action: r.action,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      actor: r.actor_id ? { id: r.actor_id, displayName: r.display_name, email: r.email } : null,
      ip: r.ip,
      data: r.data,
    }));
    return toPage(items, n, q);
  }

  /** The audit log as CSV; the export itself is audited. */
  async auditCsv(p: Principal, q: AuditLogQuery, ip?: string): Promise<string> {
    const { items } = await this.auditLog({ ...q, format: 'csv' });
    await this.audit.record({ actorId: p.userId, action: 'audit.export', subjectType: 'audit_log', ip, data: { rows: items.length } });
    return toCsv(
      ['ID', '日時', '操作', '対象の種類', '対象ID', '操作した人', 'メールアドレス', 'IP', '内容'],
      items.map((i) => [i.id, i.at, i.action, i.subjectType, i.subjectId, i.actor?.displayName, i.actor?.email, i.ip, i.data]),
    );
  }

  private async toViews(apps: SubsidyApplication[]): Promise<ApplicationView[]> {
    if (!apps.length) return [];
    const programs = await this.db
      .getRepository(SubsidyProgram)
      .createQueryBuilder('s')
      .whereInIds([...new Set(apps.map((a) => a.programId))])
      .getMany();
    const programById = new Map(programs.map((s) => [s.id, s]));
    const orgIds = [...new Set(apps.flatMap((a) => [a.organizationId, a.municipalPartnerOrganizationId]).filter((x): x is string => !!x))];
    const orgs: { id: string; name: string }[] = await this.db.query(`SELECT id, name FROM organizations WHERE id = ANY($1::uuid[])`, [
      orgIds,
    ]);
    const orgName = new Map(orgs.map((o) => [o.id, o.name]));
    const projectIds = [...new Set(apps.map((a) => a.projectId).filter((x): x is string => !!x))];
    const projects: { id: string; title: string }[] = projectIds.length
      ? await this.db.query(`SELECT id, title FROM projects WHERE id = ANY($1::uuid[])`, [projectIds])
      : [];
    const projectTitle = new Map(projects.map((x) => [x.id, x.title]));
    return apps.map((a) => {
      const s = programById.get(a.programId)!;
      return {
        id: a.id,
        program: {
          id: s.id,
          title: s.title,
          maxAmountPerProject: s.maxAmountPerProject,
          subsidyRate: s.subsidyRate,
          requiresMunicipalPartner: s.requiresMunicipalPartner,
        },
        status: a.status,
        title: a.title,
        summary: a.summary,
        requestedAmount: a.requestedAmount,
        totalCost: a.totalCost,
        budgetItems: a.budgetItems,
        organization: { id: a.organizationId, name: orgName.get(a.organizationId) ?? '' },
        municipalPartner: a.municipalPartnerOrganizationId
          ? { id: a.municipalPartnerOrganizationId, name: orgName.get(a.municipalPartnerOrganizationId) ?? '' }
          : null,
        project: a.projectId ? { id: a.projectId, title: projectTitle.get(a.projectId) ?? '' } : null,
        grantedAmount: a.grantedAmount,
        confirmedAmount: a.confirmedAmount,
        actualCost: a.actualCost,
        outcome: a.outcome,
        returnComment: a.returnComment,
        decisionComment: a.decisionComment,
        submittedAt: a.submittedAt,
        decidedAt: a.decidedAt,
        reportedAt: a.reportedAt,
        completedAt: a.completedAt,
        createdAt: a.createdAt,
        updatedAt: a.updatedAt,
      };
    });
  }

  // ---------------------------------------------------------------- notifications

  /** The workflow event → an in-app notice and an e-mail to the applicant, inside the transition's transaction. */
  private async notifyApplicant(m: EntityManager, ev: TransitionEvent<ApplicationStatus>): Promise<void> {
    if (ev.from === null) return; // created as a draft: nothing to tell
    const [row] = await m.query(
      `SELECT a.id, a.title, a.organization_id, a.granted_amount, a.confirmed_amount, u.email, u.display_name
         FROM subsidy_applications a JOIN users u ON u.id = a.created_by WHERE a.id = $1`,
      [ev.subjectId],
    );
    if (!row) return;
    await m.insert(SubsidyNotification, { organizationId: row.organization_id, applicationId: row.id, status: ev.to, comment: ev.comment });
    const lang = 'ja';
    const amount = ev.to === 'grant_decided' ? row.granted_amount : ev.to === 'completed' ? row.confirmed_amount : null;
    await this.mail.send(
      {
        to: row.email,
        template: 'subsidyStatus',
        lang,
        params: {
          name: row.display_name,
          title: row.title,
          status: t(lang, `subsidies.statuses.${ev.to}`),
          message: t(lang, `subsidies.mailMessages.${ev.to}`, {
            amount: amount === null ? '' : `${Number(amount).toLocaleString('ja-JP')}円`,
          }),
          comment: ev.comment ? t(lang, 'subsidies.mailComment', { comment: ev.comment }) : '',
          link: `/subsidies/applications/${row.id}`,
        },
      },
      m,
    );
  }

  // ---------------------------------------------------------------- demo

  private async seedDemo(ctx: DemoContext): Promise<void> {
    const [sec] = await this.db.query(`SELECT id FROM users WHERE 'secretariat' = ANY(roles) ORDER BY created_at LIMIT 1`);
    const secId: string = sec.id;
    const now = Date.now();
    const [project] = await this.db.query(`SELECT id FROM projects WHERE coordinator_organization_id = $1 LIMIT 1`, [ctx.orgs.mirai]);
    await this.db.transaction(async (m) => {
      const program = await m.save(
        m.create(SubsidyProgram, {
          title: `令和${fiscalYearOf(new Date()) - 2018}年度 プロジェクト推進補助金`,
          description: '府内の市町村や府の課題解決につながるプロジェクトの経費の一部を補助します。市町村との連携が必須です。',
          maxAmountPerProject: 1_000_000,
          subsidyRate: 0.5,
          budgetTotal: 5_000_000,
          opensAt: new Date(now - 14 * 86_400_000),
          closesAt: new Date(now + 45 * 86_400_000),
          requiresMunicipalPartner: true,
          criteria: [
            { key: 'novelty', label: '新規性', weight: 1 },
            { key: 'feasibility', label: '実現性', weight: 1 },
            { key: 'contribution', label: '地域課題への貢献', weight: 2 },
          ],
          fiscalYear: fiscalYearOf(new Date()),
          createdBy: secId,
        }),
      );
      const app = await m.save(
        m.create(SubsidyApplication, {
          programId: program.id,
          organizationId: ctx.orgs.mirai,
          createdBy: ctx.users.mirai,
          title: 'AIオンデマンドバス実証運行の車両・システム費',
          summary: '富田林市の郊外住宅地で、AIオンデマンドバスを3か月間実証運行するための車両リースと配車システムの費用です。',
          requestedAmount: 900_000,
          totalCost: 1_800_000,
          budgetItems: [
            { item: '車両リース費（3か月）', amount: 1_200_000 },
            { item: '配車システム利用料', amount: 600_000 },
          ],
          municipalPartnerOrganizationId: ctx.orgs.tondabayashi,
          projectId: project?.id ?? null,
          status: 'draft',
        }),
      );
      await recordTransition(m, subsidyWorkflow, { subjectId: app.id, from: null, to: 'draft', actorId: ctx.users.mirai });
      await transitionRow(
        m,
        subsidyWorkflow,
        { table: 'subsidy_applications', id: app.id, set: { submitted_at: new Date() } },
        { from: 'draft', to: 'submitted', actorId: ctx.users.mirai },
      );
      await transitionRow(
        m,
        subsidyWorkflow,
        { table: 'subsidy_applications', id: app.id },
        { from: 'submitted', to: 'under_review', actorId: secId },
      );
      await m.insert(SubsidyReviewer, { applicationId: app.id, reviewerId: ctx.users.univ, assignedBy: secId });
    });
    this.logger.log('demo subsidy programme and an application under review');
  }
}

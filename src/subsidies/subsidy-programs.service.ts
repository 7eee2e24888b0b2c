import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, fiscalYearOf, Page, toPage } from '../../libs/common';
import { AuditService } from '../audit/audit.service';
import { isSecretariat, Principal } from '../auth/principal';
import { MembersDirectory } from '../members/directory.service';
import type { CreateProgramDto, ProgramListQuery } from './dto/subsidy.dto';
import { SubsidyProgram } from './entities/subsidy-program.entity';
import { ADOPTED, ApplicationStatus, CONFIRMED, GRANTED, TO_CHECK } from './subsidy.state';
import type { ProgramTotals, ProgramView } from './subsidy.views';

/** states as SQL parameters, so that each is checked against the workflow table by the compiler */
const statuses = (...s: ApplicationStatus[]) => s;

/** Calls for applications (公募): creating, listing, and their totals. */
@Injectable()
export class SubsidyProgramsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly directory: MembersDirectory,
  ) {}

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
          withdrawalDaysAfterGrant: dto.withdrawalDaysAfterGrant ?? 10,
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

  /** The reviewers of a programme's applications, once each (by name), by name. */
  private async reviewersOf(programId: string): Promise<{ displayName: string; organizationName: string | null }[]> {
    const rows: { reviewer_id: string }[] = await this.db.query(
      `SELECT DISTINCT r.reviewer_id FROM subsidy_reviewers r JOIN subsidy_applications a ON a.id = r.application_id WHERE a.program_id = $1`,
      [programId],
    );
    const users = await this.directory.users(rows.map((r) => r.reviewer_id));
    const seen = new Map<string, { displayName: string; organizationName: string | null }>();
    for (const u of users.values()) seen.set(JSON.stringify([u.displayName, u.organizationName]), u);
    return [...seen.values()]
      .map((u) => ({ displayName: u.displayName, organizationName: u.organizationName }))
      .sort((a, b) => (a.displayName < b.displayName ? -1 : a.displayName > b.displayName ? 1 : 0));
  }

  private async toProgramView(s: SubsidyProgram, p?: Principal): Promise<ProgramView> {
    const now = Date.now();
    return {
      id: s.id,
      title: s.title,
      description: s.description,
      maxAmountPerProject: s.maxAmountPerProject,
      subsidyRate: s.subsidyRate,
      subsidyRatePercent: Math.round(s.subsidyRate * 10000) / 100,
      withdrawalDaysAfterGrant: s.withdrawalDaysAfterGrant,
      budgetTotal: s.budgetTotal,
      opensAt: s.opensAt,
      closesAt: s.closesAt,
      isOpen: s.opensAt.getTime() <= now && now < s.closesAt.getTime(),
      requiresMunicipalPartner: s.requiresMunicipalPartner,
      criteria: s.criteria,
      fiscalYear: s.fiscalYear,
      // who reviews is the secretariat's to know: applicants and the public are not told
      reviewers: isSecretariat(p) ? await this.reviewersOf(s.id) : [],
      ...(isSecretariat(p) ? { totals: await this.programTotals(s.id) } : {}),
      createdAt: s.createdAt,
    };
  }

  /** Applications (submitted at least once), adopted, granted and confirmed yen of one programme. */
  async programTotals(programId: string, m: EntityManager = this.db.manager): Promise<ProgramTotals> {
    const [r] = await m.query(
      `SELECT count(*) FILTER (WHERE a.submitted_at IS NOT NULL)::int AS applications,
              count(*) FILTER (WHERE a.status = ANY($4))::int AS submitted,
              count(*) FILTER (WHERE a.status = ANY($5))::int AS under_review,
              count(*) FILTER (WHERE a.status = ANY($2))::int AS adopted,
              count(*) FILTER (WHERE a.status = ANY($6))::int AS rejected,
              coalesce(sum(a.granted_amount) FILTER (WHERE a.status = ANY($3)), 0)::bigint AS granted,
              coalesce(sum(a.confirmed_amount) FILTER (WHERE a.status = ANY($7)), 0)::bigint AS confirmed,
              (SELECT budget_total FROM subsidy_programs WHERE id = $1) AS budget
         FROM subsidy_applications a WHERE a.program_id = $1`,
      [programId, ADOPTED, GRANTED, [...TO_CHECK, 'returned'], statuses('under_review'), statuses('rejected'), CONFIRMED],
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
}

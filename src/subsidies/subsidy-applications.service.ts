import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError } from '../../libs/common';
import { recordTransition } from '../../libs/workflow';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { MembersDirectory } from '../members/directory.service';
import { ProjectsService } from '../projects/projects.service';
import type { CreateApplicationDto, UpdateApplicationDto } from './dto/subsidy.dto';
import { SubsidyApplication } from './entities/subsidy-application.entity';
import { SubsidyProgram } from './entities/subsidy-program.entity';
import { SubsidyApplicationsReader } from './subsidy-reader.service';
import { lockApplication, requireApplicant } from './subsidy.access';
import { checkAmounts } from './subsidy.rules';
import { subsidyWorkflow, taskOpen } from './subsidy.state';
import type { ApplicationDetail } from './subsidy.views';

/** A member organisation drafts an application and corrects it while it is a draft or returned. */
@Injectable()
export class SubsidyApplicationsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly directory: MembersDirectory,
    private readonly projects: ProjectsService,
    private readonly reader: SubsidyApplicationsReader,
  ) {}

  private async checkPartner(m: EntityManager, id: string | null | undefined): Promise<void> {
    if (!id) return;
    const org = await this.directory.organization(id, m);
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
    const takesPart = await this.projects.takesPart(projectId, organizationId, m);
    if (takesPart === null) throw new AppError(400, 'subsidies.unknownProject', {}, { projectId: ['subsidies.unknownProject'] });
    if (!takesPart) throw new AppError(400, 'subsidies.notYourProject', {}, { projectId: ['subsidies.notYourProject'] });
  }

  async createApplication(p: Principal, programId: string, dto: CreateApplicationDto, ip?: string): Promise<ApplicationDetail> {
    if (!p.organizationId || p.organizationKind === 'secretariat') throw new AppError(403, 'subsidies.membersOnly');
    const orgId = p.organizationId;
    const id = await this.db.transaction(async (m) => {
      const program = await m.findOne(SubsidyProgram, { where: { id: programId } });
      if (!program) throw new AppError(404, 'notFound');
      const items = dto.budgetItems.map((i) => ({ item: i.item, amount: i.amount }));
      const totalCost = checkAmounts(program, dto.requestedAmount, items);
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
    return this.reader.detail(id, p);
  }

  /** The applicant corrects a draft or a returned application. Money changes are audited. */
  async updateApplication(p: Principal, id: string, dto: UpdateApplicationDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      await requireApplicant(m, app, p);
      if (!taskOpen('edit', app.status)) throw new AppError(409, 'subsidies.notEditable', { status: app.status });
      const program = await m.findOneOrFail(SubsidyProgram, { where: { id: app.programId } });
      const items = dto.budgetItems ? dto.budgetItems.map((i) => ({ item: i.item, amount: i.amount })) : app.budgetItems;
      const requested = dto.requestedAmount ?? app.requestedAmount;
      const totalCost = checkAmounts(program, requested, items);
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
    return this.reader.detail(id, p);
  }
}
